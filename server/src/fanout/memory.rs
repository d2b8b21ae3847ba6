//! In-process fan-out for one relay: one broadcast channel per topic, created
//! on first subscription and removed when its last subscriber goes, so rooms
//! of ended conversations do not pile up.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use async_trait::async_trait;
use futures::Stream;
use tokio::sync::broadcast;
use tokio_stream::wrappers::BroadcastStream;

use super::{FanOut, Lagged, Subscription, Topic};
use crate::events::Event;

/// Events queued per topic for a slow subscriber. A subscriber that falls
/// further behind gets `Lagged` and catches up from the store by sequence
/// number, so this bounds memory, not correctness. The queue is allocated
/// whole when a topic opens, and there is one per open conversation, so a
/// conversation's is short; a site's carries every conversation's changes
/// to each console, which would otherwise lag (and reload the whole inbox)
/// whenever the site is busy.
fn capacity(topic: &Topic) -> usize {
    match topic {
        Topic::Conversation(_) => 64,
        Topic::Site(_) => 4096,
        Topic::Agent(_) | Topic::Visitors(_) => 256,
    }
}

type Topics = Arc<Mutex<HashMap<Topic, broadcast::Sender<Arc<Event>>>>>;

#[derive(Clone, Default)]
pub struct MemoryFanOut {
    topics: Topics,
}

#[async_trait]
impl FanOut for MemoryFanOut {
    async fn publish(&self, topic: &Topic, event: Arc<Event>) {
        let topics = self.topics.lock().expect("fan-out lock");
        if let Some(sender) = topics.get(topic) {
            // An error only means nobody is listening right now.
            let _ = sender.send(event);
        }
    }

    async fn subscribe(&self, topic: Topic) -> Subscription {
        let mut topics = self.topics.lock().expect("fan-out lock");
        let receiver = topics
            .entry(topic.clone())
            .or_insert_with(|| broadcast::channel(capacity(&topic)).0)
            .subscribe();
        Box::pin(Room {
            receiver: Some(BroadcastStream::new(receiver)),
            topic,
            topics: self.topics.clone(),
        })
    }
}

impl MemoryFanOut {
    /// Whether anyone on this relay follows the topic.
    pub(super) fn is_followed(&self, topic: &Topic) -> bool {
        self.topics
            .lock()
            .expect("fan-out lock")
            .contains_key(topic)
    }

    #[cfg(test)]
    fn topic_count(&self) -> usize {
        self.topics.lock().unwrap().len()
    }
}

/// One subscriber's place in a topic; leaving the last one removes the topic.
struct Room {
    receiver: Option<BroadcastStream<Arc<Event>>>,
    topic: Topic,
    topics: Topics,
}

impl Stream for Room {
    type Item = Result<Arc<Event>, Lagged>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let receiver = self
            .get_mut()
            .receiver
            .as_mut()
            .expect("receiver lives until drop");
        Pin::new(receiver)
            .poll_next(cx)
            .map(|item| item.map(|result| result.map_err(|_| Lagged)))
    }
}

impl Drop for Room {
    fn drop(&mut self) {
        let mut topics = self.topics.lock().expect("fan-out lock");
        // Drop the receiver under the lock, so a concurrent subscribe either
        // sees the topic with its count already lowered or finds it gone.
        self.receiver = None;
        if topics
            .get(&self.topic)
            .is_some_and(|sender| sender.receiver_count() == 0)
        {
            topics.remove(&self.topic);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;
    use warmline_shared::{AgentId, ConversationId};

    fn ended(session: &str) -> Arc<Event> {
        Arc::new(Event::SessionEnded {
            agent_id: AgentId::new(1),
            session: session.into(),
        })
    }

    #[tokio::test]
    async fn subscribers_get_what_is_published_and_empty_topics_are_removed() {
        let fanout = MemoryFanOut::default();
        let topic = Topic::Conversation(ConversationId::new(1));
        let mut a = fanout.subscribe(topic.clone()).await;
        let mut b = fanout.subscribe(topic.clone()).await;
        fanout.publish(&topic, ended("x")).await;
        fanout
            .publish(&Topic::Conversation(ConversationId::new(2)), ended("y"))
            .await;
        assert_eq!(a.next().await.unwrap().unwrap(), ended("x"));
        assert_eq!(b.next().await.unwrap().unwrap(), ended("x"));
        assert_eq!(fanout.topic_count(), 1);
        drop(a);
        assert_eq!(fanout.topic_count(), 1);
        drop(b);
        assert_eq!(fanout.topic_count(), 0);
    }

    #[tokio::test]
    async fn a_slow_subscriber_is_told_it_lagged_rather_than_silently_skipped() {
        let fanout = MemoryFanOut::default();
        let topic = Topic::Agent(AgentId::new(1));
        let mut slow = fanout.subscribe(topic.clone()).await;
        for _ in 0..capacity(&topic) + 1 {
            fanout.publish(&topic, ended("x")).await;
        }
        assert_eq!(slow.next().await, Some(Err(Lagged)));
    }
}
