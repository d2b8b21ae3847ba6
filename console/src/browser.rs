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

/// Tells an agent who may be in another tab or window that a chat is
/// offered to them: a desktop notification (once they allowed them) and a
/// short two-note chime made on the spot (no sound file to load).
pub fn announce_offer(title: &str) {
    use web_sys::{Notification, NotificationOptions, NotificationPermission};
    if Notification::permission() == NotificationPermission::Granted {
        let options = NotificationOptions::new();
        options.set_tag("warmline-offer");
        let _ = Notification::new_with_options(title, &options);
    }
    chime();
}

/// Asks once for permission to show desktop notifications for offers.
pub fn ask_for_notifications() {
    use web_sys::{Notification, NotificationPermission};
    if Notification::permission() == NotificationPermission::Default {
        let _ = Notification::request_permission();
    }
}

fn chime() {
    let Ok(audio) = web_sys::AudioContext::new() else {
        return;
    };
    let start = audio.current_time();
    for (i, frequency) in [660.0_f32, 880.0].into_iter().enumerate() {
        let (Ok(tone), Ok(gain)) = (audio.create_oscillator(), audio.create_gain()) else {
            return;
        };
        let at = start + 0.18 * i as f64;
        tone.frequency().set_value(frequency);
        let volume = gain.gain();
        let _ = volume.set_value_at_time(0.0001, at);
        let _ = volume.exponential_ramp_to_value_at_time(0.2, at + 0.02);
        let _ = volume.exponential_ramp_to_value_at_time(0.0001, at + 0.3);
        let _ = tone.connect_with_audio_node(&gain);
        let _ = gain.connect_with_audio_node(&audio.destination());
        let _ = tone.start_with_when(at);
        let _ = tone.stop_with_when(at + 0.32);
    }
}
