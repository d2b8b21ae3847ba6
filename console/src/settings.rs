//! The owner's Settings page: how the widget looks and speaks on their site,
//! where it may appear, the identity secret, the embed snippet, the team,
//! and making another site.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use warmline_shared::api::{Block, Canned, IdentitySecret, Me, NewMember, NewSite, SiteSettings};

use crate::api;
use crate::browser;
use crate::care::{CareFields, CareSettingsFields, FeedbackReportView, OptionReport};
use crate::handoff::{HandoffFields, HandoffSettingsFields};
use crate::text;

/// The greetings an owner may rewrite, with what each is for.
const GREETINGS: &[(&str, &str)] = &[
    ("greeting_morning", "Morning (5:00–11:59), with {name}"),
    ("greeting_afternoon", "Afternoon (12:00–17:59), with {name}"),
    ("greeting_evening", "Evening, with {name}"),
    ("greeting_anonymous", "A visitor whose name we don't know"),
    ("welcome_back", "A returning visitor, with {name}"),
];

#[component]
pub fn Settings(me: Me) -> impl IntoView {
    let loaded = RwSignal::new(None::<Result<SiteSettings, String>>);
    spawn_local(async move {
        loaded.set(Some(api::get::<SiteSettings>("/api/site/settings").await));
    });
    view! {
        <section class="settings" aria-labelledby="settings-title">
            <h2 id="settings-title">{text::SETTINGS} " · " {me.site.name.clone()}</h2>
            {move || match loaded.get() {
                None => view! { <p>{text::LOADING}</p> }.into_any(),
                Some(Err(message)) => view! { <p class="notice" role="alert">{message}</p> }.into_any(),
                Some(Ok(settings)) => view! { <SettingsForm settings /> }.into_any(),
            }}
            <Team />
            <CannedReplies />
            <Blocks />
            <FeedbackReportView />
            <OptionReport />
            <ToneReport />
            <NewSiteForm />
        </section>
    }
}

