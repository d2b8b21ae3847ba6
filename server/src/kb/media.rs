//! Files for articles: videos (MP4, WebM), their posters and WebVTT captions.
//! Owners upload them (or the importer does); they are kept under the data
//! directory by content hash and served to any page, with range requests
//! (players seek), CORS (captions load from the widget's host page) and
//! long caching (the hash names the content).

use std::path::Path;

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path as UrlPath, Request, State};
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_ORIGIN, CACHE_CONTROL, CONTENT_SECURITY_POLICY, HeaderName,
};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use sha2::{Digest, Sha256};
use tower::ServiceExt;
use tower_http::services::ServeFile;
use warmline_shared::SiteId;
use warmline_shared::api::Media;

use crate::attachments::write_once;
use crate::auth::Owner;
use crate::error::AppError;
use crate::state::{AppState, now_ms};
use crate::store::Store;

/// The largest media file an owner may upload.
pub const MAX_BYTES: usize = 100 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/kb/media",
            post(upload).layer(DefaultBodyLimit::max(MAX_BYTES)),
        )
        .route("/api/kb/media/{sha256}", get(serve))
}

/// Where browsers fetch a media file.
pub fn url(relay: &str, sha256: &str) -> String {
    format!("{relay}/api/kb/media/{sha256}")
}

/// What a file is, by its content: only the kinds articles use.
pub fn kind(content: &[u8]) -> Option<&'static str> {
    let text = content
        .strip_prefix("\u{FEFF}".as_bytes())
        .unwrap_or(content);
    if text.starts_with(b"WEBVTT") {
        return Some("text/vtt");
    }
    match infer::get(content)?.mime_type() {
        mime @ ("video/mp4" | "video/webm" | "image/jpeg" | "image/png" | "image/webp") => {
            Some(mime)
        }
        _ => None,
    }
}

/// Stores a media file for a site; `None`: not a kind articles use.
pub async fn add(
    store: &dyn Store,
    files: &Path,
    site: &SiteId,
    content: &[u8],
) -> Result<Option<Media>, AppError> {
    let Some(mime) = kind(content) else {
        return Ok(None);
    };
    let media = Media {
        sha256: hex::encode(Sha256::digest(content)),
        mime: mime.to_owned(),
        size: content.len() as u64,
    };
    write_once(files, &media.sha256, content).await?;
    store.add_media(site, &media, now_ms()).await?;
    Ok(Some(media))
}

async fn upload(
    State(state): State<AppState>,
    Owner(agent): Owner,
    body: Bytes,
) -> Result<Json<Media>, AppError> {
    add(&*state.store, &state.files, &agent.site_id, &body)
        .await?
        .map(Json)
        .ok_or(AppError::BadRequest(
            "Videos can be MP4 or WebM, posters JPEG, PNG or WebP, captions WebVTT.".into(),
        ))
}

async fn serve(
    State(state): State<AppState>,
    UrlPath(sha256): UrlPath<String>,
    request: Request,
) -> Response {
    let hash = sha256.len() == 64
        && sha256
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    let media = match hash {
        true => state.store.media(&sha256).await,
        false => Ok(None),
    };
    let media = match media {
        Ok(Some(media)) => media,
        Ok(None) => return AppError::NotFound("There is no such file.").into_response(),
        Err(e) => return AppError::from(e).into_response(),
    };
    let path = state.files.join(&media.sha256);
    let mime: mime::Mime = media.mime.parse().unwrap_or(mime::APPLICATION_OCTET_STREAM);
    let mut response = match ServeFile::new_with_mime(path, &mime).oneshot(request).await {
        Ok(response) => response.map(Body::new),
        Err(e) => return AppError::Internal(format!("cannot read media: {e}")).into_response(),
    };
    if response.status() == StatusCode::NOT_FOUND {
        return AppError::NotFound("There is no such file.").into_response();
    }
    let headers = response.headers_mut();
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    headers.insert(
        HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static("cross-origin"),
    );
    headers.insert(
        CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    headers.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    response
}
