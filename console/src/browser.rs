//! Browser facilities the console needs, failing softly.

use wasm_bindgen::JsValue;

/// A fresh client message id: `crypto.randomUUID()` where it exists (secure
/// contexts), else a version-4 UUID from `crypto.getRandomValues`, which a
/// console served over plain http on a LAN address still has.
pub fn client_id() -> String {
    let Some(crypto) = web_sys::window().and_then(|w| w.crypto().ok()) else {
        return fallback_id();
    };
    let has_random_uuid = js_sys::Reflect::get(&crypto, &JsValue::from_str("randomUUID"))
        .is_ok_and(|f| f.is_function());
    if has_random_uuid {
        return crypto.random_uuid();
    }
    let mut bytes = [0u8; 16];
    if crypto.get_random_values_with_u8_array(&mut bytes).is_err() {
        return fallback_id();
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

fn fallback_id() -> String {
    let now = js_sys::Date::now() as u64;
    let random = (js_sys::Math::random() * 1e15) as u64;
    format!("c-{now:x}-{random:x}")
}

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
pub fn conversation_in_address() -> Option<i64> {
    let hash = web_sys::window()?.location().hash().ok()?;
    hash.strip_prefix("#conversation-")?.parse().ok()
}

/// Puts the selected conversation in the address without a history entry
/// per click.
pub fn show_conversation_in_address(id: Option<i64>) {
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
