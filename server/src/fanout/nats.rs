//! Fan-out across relays through NATS (`WARMLINE_FANOUT_URL=nats://…`).
//! Each topic is a subject; events travel as JSON. A relay subscribes to a
//! subject once, however many of its sockets follow the topic, and hands
//! each event, decoded once, to them through an in-process [`MemoryFanOut`];
//! the subscription ends a while after its last follower. NATS carries
//! notifications only: nothing is acknowledged on its strength (the store
//! has every message first), and whenever some may have been missed — the
//! connection came back, or the server dropped messages for a slow consumer
//! — every subscription is told it `Lagged` and catches up from the store.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use futures::stream::AbortHandle;
use tokio::sync::{Mutex, watch};
use tokio_stream::wrappers::WatchStream;

use super::{FanOut, Lagged, MemoryFanOut, Subscription, Topic};
use crate::events::Event;

/// How often subjects nobody on this relay follows any more are left.
const SWEEP_EVERY: Duration = Duration::from_secs(30);

pub struct NatsFanOut {
    client: async_nats::Client,
    /// Counts the times events may have been missed (reconnects, slow
    /// consumers, an unreadable event); each subscription reports `Lagged`
    /// when it moves after the subscription began.
    missed: Arc<watch::Sender<u64>>,
    /// This relay's followers of each topic.
    local: MemoryFanOut,
    subjects: Arc<Subjects>,
}

/// The subjects a relay is subscribed to, each with its reader.
type Subjects = Mutex<HashMap<Topic, AbortHandle>>;

impl NatsFanOut {
    pub async fn connect(url: &str) -> Result<Self, async_nats::ConnectError> {
        let missed = Arc::new(watch::Sender::new(0u64));
        let missed_on_events = missed.clone();
        // Connected again after being cut off: events may have been missed.
        let cut_off = Arc::new(AtomicBool::new(false));
        let client = async_nats::ConnectOptions::new()
            .name("warmline relay")
            // Started before NATS (a restart of both): keep trying.
            .retry_on_initial_connect()
            .event_callback(move |event| {
                let missed = missed_on_events.clone();
                let cut_off = cut_off.clone();
                async move {
                    let again = match event {
                        async_nats::Event::Connected => cut_off.swap(false, Ordering::SeqCst),
                        async_nats::Event::SlowConsumer(_) => true,
                        // A dropped connection shows as either.
                        async_nats::Event::Disconnected | async_nats::Event::ClientError(_) => {
                            cut_off.store(true, Ordering::SeqCst);
                            false
                        }
                        _ => false,
                    };
                    tracing::info!(%event, "fan-out");
                    if again {
                        missed.send_modify(|n| *n += 1);
                    }
                }
            })
            .connect(url)
            .await?;
        let fanout = Self {
            client,
            missed,
            local: MemoryFanOut::default(),
            subjects: Arc::default(),
        };
        tokio::spawn(sweep(
            fanout.local.clone(),
            Arc::downgrade(&fanout.subjects),
        ));
        Ok(fanout)
    }
}

/// Leaves the subjects nobody on this relay follows any more, until the
/// fan-out is gone.
async fn sweep(local: MemoryFanOut, subjects: std::sync::Weak<Subjects>) {
    let mut every = tokio::time::interval(SWEEP_EVERY);
    loop {
        every.tick().await;
        let Some(subjects) = subjects.upgrade() else {
            return;
        };
        subjects.lock().await.retain(|topic, reader| {
            let followed = local.is_followed(topic);
            if !followed {
                reader.abort();
            }
            followed
        });
    }
}

/// Hands what arrives on the subject to this relay's followers.
async fn read(
    mut subscriber: async_nats::Subscriber,
    topic: Topic,
    local: MemoryFanOut,
    missed: Arc<watch::Sender<u64>>,
) {
    while let Some(message) = subscriber.next().await {
        match serde_json::from_slice::<Event>(&message.payload) {
            Ok(event) => local.publish(&topic, Arc::new(event)).await,
            Err(e) => {
                tracing::warn!(error = %e, "an unreadable event on the fan-out");
                missed.send_modify(|n| *n += 1);
            }
        }
    }
}

/// The topic's subject: `warmline.conversation.12`, `warmline.site.demo`, …
/// (site ids are lowercase letters, digits and dashes, fine in a subject).
fn subject(topic: &Topic) -> String {
    match topic {
        Topic::Conversation(id) => format!("warmline.conversation.{id}"),
        Topic::Site(site) => format!("warmline.site.{site}"),
        Topic::Agent(id) => format!("warmline.agent.{id}"),
        Topic::Visitors(site) => format!("warmline.visitors.{site}"),
    }
}

#[async_trait]
impl FanOut for NatsFanOut {
    async fn publish(&self, topic: &Topic, event: Arc<Event>) {
        let payload = match serde_json::to_vec(&*event) {
            Ok(payload) => payload,
            Err(e) => return tracing::error!(error = %e, "an event did not serialise"),
        };
        // A failure here is a missed notification, which subscribers catch
        // up on; the store already has what the event announces.
        if let Err(e) = self.client.publish(subject(topic), payload.into()).await {
            tracing::warn!(error = %e, "fan-out publish failed");
        }
    }

    async fn subscribe(&self, topic: Topic) -> Subscription {
        let missed = WatchStream::from_changes(self.missed.subscribe()).map(|_| Err(Lagged));
        // Follow locally first, so the sweep keeps the subject from here on.
        let events = self.local.subscribe(topic.clone()).await;
        let mut subjects = self.subjects.lock().await;
        if let Entry::Vacant(unfollowed) = subjects.entry(topic.clone()) {
            match self.client.subscribe(subject(&topic)).await {
                Ok(subscriber) => {
                    let reader = read(
                        subscriber,
                        topic.clone(),
                        self.local.clone(),
                        self.missed.clone(),
                    );
                    let (reader, handle) = futures::future::abortable(reader);
                    tokio::spawn(reader);
                    unfollowed.insert(handle);
                }
                Err(e) => {
                    // Only a closed client refuses; say so, then wait for nothing.
                    tracing::error!(error = %e, "fan-out subscribe failed");
                    return futures::stream::once(async { Err(Lagged) })
                        .chain(futures::stream::pending())
                        .boxed();
                }
            }
        }
        Box::pin(futures::stream::select(events, missed))
    }
}
