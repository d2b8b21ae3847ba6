//! Warmline's visitor widget: the chat panel that `widget.js` (the loader)
//! starts inside its shadow root when the visitor first opens the chat.

mod browser;
mod chat;
mod connection;
mod panel;
mod text;

use wasm_bindgen::prelude::*;

use crate::chat::Chat;
use crate::connection::Visitor;
use crate::panel::Panel;

/// The panel's styles; the loader styles only the launcher and the frame.
const STYLES: &str = include_str!("../widget.css");

/// Starts the chat inside `mount` (the loader's panel element) for the site
/// `site`, talking to the relay at origin `relay`. Called once per page.
#[wasm_bindgen]
pub fn start(mount: web_sys::HtmlElement, site: String, relay: String) {
    browser::adopt_styles(&mount, STYLES);
    let panel = mount.clone();
    let url = browser::ws_url(&relay, "/ws/visitor");
    leptos::mount::mount_to(mount, move || {
        let chat = Chat::new();
        let visitor = Visitor::new(chat, site, panel.clone());
        leptos::task::spawn_local(warmline_client::run(visitor, url));
        leptos::view! { <Panel chat panel /> }
    })
    // The chat lives as long as the page.
    .forget();
}
