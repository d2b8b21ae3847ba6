use std::sync::LazyLock;

use async_trait::async_trait;
use sqlx::{Row, Sqlite, Transaction};
use warmline_shared::{
    AgentId, ChatMessage, ConversationId, ConversationSummary, InboxCursor, Note, Seq, SiteId,
    VisitorId,
};

use super::SqliteStore;
use crate::store::rows::conversations::{
    CONVERSATION_SELECT, ConversationRow, MESSAGE_SELECT, MessageRow,
};
use crate::store::writer::{Written, resent};
use crate::store::{Appended, Conversation, ConversationStore, NewMessage, Result, StoreError};

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

/// One conversation by id, for reading it back inside a write (here and
/// in the message writer).
pub(super) static CONVERSATION_BY_ID: LazyLock<String> =
    LazyLock::new(|| format!("{CONVERSATION_SELECT} WHERE c.id = ?1"));

pub(super) async fn conversation_in(
    tx: &mut Transaction<'_, Sqlite>,
    id: ConversationId,
) -> Result<Conversation> {
    let row: ConversationRow = sqlx::query_as(&CONVERSATION_BY_ID)
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
        let message = self
            .stored_message(new.conversation_id, new.client_id)
            .await?;
        let conversation = match message {
            Some(_) => self.conversation(new.conversation_id).await?,
            None => None,
        };
        resent(&new, message, conversation)
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
