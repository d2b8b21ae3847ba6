//! The message log: one conversation's lines, kept scrolled to the newest
//! while the reader is there.

use leptos::html;
use leptos::prelude::*;
use warmline_shared::transcript::{Entry, PendingStatus};
use warmline_shared::{Attachment, Author, Seq, display_text};

use super::lines::{Line, Place};
use super::{Texts, fill};

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
    #[prop(into)] lines: Signal<Vec<Line>>,
    texts: Texts,
    follow: Follow,
    /// Called with the client id of a refused message to send again.
    #[prop(into)]
    on_retry: Callback<String>,
    /// Formats a message's time (ms since the epoch) for its heading;
    /// without it, headings show only the name.
    #[prop(optional)]
    time: Option<Callback<i64, String>>,
    /// The seq of this person's message to mark "Seen": the newest one the
    /// other side has read.
    #[prop(optional, into)]
    seen: Option<Signal<Option<Seq>>>,
    /// A greeting above the first message.
    #[prop(optional, into)]
    intro: Option<Signal<String>>,
    /// Where a message's file can be fetched (the widget fetches with the
    /// visitor's token and gives a `blob:` address; the console uses the
    /// relay's address, its cookie does the rest). Empty until ready.
    #[prop(optional)]
    file_url: Option<Callback<Attachment, Signal<String>>>,
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
    let look = Look {
        texts,
        time,
        seen,
        file_url,
    };

    // A log is a polite live region by its role; the apps announce what is
    // worth hearing themselves, so it does not read out every line (the
    // person's own included) as it is drawn.
    view! { class="wl",
        <div
            class="log"
            role="log"
            aria-live="off"
            aria-label=texts.signal("log")
            tabindex="0"
            node_ref=log
            on:scroll=on_scroll
        >
            {intro.map(|intro| view! { class="wl", <p class="intro">{intro}</p> })}
            <For
                each=move || lines.get()
                key=|line| line.key()
                children=move |line| view_line(line, look, on_retry)
            />
        </div>
    }
}

/// How the app wants lines drawn.
#[derive(Clone, Copy)]
struct Look {
    texts: Texts,
    time: Option<Callback<i64, String>>,
    seen: Option<Signal<Option<Seq>>>,
    file_url: Option<Callback<Attachment, Signal<String>>>,
}

/// Up to two letters for an author's badge: "Nino Beridze" → "NB".
pub fn initials(name: &str) -> String {
    name.split_whitespace()
        .take(2)
        .filter_map(|word| word.chars().next())
        .flat_map(char::to_uppercase)
        .collect()
}

