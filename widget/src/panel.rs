//! The chat panel: header, conversation, and the box to write in.

use leptos::prelude::*;
use warmline_client::view::{Composer, Follow, MessageLog, group};
use warmline_shared::Author;

use crate::browser;
use crate::chat::{Chat, Status};
use crate::text;

// Every `view!` here starts with the scope class `wl`: besides marking the
// widget's elements, a scope class makes Leptos create each element itself
// instead of building static parts with `innerHTML`, which host pages that
// enforce Trusted Types block (the widget runs on other people's pages).

#[component]
pub fn Panel(chat: Chat, panel: web_sys::HtmlElement) -> impl IntoView {
    let draft = RwSignal::new(String::new());
    let follow = Follow::default();
    let lines = Memo::new(move |_| {
        chat.transcript
            .with(|t| group(t.entries(), |a| *a == Author::Visitor, name))
    });
    let unavailable = Signal::derive(move || matches!(chat.status.get(), Status::Unavailable(_)));

    let status_text = move || match chat.status.get() {
        Status::Connecting | Status::Online => "",
        Status::Reconnecting => text::RECONNECTING,
        Status::Unavailable(code) => text::refusal(code),
    };

    view! { class="wl",
        <div class="chat">
            <header class="head">
                <div class="head-text">
                    <h2 class="title">{text::TITLE}</h2>
                    <p class="subtitle">{text::SUBTITLE}</p>
                </div>
                <button
                    type="button"
                    class="minimize"
                    aria-label=text::MINIMIZE
                    title=text::MINIMIZE_HINT
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
            <MessageLog lines texts=text::VIEWS follow on_retry=move |id| chat.retry(id)>
                <p class="intro">{text::INTRO}</p>
            </MessageLog>
            <Composer
                draft
                on_edit=move |edited| draft.set(edited)
                on_send=move |message| chat.send(message)
                texts=text::VIEWS
                follow
                rows=1
                disabled=unavailable
            />
        </div>
    }
}

/// The visitor needs no name for their own lines, nor for notices.
fn name(author: &Author) -> Option<String> {
    match author {
        Author::Agent { name } | Author::Bot { name } => Some(name.clone()),
        Author::Visitor | Author::System => None,
    }
}
