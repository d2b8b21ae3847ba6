//! The list of open conversations, newest first, updating live.

use leptos::prelude::*;
use warmline_shared::{ConversationSummary, display_text};

use crate::clock;
use crate::desk::{Desk, Status};
use crate::text;

#[component]
pub fn Inbox(desk: Desk, now: RwSignal<f64>) -> impl IntoView {
    let status_text = move || match desk.status.get() {
        Status::Online => "",
        Status::Connecting => text::CONNECTING,
        Status::Reconnecting => text::RECONNECTING,
    };
    let empty = move || {
        desk.status.get() == Status::Online && desk.conversations.with(|list| list.is_empty())
    };

    view! {
        <nav class="inbox" aria-label=text::CONVERSATIONS>
            <div class="inbox-head">
                <h2>{text::CONVERSATIONS}</h2>
                <span class="count">
                    {move || text::count(desk.conversations.with(Vec::len), desk.more.get())}
                </span>
            </div>
            <p class="status" role="status">
                {status_text}
            </p>
            <Show when=empty>
                <p class="empty">{text::NO_CONVERSATIONS}</p>
            </Show>
            <ul class="list">
                <For
                    each=move || desk.conversations.get()
                    key=|c| (c.id, c.last_seq, c.updated_at, c.visitor.clone(), c.name_source, c.last_text.clone())
                    children=move |c| view! { <Item desk conversation=c now /> }
                />
            </ul>
            <Show when=move || desk.more.get()>
                <button type="button" class="button quiet more" on:click=move |_| desk.load_more()>
                    {text::OLDER_CONVERSATIONS}
                </button>
            </Show>
        </nav>
    }
}

#[component]
fn Item(desk: Desk, conversation: ConversationSummary, now: RwSignal<f64>) -> impl IntoView {
    let id = conversation.id;
    let selected = move || desk.selected.get() == Some(id);
    let updated_at = conversation.updated_at;
    let preview = conversation.last_text.map_or_else(
        || text::NO_MESSAGES_YET.to_owned(),
        |last| display_text(&last).into_owned(),
    );
    view! {
        <li>
            <button
                type="button"
                class="item"
                class:selected=selected
                class:unread=move || desk.is_unread(id)
                aria-current=move || selected().then_some("true")
                on:click=move |_| desk.select(id)
            >
                <span class=format!("avatar tone-{}", id.get().rem_euclid(6)) aria-hidden="true">
                    {initial(&conversation.visitor)}
                </span>
                <span class="item-body">
                    <span class="item-top">
                        <span class="item-name">
                            {display_text(&conversation.visitor).into_owned()}
                            {text::name_badge(conversation.name_source)}
                        </span>
                        <span class="when">{move || clock::ago(now.get(), updated_at)}</span>
                    </span>
                    <span class="preview">{preview}</span>
                </span>
            </button>
        </li>
    }
}

/// The first letter of a name, for its avatar.
pub fn initial(name: &str) -> String {
    name.chars()
        .find(|c| c.is_alphanumeric())
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_else(|| "?".to_owned())
}