#[component]
fn SettingsForm(settings: SiteSettings) -> impl IntoView {
    let name = RwSignal::new(settings.name.clone());
    let origins = RwSignal::new(settings.allowed_origins.join("\n"));
    let accent = RwSignal::new(settings.accent.clone());
    let left = RwSignal::new(settings.launcher_position == "left");
    let label = RwSignal::new(settings.launcher_label.clone().unwrap_or_default());
    let max_mb = RwSignal::new(settings.attachment_max_mb.to_string());
    let greetings = RwSignal::new(settings.greetings.clone());
    let secret_set = RwSignal::new(settings.identity_secret_set);
    let new_secret = RwSignal::new(None::<String>);
    let outcome = RwSignal::new(None::<Result<(), String>>);
    let languages = settings.languages.clone();
    let handoff = HandoffFields::new(settings.handoff.clone());
    let care = CareFields::new(settings.context, settings.reward.clone());
    let handoff_languages = languages.clone();
    let snippet = settings.snippet.clone();
    let base = StoredValue::new(settings);

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let handoff = match handoff.value() {
            Ok(handoff) => handoff,
            Err(problem) => return outcome.set(Some(Err(problem))),
        };
        let (context, reward) = match care.value() {
            Ok(care) => care,
            Err(problem) => return outcome.set(Some(Err(problem))),
        };
        let body = SiteSettings {
            handoff,
            context,
            reward,
            name: name.get_untracked(),
            allowed_origins: origins
                .get_untracked()
                .split(['\n', ',', ' '])
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(str::to_owned)
                .collect(),
            accent: accent.get_untracked(),
            launcher_position: if left.get_untracked() {
                "left"
            } else {
                "right"
            }
            .into(),
            launcher_label: Some(label.get_untracked()),
            greetings: greetings.get_untracked(),
            attachment_max_mb: max_mb.get_untracked().trim().parse().unwrap_or(0),
            ..base.get_value()
        };
        outcome.set(None);
        spawn_local(async move {
            let saved = api::send::<_, SiteSettings>("PUT", "/api/site/settings", &body).await;
            outcome.set(Some(saved.map(|_| ())));
        });
    };
    let rotate = move |_| {
        spawn_local(async move {
            match api::send::<_, IdentitySecret>("POST", "/api/site/identity-secret", &()).await {
                Ok(secret) => {
                    secret_set.set(true);
                    new_secret.set(Some(secret.secret));
                }
                Err(message) => outcome.set(Some(Err(message))),
            }
        });
    };
    let greeting_inputs = languages
        .into_iter()
        .map(|lang| {
            let fields = GREETINGS
                .iter()
                .map(|(key, hint)| {
                    let lang_for_value = lang.clone();
                    let lang_for_edit = lang.clone();
                    let id = format!("greeting-{lang}-{key}");
                    view! {
                        <label for=id.clone()>{*hint}</label>
                        <input
                            id=id
                            type="text"
                            maxlength="200"
                            placeholder=text::DEFAULT_GREETING
                            prop:value=move || {
                                greetings.with(|g| {
                                    g.get(&lang_for_value).and_then(|t| t.get(*key)).cloned().unwrap_or_default()
                                })
                            }
                            on:input:target=move |ev| {
                                let value = ev.target().value();
                                greetings.update(|g| {
                                    g.entry(lang_for_edit.clone()).or_insert_with(BTreeMap::new).insert((*key).to_owned(), value);
                                });
                            }
                        />
                    }
                })
                .collect_view();
            view! {
                <fieldset class="greetings">
                    <legend>{text::greetings_in(&lang)}</legend>
                    {fields}
                </fieldset>
            }
        })
        .collect_view();

    view! {
        <form class="settings-form" on:submit=save>
            <h3>{text::WIDGET}</h3>
            <label for="site-name">{text::SITE_NAME}</label>
            <input id="site-name" type="text" required maxlength="100" prop:value=move || name.get() on:input:target=move |ev| name.set(ev.target().value()) />
            <label for="origins">{text::ALLOWED_ORIGINS}</label>
            <textarea id="origins" rows="3" aria-describedby="origins-hint" prop:value=move || origins.get() on:input:target=move |ev| origins.set(ev.target().value())></textarea>
            <p class="hint" id="origins-hint">{text::ALLOWED_ORIGINS_HINT}</p>
            <div class="row">
                <div>
                    <label for="accent">{text::ACCENT}</label>
                    <input id="accent" type="color" prop:value=move || accent.get() on:input:target=move |ev| accent.set(ev.target().value()) />
                </div>
                <fieldset class="position">
                    <legend>{text::LAUNCHER_POSITION}</legend>
                    <label><input type="radio" name="position" prop:checked=move || left.get() on:change=move |_| left.set(true) /> {text::LEFT}</label>
                    <label><input type="radio" name="position" prop:checked=move || !left.get() on:change=move |_| left.set(false) /> {text::RIGHT}</label>
                </fieldset>
            </div>
            <label for="label">{text::LAUNCHER_LABEL}</label>
            <input id="label" type="text" maxlength="40" placeholder=text::LAUNCHER_LABEL_HINT prop:value=move || label.get() on:input:target=move |ev| label.set(ev.target().value()) />
            <label for="max-mb">{text::ATTACHMENT_LIMIT}</label>
            <input id="max-mb" type="number" min="1" max="25" prop:value=move || max_mb.get() on:input:target=move |ev| max_mb.set(ev.target().value()) />
            <h3>{text::GREETINGS}</h3>
            <p class="hint">{text::GREETINGS_HINT}</p>
            {greeting_inputs}
            <HandoffSettingsFields fields=handoff languages=handoff_languages />
            <CareSettingsFields fields=care />
            <p class="saved" role="status">
                {move || match outcome.get() {
                    Some(Ok(())) => text::SAVED.to_owned(),
                    Some(Err(message)) => message,
                    None => String::new(),
                }}
            </p>
            <button type="submit" class="button">{text::SAVE}</button>
        </form>
        <div class="settings-block">
            <h3>{text::EMBED}</h3>
            <p class="hint">{text::EMBED_HINT}</p>
            <textarea class="snippet" readonly rows="2" aria-label=text::EMBED>{snippet.clone()}</textarea>
            <button type="button" class="button quiet" on:click=move |_| browser::copy(&snippet)>{text::COPY}</button>
        </div>
        <div class="settings-block">
            <h3>{text::IDENTITY}</h3>
            <p>{move || if secret_set.get() { text::IDENTITY_ON } else { text::IDENTITY_OFF }}</p>
            {move || new_secret.get().map(|secret| {
                let copy = secret.clone();
                view! {
                    <p class="notice warning" role="alert">{text::SECRET_SHOWN_ONCE}</p>
                    <code class="secret">{secret}</code>
                    <button type="button" class="button quiet" on:click=move |_| browser::copy(&copy)>{text::COPY}</button>
                }
            })}
            <button type="button" class="button" on:click=rotate>{text::NEW_SECRET}</button>
        </div>
    }
}

