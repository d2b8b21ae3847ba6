//! The handoff from the bot to people, as both sides see it: a
//! conversation's state, why it was handed off, the frustration signals that
//! fired, an agent's availability, and a site's business hours.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Where a conversation is in its life.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationState {
    /// Self-help and the relay's bot answer; no person has it yet.
    #[default]
    Bot,
    /// Handed off to people, in the site's queue.
    Waiting,
    /// An agent has it.
    Assigned,
    Closed,
}

impl ConversationState {
    pub fn name(self) -> &'static str {
        match self {
            Self::Bot => "bot",
            Self::Waiting => "waiting",
            Self::Assigned => "assigned",
            Self::Closed => "closed",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Bot, Self::Waiting, Self::Assigned, Self::Closed]
            .into_iter()
            .find(|s| s.name() == name)
    }
}

/// Why a conversation went to the queue (or came back to it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandoffReason {
    /// The visitor pressed "Talk to a person".
    Asked,
    /// The visitor wrote that they want a person ("human", "ოპერატორი", ...).
    Phrase,
    /// An article, or the bot's suggestions, did not help.
    SelfHelpFailed,
    /// The visitor's messages show frustration.
    Frustration,
    /// The message touches a topic the owner marked sensitive.
    Sensitive,
    /// The site sends every conversation straight to a person.
    Direct,
    /// The visitor left a message while nobody could answer.
    LeftMessage,
    /// The agent who had it went away or gave it back.
    Returned,
}

impl HandoffReason {
    pub const ALL: [HandoffReason; 8] = [
        Self::Asked,
        Self::Phrase,
        Self::SelfHelpFailed,
        Self::Frustration,
        Self::Sensitive,
        Self::Direct,
        Self::LeftMessage,
        Self::Returned,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Asked => "asked",
            Self::Phrase => "phrase",
            Self::SelfHelpFailed => "self_help_failed",
            Self::Frustration => "frustration",
            Self::Sensitive => "sensitive",
            Self::Direct => "direct",
            Self::LeftMessage => "left_message",
            Self::Returned => "returned",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.name() == name)
    }
}

/// One sign that a visitor is upset, as the console lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Signal {
    /// Words from the language's list of angry words, as written.
    AngryWords { words: Vec<String> },
    /// A message mostly in capitals.
    Shouting,
    /// `!!!`, `???` and the like.
    Punctuation,
    /// The same question asked again.
    Repeated,
    /// The visitor's oldest unanswered message has waited this long.
    LongWait { minutes: u32 },
}

/// How upset a visitor seems, and why: the score is the sum of the signals'
/// weights, so every point can be explained.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Frustration {
    pub score: u32,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signals: Vec<Signal>,
}

/// Scores from which a visitor counts as frustrated, and as very frustrated.
pub const FRUSTRATED: u32 = 2;
pub const VERY_FRUSTRATED: u32 = 4;

impl Frustration {
    /// The queue's first ordering key: 0 calm, 1 frustrated, 2 very.
    pub fn tier(&self) -> u8 {
        match self.score {
            s if s >= VERY_FRUSTRATED => 2,
            s if s >= FRUSTRATED => 1,
            _ => 0,
        }
    }
}

/// Whether an agent takes chats now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    /// Offered new chats up to their capacity.
    Online,
    /// Keeps their chats, is offered none.
    Away,
    #[default]
    Offline,
}

impl Availability {
    pub fn name(self) -> &'static str {
        match self {
            Self::Online => "online",
            Self::Away => "away",
            Self::Offline => "offline",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Online, Self::Away, Self::Offline]
            .into_iter()
            .find(|a| a.name() == name)
    }
}

/// The chats an agent takes at once unless they set another number.
pub const DEFAULT_CAPACITY: u32 = 3;

/// When a site's people answer: opening times per weekday in the site's
/// time zone. A site without hours is open whenever an agent is online.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessHours {
    /// An IANA time zone name, such as `Asia/Tbilisi`.
    pub time_zone: String,
    /// Seven days, Monday first; each a list of `[open, close)` spans in
    /// minutes after midnight (`[540, 1080]` is 09:00–18:00). An empty day
    /// is closed.
    pub days: Vec<Vec<[u16; 2]>>,
}

/// How a site hands conversations to people (part of the site's settings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoffSettings {
    /// Every conversation goes straight to a person, without the bot.
    #[serde(default)]
    pub direct: bool,
    /// Seconds an agent has to accept an offer before it moves on.
    #[serde(default = "default_offer_seconds")]
    pub offer_seconds: u32,
    /// Per language tag, topics that go to a person at once ("refund
    /// dispute", "complaint"): phrases matched on whole words.
    #[serde(default)]
    pub sensitive: BTreeMap<String, Vec<String>>,
    /// When people answer; none: whenever an agent is online.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<BusinessHours>,
}

/// Offers not accepted within this many seconds move on, unless the site
/// sets another time.
pub const DEFAULT_OFFER_SECONDS: u32 = 30;

fn default_offer_seconds() -> u32 {
    DEFAULT_OFFER_SECONDS
}

impl Default for HandoffSettings {
    fn default() -> Self {
        Self {
            direct: false,
            offer_seconds: DEFAULT_OFFER_SECONDS,
            sensitive: BTreeMap::new(),
            hours: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ConversationId, ConversationSummary};

    fn waiting(id: i64, score: u32, since: i64) -> ConversationSummary {
        ConversationSummary {
            id: ConversationId::new(id),
            visitor: String::new(),
            name_source: Default::default(),
            page: None,
            last_seq: 1,
            last_text: None,
            updated_at: since,
            state: ConversationState::Waiting,
            reason: Some(HandoffReason::Asked),
            waiting_since: Some(since),
            assigned_to: None,
            agent: None,
            offered_to: None,
            frustration: Frustration {
                score,
                signals: Vec::new(),
            },
            note: None,
            resolution: None,
            lang: String::new(),
            by_email: false,
            rating: None,
        }
    }

    #[test]
    fn the_frustrated_go_first_then_the_longest_waiting_then_the_older_id() {
        let mut queue = [
            waiting(1, 0, 1_000),
            waiting(2, 1, 2_000),
            waiting(3, FRUSTRATED, 9_000),
            waiting(4, 0, 500),
            waiting(5, VERY_FRUSTRATED, 9_500),
            waiting(6, 0, 1_000),
        ];
        queue.sort_by_key(ConversationSummary::queue_key);
        let ids: Vec<i64> = queue.iter().map(|c| c.id.get()).collect();
        // Score 1 is not yet frustrated: it waits its turn by time.
        assert_eq!(ids, [5, 3, 4, 1, 6, 2]);
    }

    #[test]
    fn names_read_back() {
        for reason in HandoffReason::ALL {
            assert_eq!(HandoffReason::from_name(reason.name()), Some(reason));
        }
        for state in [
            ConversationState::Bot,
            ConversationState::Waiting,
            ConversationState::Assigned,
            ConversationState::Closed,
        ] {
            assert_eq!(ConversationState::from_name(state.name()), Some(state));
        }
        assert_eq!(Availability::from_name("away"), Some(Availability::Away));
        assert_eq!(Availability::from_name("busy"), None);
    }
}
