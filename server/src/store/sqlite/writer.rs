//! Group commit: one task writes every message. It takes the messages that
//! arrived together (up to `MAX_BATCH`) and stores them in one transaction,
//! each under its own savepoint, so a message that cannot go in costs only
//! itself. Every caller hears back only after the commit: nothing is
//! acknowledged before it is durable, and a failed commit refuses every
//! message of the batch. Per-conversation order holds because the writer is
//! one task taking messages in the order they were queued.

use sqlx::{Sqlite, SqlitePool, Transaction};
use tokio::sync::{mpsc, oneshot};
use warmline_shared::api::ArticleLink;
use warmline_shared::{
    AgentId, Attachment, Author, ChatMessage, ConversationId, Seq, SiteId, VisitorId,
};

use super::conversations::{author_columns, conversation_in};
use crate::store::{Appended, NewMessage, Result, StoreError};

/// The most messages one transaction takes.
const MAX_BATCH: usize = 256;
/// Messages waiting for the writer before callers wait to queue theirs.
const QUEUE: usize = 4096;

/// A message to store, owned, as it waits in the queue.
struct Queued {
    conversation_id: ConversationId,
    site_id: SiteId,
    visitor_id: Option<VisitorId>,
    client_id: String,
    author: Author,
    agent_id: Option<AgentId>,
    text: String,
    sent_at: i64,
    attachment: Option<Attachment>,
    articles: Vec<ArticleLink>,
    wants_person: bool,
    options: Vec<String>,
    picked: Option<Seq>,
}

impl From<&NewMessage<'_>> for Queued {
    fn from(new: &NewMessage<'_>) -> Self {
        Self {
            conversation_id: new.conversation_id,
            site_id: new.site_id.clone(),
            visitor_id: new.visitor_id,
            client_id: new.client_id.to_owned(),
            author: new.author.clone(),
            agent_id: new.agent_id,
            text: new.text.to_owned(),
            sent_at: new.sent_at,
            attachment: new.attachment.cloned(),
            articles: new.articles.to_vec(),
            wants_person: new.wants_person,
            options: new.options.to_vec(),
            picked: new.picked,
        }
    }
}

/// What became of one message in its batch.
pub enum Written {
    /// Stored now, with the conversation as it stands after.
    Stored(Box<Appended>),
    /// Not stored: a resend of a stored client id, or a conversation that
    /// takes no messages. The caller looks which.
    NotStored,
}

type Reply = oneshot::Sender<Result<Written>>;

/// The way to the writer task.
#[derive(Clone)]
pub struct Writer(mpsc::Sender<(Queued, Reply)>);

impl Writer {
    /// Starts the writer task on the current runtime.
    pub fn start(pool: SqlitePool) -> Self {
        let (sender, receiver) = mpsc::channel(QUEUE);
        tokio::spawn(write(pool, receiver));
        Self(sender)
    }

    /// Stores the message with the next ones queued; answers after the commit.
    pub async fn write(&self, new: &NewMessage<'_>) -> Result<Written> {
        let (reply, answer) = oneshot::channel();
        let gone = || StoreError::backend(std::io::Error::other("the message writer stopped"));
        self.0
            .send((Queued::from(new), reply))
            .await
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}

async fn write(pool: SqlitePool, mut queue: mpsc::Receiver<(Queued, Reply)>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let (messages, replies): (Vec<Queued>, Vec<Reply>) = batch.drain(..).unzip();
        match commit(&pool, &messages).await {
            Ok(outcomes) => {
                for (reply, outcome) in replies.into_iter().zip(outcomes) {
                    let _ = reply.send(outcome);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, messages = messages.len(), "a batch of messages failed to commit");
                let message = e.to_string();
                for reply in replies {
                    let failed = StoreError::backend(std::io::Error::other(message.clone()));
                    let _ = reply.send(Err(failed));
                }
            }
        }
    }
}

/// One transaction for the batch; per message, what became of it.
async fn commit(pool: &SqlitePool, messages: &[Queued]) -> Result<Vec<Result<Written>>> {
    let mut tx = pool.begin().await?;
    let mut outcomes = Vec::with_capacity(messages.len());
    for message in messages {
        sqlx::query("SAVEPOINT message").execute(&mut *tx).await?;
        let outcome = insert(&mut tx, message).await;
        if !matches!(outcome, Ok(Written::Stored(_))) {
            // Undo the counter bump of a message that did not go in.
            sqlx::query("ROLLBACK TO message").execute(&mut *tx).await?;
        }
        sqlx::query("RELEASE message").execute(&mut *tx).await?;
        outcomes.push(outcome);
    }
    tx.commit().await?;
    Ok(outcomes)
}

async fn insert(tx: &mut Transaction<'_, Sqlite>, new: &Queued) -> Result<Written> {
    let (kind, name) = author_columns(&new.author);
    let seq: Option<i64> = sqlx::query_scalar(
        "UPDATE conversations SET last_seq = last_seq + 1, \
         last_text = COALESCE(?, last_text), updated_at = ? \
         WHERE id = ? AND site_id = ? AND status = 'open' AND (? IS NULL OR visitor_id = ?) \
         RETURNING last_seq",
    )
    // The inbox previews what people wrote, not the bot's or the relay's notices.
    .bind(matches!(new.author, Author::Visitor | Author::Agent { .. }).then_some(&new.text))
    .bind(new.sent_at)
    .bind(new.conversation_id.get())
    .bind(new.site_id.as_str())
    .bind(new.visitor_id.map(VisitorId::get))
    .bind(new.visitor_id.map(VisitorId::get))
    .fetch_optional(&mut **tx)
    .await?;
    let Some(seq) = seq else {
        return Ok(Written::NotStored);
    };
    let inserted = sqlx::query(
        "INSERT INTO messages (conversation_id, seq, client_id, author_kind, \
         agent_id, author_name, text, sent_at, attachment_id, articles, wants_person, \
         options, picked) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT DO NOTHING",
    )
    .bind(new.conversation_id.get())
    .bind(seq)
    .bind(&new.client_id)
    .bind(kind)
    .bind(new.agent_id.map(AgentId::get))
    .bind(name)
    .bind(&new.text)
    .bind(new.sent_at)
    .bind(new.attachment.as_ref().map(|a| a.id.as_str()))
    .bind(
        (!new.articles.is_empty())
            .then(|| serde_json::to_string(&new.articles).expect("links serialise")),
    )
    .bind(new.wants_person)
    .bind(
        (!new.options.is_empty())
            .then(|| serde_json::to_string(&new.options).expect("options serialise")),
    )
    .bind(new.picked)
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1;
    if !inserted {
        return Ok(Written::NotStored);
    }
    let conversation = conversation_in(tx, new.conversation_id).await?;
    let message = ChatMessage {
        conversation_id: new.conversation_id,
        seq,
        client_id: new.client_id.clone(),
        author: new.author.clone(),
        text: new.text.clone(),
        sent_at: new.sent_at,
        attachment: new.attachment.clone(),
        articles: new.articles.clone(),
        wants_person: new.wants_person,
        options: new.options.clone(),
        picked: new.picked,
    };
    Ok(Written::Stored(Box::new(Appended {
        message,
        new: true,
        conversation,
    })))
}
