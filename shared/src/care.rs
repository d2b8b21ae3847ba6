//! What Warmline adds around the messages for the visitor's sake: the
//! choices an agent offers, the feedback after a chat with the owner's
//! thank-you and answer, and what the widget tells agents about the visitor.

use serde::{Deserialize, Serialize};

use crate::api::ArticleLink;
use crate::handoff::Frustration;
use crate::{ConversationId, ConversationSummary, ErrorCode, NameSource, validate_text};

/// How many choices an agent may offer with one message.
pub const OPTIONS: std::ops::RangeInclusive<usize> = 2..=4;
/// Longest choice, in characters: it is a button's label.
pub const MAX_OPTION_CHARS: usize = 60;

/// Checks the choices an agent offers and returns them trimmed: two to
/// four, each a short label, no two the same. The console checks before
/// sending, the relay before storing.
pub fn check_options(options: &[String]) -> Result<Vec<String>, ErrorCode> {
    if !OPTIONS.contains(&options.len()) {
        return Err(ErrorCode::BadOptions);
    }
    let mut checked: Vec<String> = Vec::with_capacity(options.len());
    for option in options {
        let option = validate_text(option).map_err(|_| ErrorCode::BadOptions)?;
        let duplicate = checked
            .iter()
            .any(|o| o.to_lowercase() == option.to_lowercase());
        if option.chars().count() > MAX_OPTION_CHARS || option.contains('\n') || duplicate {
            return Err(ErrorCode::BadOptions);
        }
        checked.push(option.to_owned());
    }
    Ok(checked)
}

/// Longest feedback comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 1000;
/// Longest answer an owner gives to a comment.
pub const MAX_ANSWER_CHARS: usize = 1000;

/// A visitor's rating of a closed conversation, and what came of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feedback {
    pub conversation_id: ConversationId,
    /// 1 (bad) to 5 (great).
    pub rating: u8,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub comment: String,
    /// Milliseconds since the Unix epoch.
    pub at: i64,
    /// The owner's thank-you, as it was when the visitor left the feedback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reward: Option<Reward>,
    /// The owner's answer to the comment ("you said X, we did Y").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
}

/// What a site gives a visitor who leaves feedback: a coupon code or a link,
/// with a line saying what it is ("10% off your next order").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reward {
    Code { code: String, label: String },
    Link { url: String, label: String },
}

impl Reward {
    pub fn label(&self) -> &str {
        match self {
            Self::Code { label, .. } | Self::Link { label, .. } => label,
        }
    }
}

/// What the widget reports about a visitor for the agents' context panel.
/// Each is off until the site's owner turns it on (`SiteSettings::context`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Collect {
    /// The pages visited (address and title) and the referrer.
    #[serde(default)]
    pub pages: bool,
    /// Device, browser and system, from the browser's user agent.
    #[serde(default)]
    pub device: bool,
    /// The visitor's time zone, for their local time.
    #[serde(default)]
    pub local_time: bool,
    /// The help articles they opened in the widget.
    #[serde(default)]
    pub articles: bool,
}

impl Collect {
    pub fn any(&self) -> bool {
        self.pages || self.device || self.local_time || self.articles
    }
}

/// A page the visitor saw, in the order seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageView {
    pub url: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    /// Milliseconds since the Unix epoch.
    pub at: i64,
}

/// Who the agent is talking to (`GET /api/conversations/{id}/context`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorContext {
    pub visitor: String,
    pub name_source: NameSource,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The language their widget speaks.
    pub lang: String,
    /// What the site collects; what it does not is absent below.
    pub collect: Collect,
    /// This visit's pages, newest first (a gap of 30 minutes starts a visit).
    #[serde(default)]
    pub pages: Vec<PageView>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referrer: Option<String>,
    /// "Desktop", "Smartphone", ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// "Chrome 120 on Windows 10", ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub browser: Option<String>,
    /// An IANA time zone (`Asia/Tbilisi`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// Their other conversations on the site, newest first.
    #[serde(default)]
    pub earlier: Vec<ConversationSummary>,
    /// Help articles they opened, newest first.
    #[serde(default)]
    pub articles_read: Vec<ArticleLink>,
    /// What the bot answered in this conversation, oldest first.
    #[serde(default)]
    pub bot_said: Vec<String>,
    pub frustration: Frustration,
    /// Their feedback on earlier conversations, newest first.
    #[serde(default)]
    pub feedback: Vec<Feedback>,
}

/// `GET /api/reports/options`: how often each offered choice was picked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptionCount {
    pub option: String,
    /// Times it was offered, and picked.
    pub offered: u64,
    pub picked: u64,
}

/// `GET /api/reports/feedback`: the site's ratings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackReport {
    /// How many ratings of 1 to 5 (index 0 is 1 star).
    pub counts: [u64; 5],
    /// The newest with comments, for the owner to answer.
    pub comments: Vec<RatedConversation>,
}

/// A rated conversation in the owner's report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatedConversation {
    pub visitor: String,
    pub feedback: Feedback,
}

/// `PUT /api/conversations/{id}/feedback/answer`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub answer: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(options: &[&str]) -> Vec<String> {
        options.iter().map(|o| (*o).to_owned()).collect()
    }

    #[test]
    fn options_are_two_to_four_distinct_short_labels() {
        assert_eq!(
            check_options(&owned(
                [" Refund ", "Replacement", "Store credit"].as_slice()
            )),
            Ok(owned(&["Refund", "Replacement", "Store credit"]))
        );
        for bad in [
            owned(&["Only one"]),
            owned(&["a", "b", "c", "d", "e"]),
            owned(&["Refund", "refund"]),
            owned(&["Refund", "  "]),
            owned(&["Refund", &"x".repeat(MAX_OPTION_CHARS + 1)]),
            owned(&["Refund", "two\nlines"]),
        ] {
            assert_eq!(check_options(&bad), Err(ErrorCode::BadOptions), "{bad:?}");
        }
        let georgian = "ა".repeat(MAX_OPTION_CHARS);
        assert!(check_options(&[georgian, "თანხის დაბრუნება".into()]).is_ok());
    }
}
