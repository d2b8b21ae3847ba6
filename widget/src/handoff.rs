//! The way to a person, under the conversation: "Talk to a person" while the
//! bot has the conversation, then the visitor's place in the queue and the
//! expected wait as the relay updates them, or, when nobody can answer (no
//! agent online, or outside the site's hours), a form to leave a message
//! with an email address for the reply. Plain DOM, like the panel's other
//! fixed parts.

use leptos::prelude::*;
use warmline_client::view::number;
use warmline_shared::handoff::ConversationState;
use warmline_shared::validate_text;
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlTextAreaElement};

use crate::chat::{Chat, Status};
use crate::dom;
use crate::text::Words;

/// Draws the bar into `parent`.
pub fn draw(parent: &web_sys::Element, chat: Chat, words: Words) {
    let bar = dom::el(parent, "div", "handoff");
    let person = dom::el(&bar, "button", "person");
    dom::set(&person, "type", "button");
    dom::text(&person, words.signal("talk_to_person"));
    dom::shown(
        &person,
        Signal::derive(move || {
            let state = chat.state.read();
            state.status == Status::Online
                && state.left.is_none()
                && matches!(
                    state.place.state,
                    ConversationState::Bot | ConversationState::Closed
                )
        }),
    );
    dom::on(
        &person,
        "click",
        Box::new(move |_| chat.ask_person(None, false, words)),
    );

    let queue = dom::el(&bar, "p", "queue");
    dom::set(&queue, "role", "status");
    dom::text(&queue, Signal::derive(move || place(chat, words)));
    dom::shown(
        &queue,
        Signal::derive(move || {
            let state = chat.state.read();
            state.place.state == ConversationState::Waiting && state.presence.answering()
        }),
    );

    leave_form(&bar, chat, words);

    let left = dom::el(&bar, "p", "queue");
    dom::set(&left, "role", "status");
    dom::text(
        &left,
        Signal::derive(move || {
            let email = chat.state.read().left.clone().unwrap_or_default();
            words.fill("leave_sent", "email", &email)
        }),
    );
    dom::shown(
        &left,
        Signal::derive(move || chat.state.read().left.is_some()),
    );
}

/// "Your place in line: 2 · Expected wait: about 4 min", in the visitor's words.
fn place(chat: Chat, words: Words) -> String {
    let place = chat.state.read().place;
    let position = match place.position {
        Some(1) => words.get("queue_next"),
        Some(n) => words.fill("queue_position", "position", &number(u64::from(n))),
        None => String::new(),
    };
    let wait = match place.wait_minutes {
        Some(0) => words.get("wait_soon"),
        Some(n) => words.fill("wait_minutes", "minutes", &number(u64::from(n))),
        None => words.get("wait_unknown"),
    };
    [position, wait].join("\n")
}

/// Name, email and message, for when nobody can answer.
fn leave_form(parent: &web_sys::Element, chat: Chat, words: Words) {
    let form = dom::el(parent, "form", "leave");
    dom::shown(
        &form,
        Signal::derive(move || {
            let state = chat.state.read();
            state.place.state == ConversationState::Waiting
                && !state.presence.answering()
                && !state.place.by_email
                && state.left.is_none()
        }),
    );
    let title = dom::el(&form, "p", "");
    dom::text(&title, words.signal("leave_title"));
    let field = |key: &'static str, tag: &str, kind: &str, autocomplete: &str| {
        let input = dom::el(&form, tag, "");
        dom::attr(&input, "aria-label", words.signal(key));
        dom::attr(&input, "placeholder", words.signal(key));
        dom::set(&input, "required", "");
        dom::set(&input, "autocomplete", autocomplete);
        if !kind.is_empty() {
            dom::set(&input, "type", kind);
        }
        input
    };
    let name = field("leave_name", "input", "text", "name").unchecked_into::<HtmlInputElement>();
    dom::set(&name, "maxlength", "60");
    let email =
        field("leave_email", "input", "email", "email").unchecked_into::<HtmlInputElement>();
    dom::set(&email, "maxlength", "254");
    let message =
        field("leave_message", "textarea", "", "off").unchecked_into::<HtmlTextAreaElement>();
    dom::set(&message, "rows", "2");
    let send = dom::el(&form, "button", "send-left");
    dom::set(&send, "type", "submit");
    dom::text(&send, words.signal("leave_send"));
    // The name the visitor already gave, if any.
    let known = name.clone();
    Effect::new(move |_| {
        if let Some(given) = chat.state.read().me.name.clone()
            && known.value().is_empty()
        {
            known.set_value(&given);
        }
    });
    dom::on(
        &form,
        "submit",
        Box::new(move |event| {
            event.prevent_default();
            let (text, who) = (message.value(), name.value());
            let (Ok(text), Ok(who)) = (validate_text(&text), validate_text(&who)) else {
                return;
            };
            chat.leave(
                who.to_owned(),
                email.value().trim().to_owned(),
                text.to_owned(),
            );
            message.set_value("");
        }),
    );
}
