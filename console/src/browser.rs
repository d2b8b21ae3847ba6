//! Browser facilities the console needs, failing softly.

use warmline_shared::ConversationId;
use wasm_bindgen::JsValue;

/// The agent socket lives on the origin that served the console.
pub fn agent_socket_url() -> Option<String> {
    let location = web_sys::window()?.location();
    let scheme = if location.protocol().ok()? == "https:" {
        "wss"
    } else {
        "ws"
    };
    Some(format!("{scheme}://{}/ws/agent", location.host().ok()?))
}

/// The conversation named in the address (`#conversation-7`), so a reload or
/// a shared link lands on it.
pub fn conversation_in_address() -> Option<ConversationId> {
    let hash = web_sys::window()?.location().hash().ok()?;
    hash.strip_prefix("#conversation-")?.parse().ok()
}

/// Puts the selected conversation in the address without a history entry
/// per click.
pub fn show_conversation_in_address(id: Option<ConversationId>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(history) = window.history() else {
        return;
    };
    let url = match id {
        Some(id) => format!("#conversation-{id}"),
        // An empty fragment would leave a bare "#"; the path alone clears it.
        None => window.location().pathname().unwrap_or_default(),
    };
    let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url));
}

pub fn set_title(title: &str) {
    if let Some(document) = web_sys::window().and_then(|w| w.document()) {
        document.set_title(title);
    }
}

/// Puts text on the clipboard; where the browser refuses, nothing happens
/// (the text is on screen to select by hand).
pub fn copy(text: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.navigator().clipboard().write_text(text);
    }
}

/// Loads the console afresh (after switching sites: every socket and list
/// belongs to the site).
pub fn reload() {
    if let Some(window) = web_sys::window() {
        let _ = window.location().reload();
    }
}
