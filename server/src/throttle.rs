//! Sign-in throttling with `governor`: per network address and per account,
//! each with a short and a long window, so a few mistakes cost nothing, a
//! burst waits seconds, and a sustained guessing run waits minutes per try.

use std::hash::Hash;
use std::net::IpAddr;
use std::time::Duration;

use crate::limits::{Limit, Rate};

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

/// A short and a long window over the same keys.
struct Windows<K: Hash + Eq + Clone> {
    short: Limit<K>,
    long: Limit<K>,
}

impl<K: Hash + Eq + Clone> Windows<K> {
    fn new(per_minute: u32, per_hour: u32) -> Self {
        // n per window: a burst of n, one more every window / n.
        let window = |n: u32, length: Duration| Rate {
            burst: n,
            every: length / n,
        };
        Self {
            short: Limit::new(window(per_minute, MINUTE)),
            long: Limit::new(window(per_hour, HOUR)),
        }
    }

    /// Counts an attempt; `Err` holds how long until the next is allowed.
    fn check(&self, key: &K) -> Result<(), Duration> {
        let waits = [&self.short, &self.long].map(|limit| limit.check(key).err());
        match waits.into_iter().flatten().max() {
            Some(wait) => Err(wait),
            None => Ok(()),
        }
    }
}

pub struct SignInThrottle {
    by_address: Windows<IpAddr>,
    by_account: Windows<String>,
}

impl Default for SignInThrottle {
    /// An office behind one address signs in far more often than one person.
    fn default() -> Self {
        Self {
            by_address: Windows::new(20, 100),
            by_account: Windows::new(5, 20),
        }
    }
}

impl SignInThrottle {
    /// Counts a sign-in attempt; `Err` holds how long to wait before the next.
    pub fn check(&self, address: IpAddr, email: &str) -> Result<(), Duration> {
        let account = email.trim().to_lowercase();
        let by_address = self.by_address.check(&address);
        let by_account = self.by_account.check(&account);
        match (by_address, by_account) {
            (Ok(()), Ok(())) => Ok(()),
            (a, b) => Err(a.err().max(b.err()).unwrap_or_default()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_throttled_from_any_address_and_an_address_for_any_account() {
        let throttle = SignInThrottle::default();
        let home: IpAddr = "198.51.100.7".parse().unwrap();
        for _ in 0..5 {
            assert!(throttle.check(home, "ana@shop.test").is_ok());
        }
        let wait = throttle.check(home, "Ana@Shop.test ").unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_secs(12),
            "{wait:?}"
        );
        let elsewhere: IpAddr = "203.0.113.9".parse().unwrap();
        assert!(throttle.check(elsewhere, "ana@shop.test").is_err());
        // Other accounts from the first address still pass, up to its own limit.
        let passed = (0..30)
            .filter(|i| throttle.check(home, &format!("agent{i}@shop.test")).is_ok())
            .count();
        assert!((10..20).contains(&passed), "{passed}");
    }
}
