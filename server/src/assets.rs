//! The files the relay serves: the loader, the built widget and console (with
//! precompressed variants), and the demo host page.

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::Router;
use axum::extract::{Path, Query};
use axum::http::header::ACCESS_CONTROL_ALLOW_ORIGIN;
use axum::http::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, ETAG, IF_NONE_MATCH, VARY,
};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

use crate::state::AppState;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/dist.rs"));
}

const LOADER: &str = include_str!("../../widget/loader.js");
const CONSOLE_PAGE: &str = include_str!("../../console/index.html");
const DEMO_PAGE: &str = include_str!("../../examples/demo/index.html");
const HOSTILE_PAGE: &str = include_str!("../../examples/hostile/index.html");
const STRICT_PAGE: &str = include_str!("../../examples/strict-csp/index.html");

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/widget.js", get(loader))
        .route("/widget/{name}", get(widget_file))
        .route(
            "/console",
            get(|| async { Redirect::permanent("/console/") }),
        )
        .route("/console/", get(console_page))
        .route("/console/{name}", get(console_file))
        .route("/demo/", get(demo_page))
        .route("/demo/identity", get(crate::demo::identity))
        .route("/demo/hostile/", get(|| async { text(HOSTILE_PAGE, "text/html; charset=utf-8") }))
        .route("/demo/strict/", get(strict_page))
        .route(
            "/demo/strict/page.css",
            get(|| async { text("body{font:18px/1.5 Georgia,serif;margin:3rem auto;max-width:40rem;padding:0 1rem}", "text/css; charset=utf-8") }),
        )
}

/// What `cargo xtask build` puts in `dist/`. Only these are answered with
/// "not built" when the build has not run; any other name is simply unknown.
const BUILD_OUTPUTS: &[&str] = &[
    "widget/warmline_widget.js",
    "widget/warmline_widget_bg.wasm",
    "console/warmline_console.js",
    "console/warmline_console_bg.wasm",
];

/// Pages and files under a stable name: caches must ask again (cheaply, by
/// ETag) before reusing them.
const REVALIDATE: &str = "no-cache";
/// The loader: kept five minutes, then revalidated, so an update reaches
/// every host page within minutes.
const LOADER_CACHE: &str = "public, max-age=300";
/// Files asked for under their content's version never change.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The loader, minified and compressed by the build; the source as written
/// when the relay was built without the browser apps.
async fn loader(headers: HeaderMap) -> Response {
    let response = match find("widget.js") {
        Some(_) => served("widget.js", &headers, LOADER_CACHE),
        None => text(LOADER, "text/javascript; charset=utf-8"),
    };
    embeddable(response)
}

/// `path` (a build output) with its content's version, for URLs that can be
/// cached for good: `/widget/warmline_widget.js?v=3f9c…`.
pub fn versioned(path: &str) -> String {
    format!("/{path}?v={}", version(path))
}

/// A short hash of a build output's content, worked out once per file.
fn version(path: &str) -> &'static str {
    static VERSIONS: OnceLock<HashMap<&'static str, String>> = OnceLock::new();
    let versions = VERSIONS.get_or_init(|| {
        embedded::DIST
            .iter()
            .map(|(name, bytes)| (*name, hex::encode(&Sha256::digest(bytes)[..8])))
            .collect()
    });
    versions.get(path).map_or("", String::as_str)
}

async fn console_page() -> Response {
    text(CONSOLE_PAGE, "text/html; charset=utf-8")
}

async fn demo_page() -> Response {
    text(DEMO_PAGE, "text/html; charset=utf-8")
}

/// The demo page under the strictest policy a site could set that still
/// embeds Warmline: exactly the sources the README lists, for the relay at
/// the address the browser used.
async fn strict_page(headers: HeaderMap) -> Response {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    let policy = crate::embed::content_security_policy(&format!("http://{host}"));
    let mut response = text(STRICT_PAGE, "text/html; charset=utf-8");
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response
            .headers_mut()
            .insert(axum::http::header::CONTENT_SECURITY_POLICY, value);
    }
    response
}

async fn widget_file(
    Path(name): Path<String>,
    Query(query): Query<Version>,
    headers: HeaderMap,
) -> Response {
    let path = format!("widget/{name}");
    // Only the current version may be kept for good: an old URL gets today's
    // file under the ordinary rule.
    let cache = match query.v {
        Some(v) if v == version(&path) => IMMUTABLE,
        _ => REVALIDATE,
    };
    embeddable(served(&path, &headers, cache))
}

#[derive(serde::Deserialize)]
struct Version {
    v: Option<String>,
}

/// The widget runs on other sites' pages, which fetch its module and wasm in
/// CORS mode (and, with cross-origin isolation, need explicit permission to
/// load them at all). These files are public, so any origin may.
fn embeddable(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    headers.insert(
        HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static("cross-origin"),
    );
    response
}

async fn console_file(Path(name): Path<String>, headers: HeaderMap) -> Response {
    served(&format!("console/{name}"), &headers, REVALIDATE)
}

fn text(body: &'static str, content_type: &'static str) -> Response {
    (
        [(CONTENT_TYPE, content_type), (CACHE_CONTROL, REVALIDATE)],
        body,
    )
        .into_response()
}

fn find(path: &str) -> Option<&'static [u8]> {
    embedded::DIST
        .iter()
        .find(|(name, _)| *name == path)
        .map(|(_, bytes)| *bytes)
}

/// Serves a build output, brotli or gzip when the client accepts it and the
/// build made that variant, with an ETag of its content: a cache that has it
/// gets `304 Not Modified` and no body.
fn served(path: &str, headers: &HeaderMap, cache: &'static str) -> Response {
    let Some(content_type) = content_type(path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Some(plain) = find(path) else {
        if embedded::DIST.is_empty() && BUILD_OUTPUTS.contains(&path) {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "The browser apps are not built into this relay; run `cargo xtask build`.",
            )
                .into_response();
        }
        return StatusCode::NOT_FOUND.into_response();
    };
    let etag = format!("\"{}\"", version(path));
    let etag = HeaderValue::from_str(&etag).expect("hex is a valid header");
    let cached = headers
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if cached {
        return (
            StatusCode::NOT_MODIFIED,
            [
                (ETAG, etag),
                (CACHE_CONTROL, HeaderValue::from_static(cache)),
            ],
        )
            .into_response();
    }
    let accepted = headers
        .get(ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let accepts = |coding: &str| {
        accepted
            .split(',')
            .any(|item| item.split(';').next().unwrap_or("").trim() == coding)
    };
    let variant = [("br", ".br"), ("gzip", ".gz")]
        .into_iter()
        .filter(|(coding, _)| accepts(coding))
        .find_map(|(coding, suffix)| find(&format!("{path}{suffix}")).map(|bytes| (coding, bytes)));
    let common = [
        (CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (CACHE_CONTROL, HeaderValue::from_static(cache)),
        (VARY, HeaderValue::from_static("accept-encoding")),
        (ETAG, etag),
    ];
    match variant {
        Some((coding, bytes)) => (
            common,
            [(CONTENT_ENCODING, HeaderValue::from_static(coding))],
            bytes,
        )
            .into_response(),
        None => (common, plain).into_response(),
    }
}

fn content_type(path: &str) -> Option<&'static str> {
    Some(match path.rsplit_once('.')?.1 {
        "js" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "html" => "text/html; charset=utf-8",
        _ => return None,
    })
}
