//! The few browser facilities the widget needs, each failing softly: the
//! widget runs on other people's pages, where storage can be blocked and
//! APIs can be missing, and none of that may stop the chat.

use wasm_bindgen::{JsCast, JsValue};

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

pub fn load(key: &str) -> Option<String> {
    local_storage()?.get_item(key).ok().flatten()
}

pub fn save(key: &str, value: &str) {
    if let Some(storage) = local_storage() {
        // Quota or privacy mode: the visitor just starts afresh next time.
        let _ = storage.set_item(key, value);
    }
}

pub fn forget(key: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.remove_item(key);
    }
}

/// The host page as shown to the agent: origin and path only, since query
/// strings and fragments can carry the visitor's secrets.
pub fn page() -> Option<String> {
    let location = web_sys::window()?.location();
    let mut page = location.origin().ok()?;
    page.push_str(&location.pathname().ok()?);
    Some(page)
}

/// `https://relay.example` + `/ws/visitor` → `wss://relay.example/ws/visitor`.
pub fn ws_url(relay: &str, path: &str) -> String {
    let relay = relay.trim_end_matches('/');
    let mut url = match relay.split_once("://") {
        Some(("https", host)) => ["wss://", host].concat(),
        Some(("http", host)) => ["ws://", host].concat(),
        _ => relay.to_owned(),
    };
    url.push_str(path);
    url
}

/// Tells the loader script something, through an event on the element it
/// gave us (it listens there; nothing else on the page sees it).
pub fn notify(target: &web_sys::HtmlElement, name: &str, detail: JsValue) {
    let init = web_sys::CustomEventInit::new();
    init.set_detail(&detail);
    if let Ok(event) = web_sys::CustomEvent::new_with_event_init_dict(name, &init) {
        let _ = target.dispatch_event(&event);
    }
}

/// A plain object of string fields, for event details.
pub fn object(fields: &[(&str, &str)]) -> JsValue {
    let object = js_sys::Object::new();
    for (key, value) in fields {
        let _ = js_sys::Reflect::set(&object, &(*key).into(), &(*value).into());
    }
    object.into()
}

/// The hour of the day where the visitor is.
pub fn local_hour() -> u32 {
    js_sys::Date::new_0().get_hours()
}

/// A message's time as the visitor's language writes it ("14:05", "2:05 PM").
pub fn time_of(ms: i64, lang: &str) -> String {
    let date = js_sys::Date::new(&JsValue::from_f64(ms as f64));
    let options = object(&[("hour", "numeric"), ("minute", "2-digit")]);
    String::from(date.to_locale_time_string_with_options(lang, &options))
}

/// When the site opens again, in the visitor's language and time zone
/// ("Mon 09:00").
pub fn opening_of(ms: i64, lang: &str) -> String {
    let date = js_sys::Date::new(&JsValue::from_f64(ms as f64));
    let options = object(&[
        ("weekday", "short"),
        ("hour", "numeric"),
        ("minute", "2-digit"),
    ]);
    String::from(date.to_locale_string(lang, &options))
}

/// Adds the panel's styles to the shadow root it lives in, as a constructed
/// stylesheet: a strict Content-Security-Policy on the host page blocks
/// `<style>` elements but not this. Old browsers get a `<style>` element.
pub fn adopt_styles(mount: &web_sys::HtmlElement, css: &str) {
    let root = mount.get_root_node();
    if let Some(shadow) = root.dyn_ref::<web_sys::ShadowRoot>()
        && let Ok(sheet) = web_sys::CssStyleSheet::new()
        && sheet.replace_sync(css).is_ok()
    {
        let sheets = shadow.adopted_style_sheets();
        sheets.push(&sheet);
        shadow.set_adopted_style_sheets(&sheets);
        return;
    }
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if let Ok(style) = document.create_element("style") {
        style.set_text_content(Some(css));
        let _ = mount.append_child(&style);
    }
}

#[cfg(test)]
mod tests {
    use super::ws_url;

    #[test]
    fn relay_origins_become_websocket_urls() {
        assert_eq!(
            ws_url("https://chat.example", "/ws/visitor"),
            "wss://chat.example/ws/visitor"
        );
        assert_eq!(
            ws_url("http://127.0.0.1:8080/", "/ws/visitor"),
            "ws://127.0.0.1:8080/ws/visitor"
        );
    }
}
