//! What every handler shares, and the relay's clock.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use ipnet::IpNet;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::conversation::Conversations;
use crate::events::Events;
use crate::fanout::FanOut;
use crate::kb::Knowledge;
use crate::limits::Limits;
use crate::locales::Locales;
use crate::passwords::Passwords;
use crate::store::Store;
use crate::throttle::SignInThrottle;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub events: Events,
    pub conversations: Conversations,
    pub passwords: Passwords,
    /// Whether browsers reach the relay over https: then cookies are marked
    /// Secure, and the console's own origin is an https one.
    pub https: bool,
    /// A hash to verify against when an email is unknown (see `auth::login`).
    pub dummy_hash: Arc<str>,
    /// Cancelled when the relay begins to shut down; every socket loop
    /// watches it and closes its socket with "going away".
    pub shutdown: CancellationToken,
    /// How often sockets are pinged; one silent for two of these is closed.
    pub ping_every: Duration,
    /// Proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Arc<[IpNet]>,
    pub sign_in_throttle: Arc<SignInThrottle>,
    pub limits: Arc<Limits>,
    /// Sockets closed because they stopped answering, since start.
    pub unresponsive: Arc<AtomicU64>,
    /// Socket loops run outside the HTTP server's own bookkeeping once
    /// upgraded, so the relay tracks them to wait for them on shutdown.
    pub sockets: TaskTracker,
    /// This relay's name among the relays sharing a store, under which it
    /// counts its console sockets (see `ConsoleStore`).
    pub relay_id: Arc<str>,
    /// Each site's typical reply time, read at most once a minute.
    pub reply_times: Arc<crate::handoff::views::ReplyTimes>,
    /// The widget's catalogues.
    pub locales: Arc<Locales>,
    /// Each site's help articles, indexed for search.
    pub knowledge: Arc<Knowledge>,
    /// Where uploaded files are kept, by content hash.
    pub files: Arc<Path>,
    /// Where browsers reach this relay, for the embed snippet.
    pub public_url: Arc<str>,
    /// Whether the demo site is on: only then does the demo's stand-in for
    /// a shop's server (`/demo/identity`) answer.
    pub demo: bool,
}

impl AppState {
    pub fn new(
        store: Arc<dyn Store>,
        fanout: Arc<dyn FanOut>,
        passwords: Passwords,
        https: bool,
        dummy_hash: String,
    ) -> Self {
        let events = Events::new(fanout);
        Self {
            conversations: Conversations::new(store.clone(), events.clone()),
            store,
            events,
            passwords,
            https,
            dummy_hash: dummy_hash.into(),
            ping_every: Duration::from_secs(30),
            unresponsive: Arc::default(),
            trusted_proxies: Arc::new([]),
            sign_in_throttle: Arc::default(),
            limits: Arc::default(),
            shutdown: CancellationToken::new(),
            sockets: TaskTracker::new(),
            relay_id: new_relay_id().into(),
            reply_times: Arc::default(),
            locales: Arc::default(),
            knowledge: Arc::default(),
            files: Arc::from(std::env::temp_dir().join("warmline-files")),
            public_url: Arc::from("http://127.0.0.1"),
            demo: false,
        }
    }
}

/// A name no other relay of the same store has: random, so a restarted
/// relay does not inherit the counts of the one that died.
fn new_relay_id() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Milliseconds since the Unix epoch: the relay's one clock for stored times.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// A relay's state on a fresh SQLite file with the in-process fan-out, and
/// one site (`s`, any origin), for unit tests.
#[cfg(test)]
pub async fn for_tests() -> (tempfile::TempDir, AppState) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    let store = crate::store::connect(&url).await.unwrap();
    store
        .upsert_site(
            &crate::store::Site {
                id: warmline_shared::SiteId::new("s"),
                name: "S".into(),
                allowed_origins: vec!["*".into()],
                settings: Default::default(),
            },
            0,
        )
        .await
        .unwrap();
    let fanout = Arc::new(crate::fanout::MemoryFanOut::default());
    let passwords = Passwords::new();
    let mut state = AppState::new(store, fanout, passwords, false, String::new());
    state.files = Arc::from(dir.path().join("files"));
    (dir, state)
}
