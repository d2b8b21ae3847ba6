//! The embedded backend: one SQLite file in WAL mode, with its migrations in
//! `server/migrations/sqlite/`. One module per aggregate, as in the traits.

mod agents;
mod blocks;
mod canned;
mod care;
mod consoles;
mod conversations;
mod handoff;
mod knowledge;
mod sites;
mod visitors;
mod writer;

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::Result;

/// How long a write waits for another connection's lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

pub struct SqliteStore {
    pool: SqlitePool,
    /// Every message goes in through the one writer (group commit).
    writer: crate::store::writer::Writer,
}

impl SqliteStore {
    pub async fn connect(url: &str) -> Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a message is acknowledged only once it would survive a
            // power cut, not merely a crash of the relay.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            // Each query would first ping its connection: a round trip per
            // query, for a failure the query itself reports just as well.
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        let mut batches = writer::Batches::open(options.get_filename())?;
        let writer =
            crate::store::writer::Writer::start_blocking(move |batch| batches.commit(batch))?;
        Ok(Self { pool, writer })
    }
}
