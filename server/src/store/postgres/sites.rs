use async_trait::async_trait;
use sqlx::PgExecutor;
use warmline_shared::{AgentId, SiteId};

use super::PgStore;
use crate::store::rows::sites::{SITE_SELECT, SiteRow, median, origins_column, settings_columns};
use crate::store::{Result, Role, Site, SiteStore};

/// Saves name, origins and settings, on the pool or inside a transaction.
async fn save_site(executor: impl PgExecutor<'_>, site: &Site) -> Result<()> {
    let settings = settings_columns(&site.settings)?;
    sqlx::query(
        "UPDATE sites SET name = $1, allowed_origins = $2, accent = $3, launcher_position = $4, \
         launcher_label = $5, greetings = $6, attachment_max_bytes = $7, handoff = $8, \
         context = $9, reward = $10 WHERE id = $11",
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
    .execute(executor)
    .await?;
    Ok(())
}

#[async_trait]
impl SiteStore for PgStore {
    async fn upsert_site(&self, site: &Site, now: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO sites (id, name, allowed_origins, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, \
             allowed_origins = EXCLUDED.allowed_origins",
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
        let row: Option<SiteRow> = sqlx::query_as(&format!("{SITE_SELECT} WHERE id = $1"))
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.map(Site::try_from).transpose()
    }

    async fn create_site(&self, site: &Site, owner: AgentId, now: i64) -> Result<bool> {
        // A second relay creating the same id waits on the first's insert
        // and then finds the id taken.
        let mut tx = self.pool.begin().await?;
        let created = sqlx::query(
            "INSERT INTO sites (id, name, allowed_origins, created_at) VALUES ($1, $2, $3, $4) \
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
        sqlx::query("INSERT INTO memberships (agent_id, site_id, role) VALUES ($1, $2, $3)")
            .bind(owner.get())
            .bind(site.id.as_str())
            .bind(Role::Owner.as_str())
            .execute(&mut *tx)
            .await?;
        // With its settings in the same transaction, no other relay ever
        // sees the site with the defaults.
        save_site(&mut *tx, site).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn update_site(&self, site: &Site) -> Result<()> {
        save_site(&self.pool, site).await
    }

    async fn identity_secret(&self, id: &SiteId) -> Result<Option<String>> {
        let secret: Option<Option<String>> =
            sqlx::query_scalar("SELECT identity_secret FROM sites WHERE id = $1")
                .bind(id.as_str())
                .fetch_optional(&self.pool)
                .await?;
        Ok(secret.flatten())
    }

    async fn set_identity_secret(&self, id: &SiteId, secret: Option<&str>) -> Result<()> {
        sqlx::query("UPDATE sites SET identity_secret = $1 WHERE id = $2")
            .bind(secret)
            .bind(id.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn reply_time(&self, id: &SiteId, recent: i64) -> Result<(Option<i64>, usize)> {
        // Per conversation: first agent reply minus first visitor message.
        // PostgreSQL cannot filter on an output column's alias, hence the
        // subquery.
        let waits: Vec<i64> = sqlx::query_scalar(
            "SELECT wait FROM ( \
               SELECT c.id, c.created_at, \
                      (SELECT MIN(sent_at) FROM messages m WHERE m.conversation_id = c.id \
                       AND m.author_kind = 'agent') - \
                      (SELECT MIN(sent_at) FROM messages m WHERE m.conversation_id = c.id \
                       AND m.author_kind = 'visitor') AS wait \
               FROM conversations c WHERE c.site_id = $1) w \
             WHERE wait IS NOT NULL AND wait >= 0 \
             ORDER BY created_at DESC, id DESC LIMIT $2",
        )
        .bind(id.as_str())
        .bind(recent)
        .fetch_all(&self.pool)
        .await?;
        Ok(median(waits))
    }
}
