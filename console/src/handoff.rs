//! The agent's side of the handoff: their availability and capacity in the
//! header, and in a conversation its state, why it came to people, the
//! frustration signals, and take / transfer / close.

use leptos::prelude::*;
use warmline_shared::handoff::{
    Availability, BusinessHours, ConversationState, DEFAULT_CAPACITY, HandoffSettings,
};
use warmline_shared::{AgentId, ConversationId, ConversationSummary};

use crate::browser;
use crate::context::stars;
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
    // Redrawn only when what it shows changes: a new message here or news
    // of another conversation must not close a form the agent has open.
    let shown = Memo::new(move |_| {
        desk.summary(id).map(|c| ConversationSummary {
            last_text: None,
            last_seq: 0,
            updated_at: 0,
            ..c
        })
    });
    move || {
        shown
            .get()
            .map(|c| view! { <Actions desk conversation=c /> })
    }
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
    let resolution = conversation.resolution.clone().map(|r| format!(" · {r}"));
    let rating = conversation.rating.map(|r| view! { " · " {stars(r)} });
    view! {
        <div class="handling">
            <p class="state-line">{status}{reason}{resolution}{rating}</p>
            {signals(&conversation.frustration)}
            {by_email}
            {note}
            <Notes desk id />
            <div class="actions">
                {can_take.then(|| view! {
                    <button type="button" class="button" on:click=move |_| desk.take(id)>{text::TAKE}</button>
                })}
                {(mine && state != ConversationState::Closed).then(|| view! { <Transfer desk id /> <Close desk id /> })}
                {(state != ConversationState::Closed).then(|| view! { <BlockVisitor desk id /> })}
            </div>
        </div>
    }
}

