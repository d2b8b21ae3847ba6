//! Self-help in the panel: "Common questions" and a search box whose results
//! come as the visitor types, and an article with its video, "Did this
//! answer your question?" and a way to a person. The relay searches, renders
//! and sanitises; the widget only asks and shows, so help adds little to
//! what every visitor downloads. Plain DOM, like the panel's other fixed
//! parts, updated from one effect and the input's own events rather than
//! with signals of its own (each kind of signal costs bytes).

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::*;
use warmline_shared::api::ArticleLink;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Element, HtmlElement};

use crate::chat::{Chat, View};
use crate::dom;
use crate::files::fetch;
use crate::text::Words;
use crate::wire::{self, Json};

/// How long typing pauses before the search goes out (ms).
const PAUSE_MS: u64 = 200;

async fn get(url: &str, method: &str) -> Option<JsValue> {
    let response = fetch(url, method, None, None).await.filter(|r| r.ok())?;
    JsFuture::from(response.json().ok()?).await.ok()
}

/// Asks the relay's help for `path` and hands the answer, if it has one,
/// to `then` (one future for every request keeps the code small).
fn load(chat: Chat, path: &str, method: &'static str, then: Box<dyn FnOnce(JsValue)>) {
    let url = chat.help_url(path);
    leptos::task::spawn_local(async move {
        if let Some(answer) = get(&url, method).await {
            then(answer);
        }
    });
}

/// Lists articles as buttons that open them.
pub fn links(list: &Element, items: &[ArticleLink], chat: Chat) {
    list.set_text_content(None);
    for item in items {
        let button = dom::el(&dom::el(list, "li", ""), "button", "link");
        dom::set(&button, "type", "button");
        dom::el(&button, "span", "").set_text_content(Some(&item.title));
        if !item.snippet.is_empty() {
            dom::el(&button, "small", "").set_text_content(Some(&item.snippet));
        }
        let id = item.id;
        dom::on(
            &button,
            "click",
            Box::new(move |_| chat.go(View::Article(id))),
        );
    }
}

/// "Did this answer your question?" with yes and no: under an article and
/// under the bot's suggestions. Yes thanks the visitor in its place and
/// calls `yes`; no calls `no` (which asks for a person).
pub fn ask(parent: &Element, words: Words, yes: Box<dyn Fn()>, no: Box<dyn Fn()>) {
    let group = dom::el(parent, "div", "ask");
    dom::set(&group, "role", "group");
    let question = words.get("did_it_help");
    dom::set(&group, "aria-label", &question);
    dom::el(&group, "p", "").set_text_content(Some(&question));
    let answered = group.clone();
    dom::on(
        &button(&group, "", "yes_thanks", words),
        "click",
        Box::new(move |_| {
            answered.set_text_content(Some(&words.get("glad")));
            dom::set(&answered, "role", "status");
            yes();
        }),
    );
    dom::on(
        &button(&group, "", "no_person", words),
        "click",
        Box::new(move |_| no()),
    );
}

/// A button with the catalogue's words for `key`.
fn button(parent: &Element, class: &str, key: &'static str, words: Words) -> HtmlElement {
    let button = dom::el(parent, "button", class);
    dom::set(&button, "type", "button");
    dom::text(&button, words.signal(key));
    button
}

