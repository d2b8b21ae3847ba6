//! The relay's agent REST endpoints. The session is an HTTP-only cookie the
//! browser keeps; this code never sees it.

use gloo_net::http::{Request, Response};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Agent {
    pub name: String,
    pub email: String,
}

#[derive(Serialize)]
struct Credentials<'a> {
    email: &'a str,
    password: &'a str,
}

/// The relay's `{"error": "..."}` body.
#[derive(Deserialize)]
struct Refusal {
    error: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// 401: not signed in, or (at sign-in) the relay's reason.
    Unauthorized(String),
    /// Anything else: the relay is down, unreachable or answered oddly.
    Unavailable(String),
}

impl ApiError {
    pub fn message(&self) -> &str {
        match self {
            Self::Unauthorized(m) | Self::Unavailable(m) => m,
        }
    }
}

const UNREACHABLE: &str = "Can't reach the server. Check your connection and try again.";

/// Who is signed in, if anyone.
pub async fn me() -> Result<Agent, ApiError> {
    let response = Request::get("/api/agent/me")
        .send()
        .await
        .map_err(|_| ApiError::Unavailable(UNREACHABLE.into()))?;
    agent_from(response).await
}

pub async fn sign_in(email: &str, password: &str) -> Result<Agent, ApiError> {
    let request = Request::post("/api/agent/login")
        .json(&Credentials { email, password })
        .map_err(|e| ApiError::Unavailable(e.to_string()))?;
    let response = request
        .send()
        .await
        .map_err(|_| ApiError::Unavailable(UNREACHABLE.into()))?;
    agent_from(response).await
}

/// Ends the session. Failing to reach the relay is reported, since the
/// cookie would then still be valid.
pub async fn sign_out() -> Result<(), ApiError> {
    let response = Request::post("/api/agent/logout")
        .send()
        .await
        .map_err(|_| ApiError::Unavailable(UNREACHABLE.into()))?;
    if response.ok() {
        Ok(())
    } else {
        Err(unexpected(&response))
    }
}

async fn agent_from(response: Response) -> Result<Agent, ApiError> {
    match response.status() {
        200 => response
            .json::<Agent>()
            .await
            .map_err(|_| unexpected(&response)),
        401 => {
            let reason = response
                .json::<Refusal>()
                .await
                .map(|r| r.error)
                .unwrap_or_else(|_| "Please sign in.".into());
            Err(ApiError::Unauthorized(reason))
        }
        _ => Err(unexpected(&response)),
    }
}

fn unexpected(response: &Response) -> ApiError {
    ApiError::Unavailable(format!(
        "The server answered {} {}. Try again in a moment.",
        response.status(),
        response.status_text()
    ))
}
