//! Agent sign-in: password checks (see `passwords`), random session tokens
//! kept only as hashes, and an HTTP-only SameSite cookie.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequestParts, State};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rand::RngCore;
use sha2::{Digest, Sha256};
use warmline_shared::api::{Me, SignIn, SiteRef};

use crate::client_addr::ClientAddr;
use crate::error::AppError;
use crate::events::Event;
use crate::state::{AppState, now_ms};
use crate::store::{Agent, Role, Session};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/agent/login", post(login))
        .route("/api/agent/logout", post(logout))
        .route("/api/agent/me", get(me))
}

/// Longest email address a sign-in may name (the limit of the standard).
const MAX_EMAIL_BYTES: usize = 320;

pub const SESSION_COOKIE: &str = "warmline_session";
const SESSION_DAYS: i64 = 14;

/// A random bearer token: 256 bits, hex.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// What the store keeps of a token. Tokens are random, so a fast hash is enough.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The signed-in person as the console shows them: on which site, with which
/// role, and which other sites they could switch to.
pub async fn me_of(state: &AppState, agent: Agent) -> Result<Me, AppError> {
    let sites: Vec<SiteRef> = state
        .store
        .memberships(agent.id)
        .await?
        .into_iter()
        .map(|m| SiteRef {
            id: m.site_id.as_str().to_owned(),
            name: m.site_name,
            role: m.role.as_str().to_owned(),
        })
        .collect();
    let site = sites
        .iter()
        .find(|s| s.id == agent.site_id.as_str())
        .cloned()
        .unwrap_or_else(|| SiteRef {
            id: agent.site_id.as_str().to_owned(),
            name: agent.site_id.as_str().to_owned(),
            role: agent.role.as_str().to_owned(),
        });
    Ok(Me {
        id: agent.id,
        name: agent.name,
        email: agent.email,
        site,
        sites,
        failed_sign_ins: 0,
    })
}

async fn login(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    body: Result<Json<SignIn>, JsonRejection>,
) -> Result<Response, AppError> {
    let Json(login) = body?;
    if login.email.len() > MAX_EMAIL_BYTES {
        return Err(AppError::BadRequest("That is not an email address.".into()));
    }
    if let Err(wait) = state.sign_in_throttle.check(address, &login.email) {
        let retry_after_secs = wait.as_secs() + 1;
        // The email is the sender's text: logged escaped, so it cannot forge lines.
        tracing::warn!(%address, email = ?login.email.trim(), retry_after_secs, "sign-in throttled");
        state.store.count_failed_sign_in(login.email.trim()).await?;
        return Err(AppError::TooMany {
            reason: format!("Too many sign-in attempts. Try again in {retry_after_secs} seconds."),
            retry_after_secs,
        });
    }
    let credentials = state.store.agent_credentials(login.email.trim()).await?;
    // Verify against a real hash even for unknown emails, so the response time
    // does not tell which addresses have accounts.
    let hash = credentials
        .as_ref()
        .map_or_else(|| state.dummy_hash.to_string(), |c| c.password_hash.clone());
    let valid = state.passwords.verify(hash, login.password).await?;
    let (agent, failed_sign_ins) = match credentials {
        Some(credentials) if valid => (credentials.agent, credentials.failed_sign_ins),
        Some(credentials) => {
            tracing::info!(%address, email = %credentials.agent.email, "wrong password");
            state
                .store
                .count_failed_sign_in(&credentials.agent.email)
                .await?;
            return Err(AppError::Unauthorized("Wrong email or password."));
        }
        None => return Err(AppError::Unauthorized("Wrong email or password.")),
    };
    if failed_sign_ins > 0 {
        state.store.reset_failed_sign_ins(agent.id).await?;
    }
    let token = new_token();
    let expires_at = now_ms() + SESSION_DAYS * 24 * 3600 * 1000;
    state
        .store
        .create_session(&token_hash(&token), agent.id, &agent.site_id, expires_at)
        .await?;
    let cookie = session_cookie(&state, &token, SESSION_DAYS * 24 * 3600);
    let me = Me {
        failed_sign_ins,
        ..me_of(&state, agent).await?
    };
    Ok(([(SET_COOKIE, cookie)], Json(me)).into_response())
}

/// Ends the session of this browser, and with it every console socket it
/// opened, in any tab: the event goes through the fan-out, so with a
/// fan-out shared between relays, on every relay.
async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    if let Some(token) = cookie_value(&headers, SESSION_COOKIE) {
        let hash = token_hash(token);
        if let Some(session) = state.store.session(&hash, now_ms()).await? {
            state.store.delete_session(&hash).await?;
            state
                .events
                .publish(Event::SessionEnded {
                    agent_id: session.agent.id,
                    session: hash,
                })
                .await;
        }
    }
    let cookie = session_cookie(&state, "", 0);
    Ok((StatusCode::NO_CONTENT, [(SET_COOKIE, cookie)]).into_response())
}

async fn me(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
) -> Result<Json<Me>, AppError> {
    Ok(Json(me_of(&state, session.agent).await?))
}

fn session_cookie(state: &AppState, value: &str, max_age_secs: i64) -> HeaderValue {
    let secure = if state.https { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age_secs}{secure}"
    ))
    .expect("cookie is ASCII")
}

fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// The session behind the request's cookie, if it has a live one.
pub async fn session_of(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<Session>, AppError> {
    let Some(token) = cookie_value(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    Ok(state.store.session(&token_hash(token), now_ms()).await?)
}

/// A signed-in owner of the site they are working on.
pub struct Owner(pub Agent);

impl FromRequestParts<AppState> for Owner {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let SignedIn(session) = SignedIn::from_request_parts(parts, state).await?;
        match session.agent.role {
            Role::Owner => Ok(Owner(session.agent)),
            Role::Agent => Err(AppError::Forbidden(
                "Only the site's owners can change this.",
            )),
        }
    }
}

/// The session behind the request's cookie; 401 without a valid one.
pub struct SignedIn(pub Session);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let token = cookie_value(&parts.headers, SESSION_COOKIE)
            .ok_or(AppError::Unauthorized("Sign in first."))?;
        state
            .store
            .session(&token_hash(token), now_ms())
            .await?
            .map(SignedIn)
            .ok_or(AppError::Unauthorized(
                "Your session has ended; sign in again.",
            ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_static("a=1; warmline_session=abc; b=2"),
        );
        assert_eq!(cookie_value(&headers, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie_value(&headers, "missing"), None);
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_ne!(token_hash(&a), a);
        assert_eq!(token_hash(&a), token_hash(&a));
    }
}
