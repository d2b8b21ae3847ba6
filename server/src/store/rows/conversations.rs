use sqlx::FromRow;
use warmline_shared::handoff::{ConversationState, HandoffReason};
use warmline_shared::{
    AgentId, Attachment, Author, ChatMessage, ConversationId, ConversationSummary, SiteId,
    VisitorId,
};

use super::visitors::name_source;
use crate::store::{Conversation, Result, Status, StoreError};

#[derive(FromRow)]
pub(in crate::store) struct MessageRow {
    conversation_id: i64,
    seq: i64,
    client_id: String,
    author_kind: String,
    author_name: Option<String>,
    text: String,
    sent_at: i64,
    attachment_id: Option<String>,
    attachment_name: Option<String>,
    attachment_mime: Option<String>,
    attachment_size: Option<i64>,
    articles: Option<String>,
    wants_person: bool,
    options: Option<String>,
    picked: Option<i64>,
}

impl TryFrom<MessageRow> for ChatMessage {
    type Error = StoreError;

    fn try_from(row: MessageRow) -> Result<Self> {
        let name = || row.author_name.clone().unwrap_or_default();
        let author = match row.author_kind.as_str() {
            "visitor" => Author::Visitor,
            "agent" => Author::Agent { name: name() },
            "bot" => Author::Bot { name: name() },
            "system" => Author::System,
            other => {
                return Err(StoreError::corrupt(format!(
                    "message {} of conversation {} has author kind {other:?}",
                    row.seq, row.conversation_id
                )));
            }
        };
        Ok(ChatMessage {
            conversation_id: ConversationId::new(row.conversation_id),
            seq: row.seq,
            client_id: row.client_id,
            author,
            text: row.text,
            sent_at: row.sent_at,
            attachment: row.attachment_id.map(|id| Attachment {
                id,
                name: row.attachment_name.unwrap_or_default(),
                mime: row.attachment_mime.unwrap_or_default(),
                size: row.attachment_size.unwrap_or(0) as u64,
            }),
            articles: match row.articles {
                None => Vec::new(),
                Some(json) => serde_json::from_str(&json).map_err(|e| {
                    StoreError::corrupt(format!("message {} has bad articles: {e}", row.seq))
                })?,
            },
            wants_person: row.wants_person,
            options: match row.options {
                None => Vec::new(),
                Some(json) => serde_json::from_str(&json).map_err(|e| {
                    StoreError::corrupt(format!("message {} has bad options: {e}", row.seq))
                })?,
            },
            picked: row.picked,
        })
    }
}

pub(in crate::store) fn author_columns(author: &Author) -> (&'static str, Option<&str>) {
    match author {
        Author::Visitor => ("visitor", None),
        Author::Agent { name } => ("agent", Some(name)),
        Author::Bot { name } => ("bot", Some(name)),
        Author::System => ("system", None),
    }
}

#[derive(FromRow)]
pub(in crate::store) struct ConversationRow {
    id: i64,
    site_id: String,
    visitor_id: i64,
    visitor_name: Option<String>,
    name_source: String,
    state: String,
    assigned_agent_id: Option<i64>,
    agent_name: Option<String>,
    page: Option<String>,
    last_seq: i64,
    last_text: Option<String>,
    updated_at: i64,
    handoff_reason: Option<String>,
    waiting_since: Option<i64>,
    offered_to: Option<i64>,
    frustration: String,
    note: Option<String>,
    resolution: Option<String>,
    lang: String,
    email_replies: bool,
    rating: Option<i64>,
}

