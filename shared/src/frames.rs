//! The frames. Every frame is one JSON object whose `type` field names it.

use serde::{Deserialize, Serialize};

use crate::api::ArticleLink;
use crate::care::{Collect, Feedback, PageView};
use crate::handoff::{Availability, ConversationState, Frustration, HandoffReason};
use crate::{AgentId, ConversationId};

/// Per-conversation sequence number: 1 for the first stored message, then +1.
/// A client that remembers the highest it has seen can resume exactly there.
pub type Seq = i64;

/// What a visitor's widget sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum VisitorFrame {
    /// The first frame on every connection. Without a token (a new visitor)
    /// the relay issues one in `Welcome`; with one it resumes that visitor's
    /// conversation and sends every message after `last_seq`.
    Hello {
        site: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token: Option<String>,
        #[serde(default)]
        last_seq: Seq,
        /// The host page the visitor is on, shown to the agent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        page: Option<String>,
        /// Who the host site says the visitor is (`Warmline.identify`). It
        /// counts only with a valid `user_hash` when the site has a secret.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        identity: Option<Identity>,
        /// The first name an anonymous visitor gave the widget.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// The language the widget speaks (the relay's bot answers in it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lang: Option<String>,
    },
    /// A message. Resending the same `client_id` after a lost ack is safe:
    /// the relay stores it once and acknowledges it again. `attachment` is
    /// the id of a file the visitor uploaded first.
    Send {
        client_id: String,
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        attachment: Option<String>,
    },
    /// The visitor is typing (sent at most every few seconds; never stored).
    Typing,
    /// The visitor gave their first name after the hello.
    Name { name: String },
    /// The visitor wants a person, not the bot ("No, talk to a person"),
    /// maybe after reading `article`. Stored as their message, in their
    /// language; `client_id` works as for `Send`.
    Person {
        client_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        article: Option<i64>,
        /// The visitor declined the bot's suggestions ("No, talk to a person").
        #[serde(default, skip_serializing_if = "is_false")]
        declined: bool,
    },
    /// "Leave a message" while nobody can answer: the visitor's name, the
    /// email address replies go to, and the message (stored as theirs).
    Leave {
        client_id: String,
        name: String,
        email: String,
        text: String,
    },
    /// The visitor picked choice `option` (from 0) of the agent's message
    /// `seq`: stored as their message, in the choice's words; `client_id`
    /// works as for `Send`. Each offer takes one pick.
    Pick {
        client_id: String,
        seq: Seq,
        option: u32,
    },
    /// The visitor's rating (1–5) of their closed conversation, with an
    /// optional comment. The relay answers with `Feedback`.
    Rate {
        conversation_id: ConversationId,
        rating: u8,
        #[serde(default)]
        comment: String,
    },
    /// Where the visitor has been this visit, as far as the site collects it
    /// (`Welcomed::collect`): sent after the welcome and on every page change.
    Visit {
        /// This visit's pages, oldest first, the current one last.
        #[serde(default)]
        pages: Vec<PageView>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        referrer: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        time_zone: Option<String>,
        /// Help articles opened this visit, by id.
        #[serde(default)]
        articles: Vec<i64>,
    },
}

/// What the host page says about a signed-in visitor; see the README's
/// "Identity verification".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub user_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Lowercase hex HMAC-SHA256 of `user_id` under the site's secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_hash: Option<String>,
}

