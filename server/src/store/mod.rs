//! Persistence. The relay talks to storage only through [`Store`], so the
//! embedded SQLite backend and a scaled one are interchangeable; the backend is
//! picked from the database URL at start-up.

mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;
use warmline_shared::{Author, ChatMessage, ConversationId, ConversationSummary, Seq};

pub use sqlite::SqliteStore;

pub type Result<T> = std::result::Result<T, StoreError>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL {0:?} (expected sqlite://…)")]
    UnsupportedUrl(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub id: String,
    pub name: String,
    /// Origins whose pages may open visitor sockets; `*` allows any.
    pub allowed_origins: Vec<String>,
}

impl Site {
    /// Whether a page at `origin` may talk to this site. Requests without an
    /// Origin header come from non-browser clients, which could claim any
    /// origin anyway, so only browsers are held to the list.
    pub fn allows_origin(&self, origin: Option<&str>) -> bool {
        match origin {
            None => true,
            Some(origin) => self
                .allowed_origins
                .iter()
                .any(|allowed| allowed == "*" || allowed.eq_ignore_ascii_case(origin)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Owner,
    Agent,
}

impl Role {
    fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Agent => "agent",
        }
    }
}

/// A signed-in person working in the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    pub id: i64,
    pub site_id: String,
    pub email: String,
    pub name: String,
}

/// An agent with the password hash, for sign-in only.
pub struct AgentCredentials {
    pub agent: Agent,
    pub password_hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visitor {
    pub id: i64,
    pub site_id: String,
}

/// A conversation as the relay needs it for access checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    pub site_id: String,
    pub visitor_id: i64,
    pub summary: ConversationSummary,
}

/// The result of appending a message: `new` is false when the client id was
/// already stored, in which case `message` is the stored original.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    pub message: ChatMessage,
    pub new: bool,
}

/// A message to store. The store assigns `seq`.
pub struct NewMessage<'a> {
    pub conversation_id: ConversationId,
    pub client_id: &'a str,
    pub author: &'a Author,
    pub agent_id: Option<i64>,
    pub text: &'a str,
    pub sent_at: i64,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    async fn upsert_site(&self, site: &Site, now: i64) -> Result<()>;
    async fn site(&self, id: &str) -> Result<Option<Site>>;

    /// Creates the agent, or updates name, role and password of the one with this email.
    async fn upsert_agent(
        &self,
        site_id: &str,
        email: &str,
        name: &str,
        role: Role,
        password_hash: &str,
        now: i64,
    ) -> Result<Agent>;
    async fn agent_credentials(&self, email: &str) -> Result<Option<AgentCredentials>>;
    async fn create_session(&self, token_hash: &str, agent_id: i64, expires_at: i64) -> Result<()>;
    async fn session_agent(&self, token_hash: &str, now: i64) -> Result<Option<Agent>>;
    async fn delete_session(&self, token_hash: &str) -> Result<()>;

    async fn create_visitor(&self, site_id: &str, token_hash: &str, now: i64) -> Result<Visitor>;
    async fn visitor_by_token(&self, site_id: &str, token_hash: &str) -> Result<Option<Visitor>>;

    /// The visitor's open conversation, if any.
    async fn open_conversation_of(&self, visitor_id: i64) -> Result<Option<ConversationId>>;
    /// The visitor's open conversation, created if there is none.
    async fn start_conversation(
        &self,
        site_id: &str,
        visitor_id: i64,
        page: Option<&str>,
        now: i64,
    ) -> Result<ConversationId>;
    async fn conversation(&self, id: ConversationId) -> Result<Option<Conversation>>;
    /// Open conversations of a site, most recently active first.
    async fn open_conversations(
        &self,
        site_id: &str,
        limit: i64,
    ) -> Result<Vec<ConversationSummary>>;

    /// Stores a message with the conversation's next sequence number, or
    /// returns the stored one if its client id is already there. Durable when
    /// this returns: only then may the relay acknowledge it.
    async fn append(&self, message: NewMessage<'_>) -> Result<Appended>;
    /// Messages with `seq > after`, in order, at most `limit`.
    async fn messages_after(
        &self,
        conversation_id: ConversationId,
        after: Seq,
        limit: i64,
    ) -> Result<Vec<ChatMessage>>;
}

/// Opens the store the URL names, applying migrations.
pub async fn connect(url: &str) -> Result<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::connect(url).await?))
    } else {
        Err(StoreError::UnsupportedUrl(url.to_owned()))
    }
}
