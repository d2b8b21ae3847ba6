//! How long to wait before reconnecting: 0.5 s, doubling up to 10 s, reset
//! once the relay has welcomed us again.

const FIRST_MS: u32 = 500;
const CAP_MS: u32 = 10_000;

pub struct Backoff {
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

    /// The next delay in milliseconds. It is jittered by ±20 % so that the
    /// visitors a relay restart dropped together (visitors and agents alike) do not all return at once.
    pub fn next_delay(&mut self) -> u32 {
        let base = self.next_ms;
        self.next_ms = base.saturating_mul(2).min(CAP_MS);
        let jitter = 0.8 + 0.4 * js_sys::Math::random();
        (f64::from(base) * jitter) as u32
    }
}
