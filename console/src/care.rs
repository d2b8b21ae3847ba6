//! The owner's side of visitor care: what the widget reports for the
//! context panel, the thank-you for feedback, the ratings with the comments
//! to answer, and how often each offered choice was picked.

use leptos::prelude::*;
use leptos::task::spawn_local;
use warmline_shared::care::{
    Answer, Collect, Feedback, FeedbackReport, OptionCount, RatedConversation, Reward,
};
use warmline_shared::display_text;

use crate::api;
use crate::context::stars;
use crate::text;

/// The settings form's context and thank-you fields.
#[derive(Clone, Copy)]
pub struct CareFields {
    collect: RwSignal<Collect>,
    /// "", "code" or "link".
    kind: RwSignal<String>,
    value: RwSignal<String>,
    label: RwSignal<String>,
}

impl CareFields {
    pub fn new(collect: Collect, reward: Option<Reward>) -> Self {
        let (kind, value, label) = match reward {
            None => ("", String::new(), String::new()),
            Some(Reward::Code { code, label }) => ("code", code, label),
            Some(Reward::Link { url, label }) => ("link", url, label),
        };
        Self {
            collect: RwSignal::new(collect),
            kind: RwSignal::new(kind.to_owned()),
            value: RwSignal::new(value),
            label: RwSignal::new(label),
        }
    }

    /// What to save (the relay checks it again).
    pub fn value(&self) -> Result<(Collect, Option<Reward>), String> {
        let value = self.value.get_untracked().trim().to_owned();
        let label = self.label.get_untracked().trim().to_owned();
        let reward = match self.kind.get_untracked().as_str() {
            "code" | "link" if value.is_empty() => return Err(text::REWARD_MISSING.into()),
            "code" => Some(Reward::Code { code: value, label }),
            "link" => Some(Reward::Link { url: value, label }),
            _ => None,
        };
        Ok((self.collect.get_untracked(), reward))
    }
}

#[component]
pub fn CareSettingsFields(fields: CareFields) -> impl IntoView {
    let collect = fields.collect;
    let check = |label: &'static str, get: fn(&Collect) -> bool, set: fn(&mut Collect, bool)| {
        view! {
            <label class="check">
                <input
                    type="checkbox"
                    prop:checked=move || collect.with(get)
                    on:change:target=move |ev| collect.update(|c| set(c, ev.target().checked()))
                />
                " " {label}
            </label>
        }
    };
    view! {
        <h3>{text::CONTEXT}</h3>
        <p class="hint">{text::CONTEXT_HINT}</p>
        {check(text::COLLECT_PAGES, |c| c.pages, |c, on| c.pages = on)}
        {check(text::COLLECT_DEVICE, |c| c.device, |c, on| c.device = on)}
        {check(text::COLLECT_TIME, |c| c.local_time, |c, on| c.local_time = on)}
        {check(text::COLLECT_ARTICLES, |c| c.articles, |c, on| c.articles = on)}
        <h3>{text::REWARD}</h3>
        <p class="hint">{text::REWARD_HINT}</p>
        <label for="reward-kind">{text::REWARD_KIND}</label>
        <select id="reward-kind" on:change:target=move |ev| fields.kind.set(ev.target().value())>
            <option value="" selected=move || fields.kind.get().is_empty()>{text::REWARD_NONE}</option>
            <option value="code" selected=move || fields.kind.get() == "code">{text::REWARD_CODE}</option>
            <option value="link" selected=move || fields.kind.get() == "link">{text::REWARD_LINK}</option>
        </select>
        <div hidden=move || fields.kind.get().is_empty()>
            <label for="reward-value">{move || if fields.kind.get() == "link" { text::REWARD_URL } else { text::REWARD_CODE_VALUE }}</label>
            <input id="reward-value" type="text" maxlength="500" prop:value=move || fields.value.get() on:input:target=move |ev| fields.value.set(ev.target().value()) />
            <label for="reward-label">{text::REWARD_LABEL}</label>
            <input id="reward-label" type="text" maxlength="80" placeholder=text::REWARD_LABEL_HINT prop:value=move || fields.label.get() on:input:target=move |ev| fields.label.set(ev.target().value()) />
        </div>
    }
}

/// Ratings per star, and the newest comments with a box to answer each.
#[component]
pub fn FeedbackReportView() -> impl IntoView {
    let report = RwSignal::new(FeedbackReport::default());
    spawn_local(async move {
        if let Ok(found) = api::get::<FeedbackReport>("/api/reports/feedback").await {
            report.set(found);
        }
    });
    view! {
        <div class="settings-block">
            <h3>{text::FEEDBACK_REPORT}</h3>
            <table class="tone-report">
                <thead><tr>{(1..=5u8).rev().map(|n| view! { <th>{stars(n)}</th> }).collect_view()}</tr></thead>
                <tbody><tr>{move || report.with(|r| r.counts.iter().rev().map(|n| view! { <td>{*n}</td> }).collect_view())}</tr></tbody>
            </table>
            <ul class="comments">
                <For
                    each=move || report.get().comments
                    key=|c| (c.feedback.conversation_id, c.feedback.answer.clone())
                    children=|rated| view! { <Comment rated /> }
                />
            </ul>
        </div>
    }
}

/// A rated conversation's comment, and the owner's answer or a box for one.
#[component]
fn Comment(rated: RatedConversation) -> impl IntoView {
    let feedback = RwSignal::new(rated.feedback);
    let draft = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let id = feedback.get_untracked().conversation_id;
        let body = Answer {
            answer: draft.get_untracked(),
        };
        spawn_local(async move {
            let url = format!("/api/conversations/{id}/feedback/answer");
            match api::send::<_, Feedback>("PUT", &url, &body).await {
                Ok(saved) => feedback.set(saved),
                Err(message) => problem.set(Some(message)),
            }
        });
    };
    view! {
        <li>
            <p>
                {move || stars(feedback.get().rating)} " "
                <strong>{display_text(&rated.visitor).into_owned()}</strong> ": "
                <q>{move || display_text(&feedback.get().comment).into_owned()}</q>
            </p>
            {move || match feedback.get().answer {
                Some(answer) => view! { <p class="hint">{text::answered(&answer)}</p> }.into_any(),
                None => view! {
                    <form class="answer" on:submit=save>
                        <label>
                            <span class="sr">{text::ANSWER_LABEL}</span>
                            <input type="text" maxlength="1000" placeholder=text::ANSWER_HINT
                                prop:value=move || draft.get()
                                on:input:target=move |ev| draft.set(ev.target().value()) />
                        </label>
                        <button type="submit" class="button quiet">{text::ANSWER}</button>
                        <span role="status">{move || problem.get()}</span>
                    </form>
                }.into_any(),
            }}
        </li>
    }
}

/// How often each choice agents offered was picked.
#[component]
pub fn OptionReport() -> impl IntoView {
    let counts = RwSignal::new(Vec::<OptionCount>::new());
    spawn_local(async move {
        if let Ok(list) = api::get::<Vec<OptionCount>>("/api/reports/options").await {
            counts.set(list);
        }
    });
    view! {
        <div class="settings-block">
            <h3>{text::OPTION_REPORT}</h3>
            <table class="tone-report">
                <thead><tr><th>{text::CHOICE}</th><th>{text::OFFERED}</th><th>{text::PICKED}</th></tr></thead>
                <tbody>
                    <For
                        each=move || counts.get()
                        key=|c| c.option.clone()
                        children=|c| view! { <tr><td>{c.option}</td><td>{c.offered}</td><td>{c.picked}</td></tr> }
                    />
                </tbody>
            </table>
        </div>
    }
}
