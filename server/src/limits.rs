//! Abuse limits that hold however many sockets a client opens: messages per
//! visitor, per network address, per site and per agent; new visitors and new
//! conversations per address and per site. Each is a `governor` keyed
//! limiter: a burst passes, a flood waits. A limit per socket (as before)
//! was reset by simply reconnecting.

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use warmline_shared::{AgentId, SiteId};

/// Keys kept before forgetting the ones that have fully recovered.
const TIDY_ABOVE: usize = 10_000;

/// One keyed limit, forgetting keys that have fully recovered once many
/// are kept. Sign-in throttling uses it too.
pub struct Limit<K: Hash + Eq + Clone>(DefaultKeyedRateLimiter<K>);

impl<K: Hash + Eq + Clone> Limit<K> {
    pub fn new(Rate { burst, every }: Rate) -> Self {
        let burst = NonZeroU32::new(burst.max(1)).expect("at least one");
        let quota = Quota::with_period(every.max(Duration::from_nanos(1)))
            .expect("periods are positive")
            .allow_burst(burst);
        Self(RateLimiter::keyed(quota))
    }

    fn allows(&self, key: &K) -> bool {
        self.check(key).is_ok()
    }

    /// Counts one for `key`; `Err` holds how long until the next is allowed.
    pub fn check(&self, key: &K) -> Result<(), Duration> {
        if self.0.len() > TIDY_ABOVE {
            self.0.retain_recent();
        }
        let now = self.0.clock().now();
        self.0.check_key(key).map_err(|t| t.wait_time_from(now))
    }
}

/// A limit's size: `burst` at once, then one more every `every`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub burst: u32,
    pub every: Duration,
}

const fn rate(burst: u32, every: Duration) -> Rate {
    Rate { burst, every }
}

impl std::str::FromStr for Rate {
    type Err = String;

    /// A rate as settings give it: `N/s`, `N/min` or `N/h` (evenly spaced),
    /// then optionally `burst B`, how many may pass at once (N if not
    /// given). `5/s burst 30` is `rate(30, 200 ms)`.
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("{s:?} is not a rate such as `10/s` or `5/s burst 30`");
        let mut words = s.split_whitespace();
        let (count, unit) = words
            .next()
            .and_then(|w| w.split_once('/'))
            .ok_or_else(bad)?;
        let count: u32 = count.parse().ok().filter(|&n| n > 0).ok_or_else(bad)?;
        let unit = match unit {
            "s" => Duration::from_secs(1),
            "min" => Duration::from_secs(60),
            "h" => Duration::from_secs(3600),
            _ => return Err(bad()),
        };
        let burst = match (words.next(), words.next(), words.next()) {
            (None, _, _) => count,
            (Some("burst"), Some(b), None) => b.parse().ok().filter(|&b| b > 0).ok_or_else(bad)?,
            _ => return Err(bad()),
        };
        Ok(rate(burst, unit / count))
    }
}

/// The sizes of all limits, set when the relay starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitRates {
    pub visitor_messages: Rate,
    pub address_messages: Rate,
    pub site_messages: Rate,
    pub agent_messages: Rate,
    pub address_new_visitors: Rate,
    pub site_new_visitors: Rate,
    pub address_new_conversations: Rate,
    pub site_new_conversations: Rate,
    /// Help searches, article reads and answers to "did this help", per address.
    pub address_help: Rate,
}

impl Default for LimitRates {
    fn default() -> Self {
        Self {
            // A person types far slower than this; a script does not.
            visitor_messages: rate(8, Duration::from_secs(1)),
            // Several people behind one address (an office, a school).
            address_messages: rate(30, Duration::from_millis(200)),
            site_messages: rate(500, Duration::from_millis(10)),
            agent_messages: rate(20, Duration::from_millis(333)),
            address_new_visitors: rate(20, Duration::from_secs(6)),
            site_new_visitors: rate(300, Duration::from_millis(100)),
            address_new_conversations: rate(20, Duration::from_secs(6)),
            site_new_conversations: rate(300, Duration::from_millis(100)),
            // Searching as one types asks several times a second, briefly.
            address_help: rate(40, Duration::from_millis(100)),
        }
    }
}

