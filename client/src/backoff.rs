//! How long to wait before reconnecting: 0.5 s, doubling up to 10 s, reset
//! once the relay is ready for us again.

const FIRST_MS: u32 = 500;
const CAP_MS: u32 = 10_000;

pub(crate) struct Backoff {
    next_ms: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Self { next_ms: FIRST_MS }
    }
}

impl Backoff {
    pub fn reset(&mut self) {
        self.next_ms = FIRST_MS;
    }

    /// The next delay in milliseconds, before `jitter`.
    pub fn next_delay(&mut self) -> u32 {
        let delay = self.next_ms;
        self.next_ms = delay.saturating_mul(2).min(CAP_MS);
        delay
    }
}

/// Spreads a delay by ±20 % (`random` is in 0..1), so that the visitors and
/// agents a relay restart dropped together do not all return at once.
pub(crate) fn jitter(delay_ms: u32, random: f64) -> u32 {
    (f64::from(delay_ms) * (0.8 + 0.4 * random)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_cap_and_reset() {
        let mut backoff = Backoff::default();
        let delays: Vec<u32> = (0..7).map(|_| backoff.next_delay()).collect();
        assert_eq!(delays, [500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
        backoff.reset();
        assert_eq!(backoff.next_delay(), 500);
    }

    #[test]
    fn jitter_stays_within_a_fifth() {
        assert_eq!(jitter(1000, 0.0), 800);
        assert_eq!(jitter(1000, 0.5), 1000);
        assert!(jitter(1000, 0.999_999) <= 1200);
    }
}
