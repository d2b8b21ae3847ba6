//! Who the agent is talking to, and what the visitor made of the chat: the
//! context panel's data (what the widget reports, checked against what the
//! owner collects), the owner's answer to feedback, and the reports on
//! ratings and on the choices agents offer.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::routing::{get, put};
use axum::{Json, Router};
use warmline_shared::api::ArticleLink;
use warmline_shared::care::{
    Answer, Collect, Feedback, FeedbackReport, MAX_ANSWER_CHARS, OptionCount, PageView,
    VisitorContext,
};
use warmline_shared::{Author, ConversationId, validate_text};

use crate::auth::{Owner, SignedIn};
use crate::conversation::{DomainError, Participant};
use crate::error::AppError;
use crate::state::{AppState, now_ms};
use crate::store::{Conversation, Visit};

/// How much of a visit is kept: pages and articles, and their lengths.
const MAX_PAGES: usize = 15;
const MAX_ARTICLES: usize = 20;
const MAX_URL_CHARS: usize = 300;
const MAX_TITLE_CHARS: usize = 120;
/// A gap this long between two pages starts a new visit.
const VISIT_GAP_MS: i64 = 30 * 60 * 1000;
/// Earlier conversations and feedback shown in the panel.
const EARLIER_SHOWN: i64 = 10;
/// Rated conversations with comments in the owner's report.
const COMMENTS_SHOWN: i64 = 50;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/conversations/{id}/context", get(context))
        .route("/api/conversations/{id}/feedback/answer", put(answer))
        .route("/api/reports/feedback", get(feedback_report))
        .route("/api/reports/options", get(option_report))
}

/// What the widget reported, kept only as far as the site collects it and
/// cut to size; device and browser come from the socket's user agent.
pub fn checked_visit(
    collect: Collect,
    mut reported: Visit,
    user_agent: Option<&str>,
    now: i64,
) -> Visit {
    let mut visit = Visit::default();
    if collect.pages {
        let mut pages: Vec<PageView> = reported
            .pages
            .into_iter()
            .filter(|p| is_web_address(&p.url))
            .map(|p| PageView {
                url: cut(&p.url, MAX_URL_CHARS),
                title: cut(p.title.trim(), MAX_TITLE_CHARS),
                at: p.at.min(now),
            })
            .collect();
        // This visit: the pages after the last long gap.
        if let Some(gap) = pages
            .windows(2)
            .rposition(|w| w[1].at - w[0].at > VISIT_GAP_MS)
        {
            pages.drain(..=gap);
        }
        let start = pages.len().saturating_sub(MAX_PAGES);
        visit.pages = pages.split_off(start);
        visit.referrer = reported
            .referrer
            .filter(|r| is_web_address(r))
            .map(|r| cut(&r, MAX_URL_CHARS));
    }
    if collect.local_time {
        visit.time_zone = reported
            .time_zone
            .filter(|tz| tz.parse::<chrono_tz::Tz>().is_ok());
    }
    if collect.articles {
        let start = reported.articles.len().saturating_sub(MAX_ARTICLES);
        visit.articles = reported.articles.split_off(start);
    }
    if collect.device
        && let Some(agent) = user_agent
    {
        (visit.device, visit.browser) = device_of(agent);
    }
    visit
}

/// "Smartphone" and "Chrome 120 on Android 14", from a user agent.
pub fn device_of(user_agent: &str) -> (Option<String>, Option<String>) {
    let Some(found) = woothee::parser::Parser::new().parse(user_agent) else {
        return (None, None);
    };
    let known =
        |s: &str| (!s.is_empty() && s != woothee::woothee::VALUE_UNKNOWN).then(|| s.to_owned());
    let device = known(found.category).map(|c| match c.as_str() {
        "pc" => "Desktop".to_owned(),
        "smartphone" => "Smartphone".to_owned(),
        "mobilephone" => "Mobile phone".to_owned(),
        "appliance" => "Appliance".to_owned(),
        "crawler" => "Crawler".to_owned(),
        other => other.to_owned(),
    });
    let browser = known(found.name).map(|name| {
        let mut text = name;
        if let Some(version) = known(found.version) {
            let major = version.split('.').next().unwrap_or_default();
            text = [text.as_str(), " ", major].concat();
        }
        if let Some(os) = known(found.os) {
            // "Windows 10" names its version already; "Android" needs "14".
            let os = match known(&found.os_version) {
                Some(v) if !os.contains(|c: char| c.is_ascii_digit()) => {
                    [os.as_str(), " ", &v].concat()
                }
                _ => os,
            };
            text = [text.as_str(), " on ", &os].concat();
        }
        text
    });
    (device, browser)
}

fn is_web_address(text: &str) -> bool {
    url::Url::parse(text).is_ok_and(|u| matches!(u.scheme(), "https" | "http"))
}