pub struct Limits {
    visitor_messages: Limit<String>,
    address_messages: Limit<IpAddr>,
    site_messages: Limit<SiteId>,
    agent_messages: Limit<AgentId>,
    address_new_visitors: Limit<IpAddr>,
    site_new_visitors: Limit<SiteId>,
    address_new_conversations: Limit<IpAddr>,
    site_new_conversations: Limit<SiteId>,
    address_help: Limit<IpAddr>,
}

impl Default for Limits {
    fn default() -> Self {
        Self::new(&LimitRates::default())
    }
}

impl Limits {
    pub fn new(rates: &LimitRates) -> Self {
        Self {
            visitor_messages: Limit::new(rates.visitor_messages),
            address_messages: Limit::new(rates.address_messages),
            site_messages: Limit::new(rates.site_messages),
            agent_messages: Limit::new(rates.agent_messages),
            address_new_visitors: Limit::new(rates.address_new_visitors),
            site_new_visitors: Limit::new(rates.site_new_visitors),
            address_new_conversations: Limit::new(rates.address_new_conversations),
            site_new_conversations: Limit::new(rates.site_new_conversations),
            address_help: Limit::new(rates.address_help),
        }
    }

    /// A visitor's message, the visitor named by their token's hash (which
    /// outlives every socket, and exists before the visitor is stored).
    pub fn visitor_message(&self, visitor: &str, address: IpAddr, site: &SiteId) -> bool {
        self.visitor_messages.allows(&visitor.to_owned())
            && self.address_messages.allows(&address)
            && self.site_messages.allows(site)
    }

    pub fn agent_message(&self, agent: AgentId) -> bool {
        self.agent_messages.allows(&agent)
    }

    /// A visitor stored for the first time (their first message).
    pub fn new_visitor(&self, address: IpAddr, site: &SiteId) -> bool {
        self.address_new_visitors.allows(&address) && self.site_new_visitors.allows(site)
    }

    /// A request to the visitors' help (search, article, feedback).
    pub fn help(&self, address: IpAddr) -> bool {
        self.address_help.allows(&address)
    }

    pub fn new_conversation(&self, address: IpAddr, site: &SiteId) -> bool {
        self.address_new_conversations.allows(&address) && self.site_new_conversations.allows(site)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_visitor_gets_a_burst_whatever_the_socket_and_then_waits() {
        let limits = Limits::default();
        let site = SiteId::new("s");
        let home: IpAddr = "198.51.100.7".parse().unwrap();
        let sent = (0..20)
            .filter(|_| limits.visitor_message("visitor-a", home, &site))
            .count();
        assert_eq!(sent, 8);
        // Another visitor at the same address still has their own burst.
        assert!(limits.visitor_message("visitor-b", home, &site));
    }

    #[test]
    fn rates_read_as_settings_write_them() {
        let defaults = LimitRates::default();
        assert_eq!("1/s burst 8".parse(), Ok(defaults.visitor_messages));
        assert_eq!("5/s burst 30".parse(), Ok(defaults.address_messages));
        assert_eq!("10/min burst 20".parse(), Ok(defaults.address_new_visitors));
        assert_eq!("100/s".parse(), Ok(rate(100, Duration::from_millis(10))));
        for bad in [
            "",
            "10",
            "0/s",
            "10/day",
            "10/s burst",
            "10/s burst 0",
            "10/s 5",
        ] {
            assert!(bad.parse::<Rate>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn one_address_cannot_outrun_its_own_limit_with_many_visitors() {
        let limits = Limits::default();
        let site = SiteId::new("s");
        let home: IpAddr = "198.51.100.7".parse().unwrap();
        let sent = (0..100)
            .filter(|i| limits.visitor_message(&format!("v{i}"), home, &site))
            .count();
        assert_eq!(sent, 30);
        let new = (0..100).filter(|_| limits.new_visitor(home, &site)).count();
        assert_eq!(new, 20);
    }
}
