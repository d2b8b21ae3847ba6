use async_trait::async_trait;
use sqlx::{FromRow, Row, Sqlite, Transaction};
use warmline_shared::handoff::{ConversationState, HandoffReason};
use warmline_shared::{
    AgentId, Attachment, Author, ChatMessage, ConversationId, ConversationSummary, InboxCursor,
    Note, Seq, SiteId, VisitorId,
};

use super::SqliteStore;
use super::visitors::name_source;
use super::writer::Written;
use crate::store::{
    Appended, Conversation, ConversationStore, NewMessage, Result, Status, StoreError,
};

#[derive(FromRow)]
pub(super) struct MessageRow {
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

pub(super) fn author_columns(author: &Author) -> (&'static str, Option<&str>) {
    match author {
        Author::Visitor => ("visitor", None),
        Author::Agent { name } => ("agent", Some(name)),
        Author::Bot { name } => ("bot", Some(name)),
        Author::System => ("system", None),
    }
}

#[derive(FromRow)]
pub(super) struct ConversationRow {
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
    pub(super) fn summary(&self) -> Result<ConversationSummary> {
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

pub(super) const CONVERSATION_SELECT: &str = "SELECT c.id, c.site_id, c.visitor_id, \
     v.name AS visitor_name, v.name_source, c.state, c.assigned_agent_id, a.name AS agent_name, \
     c.page, c.last_seq, c.last_text, c.updated_at, c.handoff_reason, c.waiting_since, \
     c.offered_to, c.frustration, c.note, c.resolution, c.lang, c.email_replies, \
     (SELECT f.rating FROM feedback f WHERE f.conversation_id = c.id) AS rating \
     FROM conversations c JOIN visitors v ON v.id = c.visitor_id \
     LEFT JOIN agents a ON a.id = c.assigned_agent_id";

pub(super) const MESSAGE_SELECT: &str = "SELECT m.conversation_id, m.seq, m.client_id, m.author_kind, \
     m.author_name, m.text, m.sent_at, m.attachment_id, a.name AS attachment_name, \
     a.mime AS attachment_mime, a.size AS attachment_size, m.articles, m.wants_person, \
     m.options, m.picked FROM messages m LEFT JOIN attachments a ON a.id = m.attachment_id";

impl SqliteStore {
    /// A site's open or closed conversations, most recently active first,
    /// after the cursor.
    async fn listed(
        &self,
        status: &str,
        site_id: &SiteId,
        after: Option<InboxCursor>,
        limit: i64,
    ) -> Result<Vec<ConversationSummary>> {
        // Without a cursor, start after a point past every conversation.
        let (updated_at, id) = after.map_or((i64::MAX, i64::MAX), |c| (c.updated_at, c.id.get()));
        let rows: Vec<ConversationRow> = sqlx::query_as(&format!(
            "{CONVERSATION_SELECT} WHERE c.site_id = ? AND c.status = ? \
             AND (c.updated_at, c.id) < (?, ?) \
             ORDER BY c.updated_at DESC, c.id DESC LIMIT ?"
        ))
        .bind(site_id.as_str())
        .bind(status)
        .bind(updated_at)
        .bind(id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(ConversationRow::summary).collect()
    }

    pub(super) async fn conversation_where(
        &self,
        condition: &str,
        id: i64,
    ) -> Result<Option<Conversation>> {
        let row: Option<ConversationRow> =
            sqlx::query_as(&format!("{CONVERSATION_SELECT} WHERE {condition}"))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        row.map(Conversation::try_from).transpose()
    }

    async fn stored_message(
        &self,
        conversation_id: ConversationId,
        client_id: &str,
    ) -> Result<Option<ChatMessage>> {
        let row: Option<MessageRow> = sqlx::query_as(&format!(
            "{MESSAGE_SELECT} WHERE m.conversation_id = ? AND m.client_id = ?"
        ))
        .bind(conversation_id.get())
        .bind(client_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(ChatMessage::try_from).transpose()
    }
}

pub(super) async fn conversation_in(
    tx: &mut Transaction<'_, Sqlite>,
    id: ConversationId,
) -> Result<Conversation> {
    let row: ConversationRow = sqlx::query_as(&format!("{CONVERSATION_SELECT} WHERE c.id = ?"))
        .bind(id.get())
        .fetch_one(&mut **tx)
        .await?;
    row.try_into()
}

#[async_trait]
impl ConversationStore for SqliteStore {
    async fn open_conversation_of(&self, visitor_id: VisitorId) -> Result<Option<Conversation>> {
        self.conversation_where("c.visitor_id = ? AND c.status = 'open'", visitor_id.get())
            .await
    }

    async fn start_conversation(
        &self,
        site_id: &SiteId,
        visitor_id: VisitorId,
        page: Option<&str>,
        lang: &str,
        now: i64,
    ) -> Result<(Conversation, bool)> {
        // The partial unique index keeps one open conversation per visitor, so
        // two tabs racing here both end up in the same one.
        let inserted = sqlx::query(
            "INSERT INTO conversations (site_id, visitor_id, page, lang, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(site_id.as_str())
        .bind(visitor_id.get())
        .bind(page)
        .bind(lang)
        .bind(now)
        .bind(now)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1;
        let conversation = self
            .open_conversation_of(visitor_id)
            .await?
            .ok_or_else(|| {
                StoreError::corrupt(format!("visitor {visitor_id} has no open conversation"))
            })?;
        Ok((conversation, inserted))
    }

    async fn conversation(&self, id: ConversationId) -> Result<Option<Conversation>> {
        self.conversation_where("c.id = ?", id.get()).await
    }

    async fn open_conversations(
        &self,
        site_id: &SiteId,
        after: Option<InboxCursor>,
        limit: i64,
    ) -> Result<Vec<ConversationSummary>> {
        self.listed("open", site_id, after, limit).await
    }

    async fn close_conversation(
        &self,
        id: ConversationId,
        closed_by: &str,
        resolution: Option<&str>,
        now: i64,
    ) -> Result<Option<Conversation>> {
        let mut tx = self.pool.begin().await?;
        let closed = sqlx::query(
            "UPDATE conversations SET status = 'closed', state = 'closed', closed_at = ?, \
             updated_at = ?, closed_by = ?, resolution = ?, offered_to = NULL, \
             offer_expires_at = NULL WHERE id = ? AND status = 'open'",
        )
        .bind(now)
        .bind(now)
        .bind(closed_by)
        .bind(resolution)
        .bind(id.get())
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if closed {
            super::handoff::record(
                &mut tx,
                id,
                now,
                "closed",
                resolution,
                None,
                Some(closed_by),
            )
            .await?;
        }
        tx.commit().await?;
        self.conversation(id).await
    }

    async fn closed_conversations(
        &self,
        site_id: &SiteId,
        after: Option<InboxCursor>,
        limit: i64,
    ) -> Result<Vec<ConversationSummary>> {
        self.listed("closed", site_id, after, limit).await
    }

    async fn append(&self, new: NewMessage<'_>) -> Result<Option<Appended>> {
        if let Written::Stored(appended) = self.writer.write(&new).await? {
            return Ok(Some(*appended));
        }
        // A resend, or a conversation that takes no messages: answer a resend
        // with what is stored.
        let Some(message) = self
            .stored_message(new.conversation_id, new.client_id)
            .await?
        else {
            return Ok(None);
        };
        let conversation = self
            .conversation(new.conversation_id)
            .await?
            .ok_or_else(|| {
                StoreError::corrupt(format!("conversation {} vanished", new.conversation_id))
            })?;
        // The same conditions hold for reading back as for writing.
        let allowed = conversation.site_id == *new.site_id
            && new.visitor_id.is_none_or(|v| v == conversation.visitor_id);
        Ok(allowed.then_some(Appended {
            message,
            new: false,
            conversation,
        }))
    }

    async fn add_note(&self, note: &Note, agent_id: AgentId) -> Result<Note> {
        sqlx::query(
            "INSERT INTO notes (conversation_id, client_id, agent_id, author_name, text, at) \
             VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(note.conversation_id.get())
        .bind(&note.client_id)
        .bind(agent_id.get())
        .bind(&note.author)
        .bind(&note.text)
        .bind(note.at)
        .execute(&self.pool)
        .await?;
        let row = sqlx::query(
            "SELECT author_name, text, at FROM notes WHERE conversation_id = ? AND client_id = ?",
        )
        .bind(note.conversation_id.get())
        .bind(&note.client_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(Note {
            author: row.get("author_name"),
            text: row.get("text"),
            at: row.get("at"),
            ..note.clone()
        })
    }

    async fn notes(&self, conversation_id: ConversationId) -> Result<Vec<Note>> {
        let rows = sqlx::query(
            "SELECT client_id, author_name, text, at FROM notes WHERE conversation_id = ? \
             ORDER BY at, client_id",
        )
        .bind(conversation_id.get())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|row| Note {
                conversation_id,
                client_id: row.get("client_id"),
                author: row.get("author_name"),
                text: row.get("text"),
                at: row.get("at"),
            })
            .collect())
    }

    async fn messages_after(
        &self,
        conversation_id: ConversationId,
        after: Seq,
        limit: i64,
    ) -> Result<Vec<ChatMessage>> {
        let rows: Vec<MessageRow> = sqlx::query_as(&format!(
            "{MESSAGE_SELECT} WHERE m.conversation_id = ? AND m.seq > ? ORDER BY m.seq LIMIT ?"
        ))
        .bind(conversation_id.get())
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(ChatMessage::try_from).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Site, SiteStore, VisitorStore};

    #[tokio::test]
    async fn a_message_of_an_unknown_author_kind_is_an_error_not_a_visitor() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let store = SqliteStore::connect(&url).await.unwrap();
        let site = Site {
            id: SiteId::new("s"),
            name: "S".into(),
            allowed_origins: vec![],
            settings: Default::default(),
        };
        store.upsert_site(&site, 0).await.unwrap();
        let visitor = store
            .create_visitor(&site.id, "h", 0)
            .await
            .unwrap()
            .unwrap();
        let (conversation, _) = store
            .start_conversation(&site.id, visitor.id, None, "en", 0)
            .await
            .unwrap();
        // As a newer version (or a hand edit) might have written it.
        let mut connection = store.pool.acquire().await.unwrap();
        sqlx::query("PRAGMA ignore_check_constraints = ON")
            .execute(&mut *connection)
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO messages (conversation_id, seq, client_id, author_kind, text, sent_at) \
             VALUES (?, 1, 'c', 'robot', 'beep', 0)",
        )
        .bind(conversation.id().get())
        .execute(&mut *connection)
        .await
        .unwrap();
        drop(connection);
        let error = store
            .messages_after(conversation.id(), 0, 10)
            .await
            .unwrap_err();
        assert!(error.to_string().contains("robot"), "{error}");
    }
}
