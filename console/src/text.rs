//! Every word the console shows an agent, in English. Another language is
//! another catalogue of the same shape.

use leptos::prelude::Callback;
use warmline_client::view::Texts;
use warmline_shared::handoff::{Availability, ConversationState, HandoffReason, Signal};
use warmline_shared::{ConversationSummary, ErrorCode, NameSource};

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

/// The shared views' words (see `warmline_client::view::Texts`).
pub fn views() -> Texts {
    Texts {
        word: Callback::new(|key: &'static str| view_word(key).to_owned()),
        refusal: Callback::new(|code| refusal(code).to_owned()),
    }
}

fn view_word(key: &str) -> &'static str {
    match key {
        "log" => "Messages",
        "sending" => "Sending…",
        "not_sent" => "Not sent.",
        "retry" => "Retry",
        "asked_for_person" => "Asked for a person",
        "message" => "Reply",
        "placeholder" => "Write a reply… (Enter sends, Shift+Enter adds a line)",
        "send" => "Send",
        "too_long" => "Replies can be up to {max} characters.",
        "said" => "{name} said",
        "you_said" => "You said",
        "seen" => "Seen",
        "offered" => "Choices offered",
        "picked" => "Picked from the choices",
        _ => "",
    }
}

pub fn typing(visitor: &str) -> String {
    format!("{visitor} is typing…")
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
        ErrorCode::FileTooLarge => "The file is larger than this site accepts.",
        ErrorCode::FileType => "Only images (PNG, JPEG, WebP) and PDF files can be sent.",
        ErrorCode::UnknownAttachment => "That attachment is not available.",
        ErrorCode::AlreadyTaken => "Another agent has already taken this conversation.",
        ErrorCode::UnknownAgent => "That colleague does not work on this site.",
        ErrorCode::NotYours => "Only the agent who has the conversation can do that.",
        ErrorCode::BadEmail => "That is not an email address.",
        ErrorCode::Blocked => "That visitor is blocked.",
        ErrorCode::BadOptions => "Offer two to four different choices, each up to 60 characters.",
        ErrorCode::AlreadyAnswered => "That was already answered.",
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

pub const SETTINGS: &str = "Settings";
pub const CONVERSATIONS_VIEW: &str = "Conversations";
pub const SITE: &str = "Site";
pub const WIDGET: &str = "Widget";
pub const SITE_NAME: &str = "Site name";
pub const SITE_ID: &str = "Site id (lowercase letters, digits and dashes; it goes in the snippet)";
pub const ALLOWED_ORIGINS: &str = "Pages allowed to show the chat";
pub const ALLOWED_ORIGINS_HINT: &str = "One origin per line, like https://shop.example (add the port if it has one), or * for any page.";
pub const ACCENT: &str = "Accent colour";
pub const LAUNCHER_POSITION: &str = "Chat button";
pub const LEFT: &str = "Bottom left";
pub const RIGHT: &str = "Bottom right";
pub const LAUNCHER_LABEL: &str = "Chat button label";
pub const LAUNCHER_LABEL_HINT: &str = "Optional, e.g. “Questions? Ask us”";
pub const ATTACHMENT_LIMIT: &str = "Largest file a visitor may send (MB)";
pub const GREETINGS: &str = "Greetings";
pub const GREETINGS_HINT: &str = "Leave a field empty to keep Warmline's greeting. {name} is replaced by the visitor's first name.";
pub const DEFAULT_GREETING: &str = "Warmline's default";
pub const SAVE: &str = "Save settings";
pub const SAVED: &str = "Saved. Visitors see the changes the next time a page loads.";
pub const ARTICLE_SAVED: &str = "Saved.";
pub const SAVE_ARTICLE: &str = "Save article";
pub const EMBED: &str = "Embed snippet";
pub const EMBED_HINT: &str =
    "Paste this tag into every page that should show the chat, before </body>.";
pub const COPY: &str = "Copy";
pub const IDENTITY: &str = "Identity verification";
pub const IDENTITY_ON: &str = "On: a visitor's user id, name and email count only with a user_hash your server computes with this site's secret (see the README).";
pub const IDENTITY_OFF: &str = "Off: names a page passes to Warmline.identify are shown as unverified. Generate a secret to turn verification on.";
pub const SECRET_SHOWN_ONCE: &str = "This secret is shown only now. Keep it on your server; never put it in a page. Hashes made with the old secret no longer count.";
pub const NEW_SECRET: &str = "Generate a new secret";
pub const TEAM: &str = "Team";
pub const TEAM_HINT: &str =
    "Add people who answer chats here. Agents answer; owners also change these settings.";
pub const PERSON_NAME: &str = "Name (visitors see it on replies)";
pub const FIRST_PASSWORD: &str = "First password (at least 10 characters)";
pub const MAKE_OWNER: &str = "Owner (may change settings)";
pub const ADD_PERSON: &str = "Add to the team";
pub const ADDED: &str = "Added. They can sign in now.";
pub const NEW_SITE: &str = "Another site";
pub const NEW_SITE_HINT: &str =
    "A site has its own chat, conversations, team and snippet. You become its owner.";
pub const CREATE_SITE: &str = "Create the site";
/// How far to trust the name shown: verified by the site, or only claimed.
pub fn name_badge(source: NameSource) -> Option<leptos::prelude::AnyView> {
    use leptos::prelude::*;
    match source {
        // The comma, for screen readers only, keeps "Ana, verified" two words.
        NameSource::Verified => Some(
            view! {
                <span class="sr">", "</span>
                <span class="badge verified" title="The site proved who this is">"verified"</span>
            }
            .into_any(),
        ),
        NameSource::Unverified => Some(
            view! {
                <span class="sr">", "</span>
                <span class="badge unverified" title="The page claimed this name without proof">
                    "unverified"
                </span>
            }
            .into_any(),
        ),
        NameSource::Given | NameSource::None => None,
    }
}

pub fn greetings_in(lang: &str) -> String {
    let name = match lang {
        "en" => "English",
        "ka" => "Georgian (ქართული)",
        "hy" => "Armenian (Հայերեն)",
        other => other,
    };
    format!("Greetings in {name}")
}

pub const HELP_VIEW: &str = "Help articles";
pub const NEW_ARTICLE: &str = "New article";
pub const FIND_ARTICLE: &str = "Find an article";
pub const NO_ARTICLES: &str =
    "No articles yet. Write one, or import a folder with `warmline kb import`.";
pub const PUBLISHED: &str = "Published";
pub const DRAFT: &str = "Draft";
pub const TITLE: &str = "Title";
pub const SLUG: &str = "Slug (the same in every language)";
pub const LANGUAGE: &str = "Language (en, ka, hy, …)";
pub const CATEGORY: &str = "Category";
pub const TAGS: &str = "Tags, comma-separated (words visitors might search for)";
pub const RELATED: &str = "Related articles: slugs, comma-separated";
pub const ORDER: &str = "Order among common questions (smaller first)";
pub const BODY: &str = "Text (Markdown)";
pub const VIDEO: &str = "Video";
pub const VIDEO_LINK: &str = "YouTube or Vimeo address";
pub const VIDEO_FILE: &str = "Or upload: video (MP4, WebM)";
pub const POSTER_FILE: &str = "Poster image";
pub const CAPTIONS_FILE: &str = "Captions (WebVTT)";
pub const NOT_A_VIDEO_LINK: &str = "That is not a YouTube or Vimeo video address.";
pub const REMOVE_VIDEO: &str = "Remove the video";
pub const UPLOADING: &str = "Uploading…";
pub const PREVIEW: &str = "Preview, as visitors see it";
pub const QUESTIONS_WITHOUT_ARTICLE: &str = "Questions without an article";
pub const QUESTIONS_HINT: &str =
    "What visitors searched for or asked the bot that no article answered, most asked first.";
pub const NO_QUESTIONS: &str = "None yet.";
pub const ASKED: &str = "Asked";
pub const VIEWS: &str = "views";

/// "12 views · 5 helpful · 1 not".
pub fn article_stats(views: u64, helpful: u64, unhelpful: u64) -> String {
    format!("{views} {VIEWS} · {helpful} helpful · {unhelpful} not")
}

pub const WAITING: &str = "Waiting";
pub const MINE: &str = "Mine";
pub const ALL_OPEN: &str = "All open";
pub const CLOSED: &str = "Closed";
pub const INBOX_VIEWS: &str = "Inbox views";
pub const NOTHING_HERE: &str = "Nothing here.";
pub const AVAILABILITY: &str = "Availability";
pub const CAPACITY: &str = "Chats at once";
pub const ACCEPT: &str = "Accept";
pub const DECLINE: &str = "Decline";
pub const TAKE: &str = "Take this chat";
pub const TRANSFER: &str = "Transfer";
pub const TRANSFER_TO: &str = "Transfer to";
pub const TRANSFER_NOTE: &str = "Note for your colleague (the visitor never sees it)";
pub const CLOSE_CHAT: &str = "Close";
pub const RESOLUTION: &str = "Resolution";
pub const SIGNALS: &str = "Frustration signals";
pub const OFFERS: &str = "Offered to you";
/// Resolution tags an agent can pick; they may also type their own.
pub const RESOLUTIONS: [&str; 5] = ["solved", "refund", "replacement", "no reply", "spam"];

pub fn availability(a: Availability) -> &'static str {
    match a {
        Availability::Online => "Online",
        Availability::Away => "Away",
        Availability::Offline => "Offline",
    }
}