#[component]
fn Team() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let owner = RwSignal::new(false);
    let outcome = RwSignal::new(None::<Result<(), String>>);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = NewMember {
            email: email.get_untracked(),
            name: name.get_untracked(),
            password: password.get_untracked(),
            role: if owner.get_untracked() {
                "owner"
            } else {
                "agent"
            }
            .into(),
        };
        spawn_local(async move {
            let added = api::send::<_, ()>("POST", "/api/site/members", &body).await;
            if added.is_ok() {
                email.set(String::new());
                name.set(String::new());
                password.set(String::new());
            }
            outcome.set(Some(added));
        });
    };
    view! {
        <form class="settings-block" on:submit=add>
            <h3>{text::TEAM}</h3>
            <p class="hint">{text::TEAM_HINT}</p>
            <label for="member-name">{text::PERSON_NAME}</label>
            <input id="member-name" type="text" required prop:value=move || name.get() on:input:target=move |ev| name.set(ev.target().value()) />
            <label for="member-email">{text::EMAIL}</label>
            <input id="member-email" type="email" required prop:value=move || email.get() on:input:target=move |ev| email.set(ev.target().value()) />
            <label for="member-password">{text::FIRST_PASSWORD}</label>
            <input id="member-password" type="password" minlength="10" autocomplete="new-password" required prop:value=move || password.get() on:input:target=move |ev| password.set(ev.target().value()) />
            <label class="check"><input type="checkbox" prop:checked=move || owner.get() on:change:target=move |ev| owner.set(ev.target().checked()) /> {text::MAKE_OWNER}</label>
            <p class="saved" role="status">
                {move || match outcome.get() {
                    Some(Ok(())) => text::ADDED.to_owned(),
                    Some(Err(message)) => message,
                    None => String::new(),
                }}
            </p>
            <button type="submit" class="button">{text::ADD_PERSON}</button>
        </form>
    }
}

#[component]
fn NewSiteForm() -> impl IntoView {
    let id = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = NewSite {
            id: id.get_untracked(),
            name: name.get_untracked(),
        };
        spawn_local(async move {
            match api::send::<_, Me>("POST", "/api/sites", &body).await {
                // The inbox and every socket belong to the site: start afresh.
                Ok(_) => browser::reload(),
                Err(message) => error.set(Some(message)),
            }
        });
    };
    view! {
        <form class="settings-block" on:submit=create>
            <h3>{text::NEW_SITE}</h3>
            <p class="hint">{text::NEW_SITE_HINT}</p>
            <label for="new-site-name">{text::SITE_NAME}</label>
            <input id="new-site-name" type="text" required maxlength="100" prop:value=move || name.get() on:input:target=move |ev| name.set(ev.target().value()) />
            <label for="new-site-id">{text::SITE_ID}</label>
            <input id="new-site-id" type="text" required pattern="[a-z0-9-]{3,40}" prop:value=move || id.get() on:input:target=move |ev| id.set(ev.target().value()) />
            <p class="saved" role="status">{move || error.get()}</p>
            <button type="submit" class="button">{text::CREATE_SITE}</button>
        </form>
    }
}

/// One person's tone-guard counts, as `GET /api/reports/tone` lists them.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
struct ToneCount {
    name: String,
    shown: u64,
    overridden: u64,
}

/// The tone guard's counts per person.
#[component]
fn ToneReport() -> impl IntoView {
    let counts = RwSignal::new(Vec::<ToneCount>::new());
    spawn_local(async move {
        if let Ok(list) = api::get::<Vec<ToneCount>>("/api/reports/tone").await {
            counts.set(list);
        }
    });
    view! {
        <div class="settings-block">
            <h3>{text::TONE_REPORT}</h3>
            <p class="hint">{text::TONE_REPORT_HINT}</p>
            <table class="tone-report">
                <thead>
                    <tr><th>{text::TEAM}</th><th>{text::TONE_SHOWN}</th><th>{text::TONE_OVERRIDDEN}</th></tr>
                </thead>
                <tbody>
                    <For
                        each=move || counts.get()
                        key=|c| c.name.clone()
                        children=|c| view! {
                            <tr><td>{c.name}</td><td>{c.shown}</td><td>{c.overridden}</td></tr>
                        }
                    />
                </tbody>
            </table>
        </div>
    }
}

