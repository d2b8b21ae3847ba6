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

use std::collections::BTreeMap;

use warmline_handoff::frustration::{self, Reading, Said};
use warmline_handoff::lists;
use warmline_handoff::phrases::Phrases;
use warmline_shared::handoff::{
    ConversationState, FRUSTRATED, Frustration, HandoffReason, HandoffSettings,
};
use warmline_shared::{Author, ChatMessage, ConversationId, Seq};

use super::views;
use crate::kb::bot::{self, Question};
use crate::state::{AppState, now_ms};
use crate::store::{Conversation, Store, StoreError};

/// Most messages of a conversation with the bot read to decide (the bot
/// must know every article it offered).
const HISTORY: i64 = 1000;
/// How many of a conversation's latest messages [`Recent`] keeps: room for
/// the visitor's last [`frustration::RECENT`] (all that frustration is
/// judged on) among the replies between them.
const TAIL: i64 = 30;

/// Whether [`after_message`] has anything to do: the visitor left a
/// message, the bot still has the conversation, or the frustration changed.
/// A message in a conversation people have, with nothing new about it,
/// needs no task of its own.
pub fn has_work(
    question: &Question,
    conversation: &Conversation,
    frustration: &Frustration,
) -> bool {
    question.left
        || conversation.summary.state == ConversationState::Bot
        || conversation.summary.frustration != *frustration
}

/// Acts on the visitor's new message in `conversation`, as storing it left
/// it, with `frustration` judged on the messages up to it; failures are
/// logged, since the message is stored and acknowledged whatever happens
/// here.
pub async fn after_message(
    state: AppState,
    question: Question,
    conversation: Conversation,
    frustration: Frustration,
) {
    if let Err(e) = triage(&state, &question, &conversation, frustration).await {
        tracing::warn!(error = %e, conversation = %question.conversation_id, "triage failed");
    }
}

