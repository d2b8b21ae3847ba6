use async_trait::async_trait;
use warmline_shared::{AgentId, SiteId};

use super::SqliteStore;
use crate::store::rows::sites::{SITE_SELECT, SiteRow, median, origins_column, settings_columns};
use crate::store::{Result, Role, Site, SiteStore};

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
        .bind(origins_column(site))
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn site(&self, id: &SiteId) -> Result<Option<Site>> {
        let row: Option<SiteRow> = sqlx::query_as(&format!("{SITE_SELECT} WHERE id = ?"))
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.map(Site::try_from).transpose()
    }

    async fn create_site(&self, site: &Site, owner: AgentId, now: i64) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let created = sqlx::query(
            "INSERT INTO sites (id, name, allowed_origins, created_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(site.id.as_str())
        .bind(&site.name)
        .bind(origins_column(site))
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !created {
            return Ok(false);
        }
        sqlx::query("INSERT INTO memberships (agent_id, site_id, role) VALUES (?, ?, ?)")
            .bind(owner.get())
            .bind(site.id.as_str())
            .bind(Role::Owner.as_str())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.update_site(site).await?;
        Ok(true)
    }

    async fn update_site(&self, site: &Site) -> Result<()> {
        let settings = settings_columns(&site.settings)?;
        sqlx::query(
            "UPDATE sites SET name = ?, allowed_origins = ?, accent = ?, launcher_position = ?, \
             launcher_label = ?, greetings = ?, attachment_max_bytes = ?, handoff = ?, \
             context = ?, reward = ? WHERE id = ?",
        )
        .bind(&site.name)
        .bind(origins_column(site))
        .bind(settings.accent)
        .bind(settings.launcher_position)
        .bind(settings.launcher_label)
        .bind(settings.greetings)
        .bind(settings.attachment_max_bytes)
        .bind(settings.handoff)
        .bind(settings.context)
        .bind(settings.reward)
        .bind(site.id.as_str())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn identity_secret(&self, id: &SiteId) -> Result<Option<String>> {
        let secret: Option<Option<String>> =
            sqlx::query_scalar("SELECT identity_secret FROM sites WHERE id = ?")
                .bind(id.as_str())
                .fetch_optional(&self.pool)
                .await?;
        Ok(secret.flatten())
    }

    async fn set_identity_secret(&self, id: &SiteId, secret: Option<&str>) -> Result<()> {
        sqlx::query("UPDATE sites SET identity_secret = ? WHERE id = ?")
            .bind(secret)
            .bind(id.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn reply_time(&self, id: &SiteId, recent: i64) -> Result<(Option<i64>, usize)> {
        // Per conversation: first agent reply minus first visitor message.
        let waits: Vec<i64> = sqlx::query_scalar(
            "SELECT (SELECT MIN(sent_at) FROM messages m WHERE m.conversation_id = c.id \
                     AND m.author_kind = 'agent') - \
                    (SELECT MIN(sent_at) FROM messages m WHERE m.conversation_id = c.id \
                     AND m.author_kind = 'visitor') AS wait \
             FROM conversations c WHERE c.site_id = ? AND wait IS NOT NULL AND wait >= 0 \
             ORDER BY c.created_at DESC LIMIT ?",
        )
        .bind(id.as_str())
        .bind(recent)
        .fetch_all(&self.pool)
        .await?;
        Ok(median(waits))
    }
}
