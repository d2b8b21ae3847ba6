//! The relay's agent REST endpoints. The session is an HTTP-only cookie the
//! browser keeps; this code never sees it.

use gloo_net::http::{Request, Response};
use warmline_shared::api::{Me, Refusal, SignIn};

use crate::text;

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

fn cannot_reach() -> ApiError {
    ApiError::Unavailable(text::UNREACHABLE.into())
}

/// Who is signed in, if anyone.
pub async fn me() -> Result<Me, ApiError> {
    let response = Request::get("/api/agent/me")
        .send()
        .await
        .map_err(|_| cannot_reach())?;
    me_from(response).await
}

pub async fn sign_in(email: &str, password: &str) -> Result<Me, ApiError> {
    let body = SignIn {
        email: email.to_owned(),
        password: password.to_owned(),
    };
    // Serialising two strings cannot fail; were it to, nothing was sent.
    let request = Request::post("/api/agent/login")
        .json(&body)
        .map_err(|_| cannot_reach())?;
    let response = request.send().await.map_err(|_| cannot_reach())?;
    me_from(response).await
}

/// Ends the session. Failing to reach the relay is reported, since the
/// cookie would then still be valid.
pub async fn sign_out() -> Result<(), ApiError> {
    let response = Request::post("/api/agent/logout")
        .send()
        .await
        .map_err(|_| cannot_reach())?;
    if response.ok() {
        Ok(())
    } else {
        Err(unexpected(&response))
    }
}

async fn me_from(response: Response) -> Result<Me, ApiError> {
    match response.status() {
        200 => response
            .json::<Me>()
            .await
            .map_err(|_| unexpected(&response)),
        // 429: sign-ins are throttled; the relay's answer says how long to wait.
        401 | 429 => {
            let reason = response
                .json::<Refusal>()
                .await
                .map(|r| r.error)
                .unwrap_or_else(|_| text::PLEASE_SIGN_IN.into());
            Err(ApiError::Unauthorized(reason))
        }
        _ => Err(unexpected(&response)),
    }
}

fn unexpected(response: &Response) -> ApiError {
    ApiError::Unavailable(text::server_answered(
        response.status(),
        &response.status_text(),
    ))
}

/// A signed-in request's answer as data, or the relay's sentence why not.
async fn answer<T: serde::de::DeserializeOwned>(response: Response) -> Result<T, String> {
    if response.ok() {
        return response
            .json::<T>()
            .await
            .map_err(|_| unexpected(&response).message().to_owned());
    }
    match response.json::<Refusal>().await {
        Ok(refusal) => Err(refusal.error),
        Err(_) => Err(unexpected(&response).message().to_owned()),
    }
}

pub async fn get<T: serde::de::DeserializeOwned>(url: &str) -> Result<T, String> {
    let response = Request::get(url)
        .send()
        .await
        .map_err(|_| text::UNREACHABLE.to_owned())?;
    answer(response).await
}

/// Sends `body` as JSON with `method` (`POST`, `PUT`).
pub async fn send<B: serde::Serialize, T: serde::de::DeserializeOwned>(
    method: &str,
    url: &str,
    body: &B,
) -> Result<T, String> {
    let request = match method {
        "PUT" => Request::put(url),
        "DELETE" => Request::delete(url),
        _ => Request::post(url),
    };
    let response = request
        .json(body)
        .map_err(|_| text::UNREACHABLE.to_owned())?
        .send()
        .await
        .map_err(|_| text::UNREACHABLE.to_owned())?;
    if response.status() == 204 {
        // No body to read; callers that expect none ask for `()` via `Done`.
        return serde_json::from_str("null").map_err(|_| text::UNREACHABLE.to_owned());
    }
    answer(response).await
}

/// Uploads a file as the request's whole body (`POST`).
pub async fn upload<T: serde::de::DeserializeOwned>(
    url: &str,
    file: web_sys::File,
) -> Result<T, String> {
    let response = Request::post(url)
        .body(file)
        .map_err(|_| text::UNREACHABLE.to_owned())?
        .send()
        .await
        .map_err(|_| text::UNREACHABLE.to_owned())?;
    answer(response).await
}
