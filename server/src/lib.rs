//! The Warmline relay: visitor and agent WebSockets, sign-in, storage and
//! fan-out, and the files of the widget and the console.
//!
//! [`Relay::bind`] opens storage and the listener (port 0 picks a free one, as
//! the tests do); [`Relay::serve`] runs until the shutdown future resolves.

mod assets;
mod attachments;
mod auth;
mod blocks;
mod canned;
mod care;
mod client_addr;
mod colour;
pub mod config;
pub mod conversation;
mod demo;
mod embed;
mod error;
pub mod events;
pub mod fanout;
pub mod handoff;
pub mod identity;
pub mod kb;
pub mod limits;
pub mod locales;
mod passwords;
mod sites;
pub mod state;
pub mod store;
mod sweep;
mod throttle;
mod ws;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::http::HeaderValue;
use axum::http::header::X_CONTENT_TYPE_OPTIONS;
use axum::response::Redirect;
use axum::routing::get;
use axum::serve::ListenerExt;
use tokio::net::TcpListener;

pub use config::{Config, Secret};
pub use demo::{AGENT_EMAIL as DEMO_AGENT_EMAIL, SITE_ID as DEMO_SITE_ID};

use crate::fanout::{FanOut, MemoryFanOut, NatsFanOut};
use crate::limits::Limits;
use crate::locales::Locales;
use crate::passwords::Passwords;
use crate::state::AppState;

/// Every route of the relay: each feature brings its own.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/", get(|| async { Redirect::to("/demo/") }))
        .route("/healthz", get(|| async { "ok" }))
        .merge(assets::routes())
        .merge(auth::routes())
        .merge(sites::routes())
        .merge(embed::routes())
        .merge(attachments::routes())
        .merge(kb::routes())
        .merge(handoff::routes())
        .merge(canned::routes())
        .merge(blocks::routes())
        .merge(care::routes())
        .merge(ws::routes())
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
    #[error("{0}")]
    Locales(String),
    #[error("cannot import help articles from {dir}: {source}")]
    Import { dir: String, source: std::io::Error },
    #[error("there is no site {0:?}")]
    UnknownSite(String),
    #[error("cannot send email: {0}")]
    Mail(String),
    #[error("cannot reach the fan-out: {0}")]
    FanOut(String),
}

/// `warmline kb import`: the articles under `dir` into `site`'s knowledge
/// base, in the store the configuration names.
pub async fn import_kb(
    config: &Config,
    site: &str,
    dir: &std::path::Path,
) -> Result<kb::import::Report, StartError> {
    let store = open_store(config).await?;
    let site = warmline_shared::SiteId::new(site);
    if store.site(&site).await?.is_none() {
        return Err(StartError::UnknownSite(site.as_str().to_owned()));
    }
    kb::import::import_dir(&*store, &config.data_dir.join("files"), &site, dir)
        .await
        .map_err(|source| StartError::Import {
            dir: dir.display().to_string(),
            source,
        })
}

/// The configured store, with the data directory it needs.
async fn open_store(config: &Config) -> Result<Arc<dyn store::Store>, StartError> {
    if config.database_url.is_none() {
        std::fs::create_dir_all(&config.data_dir).map_err(|source| StartError::DataDir {
            dir: config.data_dir.display().to_string(),
            source,
        })?;
    }
    Ok(store::connect(&config.database_url()).await?)
}

/// The demo agent's sign-in, when the relay was started with the demo.
pub struct DemoLogin {
    pub email: &'static str,
    pub password: Secret,
    /// The demo site's key for visitor identities.
    pub identity_secret: Secret,
}

