use async_trait::async_trait;
use sqlx::Row;
use warmline_shared::SiteId;

use super::SqliteStore;
use crate::store::{Result, Site, SiteStore};

#[async_trait]
impl SiteStore for SqliteStore {
    async fn upsert_site(&self, site: &Site, now: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO sites (id, name, allowed_origins, created_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
             allowed_origins = excluded.allowed_origins",
        )
        .bind(site.id.as_str())
        .bind(&site.name)
        .bind(site.allowed_origins.join(" "))
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn site(&self, id: &SiteId) -> Result<Option<Site>> {
        let row = sqlx::query("SELECT id, name, allowed_origins FROM sites WHERE id = ?")
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|row| Site {
            id: SiteId::new(row.get::<String, _>("id")),
            name: row.get("name"),
            allowed_origins: row
                .get::<String, _>("allowed_origins")
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
        }))
    }
}