fn view_line(line: Line, look: Look, on_retry: Callback<String>) -> impl IntoView {
    let texts = look.texts;
    // One class string and one note text per line, rather than a toggle per
    // class and a view per kind of note: every distinct view type here is
    // code that every visitor downloads.
    let mut class = String::from("line");
    class.push_str(match line.place {
        Place::Mine => " mine",
        Place::Theirs => " theirs",
        Place::Notice => " system",
    });
    let (status, seq, sent_at) = match &line.entry {
        Entry::Pending(p) => (Some(p.status), None, None),
        Entry::Stored(m) => {
            if matches!(m.author, Author::Bot { .. }) {
                class.push_str(" bot");
            }
            (None, Some(m.seq), Some(m.sent_at))
        }
    };
    if status == Some(PendingStatus::Sending) {
        class.push_str(" pending");
    }
    let refused = match (&line.entry, status) {
        (Entry::Pending(p), Some(PendingStatus::Refused(_))) => Some(p.client_id.clone()),
        _ => None,
    };
    let mine = line.place == Place::Mine;
    let seen = look.seen;
    let note = Signal::derive(move || match status {
        Some(PendingStatus::Sending) => texts.get("sending"),
        Some(PendingStatus::Refused(code)) => {
            [texts.get("not_sent"), texts.refusal.run(code)].join(" ")
        }
        _ if mine && seq.is_some() && seen.is_some_and(|seen| seen.get() == seq) => {
            texts.get("seen")
        }
        _ => String::new(),
    });
    let time = look.time.zip(sent_at).map(|(time, ms)| time.run(ms));
    let author = line.author.map(|name| display_text(&name).into_owned());
    // What a screen reader hears first on every line: who, and when. The
    // visible heading repeats it for the eye only.
    let said = {
        let author = author.clone();
        let time = time.clone();
        Signal::derive(move || {
            let who = match &author {
                Some(name) => fill(&texts.get("said"), "name", name),
                None if line.place == Place::Notice => String::new(),
                None => texts.get("you_said"),
            };
            match &time {
                _ if who.is_empty() => String::new(),
                Some(time) => [who.as_str(), ", ", time, ": "].concat(),
                None => [who.as_str(), ": "].concat(),
            }
        })
    };
    let heading = author.filter(|_| line.heading).map(|name| {
        let badge = if line.place == Place::Theirs {
            initials(&name)
        } else {
            String::new()
        };
        view! { class="wl",
            <span class="author" aria-hidden="true">
                <span class="avatar">{badge}</span>
                <span class="name">{name}</span>
                <span class="time">{time.unwrap_or_default()}</span>
            </span>
        }
    });
    let retry = refused.map(|client_id| {
        view! { class="wl",
            <button type="button" class="retry" on:click=move |_| on_retry.run(client_id.clone())>
                {texts.signal("retry")}
            </button>
        }
    });
    let attachment = match &line.entry {
        Entry::Stored(m) => m.attachment.clone(),
        Entry::Pending(_) => None,
    };
    // A file sent on its own carries its name as the text; it shows once.
    let named_by_file = attachment
        .as_ref()
        .is_some_and(|file| file.name == line.entry.text());
    let file = attachment.zip(look.file_url).map(|(file, url)| {
        let href = url.run(file.clone());
        // Images show inline; other files are a link that downloads.
        let image = file.mime.starts_with("image/").then(|| {
            view! { class="wl", <img src=href alt=file.name.clone() /> }
        });
        view! { class="wl",
            <a class="file" href=href download=file.name.clone() target="_blank" rel="noopener">
                {image}
                <span>{file.name.clone()}</span>
            </a>
        }
    });
    let text = if named_by_file {
        String::new()
    } else {
        display_text(line.entry.text()).into_owned()
    };
    // Articles the bot offered (or the visitor read before asking for a
    // person), and whether they asked for one.
    let (articles, wants_person) = match &line.entry {
        Entry::Stored(m) => (m.articles.clone(), m.wants_person),
        Entry::Pending(_) => (Vec::new(), false),
    };
    let articles = (!articles.is_empty()).then(|| {
        view! { class="wl",
            <ul class="articles">
                {articles.into_iter().map(|a| view! { class="wl", <li>{a.title}</li> }).collect_view()}
            </ul>
        }
    });
    let person = wants_person.then(|| {
        view! { class="wl", <span class="wants-person">{texts.signal("asked_for_person")}</span> }
    });
    // Choices offered with the message, and a visitor's pick among them.
    let (options, picked) = match &line.entry {
        Entry::Stored(m) => (m.options.clone(), m.picked.is_some()),
        Entry::Pending(_) => (Vec::new(), false),
    };
    let options = (!options.is_empty()).then(|| {
        view! { class="wl",
            <ul class="options" aria-label=texts.signal("offered")>
                {options.into_iter().map(|o| view! { class="wl", <li>{o}</li> }).collect_view()}
            </ul>
        }
    });
    let picked = picked.then(|| {
        view! { class="wl", <span class="picked">{texts.signal("picked")}</span> }
    });
    view! { class="wl",
        <div class=class>
            {heading}
            <p class="bubble">
                <span class="sr">{said}</span>
                {file}
                <span>{text}</span>
                {articles}
                {options}
            </p>
            {person}
            {picked}
            <span class=if retry.is_some() { "note refused" } else { "note" }>{note}</span>
            {retry}
        </div>
    }
}
