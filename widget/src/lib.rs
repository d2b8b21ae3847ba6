//! Warmline's visitor widget: the chat panel that `widget.js` (the loader)
//! starts inside its shadow root, with the configuration the relay gave it.

mod browser;
mod chat;
mod connection;
mod dom;
mod feedback;
mod files;
mod greeting;
mod handoff;
mod help;
mod log;
mod panel;
mod text;
mod visit;
mod wire;

use leptos::prelude::*;
use warmline_shared::Identity;
use wasm_bindgen::prelude::*;

use crate::chat::Chat;
use crate::connection::Visitor;
use crate::text::Words;
use crate::wire::Json;

/// The panel's styles; the loader styles only the launcher and the frame.
const STYLES: &str = include_str!(concat!(env!("OUT_DIR"), "/widget.min.css"));

/// The running chat, as the loader holds it: the page's `Warmline.*` calls
/// that concern the chat arrive here.
#[wasm_bindgen]
pub struct App {
    chat: Chat,
    words: Words,
    panel: web_sys::HtmlElement,
}

#[wasm_bindgen]
impl App {
    /// `Warmline.identify({user_id, name, email, user_hash})`: connects again
    /// as that person (the relay checks the hash).
    pub fn identify(&self, identity: JsValue) {
        let text = |key: &str| identity.field(key).and_then(|v| v.string());
        let Some(user_id) = text("user_id").filter(|id| !id.is_empty()) else {
            return;
        };
        self.chat.identify(Identity {
            user_id,
            name: text("name"),
            email: text("email"),
            user_hash: text("user_hash"),
        });
    }

    /// A new configuration (`Warmline.setLocale`): the words change at once.
    pub fn set_config(&self, config: JsValue) {
        if let Some(locale) = config.field("locale") {
            self.words.set(locale);
        }
    }

    /// The loader saw the visitor reach another page.
    pub fn visited(&self) {
        visit::report(self.chat);
    }

    /// The panel was opened or closed; opening reads what was unread.
    pub fn set_open(&self, open: bool) {
        let had_unread = {
            let mut s = self.chat.state.write();
            s.open = open;
            let had = open && s.unread > 0;
            if had {
                s.unread = 0;
            }
            had
        };
        if had_unread {
            browser::notify(&self.panel, "warmline:unread", 0.into());
        }
    }
}

/// Starts the chat inside `mount` (the loader's panel element) with the
/// relay's configuration for this page, talking to the relay at origin
/// `relay`. Called once per page.
#[wasm_bindgen]
pub fn start(mount: web_sys::HtmlElement, config: JsValue, relay: String) -> App {
    // Leptos starts its executor when it first mounts; the panel binds its
    // words before that. A second start (another mount) is harmless.
    let _ = any_spawner::Executor::init_wasm_bindgen();
    browser::adopt_styles(&mount, STYLES);
    let site_settings = config.field("site").unwrap_or(JsValue::UNDEFINED);
    let site = site_settings
        .field("id")
        .and_then(|id| id.string())
        .unwrap_or_default();
    let max_file = site_settings
        .field("attachment_max_bytes")
        .and_then(|n| n.number())
        .unwrap_or(0.0) as u64;
    let words = Words::new(config.field("locale").unwrap_or(JsValue::UNDEFINED));
    let chat = Chat::new(site, relay.clone(), max_file);
    let url = browser::ws_url(&relay, "/ws/visitor");
    // The chat lives as long as the page.
    panel::draw(&mount, chat, words);
    let visitor = Visitor::new(chat, mount.clone(), words);
    leptos::task::spawn_local(warmline_client::run(visitor, url));
    App {
        chat,
        words,
        panel: mount,
    }
}