/// What an agent's console sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AgentFrame {
    /// Watch a conversation: the relay sends every message after `last_seq`,
    /// then each new one as it is stored.
    Open {
        conversation_id: ConversationId,
        #[serde(default)]
        last_seq: Seq,
    },
    /// Stop watching a conversation.
    Close { conversation_id: ConversationId },
    /// The next page of the inbox: open conversations listed after `after`
    /// (the last one the agent has), newest first.
    MoreInbox { after: InboxCursor },
    /// Reply in a conversation; `client_id` works as for visitors.
    Send {
        conversation_id: ConversationId,
        client_id: String,
        text: String,
        /// Two to four choices offered with the message, shown to the
        /// visitor as buttons.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        options: Vec<String>,
    },
    /// The agent is typing a reply (throttled; never stored).
    Typing { conversation_id: ConversationId },
    /// The agent has seen the conversation up to `seq`.
    Read {
        conversation_id: ConversationId,
        seq: Seq,
    },
    /// Whether the agent takes chats now, and how many at once.
    Availability {
        availability: Availability,
        capacity: u32,
    },
    /// Take a conversation: the one offered, or any that is waiting.
    Accept { conversation_id: ConversationId },
    /// Pass on an offer: it goes to the next agent.
    Decline { conversation_id: ConversationId },
    /// Hand one's conversation to a colleague, with a note only agents see.
    Transfer {
        conversation_id: ConversationId,
        to: AgentId,
        #[serde(default)]
        note: String,
    },
    /// Close a conversation with a resolution tag ("solved", "refund", ...).
    Resolve {
        conversation_id: ConversationId,
        resolution: String,
    },
    /// The tone guard warned the agent about a draft in this conversation
    /// (counted for reports; the check itself runs in the console).
    ToneWarned { conversation_id: ConversationId },
    /// Block the conversation's visitor for abuse: the conversation closes
    /// with a polite notice, and neither their browsers nor, for `hours`,
    /// their network address can start a chat again until an owner lifts it.
    Block {
        conversation_id: ConversationId,
        reason: String,
        hours: u32,
    },
    /// A private note in the conversation, for agents only; `client_id`
    /// works as for `send`.
    Note {
        conversation_id: ConversationId,
        client_id: String,
        text: String,
    },
}

/// What the relay sends to visitors and agents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// Answer to a visitor's `Hello`. `token` is the one to keep (new or the
    /// same); `conversation_id` is absent until the visitor first writes.
    Welcome {
        token: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        conversation_id: Option<ConversationId>,
        #[serde(flatten)]
        visitor: Welcomed,
    },
    /// Whether agents are there to answer (visitors), sent when it changes.
    Presence { presence: Presence },
    /// Someone on the other side is typing in the conversation.
    Typing {
        conversation_id: ConversationId,
        author: Author,
    },
    /// Where the visitor's conversation is in the handoff (visitors): sent
    /// on connecting and whenever it or the visitor's place in the queue
    /// changes.
    Handoff {
        conversation_id: ConversationId,
        #[serde(flatten)]
        place: Place,
    },
    /// A waiting conversation is offered to this agent until `expires_at`.
    Offer {
        conversation: ConversationSummary,
        expires_at: i64,
    },
    /// The offer of this conversation is over (taken, declined, expired).
    OfferEnded { conversation_id: ConversationId },
    /// The site's people and queue (agents): sent on connecting and whenever
    /// an availability, an assignment or the queue changes.
    Desk { desk: Desk },
    /// A private note (agents only): when added, and a conversation's notes
    /// when an agent opens it.
    Note { note: Note },
    /// The visitor's feedback on a closed conversation (visitors): after
    /// they rate it, and when they come back, with the owner's thank-you and
    /// answer.
    Feedback { feedback: Feedback },
    /// An agent has seen the conversation up to `seq` (visitors).
    Read {
        conversation_id: ConversationId,
        seq: Seq,
    },
    /// Sent to an agent when the socket opens: the newest open conversations,
    /// newest first; `more` says whether older ones exist (ask `more_inbox`).
    Inbox {
        conversations: Vec<ConversationSummary>,
        #[serde(default)]
        more: bool,
    },
    /// The answer to `more_inbox`: the next older open conversations.
    InboxPage {
        conversations: Vec<ConversationSummary>,
        more: bool,
    },
    /// A conversation was created or has a new message (agents only).
    Conversation { conversation: ConversationSummary },
    /// A stored message, in `seq` order per conversation.
    Message { message: ChatMessage },
    /// The message with this `client_id` is stored as `seq`. Sent only after
    /// the store has it.
    Ack {
        conversation_id: ConversationId,
        client_id: String,
        seq: Seq,
    },
    /// Something the client sent was refused. Nothing already acknowledged is
    /// affected; `client_id` names the refused message when there was one.
    Error {
        code: ErrorCode,
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_id: Option<String>,
    },
}

