use async_trait::async_trait;
use warmline_shared::{NameSource, SiteId, VisitorId};

use super::SqliteStore;
use crate::store::rows::visitors::{
    ATTACHMENT_SELECT, AttachmentRow, VISITOR_SELECT, VisitorRow, identified_token,
    name_source_column,
};
use crate::store::{Result, StoreError, StoredAttachment, Visitor, VisitorStore};

impl SqliteStore {
    async fn visitor_where(&self, condition: &str, a: &str, b: &str) -> Result<Option<Visitor>> {
        let row: Option<VisitorRow> =
            sqlx::query_as(&format!("{VISITOR_SELECT} WHERE {condition}"))
                .bind(a)
                .bind(b)
                .fetch_optional(&self.pool)
                .await?;
        row.map(Visitor::try_from).transpose()
    }
}

#[async_trait]
impl VisitorStore for SqliteStore {
    async fn create_visitor(
        &self,
        site_id: &SiteId,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<Visitor>> {
        // Writing first takes SQLite's write lock at once; a read first
        // would fail to upgrade when another writer got there in between.
        let mut tx = self.pool.begin().await?;
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO visitors (site_id, token_hash, created_at) VALUES (?, ?, ?) \
             ON CONFLICT (token_hash) DO NOTHING RETURNING id",
        )
        .bind(site_id.as_str())
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let linked = match id {
            Some(id) => {
                sqlx::query(
                    "INSERT INTO visitor_tokens (token_hash, visitor_id, created_at) \
                     VALUES (?, ?, ?) ON CONFLICT (token_hash) DO NOTHING",
                )
                .bind(token_hash)
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                    == 1
            }
            None => false,
        };
        // Otherwise the token already leads to someone (another tab won the
        // race, or it is a verified visitor's): nothing new is stored.
        if linked {
            tx.commit().await?;
        } else {
            tx.rollback().await?;
        }
        self.visitor_by_token(site_id, token_hash).await
    }

    async fn sweep_visitors(&self, created_before: i64) -> Result<u64> {
        let swept = sqlx::query(
            "DELETE FROM visitors WHERE created_at < ? AND user_id IS NULL AND NOT EXISTS \
             (SELECT 1 FROM conversations c WHERE c.visitor_id = visitors.id) AND NOT EXISTS \
             (SELECT 1 FROM attachments a WHERE a.visitor_id = visitors.id)",
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
        self.visitor_where(
            "v.site_id = ? AND v.id = \
             (SELECT visitor_id FROM visitor_tokens WHERE token_hash = ?)",
            site_id.as_str(),
            token_hash,
        )
        .await
    }

    async fn identified_visitor(
        &self,
        site_id: &SiteId,
        user_id: &str,
        token_hash: &str,
        now: i64,
    ) -> Result<Visitor> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO visitors (site_id, token_hash, user_id, created_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT DO NOTHING",
        )
        .bind(site_id.as_str())
        .bind(identified_token(site_id, user_id))
        .bind(user_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let id: i64 =
            sqlx::query_scalar("SELECT id FROM visitors WHERE site_id = ? AND user_id = ?")
                .bind(site_id.as_str())
                .bind(user_id)
                .fetch_one(&mut *tx)
                .await?;
        sqlx::query(
            "INSERT INTO visitor_tokens (token_hash, visitor_id, created_at) VALUES (?, ?, ?) \
             ON CONFLICT (token_hash) DO NOTHING",
        )
        .bind(token_hash)
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.visitor_where("v.site_id = ? AND v.user_id = ?", site_id.as_str(), user_id)
            .await?
            .ok_or_else(|| StoreError::corrupt(format!("visitor {user_id} vanished")))
    }

    async fn name_visitor(
        &self,
        id: VisitorId,
        name: &str,
        source: NameSource,
        email: Option<&str>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE visitors SET name = ?, name_source = ?, email = COALESCE(?, email) WHERE id = ?",
        )
        .bind(name)
        .bind(name_source_column(source))
        .bind(email)
        .bind(id.get())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn create_attachment(&self, stored: &StoredAttachment, now: i64) -> Result<()> {
        let a = &stored.attachment;
        sqlx::query(
            "INSERT INTO attachments (id, site_id, visitor_id, name, mime, size, sha256, \
             created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&a.id)
        .bind(stored.site_id.as_str())
        .bind(stored.visitor_id.get())
        .bind(&a.name)
        .bind(&a.mime)
        .bind(a.size as i64)
        .bind(&stored.sha256)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn visitor_email(&self, id: VisitorId) -> Result<Option<String>> {
        let email: Option<Option<String>> =
            sqlx::query_scalar("SELECT email FROM visitors WHERE id = ?")
                .bind(id.get())
                .fetch_optional(&self.pool)
                .await?;
        Ok(email.flatten())
    }

    async fn attachment(&self, id: &str) -> Result<Option<StoredAttachment>> {
        let row: Option<AttachmentRow> =
            sqlx::query_as(&format!("{ATTACHMENT_SELECT} WHERE id = ?"))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(StoredAttachment::from))
    }
}
