//! The signed-in screen: a header, the inbox on the left, the selected
//! conversation on the right.

use leptos::prelude::*;
use warmline_shared::api::Me;

use crate::browser;
use crate::desk::Desk;
use crate::inbox::Inbox;
use crate::text;
use crate::thread::Thread;

/// How often relative times ("5 min") are redrawn.
const TICK_MS: u64 = 30_000;

#[component]
pub fn Workspace(desk: Desk, agent: Me, on_sign_out: impl Fn() + Copy + 'static) -> impl IntoView {
    let now = RwSignal::new(js_sys::Date::now());
    if let Ok(tick) = set_interval_with_handle(
        move || now.set(js_sys::Date::now()),
        std::time::Duration::from_millis(TICK_MS),
    ) {
        on_cleanup(move || tick.clear());
    }

    // Someone guessing at this account is something its owner must notice.
    let warning = RwSignal::new(
        (agent.failed_sign_ins > 0).then(|| text::failed_sign_ins(agent.failed_sign_ins)),
    );

    // Unread conversations in the tab title, for an agent in another tab.
    Effect::new(move |_| {
        browser::set_title(&text::title(desk.unread_count()));
    });

    view! {
        <div class="workspace">
            <header class="top">
                <span class="brand">{text::BRAND}</span>
                <span class="me" title=agent.email>
                    {agent.name.clone()}
                </span>
                <button type="button" class="button quiet" on:click=move |_| on_sign_out()>
                    {text::SIGN_OUT}
                </button>
            </header>
            {move || {
                warning
                    .get()
                    .map(|warning_text| {
                        view! {
                            <p class="notice warning" role="alert">
                                {warning_text} " "
                                <button type="button" class="retry" on:click=move |_| warning.set(None)>
                                    {text::DISMISS}
                                </button>
                            </p>
                        }
                    })
            }}
            <div class="desk" class:has-selection=move || desk.selected.get().is_some()>
                <Inbox desk now />
                <Thread desk me=agent.name />
            </div>
        </div>
    }
}
