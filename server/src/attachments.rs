//! Files visitors send: uploaded over HTTP before the message that carries
//! them, checked by content (not by name or claimed type), kept under the
//! data directory by content hash, and served only to the visitor who sent
//! them and to the site's agents.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_MAX_AGE, AUTHORIZATION, CACHE_CONTROL, CONTENT_DISPOSITION,
    CONTENT_SECURITY_POLICY, CONTENT_TYPE, ORIGIN, VARY,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use warmline_shared::{Attachment, ErrorCode};

use crate::auth::{new_token, session_of, token_hash};
use crate::client_addr::ClientAddr;
use crate::embed::site_for_page;
use crate::error::AppError;
use crate::state::{AppState, now_ms};
use crate::store::{Site, StoredAttachment, Visitor};

/// The most any site may allow; each site sets its own limit below it.
pub const MAX_BYTES: usize = 25 * 1024 * 1024;

/// Longest file name kept, in characters.
const MAX_NAME_CHARS: usize = 120;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/attachments",
            post(upload)
                .options(preflight)
                .layer(DefaultBodyLimit::max(MAX_BYTES)),
        )
        .route("/api/attachments/{id}", get(download).options(preflight))
}

/// The types a visitor may send, as found in the content.
fn accepted(mime: &str) -> bool {
    matches!(
        mime,
        "image/png" | "image/jpeg" | "image/webp" | "application/pdf"
    )
}

#[derive(Deserialize)]
struct Upload {
    site: String,
    #[serde(default)]
    name: String,
}

/// The widget calls from the host page's origin with the visitor's token in
/// a header, so the browser asks first.
async fn preflight(headers: HeaderMap) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let out = response.headers_mut();
    if let Some(origin) = headers.get(ORIGIN) {
        out.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
    }
    out.insert(
        ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST"),
    );
    out.insert(
        ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("authorization, content-type"),
    );
    out.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    out.insert(VARY, HeaderValue::from_static("origin"));
    response
}

/// Lets the page at `origin` read the answer (the site allows it).
pub(crate) fn for_origin(mut response: Response, headers: &HeaderMap) -> Response {
    if let Some(origin) = headers.get(ORIGIN) {
        let out = response.headers_mut();
        out.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        if !out.contains_key(VARY) {
            out.insert(VARY, HeaderValue::from_static("origin"));
        }
    }
    response
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

async fn upload(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    headers: HeaderMap,
    Query(upload): Query<Upload>,
    body: Bytes,
) -> Response {
    let answer = store_upload(&state, address, &headers, upload, body).await;
    for_origin(
        match answer {
            Ok(attachment) => Json(attachment).into_response(),
            Err(refusal) => refusal.into_response(),
        },
        &headers,
    )
}

async fn store_upload(
    state: &AppState,
    address: std::net::IpAddr,
    headers: &HeaderMap,
    upload: Upload,
    body: Bytes,
) -> Result<Attachment, AppError> {
    let site = site_for_page(state, &upload.site, headers).await?;
    let visitor = visitor_of(state, &site, headers, address).await?;
    // A file counts as a message against the visitor's limits: uploads that
    // are never sent must not fill the disk either.
    let token_hash = token_hash(bearer(headers).unwrap_or_default());
    if !state.limits.visitor_message(&token_hash, address, &site.id) {
        return Err(AppError::TooMany {
            reason: ErrorCode::RateLimited.describe().to_owned(),
            retry_after_secs: 1,
        });
    }
    if body.len() as u64 > site.settings.attachment_max_bytes {
        return Err(AppError::coded(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::FileTooLarge,
        ));
    }
    let mime = infer::get(&body).map(|kind| kind.mime_type()).unwrap_or("");
    if !accepted(mime) {
        return Err(AppError::coded(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::FileType,
        ));
    }
    let sha256 = hex::encode(Sha256::digest(&body));
    write_once(&state.files, &sha256, &body).await?;
    let attachment = Attachment {
        id: new_token()[..32].to_owned(),
        name: clean_name(&upload.name, mime),
        mime: mime.to_owned(),
        size: body.len() as u64,
    };
    state
        .store
        .create_attachment(
            &StoredAttachment {
                attachment: attachment.clone(),
                site_id: site.id.clone(),
                visitor_id: visitor.id,
                sha256,
            },
            now_ms(),
        )
        .await?;
    Ok(attachment)
}

/// The visitor behind the request's token, stored now if they have not
/// written yet (a file can be their first message).
async fn visitor_of(
    state: &AppState,
    site: &Site,
    headers: &HeaderMap,
    address: std::net::IpAddr,
) -> Result<Visitor, AppError> {
    let token = bearer(headers).ok_or(AppError::coded(
        StatusCode::UNAUTHORIZED,
        ErrorCode::BadToken,
    ))?;
    let hash = token_hash(token);
    if let Some(visitor) = state.store.visitor_by_token(&site.id, &hash).await? {
        return Ok(visitor);
    }
    if token.len() != 64 || !state.limits.new_visitor(address, &site.id) {
        return Err(AppError::coded(
            StatusCode::UNAUTHORIZED,
            ErrorCode::BadToken,
        ));
    }
    state
        .store
        .create_visitor(&site.id, &hash, now_ms())
        .await?
        .ok_or(AppError::coded(
            StatusCode::UNAUTHORIZED,
            ErrorCode::BadToken,
        ))
}

/// Writes the content under its hash, through a temporary file renamed into
/// place: a crash leaves the old state or the whole file, never part of it.
pub(crate) async fn write_once(
    dir: &std::path::Path,
    sha256: &str,
    body: &[u8],
) -> Result<(), AppError> {
    let path = dir.join(sha256);
    if tokio::fs::try_exists(&path).await.unwrap_or(false) {
        return Ok(());
    }
    let io = |e: std::io::Error| AppError::Internal(format!("cannot store a file: {e}"));
    tokio::fs::create_dir_all(dir).await.map_err(io)?;
    let partial = dir.join(format!("{sha256}.{}.part", &new_token()[..8]));
    tokio::fs::write(&partial, body).await.map_err(io)?;
    tokio::fs::rename(&partial, &path).await.map_err(io)
}

/// The file's name as shown: its last path part, without control or
/// direction characters, short, and with an extension that matches what it is.
fn clean_name(name: &str, mime: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let mut clean: String = warmline_shared::display_text(base)
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME_CHARS)
        .collect();
    clean = clean.trim().to_owned();
    let extension = match mime {
        "image/png" => "png",
        "image/jpeg" => "jpg",
        "image/webp" => "webp",
        _ => "pdf",
    };
    if clean.is_empty() {
        clean = "file".into();
    }
    let has = clean.rsplit_once('.').is_some_and(|(_, ext)| {
        ext.eq_ignore_ascii_case(extension)
            || (extension == "jpg" && ext.eq_ignore_ascii_case("jpeg"))
    });
    if !has {
        clean.push('.');
        clean.push_str(extension);
    }
    clean
}

