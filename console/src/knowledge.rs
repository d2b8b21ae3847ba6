//! The owner's help articles: a list with search, an editor with a live
//! preview rendered by the relay exactly as visitors will see it, video
//! upload or a YouTube/Vimeo link, publish and unpublish, and the questions
//! visitors asked that no article answered.

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use warmline_shared::api::{Article, ArticleDraft, ArticlePage, Media, Miss, Video};
use wasm_bindgen::JsCast;

use crate::api;
use crate::text;

/// How long typing pauses before the preview is rendered again (ms).
const PREVIEW_PAUSE_MS: u64 = 400;

/// Which article the editor holds: none, a new one, or a stored one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Editing {
    Nothing,
    New,
    Stored(i64),
}

#[component]
pub fn Knowledge() -> impl IntoView {
    let articles = RwSignal::new(None::<Result<Vec<Article>, String>>);
    let misses = RwSignal::new(Vec::<Miss>::new());
    let filter = RwSignal::new(String::new());
    let editing = RwSignal::new(Editing::Nothing);
    // "Saved." outlives the editor, which opens again on the stored article.
    let saved = RwSignal::new(false);
    let edit = move |what: Editing| {
        saved.set(false);
        editing.set(what);
    };
    let reload = move || {
        spawn_local(async move {
            articles.set(Some(api::get::<Vec<Article>>("/api/kb/articles").await));
            if let Ok(found) = api::get::<Vec<Miss>>("/api/kb/misses").await {
                misses.set(found);
            }
        });
    };
    reload();

    let shown = move || {
        let needle = filter.get().to_lowercase();
        articles.with(|a| match a {
            Some(Ok(all)) => all
                .iter()
                .filter(|a| {
                    needle.is_empty()
                        || a.draft.title.to_lowercase().contains(&needle)
                        || a.draft.slug.contains(&needle)
                        || a.draft
                            .tags
                            .iter()
                            .any(|t| t.to_lowercase().contains(&needle))
                })
                .cloned()
                .collect(),
            _ => Vec::new(),
        })
    };
    let current = move || match editing.get() {
        Editing::Nothing => None,
        Editing::New => Some((
            None,
            ArticleDraft {
                lang: "en".into(),
                published: true,
                ..ArticleDraft::default()
            },
        )),
        Editing::Stored(id) => articles.with_untracked(|a| match a {
            Some(Ok(all)) => all
                .iter()
                .find(|a| a.id == id)
                .map(|a| (Some(a.id), a.draft.clone())),
            _ => None,
        }),
    };

    view! {
        <section class="settings knowledge" aria-labelledby="kb-title">
            <h2 id="kb-title">{text::HELP_VIEW}</h2>
            <div class="kb-list settings-block">
                <div class="row">
                    <input
                        type="search"
                        aria-label=text::FIND_ARTICLE
                        placeholder=text::FIND_ARTICLE
                        prop:value=move || filter.get()
                        on:input:target=move |ev| filter.set(ev.target().value())
                    />
                    <button type="button" class="button" on:click=move |_| edit(Editing::New)>
                        {text::NEW_ARTICLE}
                    </button>
                </div>
                {move || match articles.with(|a| a.as_ref().map(|r| r.as_ref().err().cloned())) {
                    None => view! { <p>{text::LOADING}</p> }.into_any(),
                    Some(Some(message)) => view! { <p class="notice" role="alert">{message}</p> }.into_any(),
                    Some(None) => {
                        let list = shown();
                        if list.is_empty() {
                            return view! { <p class="hint">{text::NO_ARTICLES}</p> }.into_any();
                        }
                        view! {
                            <ul class="kb-articles">
                                {list.into_iter().map(|a| {
                                    let id = a.id;
                                    view! {
                                        <li>
                                            <button
                                                type="button"
                                                class="kb-article"
                                                aria-current=move || (editing.get() == Editing::Stored(id)).then_some("true")
                                                on:click=move |_| edit(Editing::Stored(id))
                                            >
                                                <span class="kb-title">{a.draft.title.clone()}</span>
                                                <span class="kb-meta">
                                                    <span class="lang">{a.draft.lang.clone()}</span>
                                                    <span class=if a.draft.published { "state published" } else { "state draft" }>
                                                        {if a.draft.published { text::PUBLISHED } else { text::DRAFT }}
                                                    </span>
                                                    {text::article_stats(a.views, a.helpful, a.unhelpful)}
                                                </span>
                                            </button>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }
                        .into_any()
                    }
                }}
            </div>
            <p class="saved" role="status">{move || if saved.get() { text::ARTICLE_SAVED } else { "" }}</p>
            {move || current().map(|(id, draft)| view! { <Editor id draft on_saved=move |article: Article| {
                editing.set(Editing::Stored(article.id));
                saved.set(true);
                reload();
            } /> })}
            <div class="settings-block misses">
                <h3>{text::QUESTIONS_WITHOUT_ARTICLE}</h3>
                <p class="hint">{text::QUESTIONS_HINT}</p>
                {move || {
                    let list = misses.get();
                    if list.is_empty() {
                        return view! { <p>{text::NO_QUESTIONS}</p> }.into_any();
                    }
                    view! {
                        <table>
                            <thead><tr><th scope="col">{text::QUESTIONS_WITHOUT_ARTICLE}</th><th scope="col">{text::LANGUAGE}</th><th scope="col">{text::ASKED}</th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|m| view! {
                                    <tr><td>{m.query}</td><td>{m.lang}</td><td class="count">{m.count}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }
                    .into_any()
                }}
            </div>
        </section>
    }
}

fn comma_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The first file an `<input type=file>` holds.
fn chosen(ev: &leptos::ev::Event) -> Option<web_sys::File> {
    let input = ev.target()?.dyn_into::<web_sys::HtmlInputElement>().ok()?;
    input.files()?.get(0)
}

#[component]
fn Editor(
    id: Option<i64>,
    draft: ArticleDraft,
    on_saved: impl Fn(Article) + Copy + 'static,
) -> impl IntoView {
    let draft = RwSignal::new(draft);
    let outcome = RwSignal::new(None::<Result<(), String>>);
    let preview = RwSignal::new(String::new());
    let link = RwSignal::new(String::new());
    let uploading = RwSignal::new(false);

    // The relay renders the preview: the same Markdown, sanitiser and player
    // as for visitors. One request per pause in typing.
    let typed = StoredValue::new(0u32);
    Effect::new(move |_| {
        let body = draft.get();
        typed.update_value(|n| *n += 1);
        let this = typed.get_value();
        set_timeout(
            move || {
                if typed.get_value() != this {
                    return;
                }
                spawn_local(async move {
                    if let Ok(page) =
                        api::send::<_, ArticlePage>("POST", "/api/kb/preview", &body).await
                    {
                        preview.set(page.html);
                    }
                });
            },
            Duration::from_millis(PREVIEW_PAUSE_MS),
        );
    });

    let edit = move |change: Box<dyn FnOnce(&mut ArticleDraft)>| {
        draft.update(|d| change(d));
        outcome.set(None);
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = draft.get_untracked();
        spawn_local(async move {
            let saved = match id {
                Some(id) => {
                    api::send::<_, Article>("PUT", &format!("/api/kb/articles/{id}"), &body).await
                }
                None => api::send::<_, Article>("POST", "/api/kb/articles", &body).await,
            };
            match saved {
                Ok(article) => on_saved(article),
                Err(message) => outcome.set(Some(Err(message))),
            }
        });
    };
    // Uploads a file and puts its hash where `place` says.
    let upload = move |file: web_sys::File, place: fn(&mut Option<Video>, String)| {
        uploading.set(true);
        spawn_local(async move {
            match api::upload::<Media>("/api/kb/media", file).await {
                Ok(media) => edit(Box::new(move |d| place(&mut d.video, media.sha256))),
                Err(message) => outcome.set(Some(Err(message))),
            }
            uploading.set(false);
        });
    };
    let video_note = move || match draft.with(|d| d.video.clone()) {
        None => String::new(),
        Some(Video::Youtube { id }) => format!("YouTube: {id}"),
        Some(Video::Vimeo { id }) => format!("Vimeo: {id}"),
        Some(Video::File {
            media,
            poster,
            captions,
        }) => format!(
            "{} {}{}{}",
            text::VIDEO,
            &media.get(..8).unwrap_or("–"),
            poster.map(|_| " · poster").unwrap_or_default(),
            captions.map(|_| " · captions").unwrap_or_default(),
        ),
    };

    view! {
        <div class="kb-editor">
            <form class="settings-form" on:submit=save>
                <label for="kb-title-input">{text::TITLE}</label>
                <input id="kb-title-input" type="text" required maxlength="200"
                    prop:value=move || draft.with(|d| d.title.clone())
                    on:input:target=move |ev| { let v = ev.target().value(); edit(Box::new(move |d| d.title = v)) } />
                <div class="row">
                    <div>
                        <label for="kb-slug">{text::SLUG}</label>
                        <input id="kb-slug" type="text" required pattern="[a-z0-9-]+"
                            prop:value=move || draft.with(|d| d.slug.clone())
                            on:input:target=move |ev| { let v = ev.target().value(); edit(Box::new(move |d| d.slug = v)) } />
                    </div>
                    <div>
                        <label for="kb-lang">{text::LANGUAGE}</label>
                        <input id="kb-lang" type="text" required size="6"
                            prop:value=move || draft.with(|d| d.lang.clone())
                            on:input:target=move |ev| { let v = ev.target().value(); edit(Box::new(move |d| d.lang = v)) } />
                    </div>
                    <div>
                        <label for="kb-order">{text::ORDER}</label>
                        <input id="kb-order" type="number"
                            prop:value=move || draft.with(|d| d.order.to_string())
                            on:input:target=move |ev| { let v = ev.target().value().parse().unwrap_or(0); edit(Box::new(move |d| d.order = v)) } />
                    </div>
                </div>
                <label for="kb-category">{text::CATEGORY}</label>
                <input id="kb-category" type="text"
                    prop:value=move || draft.with(|d| d.category.clone())
                    on:input:target=move |ev| { let v = ev.target().value(); edit(Box::new(move |d| d.category = v)) } />
                <label for="kb-tags">{text::TAGS}</label>
                <input id="kb-tags" type="text"
                    prop:value=move || draft.with(|d| d.tags.join(", "))
                    on:change:target=move |ev| { let v = comma_list(&ev.target().value()); edit(Box::new(move |d| d.tags = v)) } />
                <label for="kb-related">{text::RELATED}</label>
                <input id="kb-related" type="text"
                    prop:value=move || draft.with(|d| d.related.join(", "))
                    on:change:target=move |ev| { let v = comma_list(&ev.target().value()); edit(Box::new(move |d| d.related = v)) } />
                <label for="kb-body">{text::BODY}</label>
                <textarea id="kb-body" rows="12" required
                    prop:value=move || draft.with(|d| d.body.clone())
                    on:input:target=move |ev| { let v = ev.target().value(); edit(Box::new(move |d| d.body = v)) }></textarea>
                <fieldset class="kb-video">
                    <legend>{text::VIDEO}</legend>
                    <p class="hint">{video_note}</p>
                    <label for="kb-link">{text::VIDEO_LINK}</label>
                    <input id="kb-link" type="url" placeholder="https://www.youtube.com/watch?v=…"
                        prop:value=move || link.get()
                        on:change:target=move |ev| {
                            let v = ev.target().value();
                            link.set(v.clone());
                            if v.trim().is_empty() { return; }
                            match Video::from_link(&v) {
                                Some(video) => edit(Box::new(move |d| d.video = Some(video))),
                                None => outcome.set(Some(Err(text::NOT_A_VIDEO_LINK.into()))),
                            }
                        } />
                    <label for="kb-video-file">{text::VIDEO_FILE}</label>
                    <input id="kb-video-file" type="file" accept="video/mp4,video/webm"
                        on:change=move |ev| if let Some(f) = chosen(&ev) { upload(f, |v, h| set_part(v, 0, h)) } />
                    <label for="kb-poster-file">{text::POSTER_FILE}</label>
                    <input id="kb-poster-file" type="file" accept="image/jpeg,image/png,image/webp"
                        on:change=move |ev| if let Some(f) = chosen(&ev) { upload(f, |v, h| set_part(v, 1, h)) } />
                    <label for="kb-captions-file">{text::CAPTIONS_FILE}</label>
                    <input id="kb-captions-file" type="file" accept=".vtt,text/vtt"
                        on:change=move |ev| if let Some(f) = chosen(&ev) { upload(f, |v, h| set_part(v, 2, h)) } />
                    <button type="button" class="button quiet" on:click=move |_| edit(Box::new(|d| d.video = None))>
                        {text::REMOVE_VIDEO}
                    </button>
                    <p class="hint" role="status">{move || if uploading.get() { text::UPLOADING } else { "" }}</p>
                </fieldset>
                <label class="check">
                    <input type="checkbox"
                        prop:checked=move || draft.with(|d| d.published)
                        on:change:target=move |ev| { let v = ev.target().checked(); edit(Box::new(move |d| d.published = v)) } />
                    {text::PUBLISHED}
                </label>
                <p class="saved" role="status">
                    {move || match outcome.get() {
                        Some(Ok(())) => text::SAVED.to_owned(),
                        Some(Err(message)) => message,
                        None => String::new(),
                    }}
                </p>
                <button type="submit" class="button">{text::SAVE_ARTICLE}</button>
            </form>
            <div class="settings-block kb-preview">
                <h3>{text::PREVIEW}</h3>
                <h4>{move || draft.with(|d| d.title.clone())}</h4>
                <div class="article-body" inner_html=move || preview.get()></div>
            </div>
        </div>
    }
}

/// Puts an uploaded file's hash in its place in the video: 0 the video
/// itself, 1 its poster, 2 its captions.
fn set_part(video: &mut Option<Video>, which: u8, hash: String) {
    let (media, poster, captions) = match video.take() {
        Some(Video::File {
            media,
            poster,
            captions,
        }) => (media, poster, captions),
        _ => (String::new(), None, None),
    };
    *video = Some(match which {
        0 => Video::File {
            media: hash,
            poster,
            captions,
        },
        1 => Video::File {
            media,
            poster: Some(hash),
            captions,
        },
        _ => Video::File {
            media,
            poster,
            captions: Some(hash),
        },
    });
}
