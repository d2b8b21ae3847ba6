//! Housekeeping while the relay runs: visitors who were stored but never had
//! a conversation (a first message refused by a limit, rows from before
//! visitors were stored lazily) are deleted after a while, so a flood of
//! them does not stay forever.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::state::now_ms;
use crate::store::Store;

/// How old a visitor without a conversation must be to go.
const ABANDONED_AFTER: Duration = Duration::from_secs(24 * 3600);
const EVERY: Duration = Duration::from_secs(3600);

pub async fn visitors(store: Arc<dyn Store>, shutdown: CancellationToken) {
    let mut ticks = tokio::time::interval(EVERY);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = shutdown.cancelled() => return,
        }
        let before = now_ms() - ABANDONED_AFTER.as_millis() as i64;
        match store.sweep_visitors(before).await {
            Ok(0) => {}
            Ok(swept) => tracing::info!(swept, "swept visitors who never wrote"),
            Err(error) => tracing::warn!(%error, "sweeping visitors failed"),
        }
    }
}
