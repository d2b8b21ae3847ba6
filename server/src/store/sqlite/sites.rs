use async_trait::async_trait;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use warmline_shared::{AgentId, SiteId};

use super::SqliteStore;
use crate::store::{Result, Role, Site, SiteSettings, SiteStore, StoreError};

const SITE_SELECT: &str = "SELECT id, name, allowed_origins, accent, launcher_position, \
     launcher_label, greetings, attachment_max_bytes, handoff, context, reward FROM sites";

fn site_from(row: &SqliteRow) -> Result<Site> {
    let id: String = row.get("id");
    let greetings: String = row.get("greetings");
    let greetings = serde_json::from_str(&greetings)
        .map_err(|e| StoreError::corrupt(format!("site {id} has unreadable greetings: {e}")))?;
    let handoff: String = row.get("handoff");
    let handoff = serde_json::from_str(&handoff).map_err(|e| {
        StoreError::corrupt(format!("site {id} has unreadable handoff settings: {e}"))
    })?;
    let unreadable = |what: &str, e: serde_json::Error| {
        StoreError::corrupt(format!("site {id} has unreadable {what}: {e}"))
    };
    let context = serde_json::from_str(row.get("context")).map_err(|e| unreadable("context", e))?;
    let reward = match row.get::<Option<&str>, _>("reward") {
        Some(json) => Some(serde_json::from_str(json).map_err(|e| unreadable("reward", e))?),
        None => None,
    };
    Ok(Site {
        id: SiteId::new(id),
        name: row.get("name"),
        allowed_origins: row
            .get::<String, _>("allowed_origins")
            .split_whitespace()
            .map(str::to_owned)
            .collect(),
        settings: SiteSettings {
            accent: row.get("accent"),
            launcher_left: row.get::<String, _>("launcher_position") == "left",
            launcher_label: row.get("launcher_label"),
            greetings,
            attachment_max_bytes: row.get::<i64, _>("attachment_max_bytes") as u64,
            handoff,
            context,
            reward,
        },
    })
}

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
        let row = sqlx::query(&format!("{SITE_SELECT} WHERE id = ?"))
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(site_from).transpose()
    }

    async fn create_site(&self, site: &Site, owner: AgentId, now: i64) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let created = sqlx::query(
            "INSERT INTO sites (id, name, allowed_origins, created_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(site.id.as_str())
        .bind(&site.name)
        .bind(site.allowed_origins.join(" "))
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
        let settings = &site.settings;
        let greetings = serde_json::to_string(&settings.greetings)
            .map_err(|e| StoreError::corrupt(format!("greetings do not serialise: {e}")))?;
        let handoff = serde_json::to_string(&settings.handoff)
            .map_err(|e| StoreError::corrupt(format!("handoff does not serialise: {e}")))?;
        let json = |what: &str, value: serde_json::Result<String>| {
            value.map_err(|e| StoreError::corrupt(format!("{what} does not serialise: {e}")))
        };
        let context = json("context", serde_json::to_string(&settings.context))?;
        let reward = match &settings.reward {
            Some(reward) => Some(json("reward", serde_json::to_string(reward))?),
            None => None,
        };
        sqlx::query(
            "UPDATE sites SET name = ?, allowed_origins = ?, accent = ?, launcher_position = ?, \
             launcher_label = ?, greetings = ?, attachment_max_bytes = ?, handoff = ?, \
             context = ?, reward = ? WHERE id = ?",
        )
        .bind(&site.name)
        .bind(site.allowed_origins.join(" "))
        .bind(&settings.accent)
        .bind(if settings.launcher_left {
            "left"
        } else {
            "right"
        })
        .bind(&settings.launcher_label)
        .bind(greetings)
        .bind(settings.attachment_max_bytes as i64)
        .bind(handoff)
        .bind(context)
        .bind(reward)
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
        let mut waits: Vec<i64> = sqlx::query_scalar(
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
        waits.sort_unstable();
        let median = (!waits.is_empty()).then(|| waits[waits.len() / 2]);
        Ok((median, waits.len()))
    }
}
