//! Fan-out across relays through NATS (`WARMLINE_FANOUT_URL=nats://…`).
//! Each topic is a subject; events travel as JSON. NATS carries
//! notifications only: nothing is acknowledged on its strength (the store
//! has every message first), and whenever some may have been missed — the
//! connection came back, or the server dropped messages for a slow consumer
//! — every subscription is told it `Lagged` and catches up from the store.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use futures::StreamExt;
use tokio::sync::watch;
use tokio_stream::wrappers::WatchStream;

use super::{FanOut, Lagged, Subscription, Topic};
use crate::events::Event;

pub struct NatsFanOut {
    client: async_nats::Client,
    /// Counts the times events may have been missed (reconnects, slow
    /// consumers); each subscription reports `Lagged` when it moves.
    missed: watch::Receiver<u64>,
}

impl NatsFanOut {
    pub async fn connect(url: &str) -> Result<Self, async_nats::ConnectError> {
        let (missed_tx, missed) = watch::channel(0u64);
        let missed_tx = Arc::new(missed_tx);
        // Connected again after being cut off: events may have been missed.
        let cut_off = Arc::new(AtomicBool::new(false));
        let client = async_nats::ConnectOptions::new()
            .name("warmline relay")
            // Started before NATS (a restart of both): keep trying.
            .retry_on_initial_connect()
            .event_callback(move |event| {
                let missed = missed_tx.clone();
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
        Ok(Self { client, missed })
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
        let missed = WatchStream::from_changes(self.missed.clone()).map(|_| Err(Lagged));
        let events = match self.client.subscribe(subject(&topic)).await {
            Ok(subscriber) => subscriber
                .filter_map(|message| async move {
                    match serde_json::from_slice::<Event>(&message.payload) {
                        Ok(event) => Some(Ok(Arc::new(event))),
                        Err(e) => {
                            tracing::warn!(error = %e, "an unreadable event on the fan-out");
                            Some(Err(Lagged))
                        }
                    }
                })
                .boxed(),
            Err(e) => {
                // Only a closed client refuses; say so, then wait for nothing.
                tracing::error!(error = %e, "fan-out subscribe failed");
                futures::stream::once(async { Err(Lagged) })
                    .chain(futures::stream::pending())
                    .boxed()
            }
        };
        Box::pin(futures::stream::select(events, missed))
    }
}
