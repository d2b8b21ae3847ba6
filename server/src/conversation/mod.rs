//! The conversation domain: everything that may happen to a conversation
//! (start, post, assign, close), who may do it, and the event each change
//! publishes. Sockets, the bot, routing and reports all act through
//! [`Conversations`], so each rule is checked here once.

mod care;
mod handoff;
mod participant;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use warmline_shared::api::ArticleLink;
use warmline_shared::care::check_options;
use warmline_shared::{
    ChatMessage, ConversationId, ErrorCode, Note, Seq, validate_client_id, validate_text,
};

pub use participant::Participant;

use crate::events::{Change, Encoded, Event, Events};
use crate::state::now_ms;
use crate::store::{Agent, Conversation, NewMessage, Status, Store, StoreError, Visitor};

/// Why the domain refused. Sockets turn it into an error frame with
/// [`DomainError::code`]; a store failure is logged, never shown.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    #[error("invalid input: {0:?}")]
    Invalid(ErrorCode),
    /// The conversation does not exist, or not for this participant: the two
    /// are not told apart, so ids of other sites cannot be probed.
    #[error("unknown conversation")]
    UnknownConversation,
    #[error("the conversation is closed")]
    Closed,
    #[error("another agent has the conversation")]
    AlreadyTaken,
    #[error("the conversation is not this agent's")]
    NotYours,
    #[error("no such agent on this site")]
    UnknownAgent,
    #[error("already answered")]
    AlreadyAnswered,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl DomainError {
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Invalid(code) => *code,
            Self::UnknownConversation => ErrorCode::UnknownConversation,
            Self::Closed => ErrorCode::ConversationClosed,
            Self::AlreadyTaken => ErrorCode::AlreadyTaken,
            Self::NotYours => ErrorCode::NotYours,
            Self::UnknownAgent => ErrorCode::UnknownAgent,
            Self::AlreadyAnswered => ErrorCode::AlreadyAnswered,
            Self::Store(_) => ErrorCode::Internal,
        }
    }
}

pub type Result<T> = std::result::Result<T, DomainError>;

/// A message someone wants to add to a conversation.
#[derive(Debug, Clone)]
pub struct NewPost {
    pub conversation_id: ConversationId,
    /// The client's id for the message; posting the same one again is a no-op
    /// that answers with the original.
    pub client_id: String,
    pub text: String,
    pub author: Participant,
    /// The id of a file the author uploaded (visitors only).
    pub attachment: Option<String>,
    /// Articles the message points to (see `ChatMessage::articles`).
    pub articles: Vec<ArticleLink>,
    /// A visitor asking for a person.
    pub wants_person: bool,
    /// Choices offered with the message (agents; see `check_options`).
    pub options: Vec<String>,
    /// The seq of the message whose choices this picks (set by `pick`).
    pub picked: Option<Seq>,
}

/// A stored post. `new` is false for a resend of an already stored client id.
#[derive(Debug, Clone)]
pub struct Posted {
    pub new: bool,
    /// The message and its conversation as the write left them, so what
    /// follows a message need not read them again.
    pub message: ChatMessage,
    pub conversation: Conversation,
}

#[derive(Clone)]
pub struct Conversations {
    store: Arc<dyn Store>,
    events: Events,
}

impl Conversations {
    pub fn new(store: Arc<dyn Store>, events: Events) -> Self {
        Self { store, events }
    }

    /// The visitor's open conversation, if there is one.
    pub async fn current_of(&self, visitor: &Visitor) -> Result<Option<Conversation>> {
        Ok(self.store.open_conversation_of(visitor.id).await?)
    }

    /// The visitor's open conversation, started now if there is none, in
    /// the language their widget speaks.
    pub async fn start(
        &self,
        visitor: &Visitor,
        page: Option<&str>,
        lang: &str,
    ) -> Result<Conversation> {
        let (conversation, new) = self
            .store
            .start_conversation(&visitor.site_id, visitor.id, page, lang, now_ms())
            .await?;
        if new {
            self.changed(&conversation, Change::Started).await;
        }
        Ok(conversation)
    }

