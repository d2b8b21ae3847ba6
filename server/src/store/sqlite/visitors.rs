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
    ) -> Result<Visitor> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO visitors (site_id, token_hash, created_at) VALUES (?, ?, ?) RETURNING id",
        )
        .bind(site_id.as_str())
        .bind(token_hash)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(Visitor {
            id: VisitorId::new(id),
            site_id: site_id.clone(),
        })
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
