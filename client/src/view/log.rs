//! The message log: one conversation's lines, kept scrolled to the newest
//! while the reader is there.

use leptos::html;
use leptos::prelude::*;
use warmline_shared::transcript::{Entry, PendingStatus};
use warmline_shared::{Author, display_text};

use super::Texts;
use super::lines::{Line, Place};

/// How close to the bottom (px) still counts as reading the newest, so new
/// messages scroll into view; further up, the reader is reading history and
/// is left alone.
const PIN_SLACK_PX: i32 = 48;

/// Whether the log keeps the newest message in view: while the reader is at
/// the bottom, and again as soon as they send something. The app gives the
/// same one to its log and its composer.
#[derive(Clone, Copy)]
pub struct Follow(StoredValue<bool>);

impl Default for Follow {
    fn default() -> Self {
        Self(StoredValue::new(true))
    }
}

impl Follow {
    pub(crate) fn resume(&self) {
        self.0.set_value(true);
    }
}

#[component]
pub fn MessageLog(
    lines: Memo<Vec<Line>>,
    texts: Texts,
    follow: Follow,
    /// Called with the client id of a refused message to send again.
    #[prop(into)]
    on_retry: Callback<String>,
    /// Formats a message's time (ms since the epoch) for its heading;
    /// without it, headings show only the name.
    #[prop(optional)]
    time: Option<fn(i64) -> String>,
    /// Shown above the first message.
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    let log = NodeRef::<html::Div>::new();

    // Runs after the list has been redrawn, so the height is already new.
    Effect::new(move |_| {
        lines.track();
        if follow.0.get_value()
            && let Some(log) = log.get()
        {
            log.set_scroll_top(log.scroll_height());
        }
    });

    let on_scroll = move |_| {
        if let Some(log) = log.get_untracked() {
            let bottom = log.scroll_top() + log.client_height();
            follow
                .0
                .set_value(bottom >= log.scroll_height() - PIN_SLACK_PX);
        }
    };

    view! { class="wl",
        <div
            class="log"
            role="log"
            aria-live="polite"
            aria-label=texts.log
            node_ref=log
            on:scroll=on_scroll
        >
            {children.map(|children| children())}
            <For
                each=move || lines.get()
                key=|line| line.key()
                children=move |line| view_line(line, texts, on_retry, time)
            />
        </div>
    }
}

fn view_line(
    line: Line,
    texts: Texts,
    on_retry: Callback<String>,
    time: Option<fn(i64) -> String>,
) -> impl IntoView {
    let note = match &line.entry {
        Entry::Pending(p) => match p.status {
            PendingStatus::Sending => {
                Some(view! { class="wl", <span class="note">{texts.sending}</span> }.into_any())
            }
            PendingStatus::Sent { .. } => None,
            PendingStatus::Refused(code) => {
                let client_id = p.client_id.clone();
                Some(
                    view! { class="wl",
                        <span class="note refused">
                            {texts.not_sent} " " {(texts.refusal)(code)} " "
                            <button
                                type="button"
                                class="retry"
                                on:click=move |_| on_retry.run(client_id.clone())
                            >
                                {texts.retry}
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
    let (bot, sent_at) = match &line.entry {
        Entry::Stored(m) => (matches!(m.author, Author::Bot { .. }), Some(m.sent_at)),
        Entry::Pending(_) => (false, None),
    };
    let heading = line.heading.map(|name| {
        let name = display_text(&name).into_owned();
        let time = time
            .zip(sent_at)
            .map(|(time, ms)| view! { class="wl", <span class="time">{time(ms)}</span> });
        view! { class="wl", <span class="author">{name}{time}</span> }
    });
    let text = display_text(line.entry.text()).into_owned();
    view! { class="wl",
        <div
            class="line"
            class:mine=line.place == Place::Mine
            class:theirs=line.place == Place::Theirs
            class:system=line.place == Place::Notice
            class:bot=bot
            class:pending=pending
        >
            {heading}
            <p class="bubble">{text}</p>
            {note}
        </div>
    }
}