/// What the visitor's widget reads of the relay's frames: the same wire
/// format as [`ServerFrame`], but the frames only agents receive are skipped
/// rather than decoded, so the widget, which every host page downloads,
/// carries no code for them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToVisitor {
    Welcome {
        token: String,
        #[serde(default)]
        conversation_id: Option<ConversationId>,
        #[serde(flatten)]
        visitor: Welcomed,
    },
    Presence {
        presence: Presence,
    },
    Typing {
        conversation_id: ConversationId,
        author: Author,
    },
    Handoff {
        conversation_id: ConversationId,
        #[serde(flatten)]
        place: Place,
    },
    Read {
        conversation_id: ConversationId,
        seq: Seq,
    },
    Feedback {
        feedback: Feedback,
    },
    Message {
        message: ChatMessage,
    },
    Ack {
        conversation_id: ConversationId,
        client_id: String,
        seq: Seq,
    },
    Error {
        code: ErrorCode,
        message: String,
        #[serde(default)]
        client_id: Option<String>,
    },
    /// A frame for agents.
    #[serde(other)]
    Other,
}

/// What the relay tells a visitor about themselves when they connect.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Welcomed {
    /// Their name, as verified or as they gave it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Whether `name` comes from a verified identity.
    #[serde(default)]
    pub verified: bool,
    /// Whether they have written here before.
    #[serde(default)]
    pub returning: bool,
    #[serde(default)]
    pub presence: Presence,
    /// What the site collects for its agents (`Visit`).
    #[serde(default)]
    pub collect: Collect,
}

/// Whether a site's agents can answer now, for the widget's header.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Presence {
    /// Agents with the console open.
    pub online: u32,
    /// The median time to an agent's first reply in the site's recent
    /// conversations, in whole minutes; absent while there are too few.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_minutes: Option<u32>,
    /// Outside the site's business hours.
    #[serde(default, skip_serializing_if = "is_false")]
    pub closed: bool,
    /// When closed: when the site opens again (ms since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opens_at: Option<i64>,
}

impl Presence {
    /// Whether a person can answer now; if not, the widget offers to leave
    /// a message.
    pub fn answering(&self) -> bool {
        self.online > 0 && !self.closed
    }
}

/// A visitor's conversation in the handoff.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    pub state: ConversationState,
    /// While waiting: 1 for the next to be taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<u32>,
    /// While waiting: the expected wait in whole minutes, 0 for under a
    /// minute; absent when there is too little data to say ("a few minutes").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_minutes: Option<u32>,
    /// Replies go to the email address the visitor left.
    #[serde(default, skip_serializing_if = "is_false")]
    pub by_email: bool,
}

/// A note agents keep in a conversation. It is not a message: it has no
/// place in the conversation's sequence, and the relay has no way to send
/// it to a visitor (see `Event::NoteAdded`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub conversation_id: ConversationId,
    pub client_id: String,
    /// The agent who wrote it, by name.
    pub author: String,
    pub text: String,
    /// Milliseconds since the Unix epoch.
    pub at: i64,
}

/// The site's people and queue, as the console's header and views show it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Desk {
    pub team: Vec<Teammate>,
    /// Conversations in the queue, with the bot, and closed (all time).
    pub waiting: u32,
    pub bot: u32,
    pub closed: u32,
}

/// An agent of the site, for availability, "mine" and transfers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Teammate {
    pub id: AgentId,
    pub name: String,
    pub availability: Availability,
    pub capacity: u32,
    /// Conversations assigned to them now.
    pub load: u32,
    /// Whether they have a console open.
    #[serde(default)]
    pub connected: bool,
}

impl ServerFrame {
    /// An error frame with the standard wording for `code`.
    pub fn error(code: ErrorCode) -> Self {
        Self::Error {
            code,
            message: code.describe().to_owned(),
            client_id: None,
        }
    }
}