/// The file, for the visitor who sent it (their token in the header) or a
/// signed-in agent of the site. Anyone else is told it does not exist.
async fn download(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let missing = AppError::coded(StatusCode::NOT_FOUND, ErrorCode::UnknownAttachment);
    let Some(stored) = state.store.attachment(&id).await? else {
        return Err(missing);
    };
    let by_agent = session_of(&state, &headers)
        .await?
        .is_some_and(|s| s.agent.site_id == stored.site_id);
    let by_visitor = match bearer(&headers) {
        Some(token) => state
            .store
            .visitor_by_token(&stored.site_id, &token_hash(token))
            .await?
            .is_some_and(|v| v.id == stored.visitor_id),
        None => false,
    };
    if !by_agent && !by_visitor {
        return Err(missing);
    }
    let bytes = tokio::fs::read(state.files.join(&stored.sha256))
        .await
        .map_err(|e| AppError::Internal(format!("attachment {id} unreadable: {e}")))?;
    let a = &stored.attachment;
    let disposition = if a.mime.starts_with("image/") {
        "inline"
    } else {
        "attachment"
    };
    // The name is plain ASCII in the header; the full name goes UTF-8 encoded.
    let ascii: String = a
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = a
        .name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b".-_".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let disposition = format!("{disposition}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}");
    let mut response = (
        [
            (
                CONTENT_TYPE,
                HeaderValue::from_str(&a.mime).map_err(|_| missing_type())?,
            ),
            (
                CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition).map_err(|_| missing_type())?,
            ),
            (
                CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=86400"),
            ),
            // Who asks decides whether they get it: a cache must not hand one
            // visitor's answer to another.
            (
                VARY,
                HeaderValue::from_static("authorization, cookie, origin"),
            ),
            // A file is never a page: no scripts, whatever it contains.
            (
                CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("sandbox; default-src 'none'"),
            ),
        ],
        bytes,
    )
        .into_response();
    if !by_agent {
        response = for_origin(response, &headers);
    }
    Ok(response)
}

fn missing_type() -> AppError {
    AppError::Internal("an attachment's stored headers are invalid".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_cleaned_and_match_the_content() {
        assert_eq!(clean_name("receipt.pdf", "application/pdf"), "receipt.pdf");
        assert_eq!(
            clean_name("C:\\\\photos\\\\cat.JPEG", "image/jpeg"),
            "cat.JPEG"
        );
        assert_eq!(clean_name("setup.exe", "image/png"), "setup.exe.png");
        assert_eq!(clean_name("gpj.\u{202E}exe", "image/png"), "gpj.exe.png");
        assert_eq!(clean_name("", "image/webp"), "file.webp");
    }

    #[test]
    fn only_images_and_pdf_are_accepted() {
        let png = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0];
        assert_eq!(infer::get(&png).map(|k| k.mime_type()), Some("image/png"));
        let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff";
        let found = infer::get(exe).map(|k| k.mime_type()).unwrap_or("");
        assert!(!accepted(found), "{found}");
        assert!(accepted("application/pdf"));
        assert!(!accepted("image/svg+xml"));
    }
}
