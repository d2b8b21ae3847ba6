//! The one error type of the REST handlers: a clear JSON message for the
//! client, internals only in the log.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use warmline_shared::ErrorCode;

use crate::passwords::Busy;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{0}")]
    NotFound(&'static str),
    /// The request clashes with what is stored (a slug already taken).
    #[error("{0}")]
    Conflict(String),
    /// A refusal a program acts on: the code is in the body beside the
    /// sentence (the widget's loader names the cause in the browser console).
    #[error("{message}")]
    Coded {
        status: StatusCode,
        code: ErrorCode,
        message: String,
    },
    /// Too many requests: the reason, and the seconds to wait.
    #[error("{reason}")]
    TooMany {
        reason: String,
        retry_after_secs: u64,
    },
    #[error("internal: {0}")]
    Internal(String),
}

impl AppError {
    pub fn coded(status: StatusCode, code: ErrorCode) -> Self {
        Self::Coded {
            status,
            code,
            message: code.describe().to_owned(),
        }
    }
}

impl From<Busy> for AppError {
    fn from(_: Busy) -> Self {
        Self::TooMany {
            reason: "The server is busy; try again in a moment.".into(),
            retry_after_secs: 1,
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        Self::Internal(e.to_string())
    }
}

impl From<JsonRejection> for AppError {
    fn from(e: JsonRejection) -> Self {
        Self::BadRequest(e.body_text())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = match &self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Coded { status, .. } => *status,
            Self::TooMany { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal(detail) => {
                tracing::error!(%detail, "request failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        let message = match &self {
            Self::Internal(_) => "The relay could not complete this request.".to_owned(),
            other => other.to_string(),
        };
        let body = match &self {
            Self::Coded { code, .. } => json!({ "error": message, "code": code.name() }),
            _ => json!({ "error": message }),
        };
        let mut response = (status, Json(body)).into_response();
        if let Self::TooMany {
            retry_after_secs, ..
        } = self
        {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        response
    }
}
