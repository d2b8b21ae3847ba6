//! Persistence. The relay talks to storage only through [`Store`], so the
//! embedded SQLite backend and a scaled one are interchangeable; the backend is
//! picked from the database URL at start-up. `Store` is the sum of one trait
//! per aggregate (sites, agents and their sessions, visitors, conversations
//! and their messages), so a feature that adds an aggregate adds a trait
//! rather than growing one long list. Every backend must pass the contract
//! suite in `server/tests/api/store_contract.rs`.

mod consoles;
mod error;
mod postgres;
mod rows;
mod sqlite;
mod writer;

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use warmline_shared::api::{Article, ArticleDraft, ArticleLink, Block, Canned, Media, Miss};
use warmline_shared::care::{Collect, Feedback, FeedbackReport, OptionCount, PageView, Reward};
use warmline_shared::handoff::{Availability, Frustration, HandoffReason, HandoffSettings};
use warmline_shared::{
    AgentId, Attachment, Author, ChatMessage, ConversationId, ConversationSummary, InboxCursor,
    NameSource, Note, Seq, SiteId, Teammate, VisitorId,
};

pub use error::StoreError;
pub use postgres::PgStore;
pub use sqlite::SqliteStore;

pub type Result<T> = std::result::Result<T, StoreError>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub id: SiteId,
    pub name: String,
    /// Origins whose pages may open visitor sockets; `*` allows any.
    pub allowed_origins: Vec<String>,
    pub settings: SiteSettings,
}

/// How the owner wants the widget to look and speak.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteSettings {
    /// `#rrggbb`.
    pub accent: String,
    pub launcher_left: bool,
    pub launcher_label: Option<String>,
    /// Per language tag, catalogue keys (`greeting_morning`, ...) the owner
    /// rewrote.
    pub greetings: BTreeMap<String, BTreeMap<String, String>>,
    pub attachment_max_bytes: u64,
    pub handoff: HandoffSettings,
    pub context: Collect,
    pub reward: Option<Reward>,
}

impl Default for SiteSettings {
    fn default() -> Self {
        Self {
            accent: "#c2410c".into(),
            launcher_left: false,
            launcher_label: None,
            greetings: BTreeMap::new(),
            attachment_max_bytes: 10 * 1024 * 1024,
            handoff: HandoffSettings::default(),
            context: Collect::default(),
            reward: None,
        }
    }
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

/// Longest host page address kept for agents to see.
pub const MAX_PAGE_CHARS: usize = 2048;

impl Site {
    /// The page a visitor says they are on, if it is plausibly one of this
    /// site's: an http(s) address on an allowed origin, of sane length.
    /// Anything else is dropped rather than shown to agents as a link.
    pub fn own_page(&self, page: Option<String>) -> Option<String> {
        let page = page?;
        if page.chars().count() > MAX_PAGE_CHARS {
            return None;
        }
        let (scheme, rest) = page.split_once("://")?;
        let host = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
        if !matches!(scheme, "http" | "https") || host.is_empty() {
            return None;
        }
        let origin = &page[..scheme.len() + "://".len() + host.len()];
        self.allows_origin(Some(origin)).then_some(page)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Owner,
    Agent,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Agent => "agent",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "owner" => Some(Role::Owner),
            "agent" => Some(Role::Agent),
            _ => None,
        }
    }
}

/// A signed-in person working in the console, on one of their sites.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    pub id: AgentId,
    /// The site they are working on now.
    pub site_id: SiteId,
    pub email: String,
    pub name: String,
    /// Their role on that site.
    pub role: Role,
}

/// A site someone works on, for their list of sites.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub site_id: SiteId,
    pub site_name: String,
    pub role: Role,
}

/// An agent with the password hash, for sign-in only.
pub struct AgentCredentials {
    pub agent: Agent,
    pub password_hash: String,
    /// Wrong or throttled attempts since the agent last signed in.
    pub failed_sign_ins: u32,
}

