use async_trait::async_trait;
use warmline_shared::api::Block;
use warmline_shared::{AgentId, SiteId, VisitorId};

use super::SqliteStore;
use crate::store::rows::blocks::BlockRow;
use crate::store::{BlockStore, Result};

#[async_trait]
impl BlockStore for SqliteStore {
    async fn set_visitor_address(&self, id: VisitorId, address: &str) -> Result<()> {
        sqlx::query("UPDATE visitors SET address = ? WHERE id = ?")
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
             created_at) SELECT ?, id, address, ?, ?, ?, ? FROM visitors WHERE id = ?",
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
            "SELECT id FROM blocks WHERE site_id = ? AND lifted_at IS NULL \
             AND (visitor_id = ? OR (address = ? AND address_until > ?)) LIMIT 1",
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
             WHERE b.site_id = ? AND b.lifted_at IS NULL ORDER BY b.id DESC",
        )
        .bind(site_id.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Block::from).collect())
    }

    async fn lift_block(&self, site_id: &SiteId, id: i64, now: i64) -> Result<bool> {
        Ok(sqlx::query(
            "UPDATE blocks SET lifted_at = ? WHERE id = ? AND site_id = ? AND lifted_at IS NULL",
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
