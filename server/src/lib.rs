//! The Warmline relay: visitor and agent WebSockets, sign-in, storage and
//! fan-out, and the files of the widget and the console.
//!
//! [`Relay::bind`] opens storage and the listener (port 0 picks a free one, as
//! the tests do); [`Relay::serve`] runs until the shutdown future resolves.

mod agent;
mod assets;
mod auth;
mod chat;
pub mod config;
mod demo;
mod error;
mod hub;
mod rate;
mod socket;
pub mod store;
mod visitor;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::http::HeaderValue;
use axum::http::header::X_CONTENT_TYPE_OPTIONS;
use axum::response::Redirect;
use axum::routing::{get, post};
use tokio::net::TcpListener;

pub use config::{Config, Secret};
pub use demo::{AGENT_EMAIL as DEMO_AGENT_EMAIL, SITE_ID as DEMO_SITE_ID};

use crate::hub::Hub;
use crate::store::Store;

#[derive(Clone)]
pub struct AppState {
    store: Arc<dyn Store>,
    hub: Hub,
    secure_cookies: bool,
    /// A hash to verify against when an email is unknown (see `auth::login`).
    dummy_hash: Arc<str>,
}

pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/", get(|| async { Redirect::to("/demo/") }))
        .route("/healthz", get(|| async { "ok" }))
        .route("/widget.js", get(assets::loader))
        .route("/widget/{name}", get(assets::widget_file))
        .route(
            "/console",
            get(|| async { Redirect::permanent("/console/") }),
        )
        .route("/console/", get(assets::console_page))
        .route("/console/{name}", get(assets::console_file))
        .route("/demo/", get(assets::demo_page))
        .route("/ws/visitor", get(visitor::handler))
        .route("/ws/agent", get(agent::handler))
        .route("/api/agent/login", post(auth::login))
        .route("/api/agent/logout", post(auth::logout))
        .route("/api/agent/me", get(auth::me))
        .layer(axum::middleware::map_response(
            |mut response: axum::response::Response| async move {
                response
                    .headers_mut()
                    .insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
                response
            },
        ))
        .with_state(state)
}

/// Milliseconds since the Unix epoch: the relay's one clock for stored times.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("cannot create the data directory {dir}: {source}")]
    DataDir { dir: String, source: std::io::Error },
    #[error("cannot open storage: {0}")]
    Store(#[from] store::StoreError),
}

/// The demo agent's sign-in, when the relay was started with the demo.
pub struct DemoLogin {
    pub email: &'static str,
    pub password: Secret,
}

pub struct Relay {
    listener: TcpListener,
    state: AppState,
    /// Where browsers reach this relay, e.g. `http://127.0.0.1:8080`.
    pub url: String,
    pub demo: Option<DemoLogin>,
}

impl Relay {
    pub async fn bind(config: Config) -> Result<Self, StartError> {
        let listener =
            TcpListener::bind(&config.addr)
                .await
                .map_err(|source| StartError::Bind {
                    addr: config.addr.clone(),
                    source,
                })?;
        let local = listener.local_addr().map_err(|source| StartError::Bind {
            addr: config.addr.clone(),
            source,
        })?;
        if config.database_url.is_none() {
            std::fs::create_dir_all(&config.data_dir).map_err(|source| StartError::DataDir {
                dir: config.data_dir.display().to_string(),
                source,
            })?;
        }
        let store = store::connect(&config.database_url()).await?;
        let url = config
            .public_url
            .clone()
            .map(|u| u.trim_end_matches('/').to_owned())
            .unwrap_or_else(|| format!("http://{local}"));
        let demo = if config.demo {
            let mut origins = own_origins(&url, local);
            origins.extend(config.demo_origins);
            let password = demo::seed(&*store, origins, config.demo_password).await?;
            Some(DemoLogin {
                email: demo::AGENT_EMAIL,
                password,
            })
        } else {
            None
        };
        let dummy_hash = tokio::task::spawn_blocking(|| auth::hash_password(&auth::new_token()))
            .await
            .expect("hashing does not panic");
        let state = AppState {
            store,
            hub: Hub::default(),
            secure_cookies: url.starts_with("https://"),
            dummy_hash: dummy_hash.into(),
        };
        Ok(Self {
            listener,
            state,
            url,
            demo,
        })
    }

    pub async fn serve(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(self.listener, app(self.state))
            .with_graceful_shutdown(shutdown)
            .await
    }
}

/// The origins under which browsers may reach the relay itself: the public
/// URL, and on loopback both spellings of the host.
fn own_origins(url: &str, local: SocketAddr) -> Vec<String> {
    let mut origins = vec![url.to_owned()];
    if local.ip().is_loopback() {
        for host in ["127.0.0.1", "localhost"] {
            let origin = format!("http://{host}:{}", local.port());
            if !origins.contains(&origin) {
                origins.push(origin);
            }
        }
    }
    origins
}
