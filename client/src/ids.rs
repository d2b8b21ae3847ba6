//! Client message ids: unique per message, so the relay can tell a resend
//! from a new message.

use wasm_bindgen::JsValue;

/// A fresh client message id: `crypto.randomUUID()` where the page is a
/// secure context (the only place it exists), else a version-4 UUID from
/// `crypto.getRandomValues`, which plain-http pages still have.
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

/// Without any crypto object, ids only need to be unique for this client.
fn fallback_id() -> String {
    let now = js_sys::Date::now() as u64;
    let random = (js_sys::Math::random() * 1e15) as u64;
    format!("c-{now:x}-{random:x}")
}
