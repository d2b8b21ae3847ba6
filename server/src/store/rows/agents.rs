use sqlx::FromRow;
use warmline_shared::{AgentId, SiteId};

use crate::store::{
    Agent, AgentCredentials, Membership, Result, Role, Session, StoreError, ToneCount,
};

#[derive(FromRow)]
pub(in crate::store) struct AgentRow {
    pub(in crate::store) id: i64,
    pub(in crate::store) site_id: String,
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

#[derive(FromRow)]
pub(in crate::store) struct CredentialsRow {
    #[sqlx(flatten)]
    agent: AgentRow,
    password_hash: String,
    failed_sign_ins: i64,
}

impl TryFrom<CredentialsRow> for AgentCredentials {
    type Error = StoreError;

    fn try_from(row: CredentialsRow) -> Result<Self> {
        let failed_sign_ins = u32::try_from(row.failed_sign_ins).map_err(|_| {
            StoreError::corrupt(format!(
                "agent {} has {} failed sign-ins",
                row.agent.id, row.failed_sign_ins
            ))
        })?;
        Ok(AgentCredentials {
            password_hash: row.password_hash,
            failed_sign_ins,
            agent: row.agent.try_into()?,
        })
    }
}

/// A session with its agent, as it is on the session's site.
#[derive(FromRow)]
pub(in crate::store) struct SessionRow {
    #[sqlx(flatten)]
    agent: AgentRow,
    expires_at: i64,
}

impl SessionRow {
    pub(in crate::store) fn session(self, token_hash: &str) -> Result<Session> {
        Ok(Session {
            agent: self.agent.try_into()?,
            token_hash: token_hash.to_owned(),
            expires_at: self.expires_at,
        })
    }
}

#[derive(FromRow)]
pub(in crate::store) struct MembershipRow {
    site_id: String,
    name: String,
    role: String,
}

impl TryFrom<MembershipRow> for Membership {
    type Error = StoreError;

    fn try_from(row: MembershipRow) -> Result<Self> {
        let role = row.role;
        Ok(Membership {
            site_id: SiteId::new(row.site_id),
            site_name: row.name,
            role: Role::parse(&role)
                .ok_or_else(|| StoreError::corrupt(format!("membership role {role:?}")))?,
        })
    }
}

#[derive(FromRow)]
pub(in crate::store) struct ToneRow {
    id: i64,
    name: String,
    shown: i64,
    overridden: i64,
}

impl From<ToneRow> for ToneCount {
    fn from(row: ToneRow) -> Self {
        ToneCount {
            agent_id: AgentId::new(row.id),
            name: row.name,
            shown: row.shown.max(0) as u64,
            overridden: row.overridden.max(0) as u64,
        }
    }
}

/// What one tone-guard event adds to the `shown` and `overridden` counts.
pub(in crate::store) fn tone_increments(overridden: bool) -> (i64, i64) {
    if overridden { (0, 1) } else { (1, 0) }
}
