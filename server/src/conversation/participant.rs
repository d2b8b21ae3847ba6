//! Who takes part in conversations, and where each may act.

use warmline_shared::{AgentId, Author, SiteId, VisitorId};

use crate::store::{Agent, Conversation, Visitor};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Participant {
    /// Writes only in their own conversations.
    Visitor(Visitor),
    /// Works in every conversation of their site.
    Agent(Agent),
    /// The relay's assistant, acting for a site under the name it shows.
    Bot { site_id: SiteId, name: String },
    /// The relay itself, noting what happened in a conversation of a site.
    System { site_id: SiteId },
}

impl Participant {
    /// The site this participant acts in, and the one visitor whose
    /// conversations alone it may touch, if it is limited to one.
    pub fn scope(&self) -> (&SiteId, Option<VisitorId>) {
        match self {
            Self::Visitor(v) => (&v.site_id, Some(v.id)),
            Self::Agent(a) => (&a.site_id, None),
            Self::Bot { site_id, .. } | Self::System { site_id } => (site_id, None),
        }
    }

    pub fn may_see(&self, conversation: &Conversation) -> bool {
        let (site_id, visitor_id) = self.scope();
        conversation.site_id == *site_id
            && visitor_id.is_none_or(|id| id == conversation.visitor_id)
    }

    /// How the participant's messages are signed.
    pub fn author(&self) -> Author {
        match self {
            Self::Visitor(_) => Author::Visitor,
            Self::Agent(a) => Author::Agent {
                name: a.name.clone(),
            },
            Self::Bot { name, .. } => Author::Bot { name: name.clone() },
            Self::System { .. } => Author::System,
        }
    }

    pub fn agent_id(&self) -> Option<AgentId> {
        match self {
            Self::Agent(a) => Some(a.id),
            _ => None,
        }
    }
}
