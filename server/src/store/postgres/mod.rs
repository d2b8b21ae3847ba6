//! The scaled backend: PostgreSQL, chosen by a `postgres://` database URL,
//! with its migrations in `server/migrations/postgres/`. Several relays share
//! one database; every change that two relays could race on is a single
//! conditional statement or a transaction, as in the SQLite backend. One
//! module per aggregate, as in the traits.

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

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use std::str::FromStr;
use std::time::Duration;

use super::Result;

pub struct PgStore {
    pool: PgPool,
    /// Every message goes in through the one writer (group commit).
    writer: crate::store::writer::Writer,
}

impl PgStore {
    pub async fn connect(url: &str) -> Result<Self> {
        let options = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            // Each query would first ping its connection: a round trip per
            // query, for a failure the query itself reports just as well.
            .test_before_acquire(false)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        let writer = crate::store::writer::Writer::start(pool.clone());
        Ok(Self { pool, writer })
    }
}
