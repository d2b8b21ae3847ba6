//! Every word the console shows an agent, in English. Another language is
//! another catalogue of the same shape.

use warmline_client::view::Texts;
use warmline_shared::ErrorCode;

pub const BRAND: &str = "Warmline";
pub const LOADING: &str = "Loading…";
pub const TRY_AGAIN: &str = "Try again";
pub const UNREACHABLE: &str = "Can't reach the server. Check your connection and try again.";
pub const PLEASE_SIGN_IN: &str = "Please sign in.";
pub const SESSION_ENDED: &str = "Your session has ended. Please sign in again.";
pub const SIGN_OUT_FAILED: &str =
    "Couldn't reach the server to sign out; this browser may still be signed in.";

pub const SIGN_IN_LEDE: &str = "Sign in to answer your visitors.";
pub const EMAIL: &str = "Email";
pub const PASSWORD: &str = "Password";
pub const SIGN_IN: &str = "Sign in";
pub const SIGN_OUT: &str = "Sign out";
pub const DISMISS: &str = "Dismiss";
pub const OLDER_CONVERSATIONS: &str = "Show older conversations";

/// How many conversations the inbox lists, "50+" when older ones exist.
pub fn count(listed: usize, more: bool) -> String {
    if more {
        format!("{listed}+")
    } else {
        listed.to_string()
    }
}

/// Shown once after signing in, when someone tried to sign in as this agent.
pub fn failed_sign_ins(count: u32) -> String {
    let attempts = if count == 1 { "attempt" } else { "attempts" };
    format!(
        "{count} unsuccessful sign-in {attempts} on your account since you last signed in. \
         If that wasn't you, tell your site owner."
    )
}

pub const CONVERSATIONS: &str = "Conversations";
pub const CONNECTING: &str = "Connecting…";
pub const RECONNECTING: &str = "Offline. Reconnecting…";
pub const NO_CONVERSATIONS: &str =
    "No open conversations yet. New ones appear here as visitors write.";
pub const NO_MESSAGES_YET: &str = "No messages yet";

pub const CONVERSATION: &str = "Conversation";
pub const PICK_A_CONVERSATION: &str = "Select a conversation to read and reply.";
pub const BACK: &str = "Back to conversations";
/// The signed-in agent, above their own replies.
pub const YOU: &str = "You";

pub const NOW: &str = "now";
pub const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
pub const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

pub const VIEWS: Texts = Texts {
    log: "Messages",
    sending: "Sending…",
    not_sent: "Not sent.",
    retry: "Retry",
    refusal,
    message: "Reply",
    placeholder: "Write a reply… (Enter sends, Shift+Enter adds a line)",
    send: "Send",
    too_long,
};

fn too_long(max: usize) -> String {
    format!("Replies can be up to {max} characters.")
}

pub fn minutes_ago(minutes: u32) -> String {
    format!("{minutes} min")
}

/// The tab's title, with the number of unread conversations.
pub fn title(unread: usize) -> String {
    match unread {
        0 => BRAND.to_owned(),
        n => format!("({n}) {BRAND}"),
    }
}

pub fn server_answered(status: u16, status_text: &str) -> String {
    format!("The server answered {status} {status_text}. Try again in a moment.")
}

/// Why the relay refused something, as an agent needs to hear it: what
/// happened, and what to do where there is something to do.
pub fn refusal(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::EmptyMessage => "The reply is empty.",
        ErrorCode::TooLarge => "The reply is longer than the relay accepts.",
        ErrorCode::RateLimited => "Too many messages; wait a moment and try again.",
        ErrorCode::UnknownConversation => "That conversation is no longer open.",
        ErrorCode::ConversationClosed => "The conversation is closed; nothing more can be added.",
        ErrorCode::SeqAhead => {
            "The server has fewer messages in this conversation than this page showed."
        }
        ErrorCode::Internal => "The server could not store this; nothing was saved. Try again.",
        ErrorCode::Malformed | ErrorCode::UnknownType | ErrorCode::BadClientId => {
            "The server did not understand the console. Reload the page."
        }
        // Refusals of a visitor's connection, which the console does not make.
        ErrorCode::HelloRequired
        | ErrorCode::UnknownSite
        | ErrorCode::OriginNotAllowed
        | ErrorCode::BadToken => "The server refused the connection. Reload the page.",
    }
}
