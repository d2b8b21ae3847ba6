//! What happens after a visitor's message is stored and acknowledged: how
//! upset they seem is assessed, and a conversation still with the bot goes
//! to people when one of the triggers fires, each recorded as the reason:
//!
//! 1. they left a message for when people are back (`left_message`);
//! 2. they asked for a person: the widget's button (`asked`), or after an
//!    article or the bot's suggestions did not help (`self_help_failed`);
//! 3. they wrote that they want a person, in any of the widget's languages
//!    (`phrase`);
//! 4. the message touches a topic the owner marked sensitive (`sensitive`);
//! 5. they seem frustrated (`frustration`);
//! 6. the site sends everyone straight to a person (`direct`).
//!
//! Otherwise the bot looks for articles that answer the message.

use warmline_handoff::frustration::{self, Said};
use warmline_handoff::lists;
use warmline_handoff::phrases::Phrases;
use warmline_shared::handoff::{ConversationState, FRUSTRATED, HandoffReason, HandoffSettings};
use warmline_shared::{Author, ChatMessage};

use super::views;
use crate::kb::bot::{self, Question};
use crate::state::{AppState, now_ms};

/// How many of the visitor's latest messages frustration is judged on.
const RECENT: usize = 10;
/// Most messages of a conversation with the bot read to decide (the bot
/// must know every article it offered).
const HISTORY: i64 = 1000;
/// Once people have it, only the latest messages are read: enough for the
/// visitor's last `RECENT` among the replies between them, and a busy
/// conversation's every message no longer reads its whole past.
const TAIL: i64 = 100;

/// Acts on the visitor's new message; failures are logged, since the
/// message is stored and acknowledged whatever happens here.
pub async fn after_message(state: AppState, question: Question) {
    if let Err(e) = triage(&state, &question).await {
        tracing::warn!(error = %e, conversation = %question.conversation_id, "triage failed");
    }
}

async fn triage(state: &AppState, question: &Question) -> Result<(), Box<dyn std::error::Error>> {
    let store = &state.store;
    let Some(conversation) = store.conversation(question.conversation_id).await? else {
        return Ok(());
    };
    let Some(site) = store.site(&question.site_id).await? else {
        return Ok(());
    };
    let (after, limit) = match conversation.summary.state {
        ConversationState::Bot => (0, HISTORY),
        _ => ((question.seq - TAIL).max(0), TAIL),
    };
    let history = store
        .messages_after(question.conversation_id, after, limit)
        .await?;
    let frustration = assess(&question.lang, &history);
    let frustrated = frustration.score >= FRUSTRATED;
    state
        .conversations
        .assess(&conversation, frustration)
        .await?;
    if question.left {
        store.email_replies(conversation.id()).await?;
    }
    if conversation.summary.state != ConversationState::Bot {
        if question.left {
            say(state, question, "bot_left_message").await?;
        }
        return Ok(());
    }
    let reason = if question.left {
        Some(HandoffReason::LeftMessage)
    } else if question.wants_person {
        Some(if question.self_help_failed {
            HandoffReason::SelfHelpFailed
        } else {
            HandoffReason::Asked
        })
    } else if lists::asks_for_person(&question.text) {
        Some(HandoffReason::Phrase)
    } else if sensitive(&site.settings.handoff, &question.lang, &question.text) {
        Some(HandoffReason::Sensitive)
    } else if frustrated {
        Some(HandoffReason::Frustration)
    } else if site.settings.handoff.direct {
        Some(HandoffReason::Direct)
    } else {
        None
    };
    let Some(reason) = reason else {
        return bot::suggest(state, question, &history).await;
    };
    if state
        .conversations
        .hand_off(conversation.id(), reason)
        .await?
        .is_none()
    {
        return Ok(());
    }
    let key = if question.left {
        "bot_left_message"
    } else {
        let team = views::team(state, &site.id).await?;
        let presence = views::presence(state, &site, &team).await?;
        if presence.answering() {
            "bot_handoff"
        } else {
            "bot_handoff_away"
        }
    };
    say(state, question, key).await
}

/// The visitor's recent messages, scored.
fn assess(lang: &str, history: &[ChatMessage]) -> warmline_shared::handoff::Frustration {
    let theirs: Vec<&ChatMessage> = history
        .iter()
        .filter(|m| m.author == Author::Visitor && !m.wants_person)
        .collect();
    let said: Vec<Said<'_>> = theirs[theirs.len().saturating_sub(RECENT)..]
        .iter()
        .map(|m| Said {
            text: &m.text,
            at_ms: m.sent_at,
        })
        .collect();
    // Their oldest message no person has answered yet.
    let last_answer = history
        .iter()
        .rposition(|m| matches!(m.author, Author::Agent { .. }));
    let unanswered_since = history[last_answer.map_or(0, |i| i + 1)..]
        .iter()
        .find(|m| m.author == Author::Visitor)
        .map(|m| m.sent_at);
    frustration::assess(lang, &said, unanswered_since, now_ms())
}

/// Whether the text touches a topic the owner marked sensitive, in the
/// visitor's language or any other the owner listed.
fn sensitive(settings: &HandoffSettings, lang: &str, text: &str) -> bool {
    let mut lists: Vec<&Vec<String>> = settings.sensitive.get(lang).into_iter().collect();
    lists.extend(
        settings
            .sensitive
            .iter()
            .filter(|(l, _)| *l != lang)
            .map(|(_, list)| list),
    );
    lists
        .into_iter()
        .any(|list| Phrases::new(list).find(text).is_some())
}

/// The bot says one of its lines.
async fn say(
    state: &AppState,
    question: &Question,
    key: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let post = bot::reply(state, question, key, Vec::new());
    state.conversations.post(post).await?;
    Ok(())
}