/// The conversation's private notes, and a box to add one. Visitors never
/// see them: the relay keeps them apart from the messages.
#[component]
fn Notes(desk: Desk, id: ConversationId) -> impl IntoView {
    let draft = RwSignal::new(String::new());
    let notes = move || {
        desk.notes
            .with(|all| all.get(&id).cloned().unwrap_or_default())
    };
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Ok(text) = warmline_shared::validate_text(&draft.get_untracked()) {
            desk.note(id, text.to_owned());
            draft.set(String::new());
        }
    };
    view! {
        <ul class="notes" aria-label=text::NOTES>
            <For
                each=notes
                key=|n| n.client_id.clone()
                children=|n| view! {
                    <li class="private-note">
                        <span class="note-author">{text::note_by(&n.author)}</span>
                        " "
                        {n.text}
                    </li>
                }
            />
        </ul>
        <form class="add-note" on:submit=add>
            <label>
                <span class="sr">{text::ADD_NOTE}</span>
                <input
                    type="text"
                    maxlength="4000"
                    placeholder=text::NOTE_PLACEHOLDER
                    prop:value=draft
                    on:input:target=move |ev| draft.set(ev.target().value())
                />
            </label>
            <button type="submit" class="button quiet">{text::ADD_NOTE}</button>
        </form>
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

/// Blocks an abusive visitor, with a reason and how long their network
/// address stays blocked too.
#[component]
fn BlockVisitor(desk: Desk, id: ConversationId) -> impl IntoView {
    let open = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let hours = RwSignal::new(24u32);
    let choices = [(1u32, "1 hour"), (24, "24 hours"), (168, "7 days")]
        .into_iter()
        .map(|(h, label)| view! { <option value=h.to_string() selected=h == 24>{label}</option> })
        .collect_view();
    view! {
        <button type="button" class="button quiet danger" aria-expanded=move || open.get().to_string() on:click=move |_| open.update(|o| *o = !*o)>
            {text::BLOCK}
        </button>
        <Show when=move || open.get()>
            <form class="block" on:submit=move |ev| {
                ev.prevent_default();
                desk.block(id, reason.get_untracked(), hours.get_untracked());
                open.set(false);
            }>
                <p class="hint">{text::BLOCK_HINT}</p>
                <label>
                    {text::BLOCK_REASON}
                    <input type="text" required maxlength="500" prop:value=reason on:input:target=move |ev| reason.set(ev.target().value()) />
                </label>
                <label>
                    {text::BLOCK_ADDRESS_FOR}
                    <select on:change:target=move |ev| hours.set(ev.target().value().parse().unwrap_or(24))>{choices.clone()}</select>
                </label>
                <button type="submit" class="button danger">{text::BLOCK}</button>
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

/// The days of business hours, Monday first, as owners read them.
const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Time zones offered first (any IANA name may be typed).
const ZONES: [&str; 6] = [
    "Asia/Tbilisi",
    "Asia/Yerevan",
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "UTC",
];

/// "09:00-13:00, 14:00-18:00" as spans of minutes; empty is a closed day.
pub fn parse_spans(text: &str) -> Result<Vec<[u16; 2]>, String> {
    let minutes = |t: &str| -> Option<u16> {
        let (h, m) = t.trim().split_once(':')?;
        let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
        (h <= 24 && m < 60 && h * 60 + m <= 1440).then_some(h * 60 + m)
    };
    text.split(',')
        .map(str::trim)
        .filter(|span| !span.is_empty())
        .map(|span| {
            let (open, close) = span
                .split_once(['-', '–'])
                .ok_or_else(|| text::bad_span(span))?;
            match (minutes(open), minutes(close)) {
                (Some(open), Some(close)) if open < close => Ok([open, close]),
                _ => Err(text::bad_span(span)),
            }
        })
        .collect()
}

/// Spans as owners write them.
pub fn format_spans(spans: &[[u16; 2]]) -> String {
    let time = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
    spans
        .iter()
        .map(|[open, close]| format!("{}-{}", time(*open), time(*close)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The owner's handoff settings, edited in place; `hours` holds each day's
/// text until the form is saved (see `handoff_from`).
#[derive(Clone, Copy)]
pub struct HandoffFields {
    pub settings: RwSignal<HandoffSettings>,
    pub hours_on: RwSignal<bool>,
    pub time_zone: RwSignal<String>,
    pub days: [RwSignal<String>; 7],
}

impl HandoffFields {
    pub fn new(settings: HandoffSettings) -> Self {
        let hours = settings.hours.clone();
        let day = |i: usize| {
            let spans = hours.as_ref().and_then(|h| h.days.get(i).cloned());
            // Without hours yet, a usual working week to start from.
            let default = if i < 5 { vec![[540, 1080]] } else { Vec::new() };
            RwSignal::new(format_spans(&spans.unwrap_or(default)))
        };
        Self {
            hours_on: RwSignal::new(hours.is_some()),
            time_zone: RwSignal::new(
                hours
                    .as_ref()
                    .map_or("Asia/Tbilisi".to_owned(), |h| h.time_zone.clone()),
            ),
            days: std::array::from_fn(day),
            settings: RwSignal::new(settings),
        }
    }

    /// The settings to save, or what is wrong with the hours.
    pub fn value(&self) -> Result<HandoffSettings, String> {
        let mut settings = self.settings.get_untracked();
        settings.hours = if self.hours_on.get_untracked() {
            let days = self
                .days
                .iter()
                .map(|d| parse_spans(&d.get_untracked()))
                .collect::<Result<_, _>>()?;
            Some(BusinessHours {
                time_zone: self.time_zone.get_untracked().trim().to_owned(),
                days,
            })
        } else {
            None
        };
        Ok(settings)
    }
}

/// The handoff part of the site's settings form.
#[component]
pub fn HandoffSettingsFields(fields: HandoffFields, languages: Vec<String>) -> impl IntoView {
    let settings = fields.settings;
    let sensitive = languages
        .into_iter()
        .map(|lang| {
            let id = format!("sensitive-{lang}");
            let (read, write) = (lang.clone(), lang.clone());
            view! {
                <label for=id.clone()>{text::sensitive_in(&lang)}</label>
                <textarea
                    id=id
                    rows="3"
                    prop:value=move || settings.with(|s| s.sensitive.get(&read).map(|l| l.join("\n")).unwrap_or_default())
                    on:input:target=move |ev| {
                        let phrases = ev.target().value().lines().map(str::to_owned).collect();
                        settings.update(|s| {
                            s.sensitive.insert(write.clone(), phrases);
                        });
                    }
                ></textarea>
            }
        })
        .collect_view();
    let days = DAYS
        .iter()
        .zip(fields.days)
        .map(|(day, value)| {
            let id = format!("hours-{day}");
            view! {
                <label for=id.clone()>{*day}</label>
                <input id=id type="text" placeholder=text::CLOSED_DAY prop:value=value on:input:target=move |ev| value.set(ev.target().value()) />
            }
        })
        .collect_view();
    let zones = ZONES
        .iter()
        .map(|z| view! { <option value=*z></option> })
        .collect_view();
    view! {
        <h3>{text::HANDOFF}</h3>
        <p class="hint">{text::HANDOFF_HINT}</p>
        <label class="check">
            <input type="checkbox" prop:checked=move || settings.with(|s| s.direct) on:change:target=move |ev| settings.update(|s| s.direct = ev.target().checked()) />
            {text::DIRECT}
        </label>
        <label for="offer-seconds">{text::OFFER_SECONDS}</label>
        <input
            id="offer-seconds"
            type="number"
            min="5"
            max="600"
            prop:value=move || settings.with(|s| s.offer_seconds.to_string())
            on:input:target=move |ev| {
                if let Ok(n) = ev.target().value().parse() {
                    settings.update(|s| s.offer_seconds = n);
                }
            }
        />
        <fieldset class="greetings">
            <legend>{text::SENSITIVE}</legend>
            <p class="hint">{text::SENSITIVE_HINT}</p>
            {sensitive}
        </fieldset>
        <fieldset class="greetings">
            <legend>{text::HOURS}</legend>
            <label class="check">
                <input type="checkbox" prop:checked=fields.hours_on on:change:target=move |ev| fields.hours_on.set(ev.target().checked()) />
                {text::HOURS_ON}
            </label>
            <div class="hours" hidden=move || !fields.hours_on.get()>
                <label for="time-zone">{text::TIME_ZONE}</label>
                <input id="time-zone" type="text" list="time-zones" prop:value=fields.time_zone on:input:target=move |ev| fields.time_zone.set(ev.target().value()) />
                <datalist id="time-zones">{zones}</datalist>
                <p class="hint">{text::HOURS_HINT}</p>
                {days}
            </div>
        </fieldset>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_and_write_as_owners_type_them() {
        assert_eq!(parse_spans("09:00-18:00"), Ok(vec![[540, 1080]]));
        assert_eq!(
            parse_spans(" 9:00 – 13:00 , 14:00-18:30"),
            Ok(vec![[540, 780], [840, 1110]])
        );
        assert_eq!(parse_spans(""), Ok(vec![]));
        assert_eq!(parse_spans("00:00-24:00"), Ok(vec![[0, 1440]]));
        for bad in ["18:00-09:00", "9-5", "09:00", "25:00-26:00", "09:60-10:00"] {
            assert!(parse_spans(bad).is_err(), "{bad}");
        }
        assert_eq!(
            format_spans(&[[540, 780], [840, 1110]]),
            "09:00-13:00, 14:00-18:30"
        );
    }
}
