//! Blocking an abusive visitor. Warmth does not mean tolerating insults: an
//! agent closes the conversation with a polite notice and blocks the visitor
//! (every browser of theirs, until an owner lifts it) and their network
//! address (for the hours the agent chose, so a new browser on the same
//! connection cannot start again meanwhile). Owners see and lift blocks.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use warmline_shared::api::Block;
use warmline_shared::{ConversationId, ErrorCode};

use crate::auth::Owner;
use crate::conversation::{self, DomainError, NewPost, Participant};
use crate::error::AppError;
use crate::state::{AppState, now_ms};
use crate::store::Agent;

/// Longest reason, and the longest an address stays blocked.
const MAX_REASON_CHARS: usize = 500;
const MAX_HOURS: u32 = 24 * 30;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/blocks", get(list))
        .route("/api/blocks/{id}", delete(lift))
}

async fn list(
    State(state): State<AppState>,
    Owner(agent): Owner,
) -> Result<Json<Vec<Block>>, AppError> {
    Ok(Json(state.store.blocks(&agent.site_id).await?))
}

async fn lift(
    State(state): State<AppState>,
    Owner(agent): Owner,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    if state.store.lift_block(&agent.site_id, id, now_ms()).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound(
            "No block of this site with that id is in force.",
        ))
    }
}

/// The agent blocks the conversation's visitor: the block, then a polite
/// notice in their language and the conversation closed as `blocked`.
pub async fn block(
    state: &AppState,
    agent: &Agent,
    id: ConversationId,
    reason: &str,
    hours: u32,
) -> conversation::Result<()> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
        return Err(DomainError::Invalid(ErrorCode::Malformed));
    }
    let me = Participant::Agent(agent.clone());
    let conversation = state.conversations.visible_to(&me, id).await?;
    // The block first: once the visitor sees the conversation close, any
    // new chat of theirs is refused.
    let until = now_ms() + i64::from(hours.clamp(1, MAX_HOURS)) * 3_600_000;
    state
        .store
        .block(
            &conversation.site_id,
            conversation.visitor_id,
            reason,
            agent.id,
            until,
            now_ms(),
        )
        .await?;
    let notice = NewPost {
        conversation_id: id,
        client_id: format!("blocked-{}", now_ms()),
        text: state
            .locales
            .word(&conversation.summary.lang, "bot_blocked"),
        author: Participant::System {
            site_id: conversation.site_id.clone(),
        },
        attachment: None,
        articles: Vec::new(),
        wants_person: false,
        options: Vec::new(),
        picked: None,
    };
    // Closed already: the block still holds, without a notice.
    match state.conversations.post(notice).await {
        Ok(_) | Err(DomainError::Closed) => {}
        Err(e) => return Err(e),
    }
    state.conversations.close(&me, id, Some("blocked")).await?;
    Ok(())
}
