use async_trait::async_trait;
use warmline_shared::SiteId;
use warmline_shared::api::Canned;

use super::SqliteStore;
use crate::store::rows::canned::{CannedRow, saved};
use crate::store::{CannedStore, Result};

#[async_trait]
impl CannedStore for SqliteStore {
    async fn canned(&self, site_id: &SiteId) -> Result<Vec<Canned>> {
        let rows: Vec<CannedRow> = sqlx::query_as(
            "SELECT id, shortcut, lang, text FROM canned WHERE site_id = ? ORDER BY lang, shortcut",
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
        let id: Option<i64> =
            match canned.id {
                None => {
                    sqlx::query_scalar(
                        "INSERT INTO canned (site_id, lang, shortcut, text, updated_at) \
                 VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
                    )
                    .bind(site_id.as_str())
                    .bind(&canned.lang)
                    .bind(&canned.shortcut)
                    .bind(&canned.text)
                    .bind(now)
                    .fetch_optional(&self.pool)
                    .await?
                }
                Some(id) => sqlx::query_scalar(
                    "UPDATE OR IGNORE canned SET lang = ?, shortcut = ?, text = ?, updated_at = ? \
                 WHERE id = ? AND site_id = ? RETURNING id",
                )
                .bind(&canned.lang)
                .bind(&canned.shortcut)
                .bind(&canned.text)
                .bind(now)
                .bind(id)
                .bind(site_id.as_str())
                .fetch_optional(&self.pool)
                .await?,
            };
        Ok(saved(canned, id))
    }

    async fn delete_canned(&self, site_id: &SiteId, id: i64) -> Result<bool> {
        Ok(
            sqlx::query("DELETE FROM canned WHERE id = ? AND site_id = ?")
                .bind(id)
                .bind(site_id.as_str())
                .execute(&self.pool)
                .await?
                .rows_affected()
                == 1,
        )
    }
}
