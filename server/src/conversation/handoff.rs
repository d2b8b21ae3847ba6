//! The handoff's changes of state: bot → waiting → (offered) → assigned,
//! transfers between agents, and frustration. Each is one conditional store
//! change, announced as a `Change` that routing and the sockets act on.

use warmline_shared::handoff::{ConversationState, Frustration, HandoffReason};
use warmline_shared::{AgentId, ConversationId};

use super::{Conversations, DomainError, Participant, Result};
use crate::events::Change;
use crate::state::now_ms;
use crate::store::{Agent, Conversation, Status, Taken};

/// Longest transfer note, in characters.
pub const MAX_NOTE_CHARS: usize = 1000;

impl Conversations {
    /// Puts a conversation that is with the bot in the site's queue.
    /// `None`: it was not with the bot, so nothing changed.
    pub async fn hand_off(
        &self,
        id: ConversationId,
        reason: HandoffReason,
    ) -> Result<Option<Conversation>> {
        let moved = self.store.hand_off(id, reason, now_ms()).await?;
        if let Some(conversation) = &moved {
            self.changed(conversation, Change::HandedOff { reason })
                .await;
        }
        Ok(moved)
    }

    /// Saves how frustrated the visitor seems, if that changed.
    pub async fn assess(
        &self,
        conversation: &Conversation,
        frustration: Frustration,
    ) -> Result<()> {
        if conversation.summary.frustration == frustration {
            return Ok(());
        }
        if let Some(updated) = self
            .store
            .set_frustration(conversation.id(), &frustration)
            .await?
        {
            self.changed(&updated, Change::Assessed).await;
        }
        Ok(())
    }

    /// Offers a waiting conversation to an agent until `expires_at`.
    /// `false`: it is no longer waiting, or someone has the offer.
    pub async fn offer(&self, id: ConversationId, agent: AgentId, expires_at: i64) -> Result<bool> {
        if !self.store.offer(id, agent, expires_at, now_ms()).await? {
            return Ok(false);
        }
        if let Some(conversation) = self.store.conversation(id).await? {
            let change = Change::Offered {
                agent_id: agent,
                expires_at,
            };
            self.changed(&conversation, change).await;
        }
        Ok(true)
    }

    /// Ends an agent's offer: they declined it, or it ran out.
    pub async fn end_offer(
        &self,
        id: ConversationId,
        agent: AgentId,
        expired: bool,
    ) -> Result<bool> {
        if !self.store.end_offer(id, agent, expired, now_ms()).await? {
            return Ok(false);
        }
        if let Some(conversation) = self.store.conversation(id).await? {
            self.changed(&conversation, Change::OfferEnded { agent_id: agent })
                .await;
        }
        Ok(true)
    }

    /// An agent takes a conversation that is with the bot or waiting, the
    /// one offered to them or any other. Of two agents taking it at once,
    /// one gets it and the other `AlreadyTaken`.
    pub async fn take(&self, agent: &Agent, id: ConversationId) -> Result<Conversation> {
        let before = self
            .visible_to(&Participant::Agent(agent.clone()), id)
            .await?;
        match before.summary.state {
            ConversationState::Closed => return Err(DomainError::Closed),
            ConversationState::Assigned if before.assigned_to == Some(agent.id) => {
                return Ok(before);
            }
            ConversationState::Assigned => return Err(DomainError::AlreadyTaken),
            ConversationState::Bot | ConversationState::Waiting => {}
        }
        let taken = match self.store.take(id, agent.id, now_ms()).await? {
            Taken::Taken(conversation) => *conversation,
            Taken::AlreadyTaken => return Err(DomainError::AlreadyTaken),
            Taken::Gone => return Err(DomainError::Closed),
        };
        // Whoever had the offer sees it go.
        if let Some(offered) = before.summary.offered_to.filter(|a| *a != agent.id) {
            self.changed(&taken, Change::OfferEnded { agent_id: offered })
                .await;
        }
        self.changed(&taken, Change::Assigned { agent_id: agent.id })
            .await;
        Ok(taken)
    }

    /// Hands the agent's conversation to a colleague on the same site, with
    /// a note only agents see.
    pub async fn transfer(
        &self,
        agent: &Agent,
        id: ConversationId,
        to: AgentId,
        note: &str,
    ) -> Result<Conversation> {
        let conversation = self
            .visible_to(&Participant::Agent(agent.clone()), id)
            .await?;
        if conversation.status == Status::Closed {
            return Err(DomainError::Closed);
        }
        if conversation.assigned_to != Some(agent.id) {
            return Err(DomainError::NotYours);
        }
        let note = note.trim();
        if note.chars().count() > MAX_NOTE_CHARS {
            return Err(DomainError::Invalid(warmline_shared::ErrorCode::TooLarge));
        }
        let team = self.store.team(&agent.site_id).await?;
        if to == agent.id || !team.iter().any(|m| m.teammate.id == to) {
            return Err(DomainError::UnknownAgent);
        }
        let moved = self
            .store
            .transfer(id, agent.id, to, note, now_ms())
            .await?
            .ok_or(DomainError::NotYours)?;
        let change = Change::Transferred { from: agent.id, to };
        self.changed(&moved, change).await;
        Ok(moved)
    }
}
