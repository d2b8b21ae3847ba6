//! After a conversation closes: "How did we do?" with one to five stars and
//! an optional comment; once sent, the site's thank-you (a code to copy or a
//! link) and, when the visitor comes back, the owner's answer to what they
//! said. Plain DOM, like the panel's other fixed parts.

use leptos::prelude::*;
use warmline_client::view::number;
use warmline_shared::care::{Feedback, Reward};
use warmline_shared::handoff::ConversationState;
use warmline_shared::{display_text, validate_text};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, HtmlTextAreaElement};

use crate::chat::{Chat, View};
use crate::dom;
use crate::text::Words;

/// Draws the card into `parent`.
pub fn draw(parent: &Element, chat: Chat, words: Words) {
    let card = dom::el(parent, "div", "feedback");
    dom::shown(
        &card,
        Signal::derive(move || {
            let state = chat.state.read();
            let closed = state.place.state == ConversationState::Closed;
            let answered = state.feedback.as_ref().is_some_and(|f| f.answer.is_some());
            !matches!(state.view, View::Article(_)) && (closed || answered)
        }),
    );
    ask(&card, chat, words);
    let thanks = dom::el(&card, "div", "thanks");
    dom::set(&thanks, "role", "status");
    Effect::new(move |_| {
        let feedback = chat.state.read().feedback.clone();
        thanks.set_text_content(None);
        if let Some(feedback) = feedback {
            thank(&thanks, &feedback, words);
        }
    });
}

/// The stars, the comment and "Send feedback", until the relay has them.
fn ask(card: &Element, chat: Chat, words: Words) {
    let form = dom::el(card, "form", "rate");
    dom::shown(
        &form,
        Signal::derive(move || chat.state.read().feedback.is_none()),
    );
    let title = dom::el(&form, "p", "rate-title");
    dom::set(&title, "id", "wl-rate-title");
    dom::text(&title, words.signal("rate_title"));
    let stars = dom::el(&form, "div", "stars");
    dom::set(&stars, "role", "group");
    dom::set(&stars, "aria-labelledby", "wl-rate-title");
    for n in 1..=5u8 {
        let star = dom::el(&stars, "button", "star");
        dom::set(&star, "type", "button");
        star.set_text_content(Some("★"));
        let label = Signal::derive(move || words.fill("rate_stars", "n", &number(u64::from(n))));
        dom::attr(&star, "aria-label", label);
        dom::attr(&star, "title", label);
        dom::attr(
            &star,
            "aria-pressed",
            Signal::derive(move || {
                if chat.state.read().rating == n {
                    "true"
                } else {
                    "false"
                }
                .to_owned()
            }),
        );
        let lit = star.clone();
        Effect::new(move |_| {
            let on = chat.state.read().rating >= n;
            let _ = lit.class_list().toggle_with_force("on", on);
        });
        dom::on(
            &star,
            "click",
            Box::new(move |_| chat.show(|s| s.rating = n)),
        );
    }
    let comment = dom::el(&form, "textarea", "").unchecked_into::<HtmlTextAreaElement>();
    dom::set(&comment, "rows", "2");
    dom::set(&comment, "maxlength", "1000");
    dom::attr(&comment, "aria-label", words.signal("rate_comment"));
    dom::attr(&comment, "placeholder", words.signal("rate_comment"));
    let send = dom::el(&form, "button", "send-rating");
    dom::set(&send, "type", "submit");
    dom::text(&send, words.signal("rate_send"));
    let ready = send.clone();
    Effect::new(move |_| {
        let none = chat.state.read().rating == 0;
        let _ = ready.toggle_attribute_with_force("disabled", none);
    });
    dom::on(
        &form,
        "submit",
        Box::new(move |event| {
            event.prevent_default();
            let text = comment.value();
            chat.rate(validate_text(&text).unwrap_or_default().to_owned());
        }),
    );
}

/// "Thank you", the site's thank-you, and the owner's answer if there is one.
fn thank(parent: &Element, feedback: &Feedback, words: Words) {
    dom::el(parent, "p", "rate-title").set_text_content(Some(&words.get("rate_thanks")));
    match &feedback.reward {
        Some(Reward::Code { code, label }) => {
            let intro = if label.is_empty() {
                words.get("reward_link")
            } else {
                words.fill("reward_code", "label", &display_text(label))
            };
            dom::el(parent, "p", "").set_text_content(Some(&intro));
            let line = dom::el(parent, "p", "reward");
            dom::el(&line, "code", "").set_text_content(Some(code));
            let copy = dom::el(&line, "button", "copy");
            dom::set(&copy, "type", "button");
            copy.set_text_content(Some(&words.get("copy")));
            let (code, done) = (code.clone(), words.get("copied"));
            let button = copy.clone();
            dom::on(
                &copy,
                "click",
                Box::new(move |_| {
                    if write_clipboard(&code) {
                        button.set_text_content(Some(&done));
                    }
                }),
            );
        }
        Some(Reward::Link { url, label }) => {
            let line = dom::el(parent, "p", "reward");
            let link = dom::el(&line, "a", "");
            dom::set(&link, "href", url);
            dom::set(&link, "target", "_blank");
            dom::set(&link, "rel", "noopener");
            let text = if label.is_empty() {
                words.get("reward_link")
            } else {
                display_text(label).into_owned()
            };
            link.set_text_content(Some(&text));
        }
        None => {}
    }
    if let Some(answer) = &feedback.answer {
        if !feedback.comment.is_empty() {
            let said = words.fill(
                "feedback_you_said",
                "comment",
                &display_text(&feedback.comment),
            );
            dom::el(parent, "p", "said").set_text_content(Some(&said));
        }
        let did = words.fill("feedback_we_did", "answer", &display_text(answer));
        dom::el(parent, "p", "answer").set_text_content(Some(&did));
    }
}

/// `navigator.clipboard.writeText(text)`, where the page allows it.
fn write_clipboard(text: &str) -> bool {
    use js_sys::Reflect;
    let write = || -> Option<()> {
        let navigator = Reflect::get(&js_sys::global(), &"navigator".into()).ok()?;
        let clipboard = Reflect::get(&navigator, &"clipboard".into()).ok()?;
        let write = Reflect::get(&clipboard, &"writeText".into()).ok()?;
        write
            .dyn_into::<js_sys::Function>()
            .ok()?
            .call1(&clipboard, &JsValue::from_str(text))
            .ok()?;
        Some(())
    };
    write().is_some()
}