/// What [`after_message`] does; what it does for a conversation people
/// have must stay within [`has_work`]'s conditions.
async fn triage(
    state: &AppState,
    question: &Question,
    conversation: &Conversation,
    frustration: Frustration,
) -> Result<(), Box<dyn std::error::Error>> {
    let store = &state.store;
    let frustrated = frustration.score >= FRUSTRATED;
    state
        .conversations
        .assess(conversation, frustration)
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
    let Some(site) = store.site(&question.site_id).await? else {
        return Ok(());
    };
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
        let history = store
            .messages_after(question.conversation_id, 0, HISTORY)
            .await?;
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

/// A conversation's latest messages, as much of them as frustration is
/// judged on. The visitor's socket keeps one up to date from the messages
/// it delivers, so judging each new message reads nothing from the store.
#[derive(Debug, Default)]
pub struct Recent {
    lines: BTreeMap<Seq, Line>,
}

/// One message as frustration needs it: the visitor's read once, when
/// it comes in.
#[derive(Debug)]
enum Line {
    /// `None`: the message asked for a person (its words are the widget's).
    Visitor {
        at_ms: i64,
        read: Option<Reading>,
    },
    Agent,
    Bot,
}

impl Recent {
    /// The latest messages up to `seq`, from the store.
    pub async fn load(
        store: &dyn Store,
        conversation_id: ConversationId,
        seq: Seq,
    ) -> Result<Self, StoreError> {
        let history = store
            .messages_after(conversation_id, (seq - TAIL).max(0), TAIL)
            .await?;
        Ok(Self::of(&history))
    }

    pub fn of(history: &[ChatMessage]) -> Self {
        let mut recent = Self::default();
        for message in history {
            recent.record(message);
        }
        recent
    }

    /// Takes in one message, in any order; the oldest beyond `TAIL` go.
    pub fn record(&mut self, message: &ChatMessage) {
        if self.lines.contains_key(&message.seq) {
            return;
        }
        let line = match &message.author {
            Author::Visitor => Line::Visitor {
                at_ms: message.sent_at,
                read: (!message.wants_person).then(|| {
                    Said {
                        text: &message.text,
                        at_ms: message.sent_at,
                    }
                    .read()
                }),
            },
            Author::Agent { .. } => Line::Agent,
            _ => Line::Bot,
        };
        self.lines.insert(message.seq, line);
        while self.lines.len() > TAIL as usize {
            self.lines.pop_first();
        }
    }

    /// The visitor's latest messages, scored.
    pub fn frustration(&self, lang: &str) -> Frustration {
        let read: Vec<&Reading> = self
            .lines
            .values()
            .filter_map(|line| match line {
                Line::Visitor { read, .. } => read.as_ref(),
                _ => None,
            })
            .collect();
        // Their oldest message no person has answered yet.
        let unanswered_since = self
            .lines
            .values()
            .rev()
            .take_while(|line| !matches!(line, Line::Agent))
            .filter_map(|line| match line {
                Line::Visitor { at_ms, .. } => Some(*at_ms),
                _ => None,
            })
            .last();
        frustration::assess_read(lang, &read, unanswered_since, now_ms())
    }
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

#[cfg(test)]
mod tests {
    use warmline_shared::handoff::Signal;

    use super::*;

    const MINUTE: i64 = 60_000;

    fn message(seq: Seq, author: Author, text: &str, sent_at: i64) -> ChatMessage {
        ChatMessage {
            conversation_id: ConversationId::new(1),
            seq,
            client_id: format!("c{seq}"),
            author,
            text: text.into(),
            sent_at,
            attachment: None,
            articles: Vec::new(),
            wants_person: false,
            options: Vec::new(),
            picked: None,
        }
    }

    fn agent() -> Author {
        Author::Agent {
            name: "Nino".into(),
        }
    }

    #[test]
    fn recent_forgets_all_but_the_latest_messages_in_whatever_order_they_come() {
        let now = now_ms();
        // An outburst long ago, then a calm exchange longer than the tail.
        let mut history = vec![message(1, Author::Visitor, "WHERE IS IT!!!", now)];
        for seq in 2..=(TAIL + 5) {
            let author = if seq % 2 == 0 {
                agent()
            } else {
                Author::Visitor
            };
            let text = format!("Reply number {seq}");
            history.push(message(seq, author, &text, now));
        }
        let in_order = Recent::of(&history);
        assert_eq!(in_order.lines.len(), TAIL as usize);
        assert_eq!(in_order.frustration("en").score, 0);

        let mut shuffled = Recent::default();
        for message in history.iter().rev() {
            shuffled.record(message);
        }
        assert_eq!(shuffled.frustration("en"), in_order.frustration("en"));

        // Within the tail, the outburst counts.
        let mut recent = in_order;
        recent.record(&message(TAIL + 6, Author::Visitor, "WHERE IS IT!!!", now));
        let frustration = recent.frustration("en");
        assert!(frustration.signals.contains(&Signal::Shouting));
        assert!(frustration.signals.contains(&Signal::Punctuation));
    }

    #[test]
    fn only_an_agents_reply_ends_the_visitors_wait() {
        let now = now_ms();
        let asked = message(
            1,
            Author::Visitor,
            "Is my order on its way?",
            now - 10 * MINUTE,
        );
        let again = message(3, Author::Visitor, "Any news on it?", now);
        let waiting = |reply: ChatMessage| {
            Recent::of(&[asked.clone(), reply, again.clone()])
                .frustration("en")
                .signals
                .iter()
                .any(|s| matches!(s, Signal::LongWait { .. }))
        };
        assert!(!waiting(message(
            2,
            agent(),
            "Let me look.",
            now - 5 * MINUTE
        )));
        let bot = Author::Bot {
            name: "Warmline".into(),
        };
        assert!(waiting(message(
            2,
            bot,
            "These articles may help.",
            now - 5 * MINUTE
        )));
    }
}
