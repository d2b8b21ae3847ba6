//! Fan-out: delivering events to whoever subscribed to a topic, on this relay
//! or (with a networked implementation) on any relay. The store stays the
//! source of truth: fan-out carries notifications, and a subscriber that is
//! told it [`Lagged`] catches up from the store by sequence number.

mod memory;
mod nats;

use std::pin::Pin;
use std::sync::Arc;

use async_trait::async_trait;
use futures::Stream;
use warmline_shared::{AgentId, ConversationId, SiteId};

pub use memory::MemoryFanOut;
pub use nats::NatsFanOut;

use crate::events::Event;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Topic {
    /// Messages and changes of one conversation.
    Conversation(ConversationId),
    /// Conversation changes of one site, for its agents' inboxes.
    Site(SiteId),
    /// What concerns one agent's sign-ins.
    Agent(AgentId),
    /// What every visitor of a site follows: whether people can answer, and
    /// the queue.
    Visitors(SiteId),
}

/// Events were skipped: the subscriber must reload what it shows from the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lagged;

/// A topic's events in publishing order, ending when the fan-out does.
pub type Subscription = Pin<Box<dyn Stream<Item = Result<Arc<Event>, Lagged>> + Send>>;

#[async_trait]
pub trait FanOut: Send + Sync + 'static {
    /// Delivers the event to the topic's current subscribers. Nobody
    /// listening is not an error.
    async fn publish(&self, topic: &Topic, event: Arc<Event>);
    async fn subscribe(&self, topic: Topic) -> Subscription;
}
