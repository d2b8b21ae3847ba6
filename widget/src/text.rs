//! Every word the widget shows a visitor, in English. Another language is
//! another catalogue of the same shape.

use warmline_client::view::Texts;
use warmline_shared::ErrorCode;

pub const TITLE: &str = "Chat with us";
pub const SUBTITLE: &str = "We usually reply in a few minutes";
pub const MINIMIZE: &str = "Minimize chat";
pub const MINIMIZE_HINT: &str = "Minimize";
pub const RECONNECTING: &str = "You're offline. Reconnecting…";
pub const INTRO: &str = "Hi! Ask us anything, we're happy to help.";

pub const VIEWS: Texts = Texts {
    log: "Conversation",
    sending: "Sending…",
    not_sent: "Not sent.",
    retry: "Retry",
    refusal,
    message: "Message",
    placeholder: "Write a message…",
    send: "Send",
    too_long,
};

fn too_long(max: usize) -> String {
    format!("Messages can be up to {max} characters.")
}

/// Why the relay refused something, as a visitor needs to hear it: what
/// happened to their message or their chat, not what went wrong inside.
pub fn refusal(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::EmptyMessage => "The message is empty.",
        ErrorCode::TooLarge => "The message is too long.",
        ErrorCode::RateLimited => "Too many messages; wait a moment and try again.",
        ErrorCode::UnknownSite | ErrorCode::OriginNotAllowed => {
            "Chat isn't available on this page."
        }
        ErrorCode::UnknownConversation | ErrorCode::ConversationClosed => {
            "This conversation has ended."
        }
        ErrorCode::SeqAhead => "Some earlier messages could not be found.",
        ErrorCode::Malformed
        | ErrorCode::UnknownType
        | ErrorCode::BadClientId
        | ErrorCode::HelloRequired
        | ErrorCode::BadToken
        | ErrorCode::Internal => "Something went wrong on our side. Please try again.",
    }
}
