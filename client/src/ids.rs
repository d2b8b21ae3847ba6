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
    let mut id = String::with_capacity(36);
    for (i, byte) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            id.push('-');
        }
        push_hex(&mut id, u64::from(*byte), 2);
    }
    id
}

/// Without any crypto object, ids only need to be unique for this client.
fn fallback_id() -> String {
    let mut id = String::from("c-");
    push_hex(&mut id, js_sys::Date::now() as u64, 12);
    id.push('-');
    push_hex(&mut id, (js_sys::Math::random() * 1e15) as u64, 13);
    id
}

/// Appends the lowest `digits` hex digits of `n`. (Written out rather than
/// with `format!`, whose machinery every visitor would download.)
fn push_hex(out: &mut String, n: u64, digits: u32) {
    for shift in (0..digits).rev() {
        let digit = (n >> (shift * 4)) & 0xf;
        out.push(char::from_digit(digit as u32, 16).unwrap_or('0'));
    }
}
