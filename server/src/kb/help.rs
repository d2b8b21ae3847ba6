//! What visitors ask of the knowledge base, from the widget on the host
//! page: "Common questions", search as they type, an article, and whether
//! it helped. Public like the widget itself, but only for pages the site
//! allows, and limited per address.

use std::net::IpAddr;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use warmline_kb::fold::fold;
use warmline_shared::ErrorCode;

use crate::attachments::for_origin;
use crate::client_addr::ClientAddr;
use crate::embed::site_for_page;
use crate::error::AppError;
use crate::state::{AppState, now_ms};
use crate::store::Site;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/help/{site}/common", get(common))
        .route("/api/help/{site}/search", get(search))
        .route("/api/help/{site}/articles/{id}", get(article))
        .route("/api/help/{site}/articles/{id}/feedback", post(feedback))
}

/// How many "Common questions" the widget lists.
const COMMON: usize = 6;
/// How many search results.
const RESULTS: usize = 6;
/// Longest query looked at, in characters.
const MAX_QUERY_CHARS: usize = 200;
/// Shorter searches that find nothing are still being typed, not questions.
const MIN_MISS_CHARS: usize = 3;

#[derive(Deserialize)]
struct Ask {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    q: String,
}

#[derive(Deserialize)]
struct Answer {
    helpful: bool,
}

/// The site, if it exists, the asking page may use it, and the address has
/// not asked too often.
async fn site_for(
    state: &AppState,
    site: &str,
    headers: &HeaderMap,
    address: IpAddr,
) -> Result<Site, AppError> {
    if !state.limits.help(address) {
        return Err(AppError::TooMany {
            reason: ErrorCode::RateLimited.describe().to_owned(),
            retry_after_secs: 1,
        });
    }
    site_for_page(state, site, headers).await
}

fn reply<T: serde::Serialize>(answer: Result<T, AppError>, headers: &HeaderMap) -> Response {
    let response = match answer {
        Ok(body) => Json(body).into_response(),
        Err(refusal) => refusal.into_response(),
    };
    for_origin(response, headers)
}

/// A language the relay speaks, else the fallback.
fn language<'a>(state: &'a AppState, lang: &str) -> &'a str {
    state.locales.choose(lang)
}

async fn common(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    Path(site): Path<String>,
    headers: HeaderMap,
    Query(ask): Query<Ask>,
) -> Response {
    let answer = async {
        let site = site_for(&state, &site, &headers, address).await?;
        let index = state.knowledge.of(&*state.store, &site.id).await?;
        Ok(index.common(language(&state, &ask.lang), COMMON))
    };
    reply(answer.await, &headers)
}

async fn search(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    Path(site): Path<String>,
    headers: HeaderMap,
    Query(ask): Query<Ask>,
) -> Response {
    let answer = async {
        let site = site_for(&state, &site, &headers, address).await?;
        let query: String = ask.q.chars().take(MAX_QUERY_CHARS).collect();
        let lang = language(&state, &ask.lang);
        let index = state.knowledge.of(&*state.store, &site.id).await?;
        let found: Vec<_> = index
            .search(&query, lang, RESULTS)
            .into_iter()
            .map(|(link, _)| link)
            .collect();
        let folded = fold(query.trim());
        if found.is_empty() && folded.chars().count() >= MIN_MISS_CHARS {
            state
                .store
                .count_miss(&site.id, lang, &folded, query.trim(), now_ms())
                .await?;
        }
        Ok(found)
    };
    reply(answer.await, &headers)
}

async fn article(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    Path((site, id)): Path<(String, i64)>,
    headers: HeaderMap,
) -> Response {
    let answer = async {
        let site = site_for(&state, &site, &headers, address).await?;
        let index = state.knowledge.of(&*state.store, &site.id).await?;
        let article = index
            .article(id)
            .ok_or(AppError::NotFound("There is no such article."))?;
        state.store.count_view(&site.id, id).await?;
        Ok(super::page(&state, article, Some(&index)))
    };
    reply(answer.await, &headers)
}

async fn feedback(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    Path((site, id)): Path<(String, i64)>,
    headers: HeaderMap,
    Query(answer): Query<Answer>,
) -> Response {
    let done = async {
        let site = site_for(&state, &site, &headers, address).await?;
        if !state
            .store
            .count_feedback(&site.id, id, answer.helpful)
            .await?
        {
            return Err(AppError::NotFound("There is no such article."));
        }
        Ok(())
    };
    match done.await {
        Ok(()) => for_origin(StatusCode::NO_CONTENT.into_response(), &headers),
        Err(refusal) => reply::<()>(Err(refusal), &headers),
    }
}
