//! Where the visitor has been in this tab, for the agents' context panel,
//! reported only as far as the site collects it (`Welcomed::collect`). The
//! loader, which runs on every page, keeps the pages in the tab's session
//! storage (the app starts only when the chat is opened); the app adds the
//! help articles opened and the time zone, and sends it all as one frame.

use leptos::prelude::*;
use warmline_client::view::number;
use warmline_shared::VisitorFrame;
use warmline_shared::care::PageView;

use crate::chat::Chat;
use crate::wire::Json;

/// How many articles are remembered per visit.
const MAX_ARTICLES: usize = 20;

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

fn load(key: &str) -> Option<String> {
    session_storage()?.get_item(key).ok().flatten()
}

/// The frame reporting this visit, or `None` if the site collects nothing.
pub fn frame(chat: Chat) -> Option<VisitorFrame> {
    let collect = chat.state.read_untracked().me.collect;
    if !collect.any() {
        return None;
    }
    let mut pages = Vec::new();
    let mut referrer = None;
    if collect.pages
        && let Some(visit) = load(&chat.key("visit")).and_then(|v| js_sys::JSON::parse(&v).ok())
    {
        referrer = visit.field("referrer").and_then(|r| r.string());
        for page in visit.field("pages").map(|p| p.items()).unwrap_or_default() {
            if let (Some(url), Some(at)) = (page.field("url"), page.field("at")) {
                pages.push(PageView {
                    url: url.string().unwrap_or_default(),
                    title: page
                        .field("title")
                        .and_then(|t| t.string())
                        .unwrap_or_default(),
                    at: at.number().unwrap_or_default() as i64,
                });
            }
        }
    }
    let time_zone = collect.local_time.then(time_zone).flatten();
    let articles = if collect.articles {
        articles(chat)
    } else {
        Vec::new()
    };
    Some(VisitorFrame::Visit {
        pages,
        referrer,
        time_zone,
        articles,
    })
}

/// Tells the relay where the visitor is now (the loader saw a new page).
pub fn report(chat: Chat) {
    if let Some(frame) = frame(chat) {
        chat.link.post(frame);
    }
}

/// The visitor opened help article `id`.
pub fn read(chat: Chat, id: i64) {
    if !chat.state.read_untracked().me.collect.articles {
        return;
    }
    let mut ids = articles(chat);
    ids.retain(|a| *a != id);
    ids.push(id);
    let start = ids.len().saturating_sub(MAX_ARTICLES);
    let text: Vec<String> = ids[start..]
        .iter()
        .map(|id| number(id.unsigned_abs()))
        .collect();
    if let Some(storage) = session_storage() {
        let _ = storage.set_item(&chat.key("articles"), &text.join(","));
    }
    report(chat);
}

fn articles(chat: Chat) -> Vec<i64> {
    load(&chat.key("articles"))
        .unwrap_or_default()
        .split(',')
        .filter_map(|id| id.parse().ok())
        .collect()
}

/// The visitor's time zone as the browser names it (`Asia/Tbilisi`).
fn time_zone() -> Option<String> {
    let format = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new());
    format.resolved_options().field("timeZone")?.string()
}
