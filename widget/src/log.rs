//! The widget's message log, in plain DOM. The console shows the same lines
//! with the shared Leptos `MessageLog`; here, where every byte is downloaded
//! by every visitor, a line is built once with DOM calls and kept by its
//! key, and each change of the transcript puts the kept and new lines in
//! order with one `replaceChildren`. A line that changes (sent → stored,
//! refused, seen, gains a heading) has a new key and is built again.

use std::collections::HashMap;

use leptos::prelude::*;
use warmline_client::view::{Line, Place, RenderKey, fill, initials};
use warmline_shared::transcript::{Entry, PendingStatus};
use warmline_shared::{Author, Seq, display_text};
use web_sys::{Element, HtmlElement};

use crate::browser;
use crate::chat::Chat;
use crate::dom;
use crate::help;
use crate::text::{Words, refusal_key};

/// How close to the bottom (px) still counts as reading the newest, so new
/// messages scroll into view; further up, the reader is left alone.
const PIN_SLACK_PX: i32 = 48;

/// A line's look: its content, heading, "Seen", the bot's question, and
/// the pick made among its choices.
type Key = (RenderKey, bool, bool, bool, Option<String>);

/// Draws the log into `parent`; `lines` are the transcript's lines and
/// `seen` the seq of the visitor's message to mark "Seen".
pub fn draw(
    parent: &Element,
    chat: Chat,
    words: Words,
    lines: Signal<Vec<Line>>,
    seen: Signal<Option<Seq>>,
    intro: Signal<String>,
) {
    let log = dom::el(parent, "div", "log");
    dom::set(&log, "role", "log");
    dom::set(&log, "tabindex", "0");
    dom::attr(&log, "aria-label", words.signal("log"));
    let greeting = dom::el(&log, "p", "intro");
    dom::text(&greeting, intro);
    let mut kept: HashMap<Key, HtmlElement> = HashMap::new();
    let mut lang = String::new();
    Effect::new(move |_| {
        let lines = lines.get();
        let seen = seen.get();
        // Lines are built in the catalogue's words: a new language rebuilds them.
        let now = words.get("lang");
        if now != lang {
            kept.clear();
            lang = now;
        }
        let bottom = log.scroll_top() + log.client_height() >= log.scroll_height() - PIN_SLACK_PX;
        let order = js_sys::Array::new();
        order.push(&greeting);
        let mut next = HashMap::with_capacity(lines.len());
        // The visitor's picks, with the seq of the message whose choices they
        // answer (a list: another map type would add its own code).
        let picks: Vec<(Seq, &str)> = lines
            .iter()
            .filter_map(|l| match &l.entry {
                Entry::Stored(m) => Some((m.picked?, m.text.as_str())),
                Entry::Pending(_) => None,
            })
            .collect();
        for (i, line) in lines.iter().enumerate() {
            let is_seen = matches!(&line.entry, Entry::Stored(m) if Some(m.seq) == seen && line.place == Place::Mine);
            // The bot asks whether its suggestions helped while they are the newest line.
            let asking = i + 1 == lines.len()
                && matches!(&line.entry, Entry::Stored(m) if !m.articles.is_empty() && matches!(m.author, Author::Bot { .. }));
            let picked = match &line.entry {
                Entry::Stored(m) => picks
                    .iter()
                    .find(|(seq, _)| *seq == m.seq)
                    .map(|(_, text)| (*text).to_owned()),
                Entry::Pending(_) => None,
            };
            let key = (line.key().0, line.heading, is_seen, asking, picked);
            let element = kept
                .remove(&key)
                .unwrap_or_else(|| build(line, &key.4, is_seen, asking, chat, words));
            order.push(&element);
            next.insert(key, element);
        }
        kept = next;
        log.replace_children_with_node(&order);
        // Follow the newest while the reader is there, and always after they send.
        let sent = lines
            .last()
            .is_some_and(|l| matches!(l.entry, Entry::Pending(_)));
        if bottom || sent {
            log.set_scroll_top(log.scroll_height());
        }
    });
}

