//! The chat panel: header, greeting, conversation, and the box to write in.

use leptos::prelude::*;
use warmline_client::view::{Composer, Follow, MessageLog, group, number};
use warmline_shared::Author;
use warmline_shared::transcript::Entry;
use wasm_bindgen::JsValue;

use crate::browser;
use crate::chat::{Chat, Status};
use crate::greeting::greeting;
use crate::text::{Words, refusal_key};

// Every `view!` here starts with the scope class `wl`: besides marking the
// widget's elements, a scope class makes Leptos create each element itself
// instead of building static parts with `innerHTML`, which host pages that
// enforce Trusted Types block (the widget runs on other people's pages).

#[component]
pub fn Panel(chat: Chat, words: Words, panel: web_sys::HtmlElement) -> impl IntoView {
    let draft = RwSignal::new(String::new());
    let follow = Follow::default();
    let texts = words.texts();
    let lines = Memo::new(move |_| {
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
    let unavailable =
        Signal::derive(move || matches!(chat.state.read().status, Status::Unavailable(_)));

    // The header tells the truth about who can answer.
    let presence = Signal::derive(move || {
        let presence = chat.state.read().presence;
        match (presence.online, presence.reply_minutes) {
            (0, _) => words.get("agents_away"),
            (_, Some(minutes)) => words.fill(
                "agents_online_reply",
                "minutes",
                &number(u64::from(minutes)),
            ),
            (_, None) => words.get("agents_online"),
        }
    });
    let status = Signal::derive(move || {
        let (status, slowed) = {
            let state = chat.state.read();
            (state.status, state.slowed)
        };
        let file_note = chat.state.read().file_note.clone();
        match (status, slowed) {
            _ if !file_note.is_empty() => file_note,
            (Status::Connecting, _) => words.get("connecting"),
            (Status::Reconnecting, _) => words.get("reconnecting"),
            (Status::Unavailable(code), _) => words.get(refusal_key(code)),
            (Status::Online, true) => words.get("rate_limited_wait"),
            (Status::Online, false) => String::new(),
        }
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
    let typing = Signal::derive(move || {
        let typing = chat.state.read().typing.clone();
        match typing {
            Some((name, _)) => words.fill("typing", "name", &name),
            None => String::new(),
        }
    });
    let sound = move || chat.state.read().sound;
    let sound_label =
        Signal::derive(move || words.get(if sound() { "sound_off" } else { "sound_on" }));
    let sound_pressed = Signal::derive(move || if sound() { "true" } else { "false" }.to_owned());
    let minimize = words.signal("minimize");
    let announcement = Signal::derive(move || chat.state.read().announcement.clone());
    let time = Callback::new(move |ms: i64| browser::time_of(ms, &words.get("lang")));

    view! { class="wl",
        <div class="chat">
            <div class="head">
                <div class="head-text">
                    <h2 class="title">{words.signal("title")}</h2>
                    <p class="subtitle">{presence}</p>
                </div>
                <button
                    type="button"
                    class="icon"
                    aria-pressed=sound_pressed
                    aria-label=sound_label
                    title=sound_label
                    on:click=move |_| chat.toggle_sound()
                >
                    <svg viewBox="0 0 24 24" aria-hidden="true">
                        <path d="M6 16V11a6 6 0 0 1 12 0v5l2 2H4zM10 21h4"></path>
                        <path class="mute" d="M4 4l16 16"></path>
                    </svg>
                </button>
                <button
                    type="button"
                    class="icon"
                    aria-label=minimize
                    title=minimize
                    on:click=move |_| browser::notify(&panel, "warmline:close", JsValue::UNDEFINED)
                >
                    <svg viewBox="0 0 24 24" aria-hidden="true">
                        <path d="M6 9l6 6 6-6"></path>
                    </svg>
                </button>
            </div>
            <p class="status" role="status">
                {status}
            </p>
            <MessageLog
                lines
                texts
                follow
                on_retry=move |id| chat.retry(id)
                time
                seen
                intro=hello
                file_url=Callback::new(move |file| chat.file_url(file))
            />
            <AskName chat words />
            <p class="typing" aria-hidden="true">
                {typing}
            </p>
            <p class="sr" aria-live="polite">
                {announcement}
            </p>
            <div class="compose-row">
            <label class="attach" title=words.signal("attach")>
                <input
                    type="file"
                    class="sr"
                    accept=crate::files::ACCEPTED
                    aria-label=words.signal("attach")
                    on:change:target=move |ev| {
                        let input = ev.target();
                        if let Some(file) = crate::files::chosen(&input) {
                            chat.send_file(file, words);
                        }
                        input.set_value("");
                    }
                />
                <svg viewBox="0 0 24 24" aria-hidden="true">
                    <path d="M21 11.5l-8.6 8.6a5.5 5.5 0 0 1-7.8-7.8l8.6-8.6a3.7 3.7 0 0 1 5.2 5.2l-8.6 8.6a1.8 1.8 0 0 1-2.6-2.6l7.9-7.9"></path>
                </svg>
            </label>
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
            </div>
        </div>
    }
}

/// Asks an anonymous visitor for their first name, once, in a small bar
/// above the message box: never in the way of writing.
#[component]
fn AskName(chat: Chat, words: Words) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let save = move || chat.name_given(Some(name.get_untracked()));
    move || {
        chat.ask_name().then(|| {
            view! { class="wl",
                <div class="ask-name" role="group" aria-label=words.signal("ask_name")>
                    <input
                        autocomplete="given-name"
                        maxlength="60"
                        aria-label=words.signal("ask_name")
                        placeholder=words.signal("name_label")
                        on:input:target=move |ev| name.set(ev.target().value())
                        on:keydown=move |ev| {
                            if ev.key() == "Enter" {
                                save();
                            }
                        }
                    />
                    <button type="button" on:click=move |_| save()>
                        {words.signal("name_save")}
                    </button>
                    <button type="button" class="skip" on:click=move |_| chat.name_given(None)>
                        {words.signal("name_skip")}
                    </button>
                </div>
            }
        })
    }
}

/// The visitor needs no name for their own lines, nor for notices.
fn name(author: &Author) -> Option<String> {
    match author {
        Author::Agent { name } | Author::Bot { name } => Some(name.clone()),
        Author::Visitor | Author::System => None,
    }
}
