//! Ids of the things the protocol names. Each is its own type, so a visitor
//! id can never be passed where a conversation id belongs; on the wire each
//! is the bare number or string (`serde(transparent)`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

macro_rules! numeric_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            pub const fn new(id: i64) -> Self {
                Self(id)
            }

            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = std::num::ParseIntError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map(Self)
            }
        }
    };
}

numeric_id!(
    /// A conversation, issued by the relay.
    ConversationId
);
numeric_id!(
    /// A visitor of one site, issued by the relay on the visitor's first hello.
    VisitorId
);
numeric_id!(
    /// A person who signs in to the console (an agent or an owner).
    AgentId
);

/// A site that embeds the widget, chosen by its owner (`data-site` in the snippet).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SiteId(String);

impl SiteId {
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SiteId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_bare_values_on_the_wire() {
        assert_eq!(crate::encode(&ConversationId::new(7)), "7");
        assert_eq!(crate::encode(&SiteId::new("demo")), "\"demo\"");
        let id: VisitorId = serde_json::from_str("42").unwrap();
        assert_eq!(id.get(), 42);
        assert_eq!("12".parse::<AgentId>().unwrap(), AgentId::new(12));
        assert_eq!(ConversationId::new(3).to_string(), "3");
    }
}
