//! Plain DOM for the panel's fixed parts (header, notices, the name bar, the
//! attach button). Leptos' typed views compile to code for every element
//! type, attribute and handler; these parts are drawn once and change only
//! in their words, so a few untyped helpers with one reactive binding each
//! draw them for a fraction of the bytes every visitor downloads. The log
//! and the composer, which really are reactive lists and forms, stay Leptos
//! components shared with the console. The helpers are never inlined: one
//! copy of each, however many elements use it.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{Document, Element, Event, HtmlElement};

const SVG: &str = "http://www.w3.org/2000/svg";

fn document() -> Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("the widget runs in a page")
}

/// A new `<tag class=class>` appended to `parent`.
#[inline(never)]
pub fn el(parent: &Element, tag: &str, class: &str) -> HtmlElement {
    let el = document()
        .create_element(tag)
        .expect("a valid tag")
        .unchecked_into::<HtmlElement>();
    if !class.is_empty() {
        el.set_class_name(class);
    }
    let _ = parent.append_child(&el);
    el
}

#[inline(never)]
pub fn set(el: &Element, name: &str, value: &str) {
    let _ = el.set_attribute(name, value);
}

/// An icon of stroked paths, hidden from screen readers (its button has a name).
#[inline(never)]
pub fn icon(parent: &Element, paths: &[(&str, &str)]) {
    let document = document();
    let Ok(svg) = document.create_element_ns(Some(SVG), "svg") else {
        return;
    };
    set(&svg, "viewBox", "0 0 24 24");
    set(&svg, "aria-hidden", "true");
    for (class, d) in paths {
        if let Ok(path) = document.create_element_ns(Some(SVG), "path") {
            set(&path, "d", d);
            if !class.is_empty() {
                set(&path, "class", class);
            }
            let _ = svg.append_child(&path);
        }
    }
    let _ = parent.append_child(&svg);
}

/// Keeps the element's text equal to `text`.
#[inline(never)]
pub fn text(el: &Element, text: Signal<String>) {
    let el = el.clone();
    Effect::new(move |_| el.set_text_content(Some(&text.get())));
}

/// Keeps the attribute `name` equal to `value`.
#[inline(never)]
pub fn attr(el: &Element, name: &'static str, value: Signal<String>) {
    let el = el.clone();
    Effect::new(move |_| set(&el, name, &value.get()));
}

/// Shows the element while `shown` is true.
#[inline(never)]
pub fn shown(el: &HtmlElement, shown: Signal<bool>) {
    let el = el.clone();
    Effect::new(move |_| el.set_hidden(!shown.get()));
}

/// Calls `handler` on every `event` on the element, for as long as the page
/// lives (the panel is never taken down).
#[inline(never)]
pub fn on(el: &Element, event: &str, handler: Box<dyn FnMut(Event)>) {
    let closure = Closure::wrap(handler);
    let _ = el.add_event_listener_with_callback(event, closure.as_ref().unchecked_ref());
    closure.forget();
}

thread_local! {
    /// The widget's Trusted Types policy, on pages that have Trusted Types.
    static POLICY: Option<wasm_bindgen::JsValue> = policy();
}

/// A policy named `warmline` that passes HTML through: the only HTML the
/// widget sets is what the relay rendered and sanitised (articles). A page
/// that lists its allowed policies must list `warmline` for articles to show.
/// The policy's `createHTML` is the page's own `String`, which returns the
/// text as it is: no callback of the widget's is needed.
fn policy() -> Option<wasm_bindgen::JsValue> {
    use js_sys::Reflect;
    let global = js_sys::global();
    let types = Reflect::get(&global, &"trustedTypes".into()).ok()?;
    let create = Reflect::get(&types, &"createPolicy".into()).ok()?;
    let rules = js_sys::Object::new();
    Reflect::set(
        &rules,
        &"createHTML".into(),
        &Reflect::get(&global, &"String".into()).ok()?,
    )
    .ok()?;
    create
        .dyn_into::<js_sys::Function>()
        .ok()?
        .call2(&types, &"warmline".into(), &rules)
        .ok()
}

/// Sets the element's content to HTML the relay sanitised.
#[inline(never)]
pub fn html(el: &Element, html: &str) {
    use js_sys::Reflect;
    let value = POLICY.with(|policy| {
        policy
            .as_ref()
            .and_then(|p| {
                let create = Reflect::get(p, &"createHTML".into()).ok()?;
                create
                    .unchecked_into::<js_sys::Function>()
                    .call1(p, &html.into())
                    .ok()
            })
            .unwrap_or_else(|| html.into())
    });
    let _ = Reflect::set(el, &"innerHTML".into(), &value);
}
