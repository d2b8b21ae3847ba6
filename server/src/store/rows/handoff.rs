use sqlx::FromRow;
use warmline_shared::handoff::{Availability, Frustration};
use warmline_shared::{AgentId, ConversationId, SiteId, Teammate};

use crate::store::{HistoryEvent, LapsedOffer, Member, Queued, Result, StoreError};

/// A count as the relay keeps it; a negative or huge one cannot be real.
pub(in crate::store) fn count(n: i64) -> u32 {
    n.clamp(0, i64::from(u32::MAX)) as u32
}

pub(in crate::store) fn frustration_json(frustration: &Frustration) -> Result<String> {
    serde_json::to_string(frustration)
        .map_err(|e| StoreError::corrupt(format!("frustration does not serialise: {e}")))
}

/// The mean of the spells with an agent, with how many there were.
pub(in crate::store) fn pace(spells: &[i64]) -> (Option<i64>, usize) {
    let samples = spells.len();
    let mean = (samples > 0).then(|| spells.iter().sum::<i64>() / samples as i64);
    (mean, samples)
}

#[derive(FromRow)]
pub(in crate::store) struct QueuedRow {
    id: i64,
    tier: i64,
    waiting_since: Option<i64>,
    offered_to: Option<i64>,
}

impl From<QueuedRow> for Queued {
    fn from(row: QueuedRow) -> Self {
        Queued {
            id: ConversationId::new(row.id),
            tier: row.tier.clamp(0, 255) as u8,
            since: row.waiting_since.unwrap_or(0),
            offered_to: row.offered_to.map(AgentId::new),
        }
    }
}

#[derive(FromRow)]
pub(in crate::store) struct LapsedRow {
    site_id: String,
    id: i64,
    offered_to: i64,
}

impl From<LapsedRow> for LapsedOffer {
    fn from(row: LapsedRow) -> Self {
        LapsedOffer {
            site_id: SiteId::new(row.site_id),
            conversation_id: ConversationId::new(row.id),
            agent_id: AgentId::new(row.offered_to),
        }
    }
}

#[derive(FromRow)]
pub(in crate::store) struct MemberRow {
    id: i64,
    name: String,
    availability: Option<String>,
    capacity: Option<i64>,
    auto_away: Option<bool>,
    last_offered_at: Option<i64>,
    load: i64,
    offers: i64,
}

impl TryFrom<MemberRow> for Member {
    type Error = StoreError;

    fn try_from(row: MemberRow) -> Result<Self> {
        let availability = match row.availability.as_deref() {
            None => Availability::Offline,
            Some(name) => Availability::from_name(name).ok_or_else(|| {
                StoreError::corrupt(format!("agent {} has availability {name:?}", row.id))
            })?,
        };
        Ok(Member {
            teammate: Teammate {
                id: AgentId::new(row.id),
                name: row.name,
                availability,
                capacity: row
                    .capacity
                    .map_or(warmline_shared::handoff::DEFAULT_CAPACITY, count),
                load: count(row.load),
                connected: false,
            },
            auto_away: row.auto_away.unwrap_or(false),
            last_offered_at: row.last_offered_at.unwrap_or(0),
            offers: count(row.offers),
        })
    }
}

#[derive(FromRow)]
pub(in crate::store) struct EventRow {
    at: i64,
    kind: String,
    reason: Option<String>,
    agent_id: Option<i64>,
    detail: Option<String>,
}

impl From<EventRow> for HistoryEvent {
    fn from(row: EventRow) -> Self {
        HistoryEvent {
            at: row.at,
            kind: row.kind,
            reason: row.reason,
            agent_id: row.agent_id.map(AgentId::new),
            detail: row.detail,
        }
    }
}
