//! The WebSockets: visitors' and agents'. Each loop reads frames, acts
//! through the conversation domain, and turns the events it subscribed to
//! into frames; it holds no rule of its own about who may do what.

pub(crate) mod agent;
mod socket;
mod visitor;

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ws/visitor", get(visitor::handler))
        .route("/ws/agent", get(agent::handler))
}

#[cfg(test)]
mod tests;
