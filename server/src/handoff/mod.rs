//! The handoff from the bot to people: deciding when a conversation goes
//! to the queue ([`triage`]), offering it to agents in turn ([`routing`]),
//! what visitors and consoles are shown of it ([`views`]), agents coming and
//! going ([`availability`]), and emailing replies to visitors who left a
//! message ([`mail`]). The rules themselves, without I/O, are in the
//! `warmline-handoff` crate; the changes of state are the conversation
//! domain's.

pub mod agents;
pub mod availability;
pub mod mail;
pub mod routing;
pub mod triage;
pub mod views;

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use warmline_shared::{ConversationId, ConversationSummary};

use crate::auth::SignedIn;
use crate::conversation::{DomainError, Participant};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::HistoryEvent;

/// How many closed conversations the console's closed view lists.
const CLOSED_SHOWN: i64 = 100;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/conversations/closed", get(closed))
        .route("/api/conversations/{id}/history", get(history))
}

/// The site's latest closed conversations, newest first.
async fn closed(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
) -> Result<Json<Vec<ConversationSummary>>, AppError> {
    let list = state
        .store
        .closed_conversations(&session.agent.site_id, None, CLOSED_SHOWN)
        .await?;
    Ok(Json(list))
}

/// Every change of the conversation's state, oldest first (agents of its site).
async fn history(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(id): Path<i64>,
) -> Result<Json<Vec<HistoryEvent>>, AppError> {
    let id = ConversationId::new(id);
    let me = Participant::Agent(session.agent);
    match state.conversations.visible_to(&me, id).await {
        Ok(_) => {}
        Err(DomainError::Store(e)) => return Err(e.into()),
        Err(_) => return Err(AppError::NotFound("No such conversation.")),
    }
    Ok(Json(state.store.history(id).await?))
}
