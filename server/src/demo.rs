//! The demo site and agent that `cargo xtask run` starts with (`--demo`), so a newcomer
//! can try both sides at once.

use warmline_shared::SiteId;

use crate::auth::new_token;
use crate::config::Secret;
use crate::passwords::Passwords;
use crate::state::now_ms;
use crate::store::{Role, Site, Store, StoreError};

pub const SITE_ID: &str = "demo";
pub const AGENT_EMAIL: &str = "agent@demo.test";
const AGENT_NAME: &str = "Nino";

/// Creates or refreshes the demo site (allowed from the relay's own origins)
/// and its agent. Returns the agent's password: the configured one, or a
/// freshly generated one that replaces whatever was there.
pub async fn seed(
    store: &dyn Store,
    passwords: &Passwords,
    origins: Vec<String>,
    password: Option<Secret>,
) -> Result<Secret, StoreError> {
    let now = now_ms();
    store
        .upsert_site(
            &Site {
                id: SiteId::new(SITE_ID),
                name: "Kartuli Tea House (demo)".into(),
                allowed_origins: origins,
            },
            now,
        )
        .await?;
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
    Ok(password)
}