pub struct Relay {
    listener: TcpListener,
    state: AppState,
    /// Where browsers reach this relay, e.g. `http://127.0.0.1:8080`.
    pub url: String,
    pub demo: Option<DemoLogin>,
    mailer: Option<handoff::mail::Mailer>,
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
        let store = open_store(&config).await?;
        let passwords = Passwords::new();
        let url = config
            .public_url
            .clone()
            .map(|u| u.trim_end_matches('/').to_owned())
            .unwrap_or_else(|| format!("http://{local}"));
        let demo = if config.demo {
            let mut origins = own_origins(&url, local);
            origins.extend(config.demo_origins);
            let seeded = demo::seed(
                &*store,
                &passwords,
                origins,
                config.demo_password,
                config.demo_identity_secret,
            )
            .await?;
            if let Some(dir) = &config.demo_kb {
                let files = config.data_dir.join("files");
                let report = kb::import::import_dir(
                    &*store,
                    &files,
                    &warmline_shared::SiteId::new(demo::SITE_ID),
                    dir,
                )
                .await
                .map_err(|source| StartError::Import {
                    dir: dir.display().to_string(),
                    source,
                })?;
                for (path, error) in &report.failed {
                    tracing::warn!("help article {} not imported: {error}", path.display());
                }
                tracing::info!("demo help articles: {report}");
            }
            Some(DemoLogin {
                email: demo::AGENT_EMAIL,
                password: seeded.password,
                identity_secret: seeded.identity_secret,
            })
        } else {
            None
        };
        let dummy_hash = passwords
            .hash(auth::new_token())
            .await
            .expect("nothing else hashes while the relay starts");
        let fanout: Arc<dyn FanOut> = match &config.fanout_url {
            None => Arc::new(MemoryFanOut::default()),
            Some(url) => Arc::new(
                NatsFanOut::connect(url)
                    .await
                    .map_err(|e| StartError::FanOut(e.to_string()))?,
            ),
        };
        let mut state = AppState::new(
            store,
            fanout,
            passwords,
            url.starts_with("https://"),
            dummy_hash,
        );
        state.ping_every = config.ping_interval;
        state.trusted_proxies = config.trusted_proxies.into();
        state.limits = Arc::new(Limits::new(&config.limits));
        state.files = Arc::from(config.data_dir.join("files"));
        if let Some(dir) = &config.locales_dir {
            state.locales = Arc::new(Locales::with_dir(dir).map_err(StartError::Locales)?);
        }
        state.public_url = Arc::from(url.as_str());
        state.demo = demo.is_some();
        let transport = match (&config.smtp_url, &config.mail_dir) {
            (Some(url), _) => Some(
                handoff::mail::transport(url.expose())
                    .map_err(|e| StartError::Mail(e.to_string()))?,
            ),
            (None, Some(dir)) => {
                std::fs::create_dir_all(dir).map_err(|source| StartError::DataDir {
                    dir: dir.display().to_string(),
                    source,
                })?;
                Some(handoff::mail::Transport::Files(
                    lettre::AsyncFileTransport::new(dir),
                ))
            }
            (None, None) => None,
        };
        let mailer = match transport {
            None => None,
            Some(transport) => Some(handoff::mail::Mailer {
                transport,
                from: config
                    .smtp_from
                    .parse()
                    .map_err(|e: lettre::address::AddressError| StartError::Mail(e.to_string()))?,
            }),
        };
        Ok(Self {
            listener,
            state,
            url,
            demo,
            mailer,
        })
    }

    /// Serves until `shutdown` resolves, then tells every open socket (they
    /// close with "going away") and returns once all of them have ended, so
    /// nothing is acknowledged after this returns.
    pub async fn serve(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        self.state.sockets.spawn(sweep::visitors(
            self.state.store.clone(),
            self.state.shutdown.clone(),
        ));
        self.state
            .sockets
            .spawn(handoff::routing::run(self.state.clone()));
        self.state
            .sockets
            .spawn(handoff::availability::refresh_consoles(self.state.clone()));
        if let Some(mailer) = self.mailer.clone() {
            self.state
                .sockets
                .spawn(handoff::mail::run(self.state.clone(), mailer));
        }
        let stopping = self.state.shutdown.clone();
        let sockets = self.state.sockets.clone();
        let app = app(self.state).into_make_service_with_connect_info::<SocketAddr>();
        // Frames are small and written as they come: with Nagle's
        // algorithm a frame written while the one before is unacknowledged
        // waits for that ack, which the peer may delay by up to 40 ms.
        let listener = self.listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!(error = %e, "TCP_NODELAY could not be set");
            }
        });
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                shutdown.await;
                stopping.cancel();
            })
            .await;
        sockets.close();
        sockets.wait().await;
        served
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
