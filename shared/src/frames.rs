//! The frames. Every frame is one JSON object whose `type` field names it.

use serde::{Deserialize, Serialize};

use crate::ConversationId;

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
    },
    /// A message. Resending the same `client_id` after a lost ack is safe:
    /// the relay stores it once and acknowledges it again.
    Send { client_id: String, text: String },
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
}

/// Where a page of the inbox continues: after this conversation, in the
/// inbox's order (most recently active first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxCursor {
    pub updated_at: i64,
    pub id: ConversationId,
}

impl ConversationSummary {
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    pub last_seq: Seq,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_text: Option<String>,
    /// Milliseconds since the Unix epoch.
    pub updated_at: i64,
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
    Internal,
}

impl ErrorCode {
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
            Self::Internal => "The relay could not complete this; nothing was stored.",
        }
    }
}
