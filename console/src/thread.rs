//! The selected conversation: who and where, the messages, the reply box.

use leptos::prelude::*;
use leptos::{ev, html};
use warmline_shared::transcript::{Entry, PendingStatus};
use warmline_shared::{Author, ConversationId, MAX_TEXT_CHARS, Seq, validate_text};

use crate::clock;
use crate::desk::Desk;

/// How close to the bottom (px) still counts as reading the newest message.
const PIN_SLACK_PX: i32 = 48;

#[component]
pub fn Thread(desk: Desk, me: String) -> impl IntoView {
    move || match desk.selected.get() {
        None => view! {
            <section class="thread idle">
                <p>"Select a conversation to read and reply."</p>
            </section>
        }
        .into_any(),
        Some(id) => view! { <Conversation desk id me=me.clone() /> }.into_any(),
    }
}

#[component]
fn Conversation(desk: Desk, id: ConversationId, me: String) -> impl IntoView {
    let summary = move || {
        desk.conversations
            .with(|list| list.iter().find(|c| c.id == id).cloned())
    };
    let visitor = move || summary().map(|c| c.visitor).unwrap_or_default();
    let page = move || summary().and_then(|c| c.page);

    let log = NodeRef::<html::Div>::new();
    let input = NodeRef::<html::Textarea>::new();
    let pinned = StoredValue::new(true);

    let lines = Memo::new(move |_| {
        let entries = desk
            .transcripts
            .with(|all| all.get(&id).map(|t| t.entries()).unwrap_or_default());
        group(entries, &visitor())
    });

    Effect::new(move |_| {
        lines.track();
        if pinned.get_value()
            && let Some(log) = log.get()
        {
            log.set_scroll_top(log.scroll_height());
        }
    });

    let draft = move || {
        desk.drafts
            .with(|d| d.get(&id).cloned().unwrap_or_default())
    };
    let set_draft = move |text: String| {
        desk.drafts.update(|d| {
            d.insert(id, text);
        })
    };
    let too_long = move || draft().trim().chars().count() > MAX_TEXT_CHARS;
    let can_send = move || validate_text(&draft()).is_ok();

    let submit = move || {
        let text = desk.drafts.with_untracked(|d| {
            d.get(&id)
                .and_then(|t| validate_text(t).ok())
                .map(str::to_owned)
        });
        if let Some(text) = text {
            pinned.set_value(true);
            desk.send(id, text);
            set_draft(String::new());
            if let Some(input) = input.get_untracked() {
                let _ = input.focus();
            }
        }
    };

    let on_keydown = move |ev: ev::KeyboardEvent| {
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            submit();
        }
    };

    let on_scroll = move |_| {
        if let Some(log) = log.get_untracked() {
            let bottom = log.scroll_top() + log.client_height();
            pinned.set_value(bottom >= log.scroll_height() - PIN_SLACK_PX);
        }
    };

    view! {
        <section class="thread" aria-label="Conversation">
            <header class="thread-head">
                <button
                    type="button"
                    class="back"
                    aria-label="Back to conversations"
                    on:click=move |_| desk.close_selected()
                >
                    "‹"
                </button>
                <div>
                    <h2>{visitor}</h2>
                    {move || page().map(page_view)}
                </div>
            </header>
            <p class="notice" role="status">
                {move || desk.notice.get()}
            </p>
            <div
                class="messages"
                role="log"
                aria-label="Messages"
                node_ref=log
                on:scroll=on_scroll
            >
                <For
                    each=move || lines.get()
                    key=|line| line.key()
                    children=move |line| view_line(line, desk, id, &me)
                />
            </div>
            <p class="hint" role="alert">
                {move || {
                    if too_long() {
                        format!("Replies can be up to {MAX_TEXT_CHARS} characters.")
                    } else {
                        String::new()
                    }
                }}
            </p>
            <form
                class="reply"
                on:submit=move |ev: ev::SubmitEvent| {
                    ev.prevent_default();
                    submit();
                }
            >
                <label for="reply" class="visually-hidden">
                    "Reply"
                </label>
                <textarea
                    id="reply"
                    node_ref=input
                    rows="2"
                    placeholder="Write a reply… (Enter sends, Shift+Enter adds a line)"
                    prop:value=draft
                    on:input:target=move |ev| set_draft(ev.target().value())
                    on:keydown=on_keydown
                ></textarea>
                <button type="submit" class="button" disabled=move || !can_send()>
                    "Send"
                </button>
            </form>
        </section>
    }
}

