use async_trait::async_trait;
use warmline_shared::{AgentId, SiteId};

use super::PgStore;
use crate::store::rows::agents::{
    AgentRow, CredentialsRow, MembershipRow, SessionRow, ToneRow, tone_increments,
};
use crate::store::{
    Agent, AgentCredentials, AgentStore, Membership, Result, Role, Session, ToneCount,
};

#[async_trait]
impl AgentStore for PgStore {
    async fn upsert_agent(
        &self,
        site_id: &SiteId,
        email: &str,
        name: &str,
        role: Role,
        password_hash: &str,
        now: i64,
    ) -> Result<Agent> {
        // One transaction: nobody sees the account without its membership.
        let mut tx = self.pool.begin().await?;
        let row: AgentRow = sqlx::query_as(
            "INSERT INTO agents (site_id, email, name, password_hash, role, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (email) DO UPDATE SET name = EXCLUDED.name, \
             password_hash = EXCLUDED.password_hash, role = EXCLUDED.role \
             RETURNING id, site_id, email, name, role",
        )
        .bind(site_id.as_str())
        .bind(email)
        .bind(name)
        .bind(password_hash)
        .bind(role.as_str())
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO memberships (agent_id, site_id, role) VALUES ($1, $2, $3) \
             ON CONFLICT (agent_id, site_id) DO UPDATE SET role = EXCLUDED.role",
        )
        .bind(row.id)
        .bind(&row.site_id)
        .bind(role.as_str())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
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
        // A relay adding the same new email at once waits on this insert;
        // its next statement (READ COMMITTED) then sees the account.
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO agents (site_id, email, name, password_hash, role, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (email) DO NOTHING",
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
             SELECT id, $1, $2 FROM agents WHERE email = $3 \
             ON CONFLICT (agent_id, site_id) DO UPDATE SET role = EXCLUDED.role",
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
        // COLLATE "C": byte order, as SQLite sorts, whatever the database's locale.
        let rows: Vec<MembershipRow> = sqlx::query_as(
            "SELECT m.site_id, s.name, m.role FROM memberships m JOIN sites s ON s.id = m.site_id \
             WHERE m.agent_id = $1 ORDER BY s.name COLLATE \"C\", s.id COLLATE \"C\"",
        )
        .bind(agent_id.get())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(Membership::try_from).collect()
    }

    async fn switch_site(&self, token_hash: &str, site_id: &SiteId) -> Result<bool> {
        let switched = sqlx::query(
            "UPDATE sessions SET site_id = $1 WHERE token_hash = $2 AND EXISTS \
             (SELECT 1 FROM memberships m WHERE m.agent_id = sessions.agent_id \
              AND m.site_id = $1)",
        )
        .bind(site_id.as_str())
        .bind(token_hash)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(switched == 1)
    }

    async fn agent_credentials(&self, email: &str) -> Result<Option<AgentCredentials>> {
        let row: Option<CredentialsRow> = sqlx::query_as(
            "SELECT id, site_id, email, name, role, password_hash, failed_sign_ins FROM agents \
             WHERE email = $1",
        )
        .bind(email)
        .fetch_optional(&self.pool)
        .await?;
        row.map(AgentCredentials::try_from).transpose()
    }

    async fn count_failed_sign_in(&self, email: &str) -> Result<()> {
        sqlx::query("UPDATE agents SET failed_sign_ins = failed_sign_ins + 1 WHERE email = $1")
            .bind(email)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn reset_failed_sign_ins(&self, agent_id: AgentId) -> Result<()> {
        sqlx::query("UPDATE agents SET failed_sign_ins = 0 WHERE id = $1")
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
            "INSERT INTO sessions (token_hash, agent_id, site_id, expires_at) \
             VALUES ($1, $2, $3, $4)",
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
             WHERE s.token_hash = $1 AND s.expires_at > $2",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| row.session(token_hash)).transpose()
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn count_tone(&self, agent: AgentId, site_id: &SiteId, overridden: bool) -> Result<()> {
        let (shown, overridden) = tone_increments(overridden);
        // Unqualified, `shown` would be ambiguous between the row and EXCLUDED.
        sqlx::query(
            "INSERT INTO tone_counts (agent_id, site_id, shown, overridden) \
             VALUES ($1, $2, $3, $4) \
             ON CONFLICT (agent_id, site_id) DO UPDATE \
             SET shown = tone_counts.shown + EXCLUDED.shown, \
             overridden = tone_counts.overridden + EXCLUDED.overridden",
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
             WHERE m.site_id = $1 ORDER BY a.name COLLATE \"C\", a.id",
        )
        .bind(site_id.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(ToneCount::from).collect())
    }
}
