use async_trait::async_trait;
use warmline_shared::api::Block;
use warmline_shared::{AgentId, SiteId, VisitorId};

use super::PgStore;
use crate::store::rows::blocks::BlockRow;
use crate::store::{BlockStore, Result};

#[async_trait]
impl BlockStore for PgStore {
    async fn set_visitor_address(&self, id: VisitorId, address: &str) -> Result<()> {
        sqlx::query("UPDATE visitors SET address = $1 WHERE id = $2")
            .bind(address)
            .bind(id.get())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn block(
        &self,
        site_id: &SiteId,
        visitor_id: VisitorId,
        reason: &str,
        agent: AgentId,
        address_until: i64,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO blocks (site_id, visitor_id, address, address_until, reason, agent_id, \
             created_at) SELECT $1, id, address, $2, $3, $4, $5 FROM visitors WHERE id = $6",
        )
        .bind(site_id.as_str())
        .bind(address_until)
        .bind(reason)
        .bind(agent.get())
        .bind(now)
        .bind(visitor_id.get())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn is_blocked(
        &self,
        site_id: &SiteId,
        visitor_id: Option<VisitorId>,
        address: &str,
        now: i64,
    ) -> Result<bool> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM blocks WHERE site_id = $1 AND lifted_at IS NULL \
             AND (visitor_id = $2 OR (address = $3 AND address_until > $4)) LIMIT 1",
        )
        .bind(site_id.as_str())
        .bind(visitor_id.map(VisitorId::get))
        .bind(address)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.is_some())
    }

    async fn blocks(&self, site_id: &SiteId) -> Result<Vec<Block>> {
        let rows: Vec<BlockRow> = sqlx::query_as(
            "SELECT b.id, COALESCE(v.name, 'Visitor ' || v.id) AS visitor, b.reason, \
             COALESCE(a.name, '') AS agent, b.created_at, b.address_until \
             FROM blocks b JOIN visitors v ON v.id = b.visitor_id \
             LEFT JOIN agents a ON a.id = b.agent_id \
             WHERE b.site_id = $1 AND b.lifted_at IS NULL ORDER BY b.id DESC",
        )
        .bind(site_id.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Block::from).collect())
    }

    async fn lift_block(&self, site_id: &SiteId, id: i64, now: i64) -> Result<bool> {
        Ok(sqlx::query(
            "UPDATE blocks SET lifted_at = $1 WHERE id = $2 AND site_id = $3 \
             AND lifted_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .bind(site_id.as_str())
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }
}
