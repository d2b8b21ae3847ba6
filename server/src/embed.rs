//! What the widget's loader asks the relay before it draws anything: the
//! site's settings, the catalogue for the visitor's language, and where the
//! app's files are. A refusal carries a code, so the loader can name the
//! cause in the host page's console (unknown site, origin not allowed).

use axum::extract::{Query, State};
use axum::http::header::{ACCESS_CONTROL_ALLOW_ORIGIN, CACHE_CONTROL, ORIGIN, VARY};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use tower_http::CompressionLevel;
use tower_http::compression::CompressionLayer;
use warmline_shared::{ErrorCode, SiteId};

use crate::assets;
use crate::colour;
use crate::error::AppError;
use crate::state::AppState;
use crate::store::Site;

pub fn routes() -> Router<AppState> {
    // The catalogue is most of the answer and compresses to a fifth; it
    // counts toward the widget's size budget at brotli's best.
    let compression = CompressionLayer::new().quality(CompressionLevel::Best);
    Router::new().route("/api/widget/config", get(config).layer(compression))
}

/// The Content-Security-Policy of a page that allows Warmline from the relay
/// at `relay` (an origin) and nothing else: the README's list. The widget's
/// styles are constructed stylesheets, which need no `style-src`; its
/// images (attachments) are shown from `blob:` URLs; help articles show
/// pictures, posters, videos and captions from the relay and YouTube or
/// Vimeo players.
pub fn content_security_policy(relay: &str) -> String {
    let socket = relay
        .replacen("https://", "wss://", 1)
        .replacen("http://", "ws://", 1);
    format!(
        "default-src 'none'; script-src {relay} 'wasm-unsafe-eval'; \
         connect-src {relay} {socket}; img-src blob: {relay}; media-src {relay}; \
         frame-src https://www.youtube-nocookie.com https://player.vimeo.com; style-src 'self'; \
         base-uri 'none'; form-action 'none'; frame-ancestors 'none'; \
         require-trusted-types-for 'script'"
    )
}

#[derive(Deserialize)]
struct Ask {
    site: String,
    /// The visitor's languages, most wanted first, comma-separated.
    #[serde(default)]
    locale: String,
}

async fn config(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(ask): Query<Ask>,
) -> Response {
    let mut response = match answer(&state, &headers, &ask).await {
        Ok(body) => Json(body).into_response(),
        Err(refusal) => refusal.into_response(),
    };
    // Any page may ask (the answer says whether it may use it); the answer
    // depends on the asking page and on settings that change.
    let response_headers = response.headers_mut();
    response_headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    response_headers.insert(VARY, HeaderValue::from_static("origin"));
    response_headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// The site a widget on the asking page talks to: it must exist, and allow
/// the page's origin (the widget's requests carry the host page's `Origin`).
pub(crate) async fn site_for_page(
    state: &AppState,
    site: &str,
    headers: &HeaderMap,
) -> Result<Site, AppError> {
    let site = state
        .store
        .site(&SiteId::new(site))
        .await?
        .ok_or(AppError::coded(
            StatusCode::NOT_FOUND,
            ErrorCode::UnknownSite,
        ))?;
    if !site.allows_origin(headers.get(ORIGIN).and_then(|v| v.to_str().ok())) {
        return Err(AppError::coded(
            StatusCode::FORBIDDEN,
            ErrorCode::OriginNotAllowed,
        ));
    }
    Ok(site)
}

async fn answer(
    state: &AppState,
    headers: &HeaderMap,
    ask: &Ask,
) -> Result<serde_json::Value, AppError> {
    let site = site_for_page(state, &ask.site, headers).await?;
    let settings = &site.settings;
    let accent = colour::parse_hex(&settings.accent).unwrap_or([0xc2, 0x41, 0x0c]);
    let lang = state.locales.choose(&ask.locale);
    let locale = state.locales.catalogue(lang, settings.greetings.get(lang));
    Ok(json!({
        "site": {
            "id": site.id.as_str(),
            "name": site.name,
            "accent": settings.accent,
            "accent_text": colour::text_on(accent),
            "position": if settings.launcher_left { "left" } else { "right" },
            "launcher_label": settings.launcher_label,
            "attachment_max_bytes": settings.attachment_max_bytes,
            "collect": settings.context,
        },
        "locale": locale,
        "app": {
            "js": assets::versioned("widget/warmline_widget.js"),
            "wasm": assets::versioned("widget/warmline_widget_bg.wasm"),
        },
    }))
}
