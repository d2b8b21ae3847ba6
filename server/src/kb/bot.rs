//! The relay's bot. While a conversation is with the bot (see
//! `handoff::triage`), it looks for articles that answer each visitor
//! message and offers up to three, in the visitor's language; the widget
//! asks under them whether they helped and offers a person when they did
//! not. It never loops: it answers only a visitor's new message, once (its
//! reply's client id is derived from that message), never its own, never an
//! article it already offered, and falls silent once the conversation is
//! handed to people.

use warmline_kb::fold::fold;
use warmline_shared::api::ArticleLink;
use warmline_shared::{Author, ChatMessage, ConversationId, Seq, SiteId};

use crate::conversation::{NewPost, Participant};
use crate::state::{AppState, now_ms};

/// How much of a message an article must match to be offered: below this,
/// a suggestion is more likely noise than help.
const MIN_COVERAGE: f32 = 0.5;
const SUGGESTIONS: usize = 3;
/// Messages shorter than this ("hi", "ok") are not questions for the
/// owners' list; longer ones are kept only up to `MAX_MISS_CHARS`.
const MIN_MISS_CHARS: usize = 8;
const MAX_MISS_CHARS: usize = 200;

/// A visitor's message the bot may answer.
#[derive(Debug, Clone)]
pub struct Question {
    pub site_id: SiteId,
    pub conversation_id: ConversationId,
    pub seq: Seq,
    pub text: String,
    pub wants_person: bool,
    /// They asked for a person after an article or the bot's suggestions
    /// did not help.
    pub self_help_failed: bool,
    /// They left the message for when people are back, with their email.
    pub left: bool,
    /// The language the visitor's widget speaks.
    pub lang: String,
}

/// What a visitor's "talk to a person" becomes: their message, in their
/// language, pointing to the article they read if it is one of the site's.
pub async fn person_request(
    state: &AppState,
    site: &SiteId,
    lang: &str,
    article: Option<i64>,
) -> (String, Vec<ArticleLink>) {
    let text = state.locales.word(lang, "bot_person_request");
    let Some(id) = article else {
        return (text, Vec::new());
    };
    let context = match state.knowledge.of(&*state.store, site).await {
        Ok(index) => index.article(id).map(|a| ArticleLink {
            snippet: String::new(),
            ..index.link(a)
        }),
        Err(e) => {
            tracing::warn!(error = %e, "the article asked about could not be read");
            None
        }
    };
    (text, context.into_iter().collect())
}

/// Offers articles that answer the question, if any it has not offered yet.
pub async fn suggest(
    state: &AppState,
    question: &Question,
    history: &[ChatMessage],
) -> Result<(), Box<dyn std::error::Error>> {
    let offered: Vec<i64> = history
        .iter()
        .filter(|m| matches!(m.author, Author::Bot { .. }))
        .flat_map(|m| m.articles.iter().map(|a| a.id))
        .collect();
    let index = state.knowledge.of(&*state.store, &question.site_id).await?;
    let matched: Vec<ArticleLink> = index
        .search(&question.text, &question.lang, SUGGESTIONS * 2)
        .into_iter()
        .filter(|(_, hit)| hit.coverage >= MIN_COVERAGE)
        .map(|(link, _)| ArticleLink {
            snippet: String::new(),
            ..link
        })
        .collect();
    if matched.is_empty() {
        // No article answers it: a question for the owners' list.
        let text: String = question.text.trim().chars().take(MAX_MISS_CHARS).collect();
        if text.chars().count() >= MIN_MISS_CHARS {
            state
                .store
                .count_miss(
                    &question.site_id,
                    &question.lang,
                    &fold(&text),
                    &text,
                    now_ms(),
                )
                .await?;
        }
        return Ok(());
    }
    // Only what it has not offered yet: the same articles twice do not help.
    let found: Vec<ArticleLink> = matched
        .into_iter()
        .filter(|link| !offered.contains(&link.id))
        .take(SUGGESTIONS)
        .collect();
    if found.is_empty() {
        return Ok(());
    }
    state
        .conversations
        .post(reply(state, question, "bot_suggest", found))
        .await?;
    Ok(())
}

/// The bot's reply to a visitor's message: the catalogue's line `key` in
/// their language. Its client id comes from their message, so it is said
/// once per message whatever happens.
pub fn reply(
    state: &AppState,
    question: &Question,
    key: &str,
    articles: Vec<ArticleLink>,
) -> NewPost {
    let word = |key: &str| state.locales.word(&question.lang, key);
    NewPost {
        conversation_id: question.conversation_id,
        client_id: format!("bot-{}", question.seq),
        text: word(key),
        author: Participant::Bot {
            site_id: question.site_id.clone(),
            name: word("bot_name"),
        },
        attachment: None,
        articles,
        wants_person: false,
        options: Vec::new(),
        picked: None,
    }
}
