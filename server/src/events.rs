//! What happened, as the relay announces it. The conversation domain and
//! sign-in publish an [`Event`] for every change they make; sockets turn
//! events into frames, and in-process participants (the bot, routing,
//! reports) act on them without any socket code.
//!
//! Every event goes two ways: to this relay's in-process listeners
//! ([`Events::listen`]), and through the [`FanOut`] to the topics it concerns,
//! where sockets on any relay subscribe ([`Events::subscribe`]). In-process
//! listeners hear only what happened on their own relay, so with several
//! relays each change is acted on once, by the relay that made it.

use std::fmt;
use std::sync::{Arc, OnceLock};

use futures::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use tokio_stream::wrappers::BroadcastStream;
use warmline_shared::handoff::HandoffReason;
use warmline_shared::{
    AgentId, Author, ChatMessage, ConversationId, ConversationSummary, Desk, Note, Presence, Seq,
    SiteId,
};

use axum::extract::ws::Utf8Bytes;
use warmline_shared::{ServerFrame, encode};

use crate::fanout::{FanOut, Lagged, Subscription, Topic};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// A message was stored; it is durable and may be shown.
    MessageStored {
        site_id: SiteId,
        message: ChatMessage,
    },
    /// A conversation started, got a message, was assigned or closed.
    ConversationChanged {
        site_id: SiteId,
        conversation: ConversationSummary,
        change: Change,
        /// The inbox line consoles get for it, encoded by the first socket
        /// that sends it; each relay encodes its own.
        #[serde(skip)]
        line: Encoded,
    },
    /// An agent's sign-in ended: every socket opened under it must close.
    SessionEnded { agent_id: AgentId, session: String },
    /// Someone is typing in a conversation (never stored).
    Typing {
        conversation_id: ConversationId,
        author: Author,
    },
    /// An agent has read a conversation up to `seq`.
    Read {
        conversation_id: ConversationId,
        seq: Seq,
    },
    /// Whether a site's people can answer changed (agents online, hours).
    Presence { site_id: SiteId, presence: Presence },
    /// Who takes a site's chats, or when, changed: an agent's availability
    /// or capacity, a console opened or closed, the site's handoff
    /// settings. Routing looks again.
    Staffing { site_id: SiteId },
    /// The site's queue in order, with each place's expected wait in
    /// minutes (see `Place::wait_minutes`).
    Queue { site_id: SiteId, places: Places },
    /// The site's people and counts, for consoles.
    Desk { site_id: SiteId, desk: Desk },
    /// An agent added a private note to a conversation.
    NoteAdded { site_id: SiteId, note: Note },
}

/// A site's queue in order: each conversation with its expected wait.
pub type Places = Arc<[(ConversationId, Option<u32>)]>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Change {
    Started,
    Message,
    /// From the bot to the queue.
    HandedOff {
        reason: HandoffReason,
    },
    /// Its frustration score changed.
    Assessed,
    Offered {
        agent_id: AgentId,
        expires_at: i64,
    },
    /// The agent's offer ended: declined, expired, or taken by someone.
    OfferEnded {
        agent_id: AgentId,
    },
    Assigned {
        agent_id: AgentId,
    },
    Transferred {
        from: AgentId,
        to: AgentId,
    },
    Closed,
    /// The visitor rated it (after it closed).
    Rated,
}

impl Change {
    /// Whether routing must look at the site's queue again.
    pub fn moves_queue(&self) -> bool {
        !matches!(
            self,
            Change::Started | Change::Message | Change::Offered { .. } | Change::Rated
        )
    }
}

/// A frame encoded once for every socket that sends it: with dozens of
/// consoles, encoding the same inbox line for each cost more than anything
/// else they did with it. A cache of what the event says, not part of it:
/// any two are equal.
#[derive(Default, Clone)]
pub struct Encoded(OnceLock<Utf8Bytes>);

impl Encoded {
    /// The frame, as `frame` made it the first time (later ones are not
    /// called: an `Encoded` holds one frame, the event's inbox line).
    pub fn get_or_encode(&self, frame: impl FnOnce() -> ServerFrame) -> Utf8Bytes {
        self.0.get_or_init(|| encode(&frame()).into()).clone()
    }
}

impl PartialEq for Encoded {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Encoded {}

impl fmt::Debug for Encoded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Encoded")
    }
}

impl Event {
    /// Where subscribers of the fan-out find this event.
    pub fn topics(&self) -> Vec<Topic> {
        match self {
            Event::MessageStored { message, .. } => {
                vec![Topic::Conversation(message.conversation_id)]
            }
            Event::ConversationChanged {
                site_id,
                conversation,
                ..
            } => vec![
                Topic::Site(site_id.clone()),
                Topic::Conversation(conversation.id),
            ],
            Event::SessionEnded { agent_id, .. } => vec![Topic::Agent(*agent_id)],
            Event::Typing {
                conversation_id, ..
            }
            | Event::Read {
                conversation_id, ..
            } => vec![Topic::Conversation(*conversation_id)],
            Event::Presence { site_id, .. } | Event::Queue { site_id, .. } => {
                vec![Topic::Visitors(site_id.clone())]
            }
            // Only agents' sockets subscribe to a site's topic; a note is
            // never published where a visitor's socket listens.
            Event::Desk { site_id, .. } | Event::NoteAdded { site_id, .. } => {
                vec![Topic::Site(site_id.clone())]
            }
            // Routing on this relay acts on it; nobody subscribes.
            Event::Staffing { .. } => Vec::new(),
        }
    }
}

/// In-process listeners may fall this far behind before they are told they
/// lagged.
const LOCAL_CAPACITY: usize = 1024;

/// The relay's announcer: publishes events and hands out subscriptions.
#[derive(Clone)]
pub struct Events {
    fanout: Arc<dyn FanOut>,
    local: broadcast::Sender<Arc<Event>>,
}

impl Events {
    pub fn new(fanout: Arc<dyn FanOut>) -> Self {
        Self {
            fanout,
            local: broadcast::channel(LOCAL_CAPACITY).0,
        }
    }

    pub async fn publish(&self, event: Event) {
        let event = Arc::new(event);
        // An error only means no in-process listener right now.
        let _ = self.local.send(event.clone());
        for topic in event.topics() {
            self.fanout.publish(&topic, event.clone()).await;
        }
    }

    /// One topic's events, from this and any other relay. Subscribe before
    /// reading the state the events change, so nothing falls in between.
    pub async fn subscribe(&self, topic: Topic) -> Subscription {
        self.fanout.subscribe(topic).await
    }

    /// Every event this relay publishes, for in-process participants.
    pub fn listen(&self) -> Subscription {
        BroadcastStream::new(self.local.subscribe())
            .map(|item| item.map_err(|_| Lagged))
            .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame() -> ServerFrame {
        ServerFrame::OfferEnded {
            conversation_id: ConversationId::new(7),
        }
    }

    #[test]
    fn a_frame_is_encoded_once_for_every_socket() {
        let line = Encoded::default();
        let first = line.get_or_encode(frame);
        assert_eq!(first.as_str(), encode(&frame()));
        let again = line.get_or_encode(|| panic!("encoded twice"));
        assert_eq!(again, first);
    }
}
