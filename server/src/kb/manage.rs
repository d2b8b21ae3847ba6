//! The owners' side of the knowledge base, for the console: every article
//! (drafts too), saving with the same checks as imports, a live preview
//! rendered exactly as visitors will see it, and the questions visitors
//! asked that no article answered. Agents may read; owners write.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use warmline_kb::file::check;
use warmline_shared::api::{Article, ArticleDraft, ArticlePage, Miss};

use crate::auth::{Owner, SignedIn};
use crate::error::AppError;
use crate::state::{AppState, now_ms};
use crate::store::{Agent, Saved};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/kb/articles", get(list).post(create))
        .route("/api/kb/articles/{id}", put(update))
        .route("/api/kb/preview", post(preview))
        .route("/api/kb/misses", get(misses))
}

/// How many misses the console lists.
const MISSES: i64 = 200;

async fn list(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
) -> Result<Json<Vec<Article>>, AppError> {
    Ok(Json(state.store.articles(&session.agent.site_id).await?))
}

async fn create(
    State(state): State<AppState>,
    Owner(agent): Owner,
    draft: Result<Json<ArticleDraft>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<Article>), AppError> {
    let article = save(&state, &agent, None, draft?.0).await?;
    Ok((StatusCode::CREATED, Json(article)))
}

async fn update(
    State(state): State<AppState>,
    Owner(agent): Owner,
    Path(id): Path<i64>,
    draft: Result<Json<ArticleDraft>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Article>, AppError> {
    Ok(Json(save(&state, &agent, Some(id), draft?.0).await?))
}

async fn save(
    state: &AppState,
    agent: &Agent,
    id: Option<i64>,
    mut draft: ArticleDraft,
) -> Result<Article, AppError> {
    draft.title = draft.title.trim().to_owned();
    draft.body = draft.body.trim().to_owned();
    draft.lang = draft.lang.trim().to_ascii_lowercase();
    check(&draft).map_err(AppError::BadRequest)?;
    let saved = state
        .store
        .save_article(&agent.site_id, id, &draft, now_ms())
        .await?;
    match saved {
        Saved::Saved(article) => {
            state.knowledge.changed(&agent.site_id);
            Ok(*article)
        }
        Saved::Unknown => Err(AppError::NotFound("There is no such article.")),
        Saved::SlugTaken => Err(AppError::Conflict(format!(
            "Another article already has the slug “{}” in {}.",
            draft.slug, draft.lang
        ))),
    }
}

/// The draft as visitors would see it, unsaved.
async fn preview(
    State(state): State<AppState>,
    Owner(_): Owner,
    draft: Result<Json<ArticleDraft>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<ArticlePage>, AppError> {
    let draft = draft?.0;
    let article = Article {
        id: 0,
        draft,
        views: 0,
        helpful: 0,
        unhelpful: 0,
        updated_at: 0,
    };
    Ok(Json(super::page(&state, &article, None)))
}

/// Questions without an article, most asked first. A search typed letter
/// by letter leaves its beginnings behind ("passw", "passwo"): a miss that
/// begins another in the same language is folded into it.
async fn misses(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
) -> Result<Json<Vec<Miss>>, AppError> {
    let all = state.store.misses(&session.agent.site_id, MISSES).await?;
    let mut kept: Vec<(String, Miss)> = Vec::new();
    // Longest first, so each beginning finds the question it began.
    let mut by_length = all;
    by_length.sort_by_key(|(folded, _)| std::cmp::Reverse(folded.chars().count()));
    for (folded, miss) in by_length {
        match kept
            .iter_mut()
            .find(|(longer, m)| m.lang == miss.lang && longer.starts_with(folded.as_str()))
        {
            Some((_, longer)) => {
                longer.count = longer.count.max(miss.count);
                longer.last_at = longer.last_at.max(miss.last_at);
            }
            None => kept.push((folded, miss)),
        }
    }
    let mut misses: Vec<Miss> = kept.into_iter().map(|(_, m)| m).collect();
    misses.sort_by(|a, b| b.count.cmp(&a.count).then(b.last_at.cmp(&a.last_at)));
    Ok(Json(misses))
}
