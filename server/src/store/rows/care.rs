use sqlx::FromRow;
use warmline_shared::care::{Feedback, FeedbackReport, OptionCount, RatedConversation};
use warmline_shared::{ConversationId, VisitorId};

use crate::store::{Result, StoreError, Visit};

pub(in crate::store) const FEEDBACK_SELECT: &str =
    "SELECT conversation_id, rating, comment, reward, created_at, answer FROM feedback";

#[derive(FromRow)]
pub(in crate::store) struct FeedbackRow {
    conversation_id: i64,
    rating: i64,
    comment: String,
    reward: Option<String>,
    created_at: i64,
    answer: Option<String>,
}

impl TryFrom<FeedbackRow> for Feedback {
    type Error = StoreError;

    fn try_from(row: FeedbackRow) -> Result<Self> {
        let reward = match row.reward {
            None => None,
            Some(json) => Some(serde_json::from_str(&json).map_err(|e| {
                StoreError::corrupt(format!(
                    "feedback {} has a bad reward: {e}",
                    row.conversation_id
                ))
            })?),
        };
        Ok(Feedback {
            conversation_id: ConversationId::new(row.conversation_id),
            rating: row.rating as u8,
            comment: row.comment,
            at: row.created_at,
            reward,
            answer: row.answer,
        })
    }
}

/// The reward as `feedback.reward` keeps it.
pub(in crate::store) fn reward_json(feedback: &Feedback) -> Option<String> {
    feedback
        .reward
        .as_ref()
        .map(|r| serde_json::to_string(r).expect("a reward serialises"))
}

/// A commented rating with the visitor's name, for the owner's report.
#[derive(FromRow)]
pub(in crate::store) struct RatedRow {
    #[sqlx(flatten)]
    feedback: FeedbackRow,
    visitor: String,
}

/// The report from the site's `(rating, count)` pairs and its newest
/// commented ratings.
pub(in crate::store) fn feedback_report(
    counts: Vec<(i64, i64)>,
    comments: Vec<RatedRow>,
) -> Result<FeedbackReport> {
    let mut report = FeedbackReport::default();
    for (rating, n) in counts {
        if let Some(count) = report.counts.get_mut((rating - 1) as usize) {
            *count = n as u64;
        }
    }
    for row in comments {
        report.comments.push(RatedConversation {
            visitor: row.visitor,
            feedback: row.feedback.try_into()?,
        });
    }
    Ok(report)
}

#[derive(FromRow)]
pub(in crate::store) struct OptionCountRow {
    option: String,
    offered: i64,
    picked: i64,
}

impl From<OptionCountRow> for OptionCount {
    fn from(row: OptionCountRow) -> Self {
        OptionCount {
            option: row.option,
            offered: row.offered as u64,
            picked: row.picked as u64,
        }
    }
}

pub(in crate::store) fn visit_json(visit: &Visit) -> String {
    serde_json::to_string(visit).expect("a visit serialises")
}

/// The visitor's stored visit (`visitors.visit`), if they have one.
pub(in crate::store) fn visit_from(
    visitor_id: VisitorId,
    json: Option<String>,
) -> Result<Option<Visit>> {
    match json {
        None => Ok(None),
        Some(json) => serde_json::from_str(&json).map(Some).map_err(|e| {
            StoreError::corrupt(format!("visitor {visitor_id:?} has a bad visit: {e}"))
        }),
    }
}