    /// Validates and stores a message, then announces it. Durable when this
    /// returns `Ok`: only then may it be acknowledged.
    pub async fn post(&self, post: NewPost) -> Result<Posted> {
        validate_client_id(&post.client_id).map_err(DomainError::Invalid)?;
        let text = validate_text(&post.text).map_err(DomainError::Invalid)?;
        let (site_id, visitor_id) = post.author.scope();
        let author = post.author.author();
        let options = match (&post.author, post.options.is_empty()) {
            (_, true) => Vec::new(),
            (Participant::Agent(_), false) => {
                check_options(&post.options).map_err(DomainError::Invalid)?
            }
            (_, false) => return Err(DomainError::Invalid(ErrorCode::BadOptions)),
        };
        let attachment = match &post.attachment {
            None => None,
            Some(id) => {
                let stored = self.store.attachment(id).await?;
                // Only the visitor who uploaded a file can send it.
                let theirs = stored.filter(|a| {
                    a.site_id == *site_id && visitor_id.is_some_and(|v| v == a.visitor_id)
                });
                match theirs {
                    Some(stored) => Some(stored.attachment),
                    None => return Err(DomainError::Invalid(ErrorCode::UnknownAttachment)),
                }
            }
        };
        let appended = self
            .store
            .append(NewMessage {
                conversation_id: post.conversation_id,
                site_id,
                visitor_id,
                client_id: &post.client_id,
                author: &author,
                agent_id: post.author.agent_id(),
                text,
                sent_at: now_ms(),
                attachment: attachment.as_ref(),
                articles: &post.articles,
                wants_person: post.wants_person && matches!(post.author, Participant::Visitor(_)),
                options: &options,
                picked: post
                    .picked
                    .filter(|_| matches!(post.author, Participant::Visitor(_))),
            })
            .await?;
        let Some(appended) = appended else {
            return Err(self
                .why_closed_to(&post.author, post.conversation_id)
                .await?);
        };
        if appended.new {
            self.events
                .publish(Event::MessageStored {
                    site_id: appended.conversation.site_id.clone(),
                    message: appended.message.clone(),
                })
                .await;
            self.changed(&appended.conversation, Change::Message).await;
            if let Participant::Agent(agent) = &post.author {
                // Sent with the tone guard's warning standing: counted for
                // the owner's report (the console warned before sending).
                let lang = &appended.conversation.summary.lang;
                if !warmline_tone::check(lang, text).is_empty() {
                    self.store
                        .count_tone(agent.id, &agent.site_id, true)
                        .await?;
                }
            }
        }
        Ok(Posted {
            new: appended.new,
            message: appended.message,
            conversation: appended.conversation,
        })
    }

    /// The conversation, if this participant may see it.
    pub async fn visible_to(
        &self,
        participant: &Participant,
        id: ConversationId,
    ) -> Result<Conversation> {
        self.store
            .conversation(id)
            .await?
            .filter(|c| participant.may_see(c))
            .ok_or(DomainError::UnknownConversation)
    }

    /// Closes the conversation with a resolution tag. The visitor's next
    /// message starts a new one.
    pub async fn close(
        &self,
        by: &Participant,
        id: ConversationId,
        resolution: Option<&str>,
    ) -> Result<Conversation> {
        let conversation = self.visible_to(by, id).await?;
        if conversation.status == Status::Closed {
            return Ok(conversation);
        }
        let closed_by = match by {
            Participant::Agent(agent) => format!("agent:{}", agent.id),
            Participant::Visitor(_) => "visitor".to_owned(),
            Participant::Bot { .. } | Participant::System { .. } => "system".to_owned(),
        };
        let conversation = self
            .store
            .close_conversation(id, &closed_by, resolution, now_ms())
            .await?
            .ok_or(DomainError::UnknownConversation)?;
        self.changed(&conversation, Change::Closed).await;
        Ok(conversation)
    }

    /// Adds an agent's private note to a conversation of their site. It is
    /// announced on the site's topic only, where no visitor listens.
    pub async fn note(
        &self,
        agent: &Agent,
        id: ConversationId,
        client_id: String,
        text: &str,
    ) -> Result<Note> {
        validate_client_id(&client_id).map_err(DomainError::Invalid)?;
        let text = validate_text(text).map_err(DomainError::Invalid)?;
        let conversation = self
            .visible_to(&Participant::Agent(agent.clone()), id)
            .await?;
        let note = Note {
            conversation_id: id,
            client_id,
            author: agent.name.clone(),
            text: text.to_owned(),
            at: now_ms(),
        };
        let note = self.store.add_note(&note, agent.id).await?;
        self.events
            .publish(Event::NoteAdded {
                site_id: conversation.site_id,
                note: note.clone(),
            })
            .await;
        Ok(note)
    }

    /// Tells the other side that this participant is typing. Nothing is
    /// stored; a conversation they may not see is refused as unknown.
    pub async fn typing(&self, by: &Participant, id: ConversationId) -> Result<()> {
        let conversation = self.visible_to(by, id).await?;
        if conversation.status == Status::Closed {
            return Err(DomainError::Closed);
        }
        self.events
            .publish(Event::Typing {
                conversation_id: id,
                author: by.author(),
            })
            .await;
        Ok(())
    }

    /// An agent has read the conversation up to `seq`: the visitor sees "Seen".
    pub async fn read(&self, agent: &Agent, id: ConversationId, seq: Seq) -> Result<()> {
        let conversation = self
            .visible_to(&Participant::Agent(agent.clone()), id)
            .await?;
        let seq = seq.clamp(0, conversation.summary.last_seq);
        self.events
            .publish(Event::Read {
                conversation_id: id,
                seq,
            })
            .await;
        Ok(())
    }

    pub(crate) async fn changed(&self, conversation: &Conversation, change: Change) {
        self.events
            .publish(Event::ConversationChanged {
                site_id: conversation.site_id.clone(),
                conversation: conversation.summary.clone(),
                change,
                line: Encoded::default(),
            })
            .await;
    }

    /// Why a post found no open conversation: closed, or not there for them.
    async fn why_closed_to(&self, author: &Participant, id: ConversationId) -> Result<DomainError> {
        Ok(match self.visible_to(author, id).await {
            Ok(conversation) if conversation.status == Status::Closed => DomainError::Closed,
            Ok(_) | Err(DomainError::UnknownConversation) => DomainError::UnknownConversation,
            Err(other) => return Err(other),
        })
    }
}
