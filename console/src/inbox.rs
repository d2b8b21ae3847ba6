//! The inbox: offers to this agent on top, then one of four views (waiting,
//! in the queue's order; mine; all open; closed), each with its count,
//! updating live.

use leptos::prelude::*;
use leptos::task::spawn_local;
use warmline_shared::handoff::{ConversationState, Frustration};
use warmline_shared::{ConversationSummary, display_text};

use crate::api;
use crate::clock;
use crate::desk::{Desk, Offer, Status, View};
use crate::text;

#[component]
pub fn Inbox(desk: Desk, now: RwSignal<f64>) -> impl IntoView {
    let status_text = move || match desk.status.get() {
        Status::Online => "",
        Status::Connecting => text::CONNECTING,
        Status::Reconnecting => text::RECONNECTING,
    };
    let listed = Memo::new(move |_| desk.listed(desk.view.get()));
    let empty = move || desk.status.get() == Status::Online && listed.with(Vec::is_empty);
    let counts = move |view: View| match view {
        View::Waiting => desk.team.with(|d| d.waiting).to_string(),
        View::Mine => desk.myself().map_or(0, |me| me.load).to_string(),
        View::Open => text::count(desk.conversations.with(Vec::len), desk.more.get()),
        View::Closed => desk.team.with(|d| d.closed).to_string(),
    };
    let tab = move |view: View, label: &'static str| {
        view! {
            <button
                type="button"
                class="tab"
                aria-pressed=move || (desk.view.get() == view).to_string()
                on:click=move |_| {
                    desk.view.set(view);
                    if view == View::Closed {
                        load_closed(desk);
                    }
                }
            >
                {label}
                " "
                <span class="count">{move || counts(view)}</span>
            </button>
        }
    };

    view! {
        <nav class="inbox" aria-label=text::CONVERSATIONS>
            <Offers desk />
            <div class="tabs" role="group" aria-label=text::INBOX_VIEWS>
                {tab(View::Waiting, text::WAITING)}
                {tab(View::Mine, text::MINE)}
                {tab(View::Open, text::ALL_OPEN)}
                {tab(View::Closed, text::CLOSED)}
            </div>
            <p class="status" role="status">
                {status_text}
            </p>
            <Show when=empty>
                <p class="empty">
                    {move || if desk.view.get() == View::Open { text::NO_CONVERSATIONS } else { text::NOTHING_HERE }}
                </p>
            </Show>
            <ul class="list">
                <For
                    each=move || listed.get()
                    key=|c| (c.id, c.last_seq, c.updated_at, c.visitor.clone(), c.name_source, c.state, c.offered_to, c.frustration.score)
                    children=move |c| view! { <Item desk conversation=c now /> }
                />
            </ul>
            <Show when=move || desk.more.get() && desk.view.get() == View::Open>
                <button type="button" class="button quiet more" on:click=move |_| desk.load_more()>
                    {text::OLDER_CONVERSATIONS}
                </button>
            </Show>
        </nav>
    }
}

/// The latest closed conversations, from the relay.
fn load_closed(desk: Desk) {
    spawn_local(async move {
        if let Ok(list) = api::get::<Vec<ConversationSummary>>("/api/conversations/closed").await {
            desk.closed.set(list);
        }
    });
}

/// Chats offered to this agent, with accept, decline and the time left.
#[component]
fn Offers(desk: Desk) -> impl IntoView {
    // Its own clock: the time left counts down by the second.
    let now = RwSignal::new(js_sys::Date::now());
    if let Ok(tick) = set_interval_with_handle(
        move || now.set(js_sys::Date::now()),
        std::time::Duration::from_secs(1),
    ) {
        on_cleanup(move || tick.clear());
    }
    view! {
        <Show when=move || desk.offers.with(|o| !o.is_empty())>
            <section class="offers" aria-label=text::OFFERS>
                <For
                    each=move || desk.offers.get()
                    key=|o| o.conversation.id
                    children=move |offer: Offer| {
                        let id = offer.conversation.id;
                        let expires_at = offer.expires_at;
                        let c = offer.conversation;
                        view! {
                            <div class="offer" role="alert">
                                <p>
                                    <strong>{display_text(&c.visitor).into_owned()}</strong>
                                    {c.reason.map(|r| format!(" · {}", text::reason(r)))}
                                </p>
                                <p class="preview">{c.last_text.clone().map(|t| display_text(&t).into_owned())}</p>
                                {signals(&c.frustration)}
                                <p class="when">
                                    {move || text::seconds_left(((expires_at - now.get()) / 1000.0).ceil() as i64)}
                                </p>
                                <button type="button" class="button" on:click=move |_| desk.take(id)>
                                    {text::ACCEPT}
                                </button>
                                " "
                                <button type="button" class="button quiet" on:click=move |_| desk.decline(id)>
                                    {text::DECLINE}
                                </button>
                            </div>
                        }
                    }
                />
            </section>
        </Show>
    }
}

/// The frustration signals that fired, as chips.
pub fn signals(frustration: &Frustration) -> Option<impl IntoView + use<>> {
    let fired = &frustration.signals;
    (!fired.is_empty()).then(|| {
        let chips = fired
            .iter()
            .map(|s| view! { <li class="signal">{text::signal(s)}</li> })
            .collect_view();
        view! { <ul class="signals" aria-label=text::SIGNALS>{chips}</ul> }
    })
}

#[component]
fn Item(desk: Desk, conversation: ConversationSummary, now: RwSignal<f64>) -> impl IntoView {
    let id = conversation.id;
    let selected = move || desk.selected.get() == Some(id);
    let updated_at = conversation.updated_at;
    let preview = conversation.last_text.clone().map_or_else(
        || text::NO_MESSAGES_YET.to_owned(),
        |last| display_text(&last).into_owned(),
    );
    let state = match (&conversation.state, &conversation.agent) {
        (ConversationState::Assigned, Some(agent)) => text::assigned_to(agent),
        (state, _) => text::state(*state).to_owned(),
    };
    let frustrated = conversation.frustration.tier() > 0;
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
                    <span class="item-state">
                        <span class=format!("state {}", conversation.state.name())>{state}</span>
                        {frustrated.then(|| view! { <span class="state frustrated">{text::FRUSTRATED}</span> })}
                    </span>
                    {signals(&conversation.frustration)}
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