fn cut(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// The conversation, if the signed-in agent's site has it.
async fn of_my_site(
    state: &AppState,
    me: Participant,
    id: ConversationId,
) -> Result<Conversation, AppError> {
    match state.conversations.visible_to(&me, id).await {
        Ok(conversation) => Ok(conversation),
        Err(DomainError::Store(e)) => Err(e.into()),
        Err(_) => Err(AppError::NotFound("No such conversation.")),
    }
}

/// Who the agent is talking to (agents of the conversation's site).
async fn context(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(id): Path<i64>,
) -> Result<Json<VisitorContext>, AppError> {
    let id = ConversationId::new(id);
    let site_id = session.agent.site_id.clone();
    let conversation = of_my_site(&state, Participant::Agent(session.agent), id).await?;
    let store = &state.store;
    let site = store
        .site(&site_id)
        .await?
        .ok_or(AppError::NotFound("That site no longer exists."))?;
    let collect = site.settings.context;
    // Stored under the settings of the time; shown only as far as collected now.
    let stored = store
        .visit(conversation.visitor_id)
        .await?
        .unwrap_or_default();
    let visit = checked_visit(collect, stored.clone(), None, now_ms());
    let mut articles_read = Vec::new();
    for article in visit.articles.iter().rev() {
        if let Some(a) = store.article(&site_id, *article).await? {
            articles_read.push(ArticleLink {
                id: a.id,
                title: a.draft.title,
                lang: a.draft.lang,
                snippet: String::new(),
            });
        }
    }
    let earlier = store
        .conversations_of(conversation.visitor_id, EARLIER_SHOWN + 1)
        .await?
        .into_iter()
        .filter(|c| c.id != id)
        .take(EARLIER_SHOWN as usize)
        .collect();
    let bot_said = store
        .messages_after(id, 0, 500)
        .await?
        .into_iter()
        .filter(|m| matches!(m.author, Author::Bot { .. }))
        .map(|m| m.text)
        .collect();
    let summary = conversation.summary;
    Ok(Json(VisitorContext {
        visitor: summary.visitor,
        name_source: summary.name_source,
        email: store.visitor_email(conversation.visitor_id).await?,
        lang: summary.lang,
        collect,
        pages: visit.pages.into_iter().rev().collect(),
        referrer: visit.referrer,
        device: stored.device.filter(|_| collect.device),
        browser: stored.browser.filter(|_| collect.device),
        time_zone: visit.time_zone,
        earlier,
        articles_read,
        bot_said,
        frustration: summary.frustration,
        feedback: store
            .feedback_of(conversation.visitor_id, EARLIER_SHOWN)
            .await?,
    }))
}

/// An owner answers a visitor's feedback; the visitor sees it when they
/// come back.
async fn answer(
    State(state): State<AppState>,
    Owner(agent): Owner,
    Path(id): Path<i64>,
    body: Result<Json<Answer>, JsonRejection>,
) -> Result<Json<Feedback>, AppError> {
    let Json(body) = body?;
    let text = validate_text(&body.answer)
        .ok()
        .filter(|t| t.chars().count() <= MAX_ANSWER_CHARS)
        .ok_or_else(|| {
            AppError::BadRequest(format!("An answer is 1 to {MAX_ANSWER_CHARS} characters."))
        })?;
    let id = ConversationId::new(id);
    let site_id = agent.site_id.clone();
    of_my_site(&state, Participant::Agent(agent), id).await?;
    if !state
        .store
        .answer_feedback(&site_id, id, text, now_ms())
        .await?
    {
        return Err(AppError::NotFound(
            "That conversation has no feedback to answer.",
        ));
    }
    let feedback = state.store.feedback(id).await?;
    Ok(Json(
        feedback.ok_or(AppError::NotFound("No such feedback."))?,
    ))
}

/// The site's ratings, and the newest comments (owners).
async fn feedback_report(
    State(state): State<AppState>,
    Owner(agent): Owner,
) -> Result<Json<FeedbackReport>, AppError> {
    Ok(Json(
        state
            .store
            .feedback_report(&agent.site_id, COMMENTS_SHOWN)
            .await?,
    ))
}

/// How often each choice agents offered was picked (owners).
async fn option_report(
    State(state): State<AppState>,
    Owner(agent): Owner,
) -> Result<Json<Vec<OptionCount>>, AppError> {
    Ok(Json(state.store.option_counts(&agent.site_id).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVERYTHING: Collect = Collect {
        pages: true,
        device: true,
        local_time: true,
        articles: true,
    };

    fn page(url: &str, at: i64) -> PageView {
        PageView {
            url: url.into(),
            title: "t".repeat(200),
            at,
        }
    }

    fn reported() -> Visit {
        Visit {
            pages: vec![
                page("https://shop.example/old", 0),
                page("javascript:alert(1)", VISIT_GAP_MS + 5),
                page("https://shop.example/", VISIT_GAP_MS + 10),
                page("https://shop.example/cart", VISIT_GAP_MS + 20),
            ],
            referrer: Some("https://search.example/q".into()),
            time_zone: Some("Asia/Tbilisi".into()),
            articles: (0..30).collect(),
            device: Some("claimed".into()),
            browser: None,
        }
    }

    const CHROME_ANDROID: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 \
        (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36";

    #[test]
    fn keeps_this_visit_cut_to_size_and_reads_the_device_itself() {
        let visit = checked_visit(EVERYTHING, reported(), Some(CHROME_ANDROID), i64::MAX);
        let urls: Vec<&str> = visit.pages.iter().map(|p| p.url.as_str()).collect();
        assert_eq!(urls, ["https://shop.example/", "https://shop.example/cart"]);
        assert_eq!(visit.pages[0].title.chars().count(), MAX_TITLE_CHARS);
        assert_eq!(visit.articles.len(), MAX_ARTICLES);
        assert_eq!(visit.articles.last(), Some(&29));
        assert_eq!(visit.time_zone.as_deref(), Some("Asia/Tbilisi"));
        assert_eq!(visit.device.as_deref(), Some("Smartphone"));
        let browser = visit.browser.unwrap();
        assert_eq!(browser, "Chrome 120 on Android 14");
    }

    #[test]
    fn collects_nothing_the_owner_did_not_turn_on() {
        let visit = checked_visit(Collect::default(), reported(), Some(CHROME_ANDROID), 0);
        assert_eq!(visit, Visit::default());
        let only_time = Collect {
            local_time: true,
            ..Collect::default()
        };
        let mut bad_zone = reported();
        bad_zone.time_zone = Some("Mars/Olympus".into());
        assert_eq!(
            checked_visit(only_time, bad_zone, None, 0),
            Visit::default()
        );
    }
}
