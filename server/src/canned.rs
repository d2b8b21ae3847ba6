//! Canned replies: the site's ready answers per language, which agents type
//! as `/shortcut` in the console. Everyone on the site reads them; owners
//! write them.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use warmline_shared::api::Canned;
use warmline_shared::validate_text;

use crate::auth::{Owner, SignedIn};
use crate::error::AppError;
use crate::state::{AppState, now_ms};

/// Longest shortcut, in characters.
const MAX_SHORTCUT: usize = 30;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/canned", get(list).post(create))
        .route("/api/canned/{id}", put(update).delete(remove))
}

async fn list(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
) -> Result<Json<Vec<Canned>>, AppError> {
    Ok(Json(state.store.canned(&session.agent.site_id).await?))
}

async fn create(
    State(state): State<AppState>,
    Owner(agent): Owner,
    body: Result<Json<Canned>, JsonRejection>,
) -> Result<(StatusCode, Json<Canned>), AppError> {
    let Json(canned) = body?;
    let canned = Canned { id: None, ..canned };
    let saved = save(&state, &agent.site_id, canned).await?;
    Ok((StatusCode::CREATED, Json(saved)))
}

async fn update(
    State(state): State<AppState>,
    Owner(agent): Owner,
    Path(id): Path<i64>,
    body: Result<Json<Canned>, JsonRejection>,
) -> Result<Json<Canned>, AppError> {
    let Json(canned) = body?;
    let canned = Canned {
        id: Some(id),
        ..canned
    };
    Ok(Json(save(&state, &agent.site_id, canned).await?))
}

async fn remove(
    State(state): State<AppState>,
    Owner(agent): Owner,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    if state.store.delete_canned(&agent.site_id, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound(
            "No canned reply of this site has that id.",
        ))
    }
}

/// Checks a canned reply and saves it, or says what is wrong.
async fn save(
    state: &AppState,
    site: &warmline_shared::SiteId,
    mut canned: Canned,
) -> Result<Canned, AppError> {
    canned.shortcut = canned.shortcut.trim().trim_start_matches('/').to_owned();
    let shortcut_ok = !canned.shortcut.is_empty()
        && canned.shortcut.len() <= MAX_SHORTCUT
        && canned
            .shortcut
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !shortcut_ok {
        return Err(AppError::BadRequest(format!(
            "A shortcut is 1 to {MAX_SHORTCUT} lowercase letters, digits and dashes."
        )));
    }
    if !state.locales.speaks(&canned.lang) {
        return Err(AppError::BadRequest(format!(
            "The widget does not speak “{}”.",
            canned.lang
        )));
    }
    canned.text = validate_text(&canned.text)
        .map_err(|code| AppError::BadRequest(code.describe().to_owned()))?
        .to_owned();
    let id = canned.id;
    match state.store.save_canned(site, &canned, now_ms()).await? {
        Some(saved) => Ok(saved),
        None if id.is_some() && !exists(state, site, id).await? => Err(AppError::NotFound(
            "No canned reply of this site has that id.",
        )),
        None => Err(AppError::Conflict(format!(
            "/{} is already a canned reply in this language.",
            canned.shortcut
        ))),
    }
}

async fn exists(
    state: &AppState,
    site: &warmline_shared::SiteId,
    id: Option<i64>,
) -> Result<bool, AppError> {
    Ok(state.store.canned(site).await?.iter().any(|c| c.id == id))
}