/// A live sign-in: whose, and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub agent: Agent,
    /// The hash of the cookie's token: what the store keeps, and what names
    /// the session when it ends.
    pub token_hash: String,
    /// Milliseconds since the Unix epoch.
    pub expires_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visitor {
    pub id: VisitorId,
    pub site_id: SiteId,
    pub name: Option<String>,
    pub name_source: NameSource,
}

/// A file a visitor uploaded, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAttachment {
    pub attachment: Attachment,
    pub site_id: SiteId,
    pub visitor_id: VisitorId,
    /// Hex SHA-256 of the content: its file name under the data directory.
    pub sha256: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Open,
    Closed,
}

/// A conversation as the relay needs it for access checks and routing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    pub site_id: SiteId,
    pub visitor_id: VisitorId,
    pub status: Status,
    pub assigned_to: Option<AgentId>,
    /// Agents' replies are emailed to the visitor (they left a message).
    pub email_replies: bool,
    pub summary: ConversationSummary,
}

impl Conversation {
    pub fn id(&self) -> ConversationId {
        self.summary.id
    }
}

/// A conversation in a site's queue, in the queue's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Queued {
    pub id: ConversationId,
    /// The frustration tier (see `Frustration::tier`).
    pub tier: u8,
    /// When it entered the queue (ms since the epoch).
    pub since: i64,
    pub offered_to: Option<AgentId>,
}

/// A person of a site as routing sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// `connected` is left false here; the relay fills it in from
    /// `ConsoleStore::connected`.
    pub teammate: Teammate,
    /// Set away by the relay when their last console closed.
    pub auto_away: bool,
    /// When they were last offered a conversation (ms since the epoch).
    pub last_offered_at: i64,
    /// Conversations offered to them now.
    pub offers: u32,
}

/// An offer that ran out before the agent answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LapsedOffer {
    pub site_id: SiteId,
    pub conversation_id: ConversationId,
    pub agent_id: AgentId,
}

/// What taking a conversation came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Taken {
    Taken(Box<Conversation>),
    /// Another agent has it.
    AlreadyTaken,
    /// It is closed, or no such conversation.
    Gone,
}

/// One change in a conversation's history (`GET /api/conversations/{id}/history`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HistoryEvent {
    pub at: i64,
    /// `handed_off`, `offered`, `declined`, `expired`, `assigned`,
    /// `transferred` or `closed`.
    pub kind: String,
    /// The handoff's reason, the resolution tag, or a transfer's note.
    pub reason: Option<String>,
    pub agent_id: Option<AgentId>,
    /// Who closed it, or who transferred it (an agent id).
    pub detail: Option<String>,
}

/// What appending a message changed. `new` is false when the client id was
/// already stored: then `message` is the stored original and nothing changed.
/// `conversation` is the conversation as it stands after the append, so the
/// caller can announce both without reading again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    pub message: ChatMessage,
    pub new: bool,
    pub conversation: Conversation,
}

/// A message to store. The store assigns `seq`. The message goes in only if
/// the conversation is open, belongs to `site_id` and, when `visitor_id` is
/// set, to that visitor: the domain decides who may write where, the store
/// checks it in the same transaction as the write.
pub struct NewMessage<'a> {
    pub conversation_id: ConversationId,
    pub site_id: &'a SiteId,
    pub visitor_id: Option<VisitorId>,
    pub client_id: &'a str,
    pub author: &'a Author,
    /// The agent who wrote it, for agent messages (names change; ids do not).
    pub agent_id: Option<AgentId>,
    pub text: &'a str,
    pub sent_at: i64,
    /// A file the visitor uploaded; stored only if it is `visitor_id`'s.
    pub attachment: Option<&'a Attachment>,
    pub articles: &'a [ArticleLink],
    pub wants_person: bool,
    /// Choices offered (agents), already checked.
    pub options: &'a [String],
    /// The seq of the message whose choices this picks (visitors).
    pub picked: Option<Seq>,
}