/// The page the visitor is on. It comes from the visitor, so it is a link
/// only when it is plainly a web address.
fn page_view(page: String) -> AnyView {
    if page.starts_with("https://") || page.starts_with("http://") {
        view! {
            <a class="page" href=page.clone() target="_blank" rel="noopener noreferrer">
                {page.clone()}
            </a>
        }
        .into_any()
    } else {
        view! { <span class="page">{page}</span> }.into_any()
    }
}

type RenderKey = (String, Seq, Option<PendingStatus>);

#[derive(Debug, Clone, PartialEq)]
struct Line {
    entry: Entry,
    /// Written by an agent (this one or another), drawn on the right.
    from_agent: bool,
    /// Author and time above the first of several messages in a row.
    heading: Option<(String, Option<i64>)>,
}

impl Line {
    fn key(&self) -> (RenderKey, bool) {
        (self.entry.render_key(), self.heading.is_some())
    }
}

fn group(entries: Vec<Entry>, visitor: &str) -> Vec<Line> {
    // `None` stands for this agent's own pending replies.
    let mut previous: Option<Option<String>> = None;
    entries
        .into_iter()
        .map(|entry| {
            let (author, from_agent, sent_at) = match &entry {
                Entry::Stored(m) => match &m.author {
                    Author::Visitor => (Some(visitor.to_owned()), false, Some(m.sent_at)),
                    Author::Agent { name } => (Some(name.clone()), true, Some(m.sent_at)),
                },
                Entry::Pending(_) => (None, true, None),
            };
            let same_as_before = previous.as_ref() == Some(&author);
            previous = Some(author.clone());
            let heading = match (same_as_before, author) {
                (false, Some(name)) => Some((name, sent_at)),
                _ => None,
            };
            Line {
                entry,
                from_agent,
                heading,
            }
        })
        .collect()
}

fn view_line(
    line: Line,
    desk: Desk,
    conversation_id: ConversationId,
    me: &str,
) -> impl IntoView + use<> {
    let note = match &line.entry {
        Entry::Pending(p) => match p.status {
            PendingStatus::Sending => {
                Some(view! { <span class="note">"Sending…"</span> }.into_any())
            }
            PendingStatus::Sent { .. } => None,
            PendingStatus::Refused(code) => {
                let client_id = p.client_id.clone();
                Some(
                    view! {
                        <span class="note refused">
                            "Not sent. " {code.describe()} " "
                            <button
                                type="button"
                                class="link"
                                on:click=move |_| desk.retry(conversation_id, client_id.clone())
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
    let pending = matches!(&line.entry, Entry::Pending(p) if p.status == PendingStatus::Sending);
    let heading = line.heading.map(|(name, sent_at)| {
        let name = if line.from_agent && name == me {
            "You".to_owned()
        } else {
            name
        };
        view! {
            <span class="author">
                {name}
                {sent_at.map(|ms| view! { <span class="time">{clock::time_of(ms)}</span> })}
            </span>
        }
    });
    let text = line.entry.text().to_owned();
    view! {
        <div
            class="line"
            class:agent=line.from_agent
            class:visitor=!line.from_agent
            class:pending=pending
        >
            {heading}
            <p class="bubble">{text}</p>
            {note}
        </div>
    }
}
