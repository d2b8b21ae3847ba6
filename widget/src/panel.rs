//! The chat panel: header, greeting, conversation, and the box to write in.
//! The fixed parts are plain DOM (see `dom`); the log and the composer are
//! the Leptos components the console shares.

use leptos::prelude::*;
use warmline_client::view::{Composer, Follow, group, number};
use warmline_shared::Author;
use warmline_shared::transcript::Entry;
use wasm_bindgen::{JsCast, JsValue};

use crate::browser;
use crate::chat::{Chat, Status, View};
use crate::dom;
use crate::feedback;
use crate::files;
use crate::greeting::greeting;
use crate::handoff;
use crate::help;
use crate::log;
use crate::text::{Words, refusal_key};

// Every `view!` here starts with the scope class `wl`: a scope class makes
// Leptos create each element itself instead of building static parts with
// `innerHTML`, which host pages that enforce Trusted Types block (the widget
// runs on other people's pages).

/// Draws the panel into `mount` (the loader's panel element): the fixed
/// parts as plain DOM, the log and the composer as Leptos components.
pub fn draw(mount: &web_sys::HtmlElement, chat: Chat, words: Words) {
    let root = dom::el(mount, "div", "chat");
    let head = dom::el(&root, "div", "head");
    let head_text = dom::el(&head, "div", "head-text");
    dom::text(&dom::el(&head_text, "h2", "title"), words.signal("title"));
    dom::text(&dom::el(&head_text, "p", "subtitle"), presence(chat, words));

    let help = dom::el(&head, "button", "icon");
    dom::set(&help, "type", "button");
    dom::attr(&help, "aria-label", words.signal("help"));
    dom::attr(&help, "title", words.signal("help"));
    let in_help = move || chat.state.read().view != View::Chat;
    dom::attr(
        &help,
        "aria-pressed",
        Signal::derive(move || if in_help() { "true" } else { "false" }.to_owned()),
    );
    dom::icon(
        &help,
        &[(
            "",
            "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM9.5 9a2.5 2.5 0 1 1 3.5 2.3c-.6.3-1 .9-1 1.6V14M12 17h.01",
        )],
    );
    dom::on(
        &help,
        "click",
        Box::new(move |_| chat.go(if in_help() { View::Chat } else { View::Home })),
    );

    let sound = dom::el(&head, "button", "icon");
    dom::set(&sound, "type", "button");
    let on = move || chat.state.read().sound;
    let label = Signal::derive(move || words.get(if on() { "sound_off" } else { "sound_on" }));
    dom::attr(&sound, "aria-label", label);
    dom::attr(&sound, "title", label);
    dom::attr(
        &sound,
        "aria-pressed",
        Signal::derive(move || if on() { "true" } else { "false" }.to_owned()),
    );
    dom::icon(
        &sound,
        &[
            ("", "M6 16V11a6 6 0 0 1 12 0v5l2 2H4zM10 21h4"),
            ("mute", "M4 4l16 16"),
        ],
    );
    dom::on(&sound, "click", Box::new(move |_| chat.toggle_sound()));

    let minimize = dom::el(&head, "button", "icon");
    dom::set(&minimize, "type", "button");
    dom::attr(&minimize, "aria-label", words.signal("minimize"));
    dom::attr(&minimize, "title", words.signal("minimize"));
    dom::icon(&minimize, &[("", "M6 9l6 6 6-6")]);
    let panel = mount.clone();
    dom::on(
        &minimize,
        "click",
        Box::new(move |_| browser::notify(&panel, "warmline:close", JsValue::UNDEFINED)),
    );

    let status = dom::el(&root, "p", "status");
    dom::set(&status, "role", "status");
    dom::text(&status, status_line(chat, words));

    // The conversation, and help below the greeting until there is one.
    let log = dom::el(&root, "div", "log-frame");
    dom::shown(
        &log,
        Signal::derive(move || match chat.state.read().view {
            View::Chat => true,
            View::Home => chat.transcript.read().is_empty(),
            View::Article(_) => false,
        }),
    );
    help::draw(&root, chat, words);
    ask_name(&root, chat, words);
    let typing = dom::el(&root, "p", "typing");
    dom::set(&typing, "aria-hidden", "true");
    dom::text(
        &typing,
        Signal::derive(move || {
            let typing = chat.state.read().typing.clone();
            typing.map_or_else(String::new, |(name, _)| words.fill("typing", "name", &name))
        }),
    );
    // Announces what the other side writes; the log itself stays quiet.
    let announce = dom::el(&root, "p", "sr");
    dom::set(&announce, "aria-live", "polite");
    dom::text(
        &announce,
        Signal::derive(move || chat.state.read().announcement.clone()),
    );

    handoff::draw(&root, chat, words);
    feedback::draw(&root, chat, words);
    let compose = dom::el(&root, "div", "compose-row");
    attach(&compose, chat, words);

    conversation(&log, chat, words);
    let follow = Follow::default();
    let texts = words.texts();
    let draft = RwSignal::new(String::new());
    let unavailable =
        Signal::derive(move || matches!(chat.state.read().status, Status::Unavailable(_)));
    leptos::mount::mount_to(compose.clone(), move || {
        view! { class="wl",
            <Composer
                draft
                on_edit=move |edited: String| {
                    if !edited.trim().is_empty() {
                        chat.typed();
                    }
                    draft.set(edited)
                }
                on_send=move |message| chat.send(message)
                texts
                follow
                rows="1"
                disabled=unavailable
            />
        }
    })
    .forget();
}