impl ConversationRow {
    /// The row of `CONVERSATION_SELECT` as SQLite's message writer reads it
    /// (its own connection, outside sqlx).
    pub(in crate::store) fn from_columns(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            site_id: row.get("site_id")?,
            visitor_id: row.get("visitor_id")?,
            visitor_name: row.get("visitor_name")?,
            name_source: row.get("name_source")?,
            state: row.get("state")?,
            assigned_agent_id: row.get("assigned_agent_id")?,
            agent_name: row.get("agent_name")?,
            page: row.get("page")?,
            last_seq: row.get("last_seq")?,
            last_text: row.get("last_text")?,
            updated_at: row.get("updated_at")?,
            handoff_reason: row.get("handoff_reason")?,
            waiting_since: row.get("waiting_since")?,
            offered_to: row.get("offered_to")?,
            frustration: row.get("frustration")?,
            note: row.get("note")?,
            resolution: row.get("resolution")?,
            lang: row.get("lang")?,
            email_replies: row.get("email_replies")?,
            rating: row.get("rating")?,
        })
    }

    pub(in crate::store) fn summary(&self) -> Result<ConversationSummary> {
        let corrupt =
            |what: &str| StoreError::corrupt(format!("conversation {} has a bad {what}", self.id));
        let state = ConversationState::from_name(&self.state).ok_or_else(|| corrupt("state"))?;
        let reason = match &self.handoff_reason {
            None => None,
            Some(name) => Some(HandoffReason::from_name(name).ok_or_else(|| corrupt("reason"))?),
        };
        Ok(ConversationSummary {
            id: ConversationId::new(self.id),
            visitor: self
                .visitor_name
                .clone()
                .unwrap_or_else(|| format!("Visitor {}", self.visitor_id)),
            page: self.page.clone(),
            last_seq: self.last_seq,
            last_text: self.last_text.clone(),
            updated_at: self.updated_at,
            name_source: name_source(&self.name_source)?,
            state,
            reason,
            waiting_since: self.waiting_since,
            assigned_to: self.assigned_agent_id.map(AgentId::new),
            agent: self.agent_name.clone(),
            offered_to: self.offered_to.map(AgentId::new),
            frustration: serde_json::from_str(&self.frustration)
                .map_err(|_| corrupt("frustration"))?,
            note: self.note.clone(),
            resolution: self.resolution.clone(),
            lang: self.lang.clone(),
            by_email: self.email_replies,
            rating: self.rating.map(|r| r as u8),
        })
    }
}

impl TryFrom<ConversationRow> for Conversation {
    type Error = StoreError;

    fn try_from(row: ConversationRow) -> Result<Self> {
        let summary = row.summary()?;
        let status = if summary.state == ConversationState::Closed {
            Status::Closed
        } else {
            Status::Open
        };
        Ok(Conversation {
            summary,
            site_id: SiteId::new(row.site_id),
            visitor_id: VisitorId::new(row.visitor_id),
            status,
            assigned_to: row.assigned_agent_id.map(AgentId::new),
            email_replies: row.email_replies,
        })
    }
}

/// The columns of a `ConversationRow`, over a conversation named `c`: a
/// macro so that `CONVERSATION_SELECT` and PostgreSQL's message writer
/// (which reads the row its UPDATE returned) name them once.
macro_rules! conversation_columns {
    () => {
        "c.id, c.site_id, c.visitor_id, v.name AS visitor_name, v.name_source, c.state, \
         c.assigned_agent_id, a.name AS agent_name, c.page, c.last_seq, c.last_text, \
         c.updated_at, c.handoff_reason, c.waiting_since, c.offered_to, c.frustration, c.note, \
         c.resolution, c.lang, c.email_replies, \
         (SELECT f.rating FROM feedback f WHERE f.conversation_id = c.id) AS rating"
    };
}
pub(in crate::store) use conversation_columns;

/// What a `ConversationRow` joins besides the conversation `c`.
macro_rules! conversation_joins {
    () => {
        "JOIN visitors v ON v.id = c.visitor_id LEFT JOIN agents a ON a.id = c.assigned_agent_id"
    };
}
pub(in crate::store) use conversation_joins;

pub(in crate::store) const CONVERSATION_SELECT: &str = concat!(
    "SELECT ",
    conversation_columns!(),
    " FROM conversations c ",
    conversation_joins!()
);

pub(in crate::store) const MESSAGE_SELECT: &str = "SELECT m.conversation_id, m.seq, m.client_id, m.author_kind, \
     m.author_name, m.text, m.sent_at, m.attachment_id, a.name AS attachment_name, \
     a.mime AS attachment_mime, a.size AS attachment_size, m.articles, m.wants_person, \
     m.options, m.picked FROM messages m LEFT JOIN attachments a ON a.id = m.attachment_id";