#[async_trait]
pub trait SiteStore: Send + Sync {
    /// Creates the site, or renames it and sets its origins (settings stay).
    async fn upsert_site(&self, site: &Site, now: i64) -> Result<()>;
    async fn site(&self, id: &SiteId) -> Result<Option<Site>>;
    /// Creates a new site with `owner` as its owner. `false`: the id is taken.
    async fn create_site(&self, site: &Site, owner: AgentId, now: i64) -> Result<bool>;
    /// Saves name, origins and settings of an existing site.
    async fn update_site(&self, site: &Site) -> Result<()>;
    /// The key visitor identities are checked with, if the site has one.
    async fn identity_secret(&self, id: &SiteId) -> Result<Option<String>>;
    async fn set_identity_secret(&self, id: &SiteId, secret: Option<&str>) -> Result<()>;
    /// The median time from a visitor's first message to an agent's first
    /// reply, over the site's `recent` latest answered conversations, with
    /// how many there were.
    async fn reply_time(&self, id: &SiteId, recent: i64) -> Result<(Option<i64>, usize)>;
}

#[async_trait]
pub trait AgentStore: Send + Sync {
    /// Creates the agent, or updates name, role and password of the one with this email.
    async fn upsert_agent(
        &self,
        site_id: &SiteId,
        email: &str,
        name: &str,
        role: Role,
        password_hash: &str,
        now: i64,
    ) -> Result<Agent>;
    /// The account with this email, on the site it was made for.
    async fn agent_credentials(&self, email: &str) -> Result<Option<AgentCredentials>>;
    /// Every site this person works on.
    async fn memberships(&self, agent_id: AgentId) -> Result<Vec<Membership>>;
    /// Gives the person with this email a role on a site. A new email gets
    /// an account (name, password hash) made for that site; an existing
    /// account keeps its name and password and only gains the site.
    async fn add_member(
        &self,
        site_id: &SiteId,
        email: &str,
        name: &str,
        role: Role,
        password_hash: &str,
        now: i64,
    ) -> Result<()>;
    /// Counts a failed sign-in attempt on the account with this email, if any.
    async fn count_failed_sign_in(&self, email: &str) -> Result<()>;
    /// Starts counting failed attempts afresh (after a successful sign-in).
    async fn reset_failed_sign_ins(&self, agent_id: AgentId) -> Result<()>;
    async fn create_session(
        &self,
        token_hash: &str,
        agent_id: AgentId,
        site_id: &SiteId,
        expires_at: i64,
    ) -> Result<()>;
    /// Moves a session to another of its agent's sites. `false`: they do not
    /// work there.
    async fn switch_site(&self, token_hash: &str, site_id: &SiteId) -> Result<bool>;
    /// The session with this token hash, if it exists and has not expired by `now`.
    async fn session(&self, token_hash: &str, now: i64) -> Result<Option<Session>>;
    async fn delete_session(&self, token_hash: &str) -> Result<()>;
    /// Counts a tone-guard warning shown to the agent, or (`overridden`) a
    /// reply they sent with a warning standing.
    async fn count_tone(&self, agent: AgentId, site_id: &SiteId, overridden: bool) -> Result<()>;
    /// The tone guard's counts per person of the site.
    async fn tone_counts(&self, site_id: &SiteId) -> Result<Vec<ToneCount>>;
}

/// Canned replies: per site and language, by shortcut.
#[async_trait]
pub trait CannedStore: Send + Sync {
    /// A site's canned replies, by language then shortcut.
    async fn canned(&self, site_id: &SiteId) -> Result<Vec<Canned>>;
    /// Creates (`canned.id` absent) or replaces one. `Ok(None)`: no such id
    /// on the site, or the shortcut is taken in that language.
    async fn save_canned(
        &self,
        site_id: &SiteId,
        canned: &Canned,
        now: i64,
    ) -> Result<Option<Canned>>;
    /// `false`: no such id on the site.
    async fn delete_canned(&self, site_id: &SiteId, id: i64) -> Result<bool>;
}