pub fn state(s: ConversationState) -> &'static str {
    match s {
        ConversationState::Bot => "with the bot",
        ConversationState::Waiting => "waiting",
        ConversationState::Assigned => "assigned",
        ConversationState::Closed => "closed",
    }
}

pub fn reason(r: HandoffReason) -> &'static str {
    match r {
        HandoffReason::Asked => "asked for a person",
        HandoffReason::Phrase => "wrote they want a person",
        HandoffReason::SelfHelpFailed => "help articles did not help",
        HandoffReason::Frustration => "seems frustrated",
        HandoffReason::Sensitive => "sensitive topic",
        HandoffReason::Direct => "straight to a person",
        HandoffReason::LeftMessage => "left a message (reply is emailed)",
        HandoffReason::Returned => "returned to the queue",
    }
}

pub fn signal(s: &Signal) -> String {
    match s {
        Signal::AngryWords { words } => format!("angry words: {}", words.join(", ")),
        Signal::Shouting => "writing in capitals".to_owned(),
        Signal::Punctuation => "!!! or ???".to_owned(),
        Signal::Repeated => "asked the same again".to_owned(),
        Signal::LongWait { minutes } => format!("waiting {minutes} min for an answer"),
    }
}

/// The desktop notification for an offer.
pub fn offer_title(c: &ConversationSummary) -> String {
    format!("Chat offered: {}", c.visitor)
}

