//! The agent's side of the handoff: their availability and capacity in the
//! header, and in a conversation its state, why it came to people, the
//! frustration signals, and take / transfer / close.

use leptos::prelude::*;
use warmline_shared::handoff::{Availability, ConversationState, DEFAULT_CAPACITY};
use warmline_shared::{AgentId, ConversationId, ConversationSummary};

use crate::browser;
use crate::desk::Desk;
use crate::inbox::signals;
use crate::text;

/// Online / away / offline and how many chats at once.
#[component]
pub fn AvailabilityPicker(desk: Desk) -> impl IntoView {
    let mine = move || desk.myself();
    let current = move || mine().map_or(Availability::Offline, |m| m.availability);
    let capacity = move || mine().map_or(DEFAULT_CAPACITY, |m| m.capacity);
    let choose = move |value: String| {
        let availability = match value.as_str() {
            "online" => Availability::Online,
            "away" => Availability::Away,
            _ => Availability::Offline,
        };
        if availability == Availability::Online {
            browser::ask_for_notifications();
        }
        desk.set_availability(availability, capacity());
    };
    let options = [
        Availability::Online,
        Availability::Away,
        Availability::Offline,
    ]
    .into_iter()
    .map(|a| {
        view! {
            <option value=a.name() selected=move || current() == a>
                {text::availability(a)}
            </option>
        }
    })
    .collect_view();
    view! {
        <label class="availability">
            <span class=move || format!("dot {}", current().name()) aria-hidden="true"></span>
            <span class="sr">{text::AVAILABILITY}</span>
            <select on:change:target=move |ev| choose(ev.target().value())>{options}</select>
        </label>
        <label class="capacity" title=text::CAPACITY>
            <span class="sr">{text::CAPACITY}</span>
            <input
                type="number"
                min="1"
                max="20"
                prop:value=move || capacity().to_string()
                on:change:target=move |ev| {
                    if let Ok(n) = ev.target().value().parse::<u32>() {
                        desk.set_availability(current(), n);
                    }
                }
            />
        </label>
    }
}

/// Under the conversation's heading: its state and what routing knows.
#[component]
pub fn Handling(desk: Desk, id: ConversationId) -> impl IntoView {
    let summary = move || {
        desk.conversations
            .with(|list| list.iter().find(|c| c.id == id).cloned())
    };
    move || summary().map(|c| view! { <Actions desk conversation=c /> })
}

#[component]
fn Actions(desk: Desk, conversation: ConversationSummary) -> impl IntoView {
    let id = conversation.id;
    let state = conversation.state;
    let mine = conversation.assigned_to.is_some() && conversation.assigned_to == desk.me.get();
    let status = match (&conversation.agent, state) {
        (Some(agent), ConversationState::Assigned) => text::assigned_to(agent),
        _ => text::state(state).to_owned(),
    };
    let reason = conversation
        .reason
        .map(|r| format!(" · {}", text::reason(r)));
    let note = conversation
        .note
        .clone()
        .filter(|_| mine)
        .map(|n| view! { <p class="note">{text::note_from_transfer(&n)}</p> });
    let by_email = conversation
        .by_email
        .then(|| view! { <p class="note">{text::BY_EMAIL}</p> });
    let can_take = matches!(state, ConversationState::Bot | ConversationState::Waiting);
    view! {
        <div class="handling">
            <p class="state-line">{status}{reason}</p>
            {signals(&conversation)}
            {by_email}
            {note}
            <div class="actions">
                {can_take.then(|| view! {
                    <button type="button" class="button" on:click=move |_| desk.take(id)>{text::TAKE}</button>
                })}
                {mine.then(|| view! { <Transfer desk id /> <Close desk id /> })}
            </div>
        </div>
    }
}

#[component]
fn Transfer(desk: Desk, id: ConversationId) -> impl IntoView {
    let open = RwSignal::new(false);
    let to = RwSignal::new(None::<AgentId>);
    let note = RwSignal::new(String::new());
    let colleagues = move || {
        let me = desk.me.get();
        desk.team.with(|d| {
            d.team
                .iter()
                .filter(|t| Some(t.id) != me)
                .map(|t| {
                    let label = format!("{} ({})", t.name, text::availability(t.availability));
                    view! { <option value=t.id.get().to_string()>{label}</option> }
                })
                .collect_view()
        })
    };
    let send = move || {
        if let Some(to) = to.get_untracked() {
            desk.transfer(id, to, note.get_untracked());
            open.set(false);
            note.set(String::new());
        }
    };
    view! {
        <button type="button" class="button quiet" aria-expanded=move || open.get().to_string() on:click=move |_| open.update(|o| *o = !*o)>
            {text::TRANSFER}
        </button>
        <Show when=move || open.get()>
            <form class="transfer" on:submit=move |ev| { ev.prevent_default(); send(); }>
                <label>
                    {text::TRANSFER_TO}
                    <select required on:change:target=move |ev| to.set(ev.target().value().parse().ok().map(AgentId::new))>
                        <option value="">"—"</option>
                        {colleagues}
                    </select>
                </label>
                <label>
                    {text::TRANSFER_NOTE}
                    <textarea rows="2" maxlength="1000" prop:value=note on:input:target=move |ev| note.set(ev.target().value())></textarea>
                </label>
                <button type="submit" class="button">{text::TRANSFER}</button>
            </form>
        </Show>
    }
}

#[component]
fn Close(desk: Desk, id: ConversationId) -> impl IntoView {
    let resolution = RwSignal::new(text::RESOLUTIONS[0].to_owned());
    let options = text::RESOLUTIONS
        .iter()
        .map(|r| view! { <option value=*r></option> })
        .collect_view();
    let list = format!("resolutions-{id}");
    view! {
        <form class="close" on:submit=move |ev| {
            ev.prevent_default();
            desk.resolve(id, resolution.get_untracked());
        }>
            <label>
                <span class="sr">{text::RESOLUTION}</span>
                <input
                    list=list.clone()
                    maxlength="40"
                    required
                    prop:value=resolution
                    on:input:target=move |ev| resolution.set(ev.target().value())
                />
                <datalist id=list>{options}</datalist>
            </label>
            <button type="submit" class="button quiet">{text::CLOSE_CHAT}</button>
        </form>
    }
}