/// Blocks: a visitor blocked until lifted, their address until a time.
#[async_trait]
pub trait BlockStore: Send + Sync {
    /// Remembers where a visitor writes from (for blocking their address).
    async fn set_visitor_address(&self, id: VisitorId, address: &str) -> Result<()>;
    /// Blocks the visitor, and their last address until `address_until`.
    async fn block(
        &self,
        site_id: &SiteId,
        visitor_id: VisitorId,
        reason: &str,
        agent: AgentId,
        address_until: i64,
        now: i64,
    ) -> Result<()>;
    /// Whether this visitor (if known) or this address is blocked on the site at `now`.
    async fn is_blocked(
        &self,
        site_id: &SiteId,
        visitor_id: Option<VisitorId>,
        address: &str,
        now: i64,
    ) -> Result<bool>;
    /// The site's blocks in force.
    async fn blocks(&self, site_id: &SiteId) -> Result<Vec<Block>>;
    /// Lifts a block; `false`: none with that id in force on the site.
    async fn lift_block(&self, site_id: &SiteId, id: i64, now: i64) -> Result<bool>;
}

/// Where a visitor has been, as the widget last reported it and as far as
/// the site collects it (see `Collect`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Visit {
    #[serde(default)]
    pub pages: Vec<PageView>,
    #[serde(default)]
    pub referrer: Option<String>,
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Help articles opened, by id, oldest first.
    #[serde(default)]
    pub articles: Vec<i64>,
    #[serde(default)]
    pub device: Option<String>,
    #[serde(default)]
    pub browser: Option<String>,
}

/// Choices and feedback: what the visitor picked, how they rated a chat,
/// what the owner answered; and what the widget reports about a visit.
#[async_trait]
pub trait CareStore: Send + Sync {
    /// A message of the conversation by its seq.
    async fn message_at(&self, id: ConversationId, seq: Seq) -> Result<Option<ChatMessage>>;
    /// Whether the choices of message `seq` have been picked from.
    async fn is_picked(&self, id: ConversationId, seq: Seq) -> Result<bool>;
    /// Stores a rating; `false` if the conversation already has one.
    async fn rate(&self, site_id: &SiteId, feedback: &Feedback) -> Result<bool>;
    async fn feedback(&self, id: ConversationId) -> Result<Option<Feedback>>;
    /// The visitor's feedback, newest first, at most `limit`.
    async fn feedback_of(&self, visitor_id: VisitorId, limit: i64) -> Result<Vec<Feedback>>;
    /// The owner's answer to a rated conversation of the site; `false` if
    /// it has no feedback there.
    async fn answer_feedback(
        &self,
        site_id: &SiteId,
        id: ConversationId,
        answer: &str,
        now: i64,
    ) -> Result<bool>;
    /// Ratings per star, and the newest rated conversations with comments.
    async fn feedback_report(&self, site_id: &SiteId, limit: i64) -> Result<FeedbackReport>;
    /// How often each choice was offered and picked on the site.
    async fn option_counts(&self, site_id: &SiteId) -> Result<Vec<OptionCount>>;
    async fn set_visit(&self, visitor_id: VisitorId, visit: &Visit) -> Result<()>;
    async fn visit(&self, visitor_id: VisitorId) -> Result<Option<Visit>>;
    /// The visitor's conversations, newest first, at most `limit`.
    async fn conversations_of(
        &self,
        visitor_id: VisitorId,
        limit: i64,
    ) -> Result<Vec<ConversationSummary>>;
}

/// What the tone guard saw of one agent (`GET /api/reports/tone`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ToneCount {
    pub agent_id: AgentId,
    pub name: String,
    /// Warnings shown while they wrote.
    pub shown: u64,
    /// Replies sent with a warning standing.
    pub overridden: u64,
}

