//! In-process fan-out: one broadcast channel per topic, created on first
//! subscription and removed when its last subscriber goes, so rooms of ended
//! conversations do not pile up.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use futures::Stream;
use tokio::sync::broadcast;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use warmline_shared::{ConversationId, ServerFrame};

/// Frames queued per topic for a slow subscriber. A subscriber that falls
/// further behind gets `Lagged` and catches up from the store by sequence
/// number, so this bounds memory, not correctness.
const TOPIC_CAPACITY: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Topic {
    /// Every stored message of one conversation.
    Conversation(ConversationId),
    /// Inbox changes of one site, for its agents.
    Site(String),
}

pub type Frame = Arc<ServerFrame>;

#[derive(Clone, Default)]
pub struct Hub {
    topics: Arc<Mutex<HashMap<Topic, broadcast::Sender<Frame>>>>,
}

impl Hub {
    pub fn publish(&self, topic: &Topic, frame: ServerFrame) {
        let topics = self.topics.lock().expect("hub lock");
        if let Some(sender) = topics.get(topic) {
            // An error only means nobody is listening right now.
            let _ = sender.send(Arc::new(frame));
        }
    }

    /// Subscribes before the caller reads any backlog from the store, so no
    /// message stored in between can be missed (it may arrive twice; callers
    /// drop what they have already sent by sequence number).
    pub fn subscribe(&self, topic: Topic) -> Subscription {
        let mut topics = self.topics.lock().expect("hub lock");
        let receiver = topics
            .entry(topic.clone())
            .or_insert_with(|| broadcast::channel(TOPIC_CAPACITY).0)
            .subscribe();
        Subscription {
            receiver: Some(BroadcastStream::new(receiver)),
            topic,
            hub: self.clone(),
        }
    }

    #[cfg(test)]
    fn topic_count(&self) -> usize {
        self.topics.lock().unwrap().len()
    }
}

/// A stream of a topic's frames. `Err(Lagged)` means frames were skipped and
/// the subscriber must catch up from the store.
pub struct Subscription {
    receiver: Option<BroadcastStream<Frame>>,
    topic: Topic,
    hub: Hub,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lagged;

impl Stream for Subscription {
    type Item = Result<Frame, Lagged>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let receiver = self
            .get_mut()
            .receiver
            .as_mut()
            .expect("receiver lives until drop");
        Pin::new(receiver).poll_next(cx).map(|item| {
            item.map(|result| result.map_err(|BroadcastStreamRecvError::Lagged(_)| Lagged))
        })
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut topics = self.hub.topics.lock().expect("hub lock");
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
    use warmline_shared::ErrorCode;

    #[tokio::test]
    async fn subscribers_get_what_is_published_and_empty_topics_are_removed() {
        let hub = Hub::default();
        let topic = Topic::Conversation(1);
        let mut a = hub.subscribe(topic.clone());
        let mut b = hub.subscribe(topic.clone());
        hub.publish(&topic, ServerFrame::error(ErrorCode::Internal));
        hub.publish(
            &Topic::Conversation(2),
            ServerFrame::error(ErrorCode::TooLarge),
        );
        assert_eq!(
            *a.next().await.unwrap().unwrap(),
            ServerFrame::error(ErrorCode::Internal)
        );
        assert_eq!(
            *b.next().await.unwrap().unwrap(),
            ServerFrame::error(ErrorCode::Internal)
        );
        assert_eq!(hub.topic_count(), 1);
        drop(a);
        assert_eq!(hub.topic_count(), 1);
        drop(b);
        assert_eq!(hub.topic_count(), 0);
    }

    #[tokio::test]
    async fn a_slow_subscriber_is_told_it_lagged_rather_than_silently_skipped() {
        let hub = Hub::default();
        let topic = Topic::Site("s".into());
        let mut slow = hub.subscribe(topic.clone());
        for _ in 0..TOPIC_CAPACITY + 1 {
            hub.publish(&topic, ServerFrame::error(ErrorCode::Internal));
        }
        assert_eq!(slow.next().await, Some(Err(Lagged)));
    }
}
