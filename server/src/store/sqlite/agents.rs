use async_trait::async_trait;
use sqlx::{FromRow, Row};
use warmline_shared::{AgentId, SiteId};

use super::SqliteStore;
use crate::store::{Agent, AgentCredentials, AgentStore, Result, Role, Session};

#[derive(FromRow)]
struct AgentRow {
    id: i64,
    site_id: String,
    email: String,
    name: String,
}

impl From<AgentRow> for Agent {
    fn from(row: AgentRow) -> Self {
        Agent {
            id: AgentId::new(row.id),
            site_id: SiteId::new(row.site_id),
            email: row.email,
            name: row.name,
        }
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
             RETURNING id, site_id, email, name",
        )
        .bind(site_id.as_str())
        .bind(email)
        .bind(name)
        .bind(password_hash)
        .bind(role.as_str())
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.into())
    }

    async fn agent_credentials(&self, email: &str) -> Result<Option<AgentCredentials>> {
        let row = sqlx::query(
            "SELECT id, site_id, email, name, password_hash, failed_sign_ins FROM agents \
             WHERE email = ?",
        )
        .bind(email)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row
            .map(|row| -> sqlx::Result<_> {
                Ok(AgentCredentials {
                    password_hash: row.try_get("password_hash")?,
                    failed_sign_ins: row.try_get("failed_sign_ins")?,
                    agent: AgentRow::from_row(&row)?.into(),
                })
            })
            .transpose()?)
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
        expires_at: i64,
    ) -> Result<()> {
        sqlx::query("INSERT INTO sessions (token_hash, agent_id, expires_at) VALUES (?, ?, ?)")
            .bind(token_hash)
            .bind(agent_id.get())
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn session(&self, token_hash: &str, now: i64) -> Result<Option<Session>> {
        let row = sqlx::query(
            "SELECT a.id, a.site_id, a.email, a.name, s.expires_at FROM sessions s \
             JOIN agents a ON a.id = s.agent_id WHERE s.token_hash = ? AND s.expires_at > ?",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row
            .map(|row| -> sqlx::Result<_> {
                Ok(Session {
                    agent: AgentRow::from_row(&row)?.into(),
                    token_hash: token_hash.to_owned(),
                    expires_at: row.try_get("expires_at")?,
                })
            })
            .transpose()?)
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