/// Draws help into `parent`, shown when the chat's view says so.
pub fn draw(parent: &Element, chat: Chat, words: Words) {
    let home = dom::el(parent, "div", "help");
    let input = dom::el(&home, "input", "search").unchecked_into::<web_sys::HtmlInputElement>();
    dom::set(&input, "type", "search");
    dom::set(&input, "autocomplete", "off");
    dom::attr(&input, "aria-label", words.signal("search"));
    dom::attr(&input, "placeholder", words.signal("search"));
    // Over the common questions; search results need no heading.
    let heading = dom::el(&home, "h3", "");
    dom::text(&heading, words.signal("common_questions"));
    let list = dom::el(&home, "ul", "links");
    dom::set(&list, "aria-live", "polite");
    let none = dom::el(&home, "p", "none");
    dom::text(&none, words.signal("no_results"));
    none.set_hidden(true);
    // Shows a list: the common questions, or what a search found.
    let show = {
        let (heading, list, none) = (heading.clone(), list.clone(), none.clone());
        move |items: Vec<ArticleLink>, searched: bool| {
            heading.set_hidden(searched);
            none.set_hidden(!searched || !items.is_empty());
            links(&list, &items, chat);
        }
    };

    let page = dom::el(parent, "div", "article");
    let back = button(&page, "back", "back", words);
    dom::on(
        &back,
        "click",
        Box::new(move |_| {
            let to = chat.state.read_untracked().back;
            chat.go(to)
        }),
    );
    let body = dom::el(&page, "div", "body");
    let related_heading = dom::el(&page, "h4", "");
    dom::text(&related_heading, words.signal("related"));
    let related = dom::el(&page, "ul", "links");

    // The article shown.
    let shown = Rc::new(Cell::new(0i64));
    // Tells the relay whether the article helped; "no" also asks for a person.
    let feedback = move |id: i64, helpful: bool| {
        let answer = if helpful { "true" } else { "false" };
        let path = ["/articles/", &id.to_string(), "/feedback?helpful=", answer].concat();
        // Nothing comes back to read: 204.
        load(chat, &path, "POST", Box::new(|_| {}));
        if !helpful {
            chat.ask_person(Some(id), false, words);
        }
    };

    // The common questions as last loaded, and in which language.
    let common: Rc<RefCell<Vec<ArticleLink>>> = Rc::default();
    let mut common_lang = String::new();
    let (show_common, kept) = (show.clone(), common.clone());
    Effect::new(move |_| {
        let (view, open) = {
            let state = chat.state.read();
            (state.view, state.open)
        };
        home.set_hidden(view != View::Home);
        page.set_hidden(!matches!(view, View::Article(_)));
        let lang = words.get("lang");
        if open && view == View::Home && lang != common_lang {
            common_lang = lang.clone();
            let (show, kept) = (show_common.clone(), kept.clone());
            load(
                chat,
                &["/common?lang=", &lang].concat(),
                "GET",
                Box::new(move |body| {
                    let items = wire::links(&body);
                    kept.replace(items.clone());
                    show(items, false);
                }),
            );
        }
        let View::Article(id) = view else { return };
        if id == shown.get() {
            return;
        }
        shown.set(id);
        crate::visit::read(chat, id);
        body.set_text_content(None);
        related.set_text_content(None);
        related_heading.set_hidden(true);
        let (body, related, heading, page) = (
            body.clone(),
            related.clone(),
            related_heading.clone(),
            page.clone(),
        );
        load(
            chat,
            &["/articles/", &id.to_string()].concat(),
            "GET",
            Box::new(move |answer| {
                let title = dom::el(&body, "h3", "");
                dom::set(&title, "tabindex", "-1");
                title.set_text_content(answer.field("title").and_then(|t| t.string()).as_deref());
                dom::html(
                    &dom::el(&body, "div", ""),
                    &answer
                        .field("html")
                        .and_then(|h| h.string())
                        .unwrap_or_default(),
                );
                ask(
                    &body,
                    words,
                    Box::new(move || feedback(id, true)),
                    Box::new(move || feedback(id, false)),
                );
                let items = answer
                    .field("related")
                    .map(|r| wire::links(&r))
                    .unwrap_or_default();
                heading.set_hidden(items.is_empty());
                links(&related, &items, chat);
                page.set_scroll_top(0);
                let _ = title.focus();
            }),
        );
    });

    // Searches as the visitor types, once typing pauses.
    let typed = Rc::new(Cell::new(0u32));
    let field = input.clone();
    dom::on(
        &input,
        "input",
        Box::new(move |_| {
            let query = field.value();
            let query = query.trim().to_owned();
            let this = typed.get() + 1;
            typed.set(this);
            let (typed, show, common) = (typed.clone(), show.clone(), common.clone());
            set_timeout(
                move || {
                    if typed.get() != this {
                        return;
                    }
                    if query.is_empty() {
                        show(common.borrow().clone(), false);
                        return;
                    }
                    let q = String::from(js_sys::encode_uri_component(&query));
                    let path = ["/search?lang=", &words.get("lang"), "&q=", &q].concat();
                    load(
                        chat,
                        &path,
                        "GET",
                        Box::new(move |body| {
                            if typed.get() == this {
                                show(wire::links(&body), true);
                            }
                        }),
                    );
                },
                Duration::from_millis(PAUSE_MS),
            );
        }),
    );
}