/// The messages, with the greeting above them.
fn conversation(parent: &web_sys::Element, chat: Chat, words: Words) {
    let lines = Signal::derive(move || {
        let entries = chat.transcript.read().entries();
        group(entries, |a| *a == Author::Visitor, name)
    });
    // "Seen" goes under the visitor's newest message an agent has read.
    let seen = Signal::derive(move || {
        let read = chat.state.read().read;
        let entries = chat.transcript.read().entries();
        entries.iter().rev().find_map(|e| match e {
            Entry::Stored(m) if m.author == Author::Visitor && m.seq <= read => Some(m.seq),
            _ => None,
        })
    });
    let hello = Signal::derive(move || {
        let (name, returning) = {
            let state = chat.state.read();
            (state.me.name.clone(), state.returning.unwrap_or(false))
        };
        let (key, named) = greeting(name.as_deref(), returning, browser::local_hour());
        match name.filter(|_| named) {
            Some(name) => words.fill(key, "name", &name),
            None => words.get(key),
        }
    });
    log::draw(parent, chat, words, lines, seen, hello);
}

/// The header tells the truth about who can answer.
fn presence(chat: Chat, words: Words) -> Signal<String> {
    Signal::derive(move || {
        let presence = chat.state.read().presence;
        match (presence.online, presence.reply_minutes) {
            _ if presence.closed => match presence.opens_at {
                Some(at) => words.fill(
                    "agents_closed_until",
                    "time",
                    &browser::opening_of(at, &words.get("lang")),
                ),
                None => words.get("agents_closed"),
            },
            (0, _) => words.get("agents_away"),
            (_, Some(minutes)) => words.fill(
                "agents_online_reply",
                "minutes",
                &number(u64::from(minutes)),
            ),
            (_, None) => words.get("agents_online"),
        }
    })
}

/// The connection's state, or what became of a file, when there is something to say.
fn status_line(chat: Chat, words: Words) -> Signal<String> {
    Signal::derive(move || {
        let (status, slowed, file_note) = {
            let state = chat.state.read();
            (state.status, state.slowed, state.file_note.clone())
        };
        match (status, slowed) {
            _ if !file_note.is_empty() => file_note,
            (Status::Connecting, _) => words.get("connecting"),
            (Status::Reconnecting, _) => words.get("reconnecting"),
            (Status::Unavailable(code), _) => words.get(refusal_key(code)),
            (Status::Online, true) => words.get("rate_limited_wait"),
            (Status::Online, false) => String::new(),
        }
    })
}

/// Asks an anonymous visitor for their first name, once, in a small bar
/// above the message box: never in the way of writing.
fn ask_name(parent: &web_sys::Element, chat: Chat, words: Words) {
    let bar = dom::el(parent, "div", "ask-name");
    dom::set(&bar, "role", "group");
    dom::attr(&bar, "aria-label", words.signal("ask_name"));
    dom::shown(&bar, Signal::derive(move || chat.ask_name()));
    let input = dom::el(&bar, "input", "").unchecked_into::<web_sys::HtmlInputElement>();
    dom::set(&input, "autocomplete", "given-name");
    dom::set(&input, "maxlength", "60");
    dom::attr(&input, "aria-label", words.signal("ask_name"));
    dom::attr(&input, "placeholder", words.signal("name_label"));
    let save = {
        let input = input.clone();
        move || chat.name_given(Some(input.value()))
    };
    let on_enter = save.clone();
    dom::on(
        &input,
        "keydown",
        Box::new(move |event| {
            if event
                .dyn_ref::<web_sys::KeyboardEvent>()
                .is_some_and(|key| key.key() == "Enter")
            {
                on_enter();
            }
        }),
    );
    let save_button = dom::el(&bar, "button", "");
    dom::set(&save_button, "type", "button");
    dom::text(&save_button, words.signal("name_save"));
    dom::on(&save_button, "click", Box::new(move |_| save()));
    let skip = dom::el(&bar, "button", "skip");
    dom::set(&skip, "type", "button");
    dom::text(&skip, words.signal("name_skip"));
    dom::on(&skip, "click", Box::new(move |_| chat.name_given(None)));
}

/// The paperclip before the message box: a file input the label opens.
fn attach(parent: &web_sys::Element, chat: Chat, words: Words) {
    let label = dom::el(parent, "label", "attach");
    dom::attr(&label, "title", words.signal("attach"));
    let input = dom::el(&label, "input", "sr").unchecked_into::<web_sys::HtmlInputElement>();
    dom::set(&input, "type", "file");
    dom::set(&input, "accept", files::ACCEPTED);
    dom::attr(&input, "aria-label", words.signal("attach"));
    dom::icon(
        &label,
        &[(
            "",
            "M21 11.5l-8.6 8.6a5.5 5.5 0 0 1-7.8-7.8l8.6-8.6a3.7 3.7 0 0 1 5.2 5.2l-8.6 8.6a1.8 1.8 0 0 1-2.6-2.6l7.9-7.9",
        )],
    );
    let chosen = input.clone();
    dom::on(
        &input,
        "change",
        Box::new(move |_| {
            if let Some(file) = files::chosen(&chosen) {
                chat.send_file(file, words);
            }
            chosen.set_value("");
        }),
    );
}

/// The visitor needs no name for their own lines, nor for notices.
fn name(author: &Author) -> Option<String> {
    match author {
        Author::Agent { name } | Author::Bot { name } => Some(name.clone()),
        Author::Visitor | Author::System => None,
    }
}