/// The site's canned replies: the list, each with Delete, and a form to add
/// one (owners).
#[component]
fn CannedReplies() -> impl IntoView {
    let list = RwSignal::new(Vec::<Canned>::new());
    let reload = move || {
        spawn_local(async move {
            if let Ok(found) = api::get::<Vec<Canned>>("/api/canned").await {
                list.set(found);
            }
        });
    };
    reload();
    let shortcut = RwSignal::new(String::new());
    let lang = RwSignal::new("en".to_owned());
    let body = RwSignal::new(String::new());
    let outcome = RwSignal::new(None::<String>);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let canned = Canned {
            id: None,
            shortcut: shortcut.get_untracked(),
            lang: lang.get_untracked(),
            text: body.get_untracked(),
        };
        spawn_local(async move {
            match api::send::<_, Canned>("POST", "/api/canned", &canned).await {
                Ok(_) => {
                    shortcut.set(String::new());
                    body.set(String::new());
                    outcome.set(None);
                    reload();
                }
                Err(message) => outcome.set(Some(message)),
            }
        });
    };
    let delete = move |id: i64| {
        spawn_local(async move {
            let url = format!("/api/canned/{id}");
            if let Err(message) = api::send::<_, ()>("DELETE", &url, &()).await {
                outcome.set(Some(message));
            }
            reload();
        });
    };
    view! {
        <div class="settings-block">
            <h3>{text::CANNED}</h3>
            <p class="hint">{text::CANNED_HINT}</p>
            <ul class="canned-list">
                <For
                    each=move || list.get()
                    key=|c| (c.id, c.text.clone())
                    children=move |c| {
                        let id = c.id.unwrap_or_default();
                        view! {
                            <li>
                                <strong>{format!("/{}", c.shortcut)}</strong>
                                " (" {c.lang} ") " {c.text}
                                " "
                                <button type="button" class="button quiet" on:click=move |_| delete(id)>{text::DELETE}</button>
                            </li>
                        }
                    }
                />
            </ul>
            <form class="canned-form" on:submit=add>
                <label for="canned-shortcut">{text::SHORTCUT}</label>
                <input id="canned-shortcut" type="text" required maxlength="30" placeholder="greet" prop:value=shortcut on:input:target=move |ev| shortcut.set(ev.target().value()) />
                <label for="canned-lang">{text::LANGUAGE}</label>
                <input id="canned-lang" type="text" required maxlength="10" prop:value=lang on:input:target=move |ev| lang.set(ev.target().value()) />
                <label for="canned-text">{text::CANNED}</label>
                <textarea id="canned-text" rows="2" required prop:value=body on:input:target=move |ev| body.set(ev.target().value())></textarea>
                <p class="saved" role="status">{move || outcome.get()}</p>
                <button type="submit" class="button">{text::ADD_CANNED}</button>
            </form>
        </div>
    }
}

/// Blocks in force, each with Lift (owners).
#[component]
fn Blocks() -> impl IntoView {
    let list = RwSignal::new(Vec::<Block>::new());
    let reload = move || {
        spawn_local(async move {
            if let Ok(found) = api::get::<Vec<Block>>("/api/blocks").await {
                list.set(found);
            }
        });
    };
    reload();
    let lift = move |id: i64| {
        spawn_local(async move {
            let _ = api::send::<_, ()>("DELETE", &format!("/api/blocks/{id}"), &()).await;
            reload();
        });
    };
    view! {
        <div class="settings-block">
            <h3>{text::BLOCKS}</h3>
            <p class="hint">{text::BLOCKS_HINT}</p>
            <ul class="blocks">
                <For
                    each=move || list.get()
                    key=|b| b.id
                    children=move |b| {
                        let id = b.id;
                        view! {
                            <li>
                                {text::block_line(&b.visitor, &b.reason, &b.by)}
                                " "
                                <button type="button" class="button quiet" on:click=move |_| lift(id)>{text::LIFT}</button>
                            </li>
                        }
                    }
                />
            </ul>
        </div>
    }
}
