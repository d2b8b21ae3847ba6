//! The chat panel: header, conversation, and the box to write in.

use leptos::prelude::*;
use leptos::{ev, html};
use warmline_shared::transcript::{Entry, PendingStatus};
use warmline_shared::{Author, MAX_TEXT_CHARS, validate_text};

use crate::browser;
use crate::chat::{Chat, Status};

// Every `view!` here starts with the scope class `wl`: besides marking the
// widget's elements, a scope class makes Leptos create each element itself
// instead of building static parts with `innerHTML`, which host pages that
// enforce Trusted Types block (the widget runs on other people's pages).

/// How close to the bottom (px) still counts as "reading the newest", so new
/// messages scroll into view; further up, the visitor is reading history and
/// is left alone.
const PIN_SLACK_PX: i32 = 48;

#[component]
pub fn Panel(chat: Chat, panel: web_sys::HtmlElement) -> impl IntoView {
    let draft = RwSignal::new(String::new());
    let log = NodeRef::<html::Div>::new();
    let input = NodeRef::<html::Textarea>::new();
    let pinned = StoredValue::new(true);

    let lines = Memo::new(move |_| chat.transcript.with(|t| group(t.entries())));

    // Runs after the list has been redrawn, so the height is already new.
    Effect::new(move |_| {
        lines.track();
        if pinned.get_value()
            && let Some(log) = log.get()
        {
            log.set_scroll_top(log.scroll_height());
        }
    });

    let unavailable = move || matches!(chat.status.get(), Status::Unavailable(_));
    let too_long = move || draft.with(|d| d.trim().chars().count() > MAX_TEXT_CHARS);
    let can_send = move || !unavailable() && draft.with(|d| validate_text(d).is_ok());

    let submit = move || {
        if !can_send() {
            return;
        }
        let text = draft.with_untracked(|d| validate_text(d).map(str::to_owned));
        if let Ok(text) = text {
            pinned.set_value(true);
            chat.send(text);
            draft.set(String::new());
            if let Some(input) = input.get_untracked() {
                let _ = input.focus();
            }
        }
    };

    let on_scroll = move |_| {
        if let Some(log) = log.get_untracked() {
            let bottom = log.scroll_top() + log.client_height();
            pinned.set_value(bottom >= log.scroll_height() - PIN_SLACK_PX);
        }
    };

    let on_keydown = move |ev: ev::KeyboardEvent| {
        // Enter sends, Shift+Enter is a new line, and Enter that confirms an
        // input-method composition is left to the input method.
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            submit();
        }
    };

    let status_text = move || match chat.status.get() {
        Status::Connecting | Status::Online => "",
        Status::Reconnecting => "You're offline. Reconnecting…",
        Status::Unavailable(_) => "Chat isn't available on this page.",
    };

    view! { class="wl",
        <div class="chat">
            <header class="head">
                <div class="head-text">
                    <h2 class="title">"Chat with us"</h2>
                    <p class="subtitle">"We usually reply in a few minutes"</p>
                </div>
                <button
                    type="button"
                    class="minimize"
                    aria-label="Minimize chat"
                    title="Minimize"
                    on:click=move |_| browser::notify(&panel, "warmline:close")
                >
                    <svg viewBox="0 0 24 24" aria-hidden="true">
                        <path d="M6 9l6 6 6-6"></path>
                    </svg>
                </button>
            </header>
            <p class="status" role="status">
                {status_text}
            </p>
            <div
                class="log"
                role="log"
                aria-live="polite"
                aria-label="Conversation"
                node_ref=log
                on:scroll=on_scroll
            >
                <p class="intro">"Hi! Ask us anything, we're happy to help."</p>
                <For
                    each=move || lines.get()
                    key=|line| line.key()
                    children=move |line| view_line(line, chat)
                />
            </div>
            <p class="hint" role="alert">
                {move || {
                    if too_long() {
                        format!("Messages can be up to {MAX_TEXT_CHARS} characters.")
                    } else {
                        String::new()
                    }
                }}
            </p>
            <form
                class="compose"
                on:submit=move |ev: ev::SubmitEvent| {
                    ev.prevent_default();
                    submit();
                }
            >
                <textarea
                    node_ref=input
                    aria-label="Message"
                    placeholder="Write a message…"
                    rows="1"
                    prop:value=move || draft.get()
                    on:input:target=move |ev| draft.set(ev.target().value())
                    on:keydown=on_keydown
                    disabled=unavailable
                ></textarea>
                <button type="submit" class="send" disabled=move || !can_send()>
                    "Send"
                </button>
            </form>
        </div>
    }
}

type RenderKey = (String, warmline_shared::Seq, Option<PendingStatus>);

/// One line of the conversation with what depends on its neighbours.
#[derive(Debug, Clone, PartialEq)]
struct Line {
    entry: Entry,
    /// Written by this visitor (on this or another of their tabs).
    mine: bool,
    /// The agent's name, above the first of several messages in a row.
    name: Option<String>,
}

impl Line {
    fn key(&self) -> (RenderKey, bool) {
        (self.entry.render_key(), self.name.is_some())
    }
}

fn group(entries: Vec<Entry>) -> Vec<Line> {
    let mut previous_agent: Option<String> = None;
    entries
        .into_iter()
        .map(|entry| {
            let agent = match &entry {
                Entry::Stored(m) => match &m.author {
                    Author::Agent { name } => Some(name.clone()),
                    Author::Visitor => None,
                },
                Entry::Pending(_) => None,
            };
            let name = agent
                .clone()
                .filter(|name| previous_agent.as_ref() != Some(name));
            previous_agent = agent.clone();
            Line {
                mine: agent.is_none(),
                entry,
                name,
            }
        })
        .collect()
}

fn view_line(line: Line, chat: Chat) -> impl IntoView {
    let note = match &line.entry {
        Entry::Pending(p) => match p.status {
            PendingStatus::Sending => {
                Some(view! { class="wl", <span class="note">"Sending…"</span> }.into_any())
            }
            PendingStatus::Sent { .. } => None,
            PendingStatus::Refused(code) => {
                let client_id = p.client_id.clone();
                Some(
                    view! { class="wl",
                        <span class="note refused">
                            "Not sent. " {code.describe()} " "
                            <button
                                type="button"
                                class="retry"
                                on:click=move |_| chat.retry(client_id.clone())
                            >
                                "Retry"
                            </button>
                        </span>
                    }
                    .into_any(),
                )
            }
        },
        Entry::Stored(_) => None,
    };
    let pending = matches!(
        &line.entry,
        Entry::Pending(p) if p.status == PendingStatus::Sending
    );
    let text = line.entry.text().to_owned();
    view! { class="wl",
        <div class="line" class:mine=line.mine class:theirs=!line.mine class:pending=pending>
            {line.name.map(|name| view! { class="wl", <span class="name">{name}</span> })}
            <p class="bubble">{text}</p>
            {note}
        </div>
    }
}
