use async_trait::async_trait;
use warmline_shared::{SiteId, VisitorId};

use super::SqliteStore;
use crate::store::{Result, Visitor, VisitorStore};

#[async_trait]
impl VisitorStore for SqliteStore {
    async fn create_visitor(
        &self,
        site_id: &SiteId,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<Visitor>> {
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO visitors (site_id, token_hash, created_at) VALUES (?, ?, ?) \
             ON CONFLICT (token_hash) DO NOTHING RETURNING id",
        )
        .bind(site_id.as_str())
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        match id {
            Some(id) => Ok(Some(Visitor {
                id: VisitorId::new(id),
                site_id: site_id.clone(),
            })),
            None => self.visitor_by_token(site_id, token_hash).await,
        }
    }

    async fn sweep_visitors(&self, created_before: i64) -> Result<u64> {
        let swept = sqlx::query(
            "DELETE FROM visitors WHERE created_at < ? AND NOT EXISTS \
             (SELECT 1 FROM conversations c WHERE c.visitor_id = visitors.id)",
        )
        .bind(created_before)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(swept)
    }

    async fn visitor_by_token(
        &self,
        site_id: &SiteId,
        token_hash: &str,
    ) -> Result<Option<Visitor>> {
        let id: Option<i64> =
            sqlx::query_scalar("SELECT id FROM visitors WHERE site_id = ? AND token_hash = ?")
                .bind(site_id.as_str())
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?;
        Ok(id.map(|id| Visitor {
            id: VisitorId::new(id),
            site_id: site_id.clone(),
        }))
    }
}
