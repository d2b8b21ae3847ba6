use async_trait::async_trait;
use warmline_shared::{AgentId, SiteId};

use super::SqliteStore;
use crate::store::rows::agents::{
    AgentRow, CredentialsRow, MembershipRow, SessionRow, ToneRow, tone_increments,
};
use crate::store::{
    Agent, AgentCredentials, AgentStore, Membership, Result, Role, Session, ToneCount,
};

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
        let rows: Vec<MembershipRow> = sqlx::query_as(
            "SELECT m.site_id, s.name, m.role FROM memberships m JOIN sites s ON s.id = m.site_id \
             WHERE m.agent_id = ? ORDER BY s.name, s.id",
        )
        .bind(agent_id.get())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(Membership::try_from).collect()
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
        let row: Option<CredentialsRow> = sqlx::query_as(
            "SELECT id, site_id, email, name, role, password_hash, failed_sign_ins FROM agents \
             WHERE email = ?",
        )
        .bind(email)
        .fetch_optional(&self.pool)
        .await?;
        row.map(AgentCredentials::try_from).transpose()
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
        let row: Option<SessionRow> = sqlx::query_as(
            "SELECT a.id, m.site_id, a.email, a.name, m.role, s.expires_at FROM sessions s \
             JOIN agents a ON a.id = s.agent_id \
             JOIN memberships m ON m.agent_id = a.id AND m.site_id = s.site_id \
             WHERE s.token_hash = ? AND s.expires_at > ?",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| row.session(token_hash)).transpose()
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn count_tone(&self, agent: AgentId, site_id: &SiteId, overridden: bool) -> Result<()> {
        let (shown, overridden) = tone_increments(overridden);
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
        let rows: Vec<ToneRow> = sqlx::query_as(
            "SELECT a.id, a.name, COALESCE(t.shown, 0) AS shown, \
             COALESCE(t.overridden, 0) AS overridden \
             FROM memberships m JOIN agents a ON a.id = m.agent_id \
             LEFT JOIN tone_counts t ON t.agent_id = m.agent_id AND t.site_id = m.site_id \
             WHERE m.site_id = ? ORDER BY a.name, a.id",
        )
        .bind(site_id.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(ToneCount::from).collect())
    }
}
