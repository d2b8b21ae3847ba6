//! The signed-in screen: a header, the inbox on the left, the selected
//! conversation on the right.

use leptos::prelude::*;
use warmline_shared::api::Me;

use leptos::task::spawn_local;
use warmline_shared::api::SwitchSite;

use crate::api;
use crate::browser;
use crate::desk::Desk;
use crate::handoff::AvailabilityPicker;
use crate::inbox::Inbox;
use crate::knowledge::Knowledge;
use crate::settings::Settings;
use crate::text;
use crate::thread::Thread;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Page {
    Conversations,
    Help,
    Settings,
}

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

    desk.me.set(Some(agent.id));
    desk.site_name.set(agent.site.name.clone());
    desk.load_canned();
    let owner = agent.site.role == "owner";
    let page = RwSignal::new(Page::Conversations);
    let switch = move |site_id: String| {
        spawn_local(async move {
            let body = SwitchSite { site_id };
            if api::send::<_, Me>("POST", "/api/agent/site", &body)
                .await
                .is_ok()
            {
                browser::reload();
            }
        });
    };
    let current_site = agent.site.id.clone();
    let sites = agent
        .sites
        .iter()
        .map(|site| {
            let selected = site.id == current_site;
            view! { <option value=site.id.clone() selected=selected>{site.name.clone()}</option> }
        })
        .collect_view();
    let me = agent.clone();

    view! {
        <div class="workspace">
            <header class="top">
                <span class="brand">{text::BRAND}</span>
                <label class="site-pick">
                    <span class="sr">{text::SITE}</span>
                    <select on:change:target=move |ev| switch(ev.target().value())>{sites}</select>
                </label>
                <nav class="views">
                    <button
                        type="button"
                        class="button quiet"
                        aria-pressed=move || (page.get() == Page::Conversations).to_string()
                        on:click=move |_| page.set(Page::Conversations)
                    >
                        {text::CONVERSATIONS_VIEW}
                    </button>
                    {owner.then(|| view! {
                        <button
                            type="button"
                            class="button quiet"
                            aria-pressed=move || (page.get() == Page::Help).to_string()
                            on:click=move |_| page.set(Page::Help)
                        >
                            {text::HELP_VIEW}
                        </button>
                        <button
                            type="button"
                            class="button quiet"
                            aria-pressed=move || (page.get() == Page::Settings).to_string()
                            on:click=move |_| page.set(Page::Settings)
                        >
                            {text::SETTINGS}
                        </button>
                    })}
                </nav>
                <AvailabilityPicker desk />
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
            <div
                class="desk"
                class:has-selection=move || desk.selected.get().is_some()
                hidden=move || page.get() != Page::Conversations
            >
                <Inbox desk now />
                <Thread desk me=agent.name now />
            </div>
            {move || (page.get() == Page::Help).then(|| view! { <Knowledge /> })}
            {move || (page.get() == Page::Settings).then(|| view! { <Settings me=me.clone() /> })}
        </div>
    }
}
