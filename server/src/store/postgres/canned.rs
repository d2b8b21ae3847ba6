use async_trait::async_trait;
use warmline_shared::SiteId;
use warmline_shared::api::Canned;

use super::PgStore;
use crate::store::rows::canned::{CannedRow, saved};
use crate::store::{CannedStore, Result};

#[async_trait]
impl CannedStore for PgStore {
    async fn canned(&self, site_id: &SiteId) -> Result<Vec<Canned>> {
        // COLLATE "C": byte order, as SQLite sorts, whatever the database's locale.
        let rows: Vec<CannedRow> = sqlx::query_as(
            "SELECT id, shortcut, lang, text FROM canned WHERE site_id = $1 \
             ORDER BY lang COLLATE \"C\", shortcut COLLATE \"C\"",
        )
        .bind(site_id.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Canned::from).collect())
    }

    async fn save_canned(
        &self,
        site_id: &SiteId,
        canned: &Canned,
        now: i64,
    ) -> Result<Option<Canned>> {
        // A taken shortcut is a conflict the owner is told about, not an error.
        let id: Option<i64> = match canned.id {
            None => {
                sqlx::query_scalar(
                    "INSERT INTO canned (site_id, lang, shortcut, text, updated_at) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING id",
                )
                .bind(site_id.as_str())
                .bind(&canned.lang)
                .bind(&canned.shortcut)
                .bind(&canned.text)
                .bind(now)
                .fetch_optional(&self.pool)
                .await?
            }
            // PostgreSQL has no UPDATE OR IGNORE; the one unique key an
            // update can break is the shortcut's, so its violation is the
            // conflict (even when another relay took the shortcut a moment
            // before).
            Some(id) => match sqlx::query_scalar(
                "UPDATE canned SET lang = $1, shortcut = $2, text = $3, updated_at = $4 \
                 WHERE id = $5 AND site_id = $6 RETURNING id",
            )
            .bind(&canned.lang)
            .bind(&canned.shortcut)
            .bind(&canned.text)
            .bind(now)
            .bind(id)
            .bind(site_id.as_str())
            .fetch_optional(&self.pool)
            .await
            {
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() => None,
                found => found?,
            },
        };
        Ok(saved(canned, id))
    }

    async fn delete_canned(&self, site_id: &SiteId, id: i64) -> Result<bool> {
        Ok(
            sqlx::query("DELETE FROM canned WHERE id = $1 AND site_id = $2")
                .bind(id)
                .bind(site_id.as_str())
                .execute(&self.pool)
                .await?
                .rows_affected()
                == 1,
        )
    }
}