/// Who wrote a message: the conversation's participants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Author {
    Visitor,
    Agent {
        name: String,
    },
    /// The relay's own assistant (FAQ answers, handoff), under the site's name for it.
    Bot {
        name: String,
    },
    /// A notice about the conversation itself, written by nobody in particular.
    System,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub conversation_id: ConversationId,
    pub seq: Seq,
    pub client_id: String,
    pub author: Author,
    pub text: String,
    /// Milliseconds since the Unix epoch, as stored by the relay.
    pub sent_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment: Option<Attachment>,
    /// Knowledge-base articles the message points to: the bot's suggestions,
    /// or the article a visitor read before asking for a person.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub articles: Vec<ArticleLink>,
    /// The visitor asked for a person with this message.
    #[serde(default, skip_serializing_if = "is_false")]
    pub wants_person: bool,
    /// Choices the agent offers with the message (see `check_options`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// The visitor's pick among the options of message `picked`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picked: Option<Seq>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A file sent with a message, fetched from `/api/attachments/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub id: String,
    pub name: String,
    /// The type found in the file's content (not the one claimed).
    pub mime: String,
    pub size: u64,
}

/// How far the relay trusts the name a visitor goes by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NameSource {
    /// No name: the console shows a label.
    #[default]
    None,
    /// The visitor typed it into the widget.
    Given,
    /// The host page claimed it without a valid hash.
    Unverified,
    /// The host page proved it with the site's secret.
    Verified,
}

/// Where a page of the inbox continues: after this conversation, in the
/// inbox's order (most recently active first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxCursor {
    pub updated_at: i64,
    pub id: ConversationId,
}

impl ConversationSummary {
    /// The queue's order, smallest first: higher frustration tier, then
    /// longer waiting, then the older conversation. The relay's store orders
    /// the queue by the same three.
    pub fn queue_key(&self) -> (std::cmp::Reverse<u8>, i64, ConversationId) {
        (
            std::cmp::Reverse(self.frustration.tier()),
            self.waiting_since.unwrap_or(i64::MAX),
            self.id,
        )
    }

    /// The cursor that continues the inbox after this conversation.
    pub fn cursor(&self) -> InboxCursor {
        InboxCursor {
            updated_at: self.updated_at,
            id: self.id,
        }
    }
}

/// One line of an agent's inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationSummary {
    pub id: ConversationId,
    /// How to call the visitor: their name if known, else a short label.
    pub visitor: String,
    /// Where `visitor` comes from.
    #[serde(default)]
    pub name_source: NameSource,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    pub last_seq: Seq,
    /// The latest text the visitor or an agent wrote (not the bot's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_text: Option<String>,
    /// Milliseconds since the Unix epoch.
    pub updated_at: i64,
    #[serde(default)]
    pub state: ConversationState,
    /// Why it was handed to people, once it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<HandoffReason>,
    /// When it last entered the queue (ms since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting_since: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<AgentId>,
    /// The name of the agent it is assigned to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// The agent it is offered to now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offered_to: Option<AgentId>,
    #[serde(default)]
    pub frustration: Frustration,
    /// The note of the last transfer, for agents only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The resolution tag it was closed with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<String>,
    /// The language the visitor's widget speaks.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub lang: String,
    /// Agents' replies are also emailed to the visitor (they left a message).
    #[serde(default, skip_serializing_if = "is_false")]
    pub by_email: bool,
    /// The visitor's rating (1–5) after it closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<u8>,
}

