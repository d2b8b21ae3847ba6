use async_trait::async_trait;
use sqlx::{FromRow, Row};
use warmline_shared::{AgentId, SiteId};

use super::SqliteStore;
use crate::store::{
    Agent, AgentCredentials, AgentStore, Membership, Result, Role, Session, StoreError, ToneCount,
};

#[derive(FromRow)]
struct AgentRow {
    id: i64,
    site_id: String,
    email: String,
    name: String,
    role: String,
}

impl TryFrom<AgentRow> for Agent {
    type Error = StoreError;

    fn try_from(row: AgentRow) -> Result<Self> {
        let role = Role::parse(&row.role).ok_or_else(|| {
            StoreError::corrupt(format!("agent {} has role {:?}", row.id, row.role))
        })?;
        Ok(Agent {
            id: AgentId::new(row.id),
            site_id: SiteId::new(row.site_id),
            email: row.email,
            name: row.name,
            role,
        })
    }
}

#[async_trait]
impl AgentStore for SqliteStore {
    async fn upsert_agent(
        &self,
        site_id: &SiteId,
        email: &str,
        name: &str,
        role: Role,
        password_hash: &str,
        now: i64,
    ) -> Result<Agent> {
        let row: AgentRow = sqlx::query_as(
            "INSERT INTO agents (site_id, email, name, password_hash, role, created_at) \
             VALUES (?, ?, ?, ?, ?, ?) \
             ON CONFLICT (email) DO UPDATE SET name = excluded.name, \
             password_hash = excluded.password_hash, role = excluded.role \
             RETURNING id, site_id, email, name, role",
        )
        .bind(site_id.as_str())
        .bind(email)
        .bind(name)
        .bind(password_hash)
        .bind(role.as_str())
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        sqlx::query(
            "INSERT INTO memberships (agent_id, site_id, role) VALUES (?, ?, ?) \
             ON CONFLICT (agent_id, site_id) DO UPDATE SET role = excluded.role",
        )
        .bind(row.id)
        .bind(&row.site_id)
        .bind(role.as_str())
        .execute(&self.pool)
        .await?;
        row.try_into()
    }

    async fn add_member(
        &self,
        site_id: &SiteId,
        email: &str,
        name: &str,
        role: Role,
        password_hash: &str,
        now: i64,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO agents (site_id, email, name, password_hash, role, created_at) \
             VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (email) DO NOTHING",
        )
        .bind(site_id.as_str())
        .bind(email)
        .bind(name)
        .bind(password_hash)
        .bind(role.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO memberships (agent_id, site_id, role) \
             SELECT id, ?, ? FROM agents WHERE email = ? \
             ON CONFLICT (agent_id, site_id) DO UPDATE SET role = excluded.role",
        )
        .bind(site_id.as_str())
        .bind(role.as_str())
        .bind(email)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn memberships(&self, agent_id: AgentId) -> Result<Vec<Membership>> {
        let rows = sqlx::query(
            "SELECT m.site_id, s.name, m.role FROM memberships m JOIN sites s ON s.id = m.site_id \
             WHERE m.agent_id = ? ORDER BY s.name, s.id",
        )
        .bind(agent_id.get())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let role: String = row.get("role");
                Ok(Membership {
                    site_id: SiteId::new(row.get::<String, _>("site_id")),
                    site_name: row.get("name"),
                    role: Role::parse(&role)
                        .ok_or_else(|| StoreError::corrupt(format!("membership role {role:?}")))?,
                })
            })
            .collect()
    }

    async fn switch_site(&self, token_hash: &str, site_id: &SiteId) -> Result<bool> {
        let switched = sqlx::query(
            "UPDATE sessions SET site_id = ? WHERE token_hash = ? AND EXISTS \
             (SELECT 1 FROM memberships m WHERE m.agent_id = sessions.agent_id AND m.site_id = ?)",
        )
        .bind(site_id.as_str())
        .bind(token_hash)
        .bind(site_id.as_str())
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(switched == 1)
    }

    async fn agent_credentials(&self, email: &str) -> Result<Option<AgentCredentials>> {
        let Some(row) = sqlx::query(
            "SELECT id, site_id, email, name, role, password_hash, failed_sign_ins FROM agents \
             WHERE email = ?",
        )
        .bind(email)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        Ok(Some(AgentCredentials {
            password_hash: row.try_get("password_hash")?,
            failed_sign_ins: row.try_get("failed_sign_ins")?,
            agent: AgentRow::from_row(&row)?.try_into()?,
        }))
    }

    async fn count_failed_sign_in(&self, email: &str) -> Result<()> {
        sqlx::query("UPDATE agents SET failed_sign_ins = failed_sign_ins + 1 WHERE email = ?")
            .bind(email)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn reset_failed_sign_ins(&self, agent_id: AgentId) -> Result<()> {
        sqlx::query("UPDATE agents SET failed_sign_ins = 0 WHERE id = ?")
            .bind(agent_id.get())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn create_session(
        &self,
        token_hash: &str,
        agent_id: AgentId,
        site_id: &SiteId,
        expires_at: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, agent_id, site_id, expires_at) VALUES (?, ?, ?, ?)",
        )
        .bind(token_hash)
        .bind(agent_id.get())
        .bind(site_id.as_str())
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn session(&self, token_hash: &str, now: i64) -> Result<Option<Session>> {
        let row = sqlx::query(
            "SELECT a.id, m.site_id, a.email, a.name, m.role, s.expires_at FROM sessions s \
             JOIN agents a ON a.id = s.agent_id \
             JOIN memberships m ON m.agent_id = a.id AND m.site_id = s.site_id \
             WHERE s.token_hash = ? AND s.expires_at > ?",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        Ok(Some(Session {
            agent: AgentRow::from_row(&row)?.try_into()?,
            token_hash: token_hash.to_owned(),
            expires_at: row.try_get("expires_at")?,
        }))
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn count_tone(&self, agent: AgentId, site_id: &SiteId, overridden: bool) -> Result<()> {
        let (shown, overridden) = if overridden { (0, 1) } else { (1, 0) };
        sqlx::query(
            "INSERT INTO tone_counts (agent_id, site_id, shown, overridden) VALUES (?, ?, ?, ?) \
             ON CONFLICT (agent_id, site_id) DO UPDATE SET shown = shown + excluded.shown, \
             overridden = overridden + excluded.overridden",
        )
        .bind(agent.get())
        .bind(site_id.as_str())
        .bind(shown)
        .bind(overridden)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn tone_counts(&self, site_id: &SiteId) -> Result<Vec<ToneCount>> {
        let rows = sqlx::query(
            "SELECT a.id, a.name, COALESCE(t.shown, 0) AS shown, \
             COALESCE(t.overridden, 0) AS overridden \
             FROM memberships m JOIN agents a ON a.id = m.agent_id \
             LEFT JOIN tone_counts t ON t.agent_id = m.agent_id AND t.site_id = m.site_id \
             WHERE m.site_id = ? ORDER BY a.name, a.id",
        )
        .bind(site_id.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|row| ToneCount {
                agent_id: AgentId::new(row.get("id")),
                name: row.get("name"),
                shown: row.get::<i64, _>("shown").max(0) as u64,
                overridden: row.get::<i64, _>("overridden").max(0) as u64,
            })
            .collect())
    }
}