#[async_trait]
pub trait VisitorStore: Send + Sync {
    /// Stores the visitor with this token, or returns the one this site
    /// already has (two tabs racing to write first). `None`: the token is
    /// another site's visitor's.
    async fn create_visitor(
        &self,
        site_id: &SiteId,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<Visitor>>;
    async fn visitor_by_token(&self, site_id: &SiteId, token_hash: &str)
    -> Result<Option<Visitor>>;
    /// The visitor the site knows as `user_id` (created if new), now also
    /// reachable by `token_hash`.
    async fn identified_visitor(
        &self,
        site_id: &SiteId,
        user_id: &str,
        token_hash: &str,
        now: i64,
    ) -> Result<Visitor>;
    /// Sets what to call a visitor, and how far that name is trusted.
    async fn name_visitor(
        &self,
        id: VisitorId,
        name: &str,
        source: NameSource,
        email: Option<&str>,
    ) -> Result<()>;
    async fn create_attachment(&self, attachment: &StoredAttachment, now: i64) -> Result<()>;
    async fn attachment(&self, id: &str) -> Result<Option<StoredAttachment>>;
    /// The email address the visitor gave or the site verified, if any.
    async fn visitor_email(&self, id: VisitorId) -> Result<Option<String>>;
    /// Deletes visitors created before `created_before` who never had a
    /// conversation; returns how many.
    async fn sweep_visitors(&self, created_before: i64) -> Result<u64>;
}

#[async_trait]
pub trait ConversationStore: Send + Sync {
    /// The visitor's open conversation, if any.
    async fn open_conversation_of(&self, visitor_id: VisitorId) -> Result<Option<Conversation>>;
    /// The visitor's open conversation, created if there is none. `new` says
    /// which: two tabs racing here both end up in the same one.
    async fn start_conversation(
        &self,
        site_id: &SiteId,
        visitor_id: VisitorId,
        page: Option<&str>,
        lang: &str,
        now: i64,
    ) -> Result<(Conversation, bool)>;
    async fn conversation(&self, id: ConversationId) -> Result<Option<Conversation>>;
    /// Open conversations of a site, most recently active first, starting
    /// after `after` (a page boundary) when given; at most `limit`.
    async fn open_conversations(
        &self,
        site_id: &SiteId,
        after: Option<InboxCursor>,
        limit: i64,
    ) -> Result<Vec<ConversationSummary>>;
    /// Closes an open conversation, noting who closed it (`agent:<id>`,
    /// `visitor`, `system`) and the resolution tag; returns it as it stands
    /// after, `None` if there is none. Closing a closed one changes nothing.
    async fn close_conversation(
        &self,
        id: ConversationId,
        closed_by: &str,
        resolution: Option<&str>,
        now: i64,
    ) -> Result<Option<Conversation>>;
    /// Closed conversations of a site, most recently active first.
    async fn closed_conversations(
        &self,
        site_id: &SiteId,
        after: Option<InboxCursor>,
        limit: i64,
    ) -> Result<Vec<ConversationSummary>>;

