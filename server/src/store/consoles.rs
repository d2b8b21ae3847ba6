//! `ConsoleStore` for both backends: the statements are the same in SQLite
//! and PostgreSQL (`$N` placeholders work in both), only the pool's type
//! differs, so one macro writes both implementations.

pub(super) const OPENED: &str = "INSERT INTO consoles (relay, agent_id, site_id, open, seen_at) \
     VALUES ($1, $2, $3, 1, $4) ON CONFLICT (relay, agent_id, site_id) \
     DO UPDATE SET open = consoles.open + 1, seen_at = excluded.seen_at";

pub(super) const CLOSED: &str = "UPDATE consoles SET open = open - 1, seen_at = $4 \
     WHERE relay = $1 AND agent_id = $2 AND site_id = $3 AND open > 0";

pub(super) const EMPTIED: &str =
    "DELETE FROM consoles WHERE relay = $1 AND agent_id = $2 AND site_id = $3 AND open <= 0";

pub(super) const TOTAL: &str = "SELECT CAST(COALESCE(SUM(open), 0) AS BIGINT) FROM consoles \
     WHERE agent_id = $1 AND site_id = $2 AND seen_at >= $3";

pub(super) const REFRESH: &str = "UPDATE consoles SET seen_at = $2 WHERE relay = $1";

pub(super) const FORGET_STALE: &str = "DELETE FROM consoles WHERE seen_at < $1";

pub(super) const CONNECTED: &str = "SELECT DISTINCT agent_id FROM consoles \
     WHERE site_id = $1 AND open > 0 AND seen_at >= $2 ORDER BY agent_id";

macro_rules! consoles_for {
    ($store:ty) => {
        use warmline_shared::{AgentId, SiteId};
        use $crate::store::consoles::{
            CLOSED, CONNECTED, EMPTIED, FORGET_STALE, OPENED, REFRESH, TOTAL,
        };
        use $crate::store::{ConsoleStore, Result};

        impl $store {
            async fn consoles_total(
                &self,
                site_id: &SiteId,
                agent: AgentId,
                since: i64,
            ) -> Result<u32> {
                let total: i64 = sqlx::query_scalar(TOTAL)
                    .bind(agent.get())
                    .bind(site_id.as_str())
                    .bind(since)
                    .fetch_one(&self.pool)
                    .await?;
                Ok(u32::try_from(total).unwrap_or(0))
            }
        }

        #[async_trait::async_trait]
        impl ConsoleStore for $store {
            async fn console_opened(
                &self,
                relay: &str,
                site_id: &SiteId,
                agent: AgentId,
                now: i64,
                since: i64,
            ) -> Result<u32> {
                sqlx::query(OPENED)
                    .bind(relay)
                    .bind(agent.get())
                    .bind(site_id.as_str())
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                self.consoles_total(site_id, agent, since).await
            }

            async fn console_closed(
                &self,
                relay: &str,
                site_id: &SiteId,
                agent: AgentId,
                now: i64,
                since: i64,
            ) -> Result<u32> {
                for statement in [CLOSED, EMPTIED] {
                    sqlx::query(statement)
                        .bind(relay)
                        .bind(agent.get())
                        .bind(site_id.as_str())
                        .bind(now)
                        .execute(&self.pool)
                        .await?;
                }
                self.consoles_total(site_id, agent, since).await
            }

            async fn refresh_consoles(&self, relay: &str, now: i64, since: i64) -> Result<()> {
                sqlx::query(REFRESH)
                    .bind(relay)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                sqlx::query(FORGET_STALE)
                    .bind(since)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn connected(&self, site_id: &SiteId, since: i64) -> Result<Vec<AgentId>> {
                let ids: Vec<i64> = sqlx::query_scalar(CONNECTED)
                    .bind(site_id.as_str())
                    .bind(since)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(ids.into_iter().map(AgentId::new).collect())
            }
        }
    };
}
pub(super) use consoles_for;