/// "assigned to Nino".
pub fn assigned_to(agent: &str) -> String {
    format!("assigned to {agent}")
}

pub fn note_from_transfer(note: &str) -> String {
    format!("Transfer note: {note}")
}

/// "12 s left" on an offer.
pub fn seconds_left(seconds: i64) -> String {
    format!("{} s left", seconds.max(0))
}
pub const FRUSTRATED: &str = "frustrated";
pub const BY_EMAIL: &str =
    "The visitor left a message with their email: your replies are also emailed to them.";
pub const HANDOFF: &str = "Handoff to people";
pub const HANDOFF_HINT: &str = "The bot answers first; a conversation goes to your team when the visitor asks for a person, when help articles did not help, when they seem frustrated, or on a sensitive topic.";
pub const DIRECT: &str = "Send every conversation straight to a person (no bot)";
pub const OFFER_SECONDS: &str =
    "Seconds an agent has to accept an offered chat before it moves to the next";
pub const SENSITIVE: &str = "Sensitive topics";
pub const SENSITIVE_HINT: &str = "One per line, e.g. refund dispute, complaint, cancel my order. A message that mentions one goes to a person at once.";
pub const HOURS: &str = "Business hours";
pub const HOURS_ON: &str =
    "Answer only during business hours (outside them the widget offers to leave a message)";
pub const TIME_ZONE: &str = "Time zone (e.g. Asia/Tbilisi)";
pub const HOURS_HINT: &str =
    "Per day, e.g. 09:00-18:00, or 09:00-13:00, 14:00-18:00. Leave a day empty when closed.";
pub const CLOSED_DAY: &str = "closed";

pub fn sensitive_in(lang: &str) -> String {
    greetings_in(lang).replacen("Greetings", "Topics", 1)
}

pub fn bad_span(span: &str) -> String {
    format!("“{span}” is not a span of hours: write it as 09:00-18:00.")
}
pub const NOTES: &str = "Private notes";
pub const ADD_NOTE: &str = "Add note";
pub const NOTE_PLACEHOLDER: &str = "Private note for your team (the visitor never sees it)";

/// "Note by Nino:".
pub fn note_by(author: &str) -> String {
    format!("Note by {author}:")
}

/// The tone guard's warning, named by the phrase ("" for shouting).
pub fn tone_title(says: &str) -> String {
    if says.is_empty() {
        "Mostly capitals reads as shouting.".to_owned()
    } else {
        format!("“{says}” may upset the visitor.")
    }
}

/// The button that puts the kinder words in.
pub fn tone_insert(instead: &str) -> String {
    format!("Use instead: “{instead}”")
}

pub const TONE_REPORT: &str = "Tone guard";
pub const TONE_REPORT_HINT: &str =
    "Per person: warnings shown while writing a reply, and replies sent with a warning standing.";