fn build(
    line: &Line,
    picked: &Option<String>,
    seen: bool,
    asking: bool,
    chat: Chat,
    words: Words,
) -> HtmlElement {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .expect("the widget runs in a page");
    let holder = document.create_element("div").expect("a div");
    let row = dom::el(&holder, "div", "line");
    let mut class = String::from(match line.place {
        Place::Mine => "line mine",
        Place::Theirs => "line theirs",
        Place::Notice => "line system",
    });
    let (status, sent_at) = match &line.entry {
        Entry::Pending(p) => (Some(p.status), None),
        Entry::Stored(m) => {
            if matches!(m.author, Author::Bot { .. }) {
                class.push_str(" bot");
            }
            (None, Some(m.sent_at))
        }
    };
    row.set_class_name(&class);
    let time = sent_at
        .map(|ms| browser::time_of(ms, &words.get("lang")))
        .unwrap_or_default();
    let author = line.author.as_deref().map(|n| display_text(n).into_owned());
    if let Some(name) = author.as_ref().filter(|_| line.heading) {
        let heading = dom::el(&row, "span", "author");
        dom::set(&heading, "aria-hidden", "true");
        if line.place == Place::Theirs {
            dom::el(&heading, "span", "avatar").set_text_content(Some(&initials(name)));
        }
        dom::el(&heading, "span", "name").set_text_content(Some(name));
        if !time.is_empty() {
            dom::el(&heading, "span", "time").set_text_content(Some(&time));
        }
    }
    let bubble = dom::el(&row, "p", "bubble");
    // What a screen reader hears first on every line: who, and when.
    let who = match &author {
        Some(name) => fill(&words.get("said"), "name", name),
        None if line.place == Place::Notice => String::new(),
        None => words.get("you_said"),
    };
    if !who.is_empty() {
        let said = if time.is_empty() {
            [who.as_str(), ": "].concat()
        } else {
            [who.as_str(), ", ", &time, ": "].concat()
        };
        dom::el(&bubble, "span", "sr").set_text_content(Some(&said));
    }
    let mut text = display_text(line.entry.text()).into_owned();
    if let Entry::Stored(m) = &line.entry
        && let Some(file) = &m.attachment
    {
        let link = dom::el(&bubble, "a", "file");
        dom::set(&link, "download", &file.name);
        dom::set(&link, "target", "_blank");
        dom::set(&link, "rel", "noopener");
        let url = chat.file_url(file.clone());
        dom::attr(&link, "href", url);
        if file.mime.starts_with("image/") {
            let image = dom::el(&link, "img", "");
            dom::set(&image, "alt", &file.name);
            dom::attr(&image, "src", url);
        }
        dom::el(&link, "span", "").set_text_content(Some(&file.name));
        // A file sent on its own carries its name as the text; it shows once.
        if file.name == text {
            text.clear();
        }
    }
    dom::el(&bubble, "span", "").set_text_content(Some(&text));
    if let Entry::Stored(m) = &line.entry
        && !m.articles.is_empty()
    {
        help::links(&dom::el(&row, "ul", "links"), &m.articles, chat);
    }
    if let Entry::Stored(m) = &line.entry
        && !m.options.is_empty()
    {
        options(&row, m.seq, &m.options, picked, chat, words);
    }
    if asking {
        help::ask(
            &row,
            words,
            Box::new(|| {}),
            Box::new(move || chat.ask_person(None, true, words)),
        );
    }
    let note = match status {
        Some(PendingStatus::Sending) => {
            row.class_list().add_1("pending").ok();
            words.get("sending")
        }
        Some(PendingStatus::Refused(code)) => {
            [words.get("not_sent"), words.get(refusal_key(code))].join(" ")
        }
        _ if seen => words.get("seen"),
        _ => String::new(),
    };
    if !note.is_empty() {
        let span = dom::el(&row, "span", "note");
        span.set_text_content(Some(&note));
    }
    if let (Entry::Pending(p), Some(PendingStatus::Refused(_))) = (&line.entry, status) {
        row.class_list().add_1("refused").ok();
        let retry = dom::el(&row, "button", "retry");
        dom::set(&retry, "type", "button");
        retry.set_text_content(Some(&words.get("retry")));
        let client_id = p.client_id.clone();
        dom::on(
            &retry,
            "click",
            Box::new(move |_| chat.retry(client_id.clone())),
        );
    }
    row
}

/// The agent's choices as a group of buttons: one tap answers, and after the
/// pick every button stays, disabled, with the chosen one pressed.
fn options(
    row: &Element,
    seq: Seq,
    choices: &[String],
    picked: &Option<String>,
    chat: Chat,
    words: Words,
) {
    let group = dom::el(row, "div", "options");
    dom::set(&group, "role", "group");
    dom::set(&group, "aria-label", &words.get("options"));
    for (i, choice) in choices.iter().enumerate() {
        let button = dom::el(&group, "button", "option");
        dom::set(&button, "type", "button");
        button.set_text_content(Some(&display_text(choice)));
        match picked {
            Some(pick) => {
                dom::set(&button, "disabled", "");
                dom::set(
                    &button,
                    "aria-pressed",
                    if pick == choice { "true" } else { "false" },
                );
            }
            None => {
                dom::set(&button, "aria-pressed", "false");
                let (label, all) = (choice.clone(), group.clone());
                dom::on(
                    &button,
                    "click",
                    Box::new(move |_| {
                        // One pick: the buttons wait for the relay's answer.
                        let buttons = all.children();
                        for b in 0..buttons.length() {
                            if let Some(b) = buttons.item(b) {
                                dom::set(&b, "disabled", "");
                            }
                        }
                        chat.pick(seq, i as u32, label.clone());
                    }),
                );
            }
        }
    }
}
