//! Group commit: one writer stores every message. It takes the messages
//! that arrived together (up to `MAX_BATCH`) and hands them to the backend,
//! which stores them in one transaction; a message that cannot go in costs
//! only itself (savepoints only when one is needed). Every caller hears back
//! only after the commit: nothing is acknowledged before it is durable, and
//! a failed commit refuses every message of the batch. Per-conversation
//! order holds because there is one writer, taking messages in the order
//! they were queued. PostgreSQL's writer is a task on the runtime; SQLite's
//! is a thread of its own (see `Writer::start_blocking`).

use async_trait::async_trait;
use tokio::sync::{mpsc, oneshot};
use warmline_shared::api::ArticleLink;
use warmline_shared::{
    AgentId, Attachment, Author, ChatMessage, ConversationId, Seq, SiteId, VisitorId,
};

use super::{Appended, Conversation, NewMessage, Result, StoreError};

/// The most messages one transaction takes.
const MAX_BATCH: usize = 256;
/// Messages waiting for the writer before callers wait to queue theirs.
const QUEUE: usize = 4096;

/// A message to store, owned, as it waits in the queue.
pub(super) struct Queued {
    pub conversation_id: ConversationId,
    pub site_id: SiteId,
    pub visitor_id: Option<VisitorId>,
    pub client_id: String,
    pub author: Author,
    pub agent_id: Option<AgentId>,
    pub text: String,
    pub sent_at: i64,
    pub attachment: Option<Attachment>,
    pub articles: Vec<ArticleLink>,
    pub wants_person: bool,
    pub options: Vec<String>,
    pub picked: Option<Seq>,
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

impl Queued {
    /// The inbox previews what people wrote, not the bot's or the relay's
    /// notices.
    pub fn preview(&self) -> Option<&str> {
        matches!(self.author, Author::Visitor | Author::Agent { .. }).then_some(&self.text)
    }

    /// The JSON kept in `messages.articles`, if any.
    pub fn articles_json(&self) -> Option<String> {
        (!self.articles.is_empty())
            .then(|| serde_json::to_string(&self.articles).expect("links serialise"))
    }

    /// The JSON kept in `messages.options`, if any.
    pub fn options_json(&self) -> Option<String> {
        (!self.options.is_empty())
            .then(|| serde_json::to_string(&self.options).expect("options serialise"))
    }

    /// The message as stored under `seq`, with its conversation after it.
    pub fn stored(&self, seq: Seq, conversation: Conversation) -> Written {
        let message = ChatMessage {
            conversation_id: self.conversation_id,
            seq,
            client_id: self.client_id.clone(),
            author: self.author.clone(),
            text: self.text.clone(),
            sent_at: self.sent_at,
            attachment: self.attachment.clone(),
            articles: self.articles.clone(),
            wants_person: self.wants_person,
            options: self.options.clone(),
            picked: self.picked,
        };
        Written::Stored(Box::new(Appended {
            message,
            new: true,
            conversation,
        }))
    }
}

/// What became of one message in its batch.
pub(super) enum Written {
    /// Stored now, with the conversation as it stands after.
    Stored(Box<Appended>),
    /// Not stored: a resend of a stored client id, or a conversation that
    /// takes no messages. The caller looks which.
    NotStored,
    /// The seq was taken but the client id was stored meanwhile: what was
    /// written must be undone (the batch's careful way does it).
    HalfIn,
}

/// A backend's way of storing one batch in one transaction.
#[async_trait]
pub(super) trait Batches: Send + Sync + 'static {
    /// Per message, what became of it; `Err` if the transaction failed.
    async fn commit(&self, messages: &[Queued]) -> Result<Vec<Result<Written>>>;
}

/// What a resend is answered with: the stored message, if the same
/// conditions hold for reading it back as for writing it.
pub(super) fn resent(
    new: &NewMessage<'_>,
    message: Option<ChatMessage>,
    conversation: Option<Conversation>,
) -> Result<Option<Appended>> {
    let Some(message) = message else {
        return Ok(None);
    };
    let conversation = conversation.ok_or_else(|| {
        StoreError::corrupt(format!("conversation {} vanished", new.conversation_id))
    })?;
    let allowed = conversation.site_id == *new.site_id
        && new.visitor_id.is_none_or(|v| v == conversation.visitor_id);
    Ok(allowed.then_some(Appended {
        message,
        new: false,
        conversation,
    }))
}

type Reply = oneshot::Sender<Result<Written>>;

/// The way to the writer task.
#[derive(Clone)]
pub(super) struct Writer(mpsc::Sender<(Queued, Reply)>);

impl Writer {
    /// Starts the writer task on the current runtime, for a backend whose
    /// driver is async.
    pub fn start(backend: impl Batches) -> Self {
        let (sender, receiver) = mpsc::channel(QUEUE);
        tokio::spawn(write(backend, receiver));
        Self(sender)
    }

    /// Starts the writer on a thread of its own, for a backend that blocks:
    /// it runs a whole batch there, with no hop between threads per
    /// statement. The thread ends when the last `Writer` is dropped.
    pub fn start_blocking(
        commit: impl FnMut(&[Queued]) -> Result<Vec<Result<Written>>> + Send + 'static,
    ) -> Result<Self> {
        let (sender, receiver) = mpsc::channel(QUEUE);
        std::thread::Builder::new()
            .name("warmline-writer".into())
            .spawn(move || write_blocking(commit, receiver))
            .map_err(StoreError::backend)?;
        Ok(Self(sender))
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

async fn write(backend: impl Batches, mut queue: mpsc::Receiver<(Queued, Reply)>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let (messages, replies): (Vec<Queued>, Vec<Reply>) = batch.drain(..).unzip();
        answer(replies, backend.commit(&messages).await);
    }
}

/// The writer's loop on a thread of its own, as `write` on the runtime.
fn write_blocking(
    mut commit: impl FnMut(&[Queued]) -> Result<Vec<Result<Written>>>,
    mut queue: mpsc::Receiver<(Queued, Reply)>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.blocking_recv_many(&mut batch, MAX_BATCH) > 0 {
        let (messages, replies): (Vec<Queued>, Vec<Reply>) = batch.drain(..).unzip();
        answer(replies, commit(&messages));
    }
}

/// Tells each caller what became of its message, or that the batch failed.
fn answer(replies: Vec<Reply>, outcome: Result<Vec<Result<Written>>>) {
    match outcome {
        Ok(outcomes) => {
            for (reply, outcome) in replies.into_iter().zip(outcomes) {
                let _ = reply.send(outcome);
            }
        }
        Err(e) => {
            tracing::error!(error = %e, messages = replies.len(), "a batch of messages failed to commit");
            let message = e.to_string();
            for reply in replies {
                let failed = StoreError::backend(std::io::Error::other(message.clone()));
                let _ = reply.send(Err(failed));
            }
        }
    }
}
