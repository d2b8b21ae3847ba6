//! The files the relay serves: the loader, the built widget and console (with
//! precompressed variants), and the demo host page.

use axum::Router;
use axum::extract::Path;
use axum::http::header::ACCESS_CONTROL_ALLOW_ORIGIN;
use axum::http::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, VARY};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

use crate::state::AppState;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/dist.rs"));
}

const LOADER: &str = include_str!("../../widget/loader.js");
const CONSOLE_PAGE: &str = include_str!("../../console/index.html");
const DEMO_PAGE: &str = include_str!("../../examples/demo/index.html");

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
}

/// What `cargo xtask build` puts in `dist/`. Only these are answered with
/// "not built" when the build has not run; any other name is simply unknown.
const BUILD_OUTPUTS: &[&str] = &[
    "widget/warmline_widget.js",
    "widget/warmline_widget_bg.wasm",
    "console/warmline_console.js",
    "console/warmline_console_bg.wasm",
];

/// Assets have stable names, so caches must revalidate rather than keep them.
const REVALIDATE: &str = "no-cache";

async fn loader() -> Response {
    embeddable(text(LOADER, "text/javascript; charset=utf-8"))
}

async fn console_page() -> Response {
    text(CONSOLE_PAGE, "text/html; charset=utf-8")
}

async fn demo_page() -> Response {
    text(DEMO_PAGE, "text/html; charset=utf-8")
}

async fn widget_file(Path(name): Path<String>, headers: HeaderMap) -> Response {
    embeddable(built(&format!("widget/{name}"), &headers))
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
    built(&format!("console/{name}"), &headers)
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
/// build made that variant.
fn built(path: &str, headers: &HeaderMap) -> Response {
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
        (CONTENT_TYPE, content_type),
        (CACHE_CONTROL, REVALIDATE),
        (VARY, "accept-encoding"),
    ];
    match variant {
        Some((coding, bytes)) => (common, [(CONTENT_ENCODING, coding)], bytes).into_response(),
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