    /// Stores a message with the conversation's next sequence number, or
    /// returns the stored one if its client id is already there (even if the
    /// conversation has closed since). Durable when this returns: only then
    /// may the relay acknowledge it. `None`: no open conversation matched the
    /// message's conditions, and nothing was stored.
    async fn append(&self, message: NewMessage<'_>) -> Result<Option<Appended>>;
    /// Stores an agent's private note; a resend of its client id returns
    /// the stored one unchanged.
    async fn add_note(&self, note: &Note, agent_id: AgentId) -> Result<Note>;
    /// A conversation's private notes, oldest first.
    async fn notes(&self, conversation_id: ConversationId) -> Result<Vec<Note>>;
    /// Messages with `seq > after`, in order, at most `limit`.
    async fn messages_after(
        &self,
        conversation_id: ConversationId,
        after: Seq,
        limit: i64,
    ) -> Result<Vec<ChatMessage>>;
}

/// What saving an article came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Saved {
    Saved(Box<Article>),
    /// No article of the site has that id.
    Unknown,
    /// Another article of the site has that slug in that language.
    SlugTaken,
}

/// The knowledge base: articles, their media, and what visitors made of them.
#[async_trait]
pub trait KnowledgeStore: Send + Sync {
    /// Every article of a site, drafts included, by order then id.
    async fn articles(&self, site_id: &SiteId) -> Result<Vec<Article>>;
    /// What changes whenever a site's articles do (how many there are and
    /// when the latest was saved), so every relay can tell its index is stale.
    async fn articles_version(&self, site_id: &SiteId) -> Result<(i64, i64)>;
    async fn article(&self, site_id: &SiteId, id: i64) -> Result<Option<Article>>;
    /// Creates an article (`id: None`) or replaces the one with `id`.
    async fn save_article(
        &self,
        site_id: &SiteId,
        id: Option<i64>,
        draft: &ArticleDraft,
        now: i64,
    ) -> Result<Saved>;
    /// Creates or replaces the article with the draft's slug and language
    /// (an import); `true` if it was new.
    async fn upsert_article(
        &self,
        site_id: &SiteId,
        draft: &ArticleDraft,
        now: i64,
    ) -> Result<(Article, bool)>;
    /// Counts a visitor reading a published article; `false`: no such article.
    async fn count_view(&self, site_id: &SiteId, id: i64) -> Result<bool>;
    /// Counts an answer to "Did this answer your question?".
    async fn count_feedback(&self, site_id: &SiteId, id: i64, helpful: bool) -> Result<bool>;
    async fn add_media(&self, site_id: &SiteId, media: &Media, now: i64) -> Result<()>;
    /// A stored media file, whichever site added it (the hash names the
    /// content, and only published articles give it out).
    async fn media(&self, sha256: &str) -> Result<Option<Media>>;
    /// Counts a search or question that found nothing; `folded` is its
    /// matching form, `query` as the visitor wrote it.
    async fn count_miss(
        &self,
        site_id: &SiteId,
        lang: &str,
        folded: &str,
        query: &str,
        now: i64,
    ) -> Result<()>;
    /// The most frequent misses, most frequent first, at most `limit`.
    async fn misses(&self, site_id: &SiteId, limit: i64) -> Result<Vec<(String, Miss)>>;
}

/// The handoff: states, the queue, offers and who takes chats. Every
/// change of state is conditional on the state it comes from and records a
/// history event in the same transaction, so two relays (or two agents)
/// racing for the same conversation end with one winner.
#[async_trait]
pub trait HandoffStore: Send + Sync {
    /// Puts a conversation with the bot in the queue. `None`: it was not
    /// with the bot (already handed off, or closed).
    async fn hand_off(
        &self,
        id: ConversationId,
        reason: HandoffReason,
        now: i64,
    ) -> Result<Option<Conversation>>;
    /// Saves the conversation's frustration (and so its queue tier).
    async fn set_frustration(
        &self,
        id: ConversationId,
        frustration: &Frustration,
    ) -> Result<Option<Conversation>>;
    /// From now on agents' replies are emailed to the visitor.
    async fn email_replies(&self, id: ConversationId) -> Result<()>;
    /// Offers a waiting conversation that has no offer to an agent. `false`:
    /// it is no longer waiting or already offered.
    async fn offer(
        &self,
        id: ConversationId,
        agent: AgentId,
        expires_at: i64,
        now: i64,
    ) -> Result<bool>;
    /// Ends the agent's offer of the conversation, as declined or expired.
    /// `false`: there was no such offer.
    async fn end_offer(
        &self,
        id: ConversationId,
        agent: AgentId,
        expired: bool,
        now: i64,
    ) -> Result<bool>;
    /// Agents who declined or let lapse an offer of the conversation since
    /// `since`.
    async fn passed_by(&self, id: ConversationId, since: i64) -> Result<Vec<AgentId>>;
    /// Offers that ran out by `now`.
    async fn lapsed_offers(&self, now: i64) -> Result<Vec<LapsedOffer>>;
    /// When the next offer runs out, if any does.
    async fn next_offer_expiry(&self) -> Result<Option<i64>>;
    /// An agent takes a conversation that is with the bot or waiting.
    async fn take(&self, id: ConversationId, agent: AgentId, now: i64) -> Result<Taken>;
    /// Moves a conversation assigned to `from` to `to`, with a note for
    /// agents. `None`: it is not assigned to `from`.
    async fn transfer(
        &self,
        id: ConversationId,
        from: AgentId,
        to: AgentId,
        note: &str,
        now: i64,
    ) -> Result<Option<Conversation>>;
    /// A site's queue, in order: higher tier first, then longer waiting.
    async fn queue(&self, site_id: &SiteId) -> Result<Vec<Queued>>;
    /// Every waiting conversation of a site, in queue order, at most `limit`.
    async fn waiting_conversations(
        &self,
        site_id: &SiteId,
        limit: i64,
    ) -> Result<Vec<ConversationSummary>>;
    /// How many conversations are waiting, with the bot, and closed.
    async fn counts(&self, site_id: &SiteId) -> Result<(u32, u32, u32)>;
    /// The mean time agents had a conversation (taken → closed or handed
    /// on) over the site's `recent` latest, with how many there were.
    async fn pace(&self, site_id: &SiteId, recent: i64) -> Result<(Option<i64>, usize)>;
    /// Sets whether an agent takes chats on a site, and how many.
    async fn set_availability(
        &self,
        agent: AgentId,
        site_id: &SiteId,
        availability: Availability,
        capacity: u32,
        auto_away: bool,
    ) -> Result<()>;
    /// Everyone who works on the site, with availability, load and offers.
    async fn team(&self, site_id: &SiteId) -> Result<Vec<Member>>;
    /// The conversation's changes of state, oldest first.
    async fn history(&self, id: ConversationId) -> Result<Vec<HistoryEvent>>;
}

/// Who has a console open, on any relay. Each relay counts its own console
/// sockets under its own id and vouches for them by refreshing them; the
/// counts of a relay not heard from since `since` (it died) no longer count.
#[async_trait]
pub trait ConsoleStore: Send + Sync {
    /// Counts one more console of the agent on this relay; how many the
    /// agent has open on every live relay after it.
    async fn console_opened(
        &self,
        relay: &str,
        site_id: &SiteId,
        agent: AgentId,
        now: i64,
        since: i64,
    ) -> Result<u32>;
    /// Counts one console less; how many are left on every live relay.
    async fn console_closed(
        &self,
        relay: &str,
        site_id: &SiteId,
        agent: AgentId,
        now: i64,
        since: i64,
    ) -> Result<u32>;
    /// Vouches for this relay's consoles, and forgets the counts of relays
    /// not heard from since `since`.
    async fn refresh_consoles(&self, relay: &str, now: i64, since: i64) -> Result<()>;
    /// The site's agents with a console open on a live relay.
    async fn connected(&self, site_id: &SiteId, since: i64) -> Result<Vec<AgentId>>;
}

/// Everything the relay stores, whatever the backend.
pub trait Store:
    SiteStore
    + AgentStore
    + VisitorStore
    + ConversationStore
    + KnowledgeStore
    + HandoffStore
    + CannedStore
    + BlockStore
    + CareStore
    + ConsoleStore
    + 'static
{
}

impl<T> Store for T where
    T: SiteStore
        + AgentStore
        + VisitorStore
        + ConversationStore
        + KnowledgeStore
        + HandoffStore
        + CannedStore
        + BlockStore
        + CareStore
        + ConsoleStore
        + 'static
{
}

/// Opens the store the URL names, applying migrations.
pub async fn connect(url: &str) -> Result<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::connect(url).await?))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(Arc::new(PgStore::connect(url).await?))
    } else {
        Err(StoreError::unsupported_url(url))
    }
}
