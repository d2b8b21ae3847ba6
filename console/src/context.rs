//! Who the agent is talking to, at a glance, beside the conversation: name
//! (verified or not), where they are and have been this visit, language,
//! device, their local time, earlier conversations (openable), the articles
//! they read and what the bot already said, the frustration signals, and
//! their ratings. Loaded from the relay again whenever the conversation
//! has news.

use leptos::prelude::*;
use leptos::task::spawn_local;
use warmline_shared::care::{Feedback, VisitorContext};
use warmline_shared::{ConversationId, display_text};

use crate::api;
use crate::clock;
use crate::desk::Desk;
use crate::inbox::signals;
use crate::text;

/// How often the panel looks again without news (ms).
const REFRESH_MS: f64 = 20_000.0;

#[component]
pub fn VisitorPanel(desk: Desk, id: ConversationId, now: Signal<f64>) -> impl IntoView {
    let context = RwSignal::new(None::<VisitorContext>);
    // Again on the conversation's news, and now and then for where they are.
    let news = move || {
        let every = (now.get() / REFRESH_MS).floor() as i64;
        (desk.summary(id).map(|c| (c.updated_at, c.rating)), every)
    };
    Effect::new(move |_| {
        news();
        spawn_local(async move {
            let url = format!("/api/conversations/{id}/context");
            if let Ok(found) = api::get::<VisitorContext>(&url).await {
                context.set(Some(found));
            }
        });
    });
    view! {
        <aside class="context" aria-label=text::ABOUT_VISITOR>
            <h3>{text::ABOUT_VISITOR}</h3>
            {move || context.get().map(|c| view! { <Facts desk context=c now /> })}
        </aside>
    }
}

#[component]
fn Facts(desk: Desk, context: VisitorContext, now: Signal<f64>) -> impl IntoView {
    let collect = context.collect;
    let name = view! {
        <p class="who">
            <strong>{display_text(&context.visitor).into_owned()}</strong>
            {text::name_badge(context.name_source)}
        </p>
    };
    let email = context
        .email
        .clone()
        .map(|e| view! { <p class="fact">{e}</p> });
    let mut facts: Vec<(&'static str, String)> =
        vec![(text::SPEAKS, text::language(&context.lang))];
    if let Some(device) = &context.device {
        let what = match &context.browser {
            Some(browser) => format!("{device} · {browser}"),
            None => device.clone(),
        };
        facts.push((text::DEVICE, what));
    }
    if let Some(referrer) = &context.referrer {
        facts.push((text::REFERRER, referrer.clone()));
    }
    let zone = context.time_zone.clone();
    let local_time = zone.map(|zone| {
        let shown = zone.clone();
        view! {
            <div class="fact-row">
                <dt>{text::LOCAL_TIME}</dt>
                <dd>{move || clock::time_in(now.get(), &zone)} " " <span class="muted">{shown.clone()}</span></dd>
            </div>
        }
    });
    let facts = facts
        .into_iter()
        .map(
            |(label, value)| view! { <div class="fact-row"><dt>{label}</dt><dd>{value}</dd></div> },
        )
        .collect_view();
    let pages = (!context.pages.is_empty()).then(|| {
        let items = context
            .pages
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let title = if p.title.is_empty() { p.url.clone() } else { p.title.clone() };
                let current = (i == 0).then_some(text::NOW_HERE);
                view! {
                    <li>
                        <a href=p.url.clone() target="_blank" rel="noopener noreferrer" title=p.url.clone()>{title}</a>
                        " " <span class="muted">{current}</span>
                    </li>
                }
            })
            .collect_view();
        view! { <h4>{text::PAGES}</h4> <ol class="pages">{items}</ol> }
    });
    let articles = (!context.articles_read.is_empty()).then(|| {
        let items = context
            .articles_read
            .iter()
            .map(|a| view! { <li>{a.title.clone()}</li> })
            .collect_view();
        view! { <h4>{text::ARTICLES_READ}</h4> <ul class="read">{items}</ul> }
    });
    let bot = (!context.bot_said.is_empty()).then(|| {
        let items = context
            .bot_said
            .iter()
            .map(|said| view! { <li>{display_text(said).into_owned()}</li> })
            .collect_view();
        view! { <h4>{text::BOT_SAID}</h4> <ul class="bot-said">{items}</ul> }
    });
    let earlier = (!context.earlier.is_empty()).then(|| {
        let items = context
            .earlier
            .iter()
            .map(|c| {
                let open = c.clone();
                let when = clock::ago(now.get_untracked(), c.updated_at);
                let label = c
                    .last_text
                    .clone()
                    .unwrap_or_else(|| text::state(c.state).to_owned());
                let rating = c.rating.map(stars);
                view! {
                    <li>
                        <button type="button" class="link" on:click=move |_| {
                            // Known to the inbox first, so the thread can head it.
                            desk.upsert(open.clone());
                            desk.select(open.id);
                        }>
                            {display_text(&label).into_owned()}
                        </button>
                        " " <span class="muted">{when} " " {rating}</span>
                    </li>
                }
            })
            .collect_view();
        view! { <h4>{text::EARLIER}</h4> <ul class="earlier">{items}</ul> }
    });
    let feedback = (!context.feedback.is_empty()).then(|| {
        let items = context
            .feedback
            .iter()
            .map(|f| view! { <FeedbackItem feedback=f.clone() /> })
            .collect_view();
        view! { <h4>{text::FEEDBACK}</h4> <ul class="feedback-list">{items}</ul> }
    });
    let signals =
        signals(&context.frustration).map(|chips| view! { <h4>{text::SIGNALS}</h4> {chips} });
    let not_collected =
        (!collect.any()).then(|| view! { <p class="muted">{text::NOTHING_COLLECTED}</p> });
    view! {
        {name}
        {email}
        <dl class="facts">{facts}{local_time}</dl>
        {signals}
        {pages}
        {articles}
        {bot}
        {earlier}
        {feedback}
        {not_collected}
    }
}

/// "★★★★☆" for a rating of 4, with the number for screen readers.
pub fn stars(rating: u8) -> impl IntoView {
    let shown: String = (1..=5)
        .map(|n| if n <= rating { '★' } else { '☆' })
        .collect();
    view! {
        <span class="stars" title=text::rated(rating)>
            <span aria-hidden="true">{shown}</span>
            <span class="sr">{text::rated(rating)}</span>
        </span>
    }
}

/// One rating with its comment, the thank-you given, and the owner's answer.
#[component]
fn FeedbackItem(feedback: Feedback) -> impl IntoView {
    let comment = (!feedback.comment.is_empty())
        .then(|| view! { <q>{display_text(&feedback.comment).into_owned()}</q> });
    let answer = feedback
        .answer
        .clone()
        .map(|a| view! { <p class="muted">{text::answered(&a)}</p> });
    view! {
        <li>
            {stars(feedback.rating)} " " {comment}
            {answer}
        </li>
    }
}