pub const TONE_SHOWN: &str = "Warnings shown";
pub const TONE_OVERRIDDEN: &str = "Sent anyway";
pub const CANNED: &str = "Canned replies";
pub const CANNED_HINT: &str = "Type /shortcut in the reply box to use one. {name} becomes the visitor's name, {agent} yours, {site} the site's.";
pub const SHORTCUT: &str = "Shortcut";
pub const ADD_CANNED: &str = "Add the reply";
pub const DELETE: &str = "Delete";
pub const BLOCK: &str = "Block visitor";
pub const BLOCK_HINT: &str = "For abuse. The chat closes with a polite notice; the visitor cannot start again from their browsers until an owner lifts the block, nor from their network address for the time chosen.";
pub const BLOCK_REASON: &str = "Reason (for the owners)";
pub const BLOCK_ADDRESS_FOR: &str = "Block their network address for";
pub const BLOCKS: &str = "Blocked visitors";
pub const BLOCKS_HINT: &str = "Lift a block to let the visitor chat again.";
pub const LIFT: &str = "Lift";

/// "Visitor 4 · insults · by Nino".
pub fn block_line(visitor: &str, reason: &str, by: &str) -> String {
    format!("{visitor} · {reason} · by {by}")
}

pub const ABOUT_VISITOR: &str = "About the visitor";
pub const SPEAKS: &str = "Language";
pub const DEVICE: &str = "Device";
pub const REFERRER: &str = "Came from";
pub const LOCAL_TIME: &str = "Their time";
pub const NOW_HERE: &str = "(now)";
pub const PAGES: &str = "Pages this visit";
pub const ARTICLES_READ: &str = "Help articles read";
pub const BOT_SAID: &str = "What the assistant said";
pub const EARLIER: &str = "Earlier conversations";
pub const FEEDBACK: &str = "Their feedback";
pub const NOTHING_COLLECTED: &str =
    "This site collects no pages, device or time zone. Owners can turn them on in Settings.";

/// A language tag as a name.
pub fn language(tag: &str) -> String {
    match tag {
        "en" => "English".to_owned(),
        "ka" => "Georgian (ქართული)".to_owned(),
        "hy" => "Armenian (Հայերեն)".to_owned(),
        other => other.to_owned(),
    }
}

pub fn rated(rating: u8) -> String {
    format!("Rated {rating} of 5")
}

pub fn answered(answer: &str) -> String {
    format!("Answered: {answer}")
}

pub const CHOICES: &str = "Offer choices";
pub const CHOICES_HINT: &str =
    "The visitor gets your question with two to four buttons; their pick is stored and counted.";
pub const CHOICES_QUESTION: &str = "Question";
pub const CHOICE: &str = "Choice";
pub const SEND_CHOICES: &str = "Send choices";
pub const CANCEL: &str = "Cancel";
pub const CHOICES_INVALID: &str =
    "Write a question and two to four different choices (up to 60 characters each).";

pub const CONTEXT: &str = "What agents see about visitors";
pub const CONTEXT_HINT: &str = "Off unless you turn it on. The widget reports only what is ticked, and the relay keeps nothing else; agents see the name, language, conversations and frustration signals in any case.";
pub const COLLECT_PAGES: &str =
    "Pages visited this visit (address without query, and title) and where they came from";
pub const COLLECT_DEVICE: &str = "Device and browser (from the browser's user agent)";
pub const COLLECT_TIME: &str = "Their time zone, for their local time";
pub const COLLECT_ARTICLES: &str = "Help articles they opened";
pub const REWARD: &str = "Thank-you for feedback";
pub const REWARD_HINT: &str = "A visitor who rates a closed chat gets this at once.";
pub const REWARD_KIND: &str = "Give";
pub const REWARD_NONE: &str = "Nothing";
pub const REWARD_CODE: &str = "A coupon code";
pub const REWARD_LINK: &str = "A link";
pub const REWARD_CODE_VALUE: &str = "Code";
pub const REWARD_URL: &str = "Web address";
pub const REWARD_LABEL: &str = "What it is";
pub const REWARD_LABEL_HINT: &str = "10% off your next order";
pub const REWARD_MISSING: &str = "Give the thank-you's code or address, or choose Nothing.";
pub const FEEDBACK_REPORT: &str = "Ratings and comments";
pub const ANSWER: &str = "Answer";
pub const ANSWER_LABEL: &str = "Your answer to this comment";
pub const ANSWER_HINT: &str = "What you did about it (they see it when they come back)";
pub const OPTION_REPORT: &str = "Choices picked";
pub const OFFERED: &str = "Offered";
pub const PICKED: &str = "Picked";
