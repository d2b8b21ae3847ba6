//! Warmline's agent console: sign in, the live inbox, and the conversation
//! view with its reply box. Served at `/console/`, where `index.html` loads
//! this module and calls `start`.

mod api;
mod app;
mod browser;
mod care;
mod clock;
mod connection;
mod context;
mod desk;
mod handoff;
mod inbox;
mod knowledge;
mod settings;
mod signin;
mod text;
mod thread;
mod workspace;

use wasm_bindgen::prelude::*;

/// Mounts the console into `mount` (replacing its loading placeholder).
#[wasm_bindgen]
pub fn start(mount: web_sys::HtmlElement) {
    mount.set_text_content(None);
    leptos::mount::mount_to(mount, app::App)
        // The console lives as long as the page.
        .forget();
}