/// Why the relay refused something. Stable, machine-readable names; the
/// accompanying `message` is English for API users and logs. The apps show
/// people their own catalogue's wording for the code, in the person's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    Malformed,
    UnknownType,
    TooLarge,
    EmptyMessage,
    BadClientId,
    HelloRequired,
    UnknownSite,
    OriginNotAllowed,
    BadToken,
    UnknownConversation,
    ConversationClosed,
    /// The `last_seq` a client resumed from is past the conversation's last
    /// message; the relay resumes from the last message instead.
    SeqAhead,
    RateLimited,
    /// An attachment is larger than the site allows.
    FileTooLarge,
    /// An attachment's content is not one of the accepted types.
    FileType,
    /// A message names an attachment this visitor did not upload.
    UnknownAttachment,
    /// Someone else took the conversation first.
    AlreadyTaken,
    /// No agent of this site has that id.
    UnknownAgent,
    /// The email address left with a message is not one.
    BadEmail,
    /// Only the agent who has the conversation may do this.
    NotYours,
    /// This visitor, or this network address, was blocked on the site.
    Blocked,
    /// The choices offered are not two to four short, different labels.
    BadOptions,
    /// That offer was already answered, or that conversation already rated.
    AlreadyAnswered,
    Internal,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 24] = [
        Self::Malformed,
        Self::UnknownType,
        Self::TooLarge,
        Self::EmptyMessage,
        Self::BadClientId,
        Self::HelloRequired,
        Self::UnknownSite,
        Self::OriginNotAllowed,
        Self::BadToken,
        Self::UnknownConversation,
        Self::ConversationClosed,
        Self::SeqAhead,
        Self::RateLimited,
        Self::FileTooLarge,
        Self::FileType,
        Self::UnknownAttachment,
        Self::AlreadyTaken,
        Self::UnknownAgent,
        Self::BadEmail,
        Self::NotYours,
        Self::Blocked,
        Self::BadOptions,
        Self::AlreadyAnswered,
        Self::Internal,
    ];

    /// The code's name on the wire, for clients that read frames without serde.
    pub fn name(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::UnknownType => "unknown_type",
            Self::TooLarge => "too_large",
            Self::EmptyMessage => "empty_message",
            Self::BadClientId => "bad_client_id",
            Self::HelloRequired => "hello_required",
            Self::UnknownSite => "unknown_site",
            Self::OriginNotAllowed => "origin_not_allowed",
            Self::BadToken => "bad_token",
            Self::UnknownConversation => "unknown_conversation",
            Self::ConversationClosed => "conversation_closed",
            Self::SeqAhead => "seq_ahead",
            Self::RateLimited => "rate_limited",
            Self::FileTooLarge => "file_too_large",
            Self::FileType => "file_type",
            Self::UnknownAttachment => "unknown_attachment",
            Self::AlreadyTaken => "already_taken",
            Self::UnknownAgent => "unknown_agent",
            Self::BadEmail => "bad_email",
            Self::NotYours => "not_yours",
            Self::Blocked => "blocked",
            Self::BadOptions => "bad_options",
            Self::AlreadyAnswered => "already_answered",
            Self::Internal => "internal",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|code| code.name() == name)
    }

    pub fn describe(self) -> &'static str {
        match self {
            Self::Malformed => "The frame is not valid JSON of a known shape.",
            Self::UnknownType => "The frame's type is not one this endpoint accepts.",
            Self::TooLarge => "The frame or message text is larger than allowed.",
            Self::EmptyMessage => "The message is empty.",
            Self::BadClientId => {
                "The client message id must be 1 to 64 printable ASCII characters."
            }
            Self::HelloRequired => "The first frame on a visitor connection must be hello.",
            Self::UnknownSite => "No site with that id is registered on this relay.",
            Self::OriginNotAllowed => "This page's origin is not allowed for the site.",
            Self::BadToken => "The visitor token is not valid for this site.",
            Self::UnknownConversation => "No conversation with that id is open to you.",
            Self::ConversationClosed => "The conversation is closed; nothing more can be added.",
            Self::SeqAhead => {
                "The last message you saw is past the end of this conversation; resuming from its end."
            }
            Self::RateLimited => "Too many messages; wait a moment and try again.",
            Self::FileTooLarge => "The file is larger than this site accepts.",
            Self::FileType => "Only PNG, JPEG and WebP images and PDF files are accepted.",
            Self::UnknownAttachment => "No attachment with that id was uploaded by you.",
            Self::AlreadyTaken => "Another agent has already taken this conversation.",
            Self::UnknownAgent => "No agent of this site has that id.",
            Self::BadEmail => "That is not an email address replies can be sent to.",
            Self::NotYours => "Only the agent the conversation is assigned to can do that.",
            Self::Blocked => "Chat is not available to you on this site.",
            Self::BadOptions => "Offer two to four different choices of up to 60 characters.",
            Self::AlreadyAnswered => "That was already answered.",
            Self::Internal => "The relay could not complete this; nothing was stored.",
        }
    }
}
