//! Rate limiting with a token bucket: a burst is allowed, a flood is not.

use std::time::Instant;

#[derive(Debug)]
pub struct TokenBucket {
    capacity: f64,
    per_second: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    pub fn new(capacity: u32, per_second: f64) -> Self {
        Self::new_at(capacity, per_second, Instant::now())
    }

    fn new_at(capacity: u32, per_second: f64, now: Instant) -> Self {
        Self {
            capacity: capacity.into(),
            per_second,
            tokens: capacity.into(),
            last: now,
        }
    }

    pub fn try_take(&mut self) -> bool {
        self.try_take_at(Instant::now())
    }

    fn try_take_at(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last);
        self.last = now;
        self.tokens = (self.tokens + elapsed.as_secs_f64() * self.per_second).min(self.capacity);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_burst_passes_then_the_rate_applies() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new_at(3, 2.0, start);
        assert!((0..3).all(|_| bucket.try_take_at(start)));
        assert!(!bucket.try_take_at(start));
        // Half a second at 2 per second earns exactly one more.
        let later = start + Duration::from_millis(500);
        assert!(bucket.try_take_at(later));
        assert!(!bucket.try_take_at(later));
        // A long pause refills only up to the burst size.
        let much_later = later + Duration::from_secs(60);
        assert_eq!(
            (0..10).filter(|_| bucket.try_take_at(much_later)).count(),
            3
        );
    }
}
