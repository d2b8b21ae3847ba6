//! The demo site and agent that `cargo xtask run` starts with (`--demo`), so a newcomer
//! can try both sides at once.

use warmline_shared::SiteId;
use warmline_shared::care::{Collect, Reward};

use axum::Json;
use axum::extract::State;

use crate::auth::new_token;
use crate::config::Secret;
use crate::error::AppError;
use crate::identity;
use crate::passwords::Passwords;
use crate::state::AppState;
use crate::state::now_ms;
use crate::store::{Role, Site, Store, StoreError};

pub const SITE_ID: &str = "demo";
pub const AGENT_EMAIL: &str = "agent@demo.test";
const AGENT_NAME: &str = "Nino";

/// The demo's sign-ins: the owner's password, and the site's secret for
/// visitor identities.
pub struct Seeded {
    pub password: Secret,
    pub identity_secret: Secret,
}

/// Creates or refreshes the demo site (allowed from the relay's own origins)
/// and its agent. The password and identity secret are the configured ones,
/// or fresh ones that replace whatever was there.
pub async fn seed(
    store: &dyn Store,
    passwords: &Passwords,
    origins: Vec<String>,
    password: Option<Secret>,
    identity_secret: Option<Secret>,
) -> Result<Seeded, StoreError> {
    let now = now_ms();
    let new = store.site(&SiteId::new(SITE_ID)).await?.is_none();
    let mut site = Site {
        id: SiteId::new(SITE_ID),
        name: "Kartuli Tea House (demo)".into(),
        allowed_origins: origins,
        settings: Default::default(),
    };
    store.upsert_site(&site, now).await?;
    if new {
        // The demo shows everything the console can: what a new site's
        // owner turns on in Settings is on from the start here.
        site.settings.context = Collect {
            pages: true,
            device: true,
            local_time: true,
            articles: true,
        };
        site.settings.reward = Some(Reward::Code {
            code: "WARM10".into(),
            label: "10% off your next order".into(),
        });
        store.update_site(&site).await?;
    }
    let password = password.unwrap_or_else(|| Secret::new(&new_token()[..16]));
    let hash = passwords
        .hash(password.expose().to_owned())
        .await
        .expect("nothing else hashes while the relay starts");
    store
        .upsert_agent(
            &SiteId::new(SITE_ID),
            AGENT_EMAIL,
            AGENT_NAME,
            Role::Owner,
            &hash,
            now,
        )
        .await?;
    let identity_secret = identity_secret.unwrap_or_else(|| Secret::new(identity::new_secret()));
    store
        .set_identity_secret(&SiteId::new(SITE_ID), Some(identity_secret.expose()))
        .await?;
    Ok(Seeded {
        password,
        identity_secret,
    })
}

/// The demo shop's signed-in customer, as the shop's own server would put
/// them in its page: what "Sign in as Ana" on the demo page uses.
pub const DEMO_USER: (&str, &str, &str) = ("ana-1024", "Ana", "ana@demo.test");

/// `GET /demo/identity`: the demo shop's "server side", which computes Ana's
/// `user_hash` with the site's secret. A real site does this in its own
/// backend (see the README); the secret never reaches the browser.
pub async fn identity(State(state): State<AppState>) -> Result<Json<serde_json::Value>, AppError> {
    if !state.demo {
        return Err(AppError::NotFound("The demo is not running on this relay."));
    }
    let secret = state
        .store
        .identity_secret(&SiteId::new(SITE_ID))
        .await?
        .ok_or(AppError::NotFound("The demo site has no identity secret."))?;
    let (user_id, name, email) = DEMO_USER;
    Ok(Json(serde_json::json!({
        "user_id": user_id,
        "name": name,
        "email": email,
        "user_hash": identity::hash(&secret, user_id),
    })))
}
