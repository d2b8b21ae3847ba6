//! The selected conversation: who and where, the messages, the reply box.

use leptos::prelude::*;
use warmline_client::view::{Composer, Follow, MessageLog, group};
use warmline_shared::Attachment;
use warmline_shared::api::Canned;
use warmline_shared::care::check_options;
use warmline_shared::handoff::ConversationState;
use warmline_shared::{Author, ConversationId, display_text};

use crate::clock;
use crate::context::VisitorPanel;
use crate::desk::Desk;
use crate::handoff::Handling;
use crate::text;

#[component]
pub fn Thread(desk: Desk, me: String, #[prop(into)] now: Signal<f64>) -> impl IntoView {
    move || match desk.selected.get() {
        None => view! {
            <section class="thread idle">
                <p>{text::PICK_A_CONVERSATION}</p>
            </section>
        }
        .into_any(),
        Some(id) => {
            // On narrow screens the panel opens over the conversation.
            let about = RwSignal::new(false);
            view! {
                <div class="conversation-area" class:about-open=move || about.get()>
                    <Conversation desk id me=me.clone() about />
                    <VisitorPanel desk id now />
                </div>
            }
            .into_any()
        }
    }
}

#[component]
fn Conversation(
    desk: Desk,
    id: ConversationId,
    me: String,
    about: RwSignal<bool>,
) -> impl IntoView {
    let summary = move || desk.summary(id);
    let visitor = move || {
        summary()
            .map(|c| display_text(&c.visitor).into_owned())
            .unwrap_or_default()
    };
    let page = move || summary().and_then(|c| c.page);

    let follow = Follow::default();
    let texts = text::views();
    let picker = Picker::new(desk, id);
    let lines = Memo::new(move |_| {
        let visitor_name = visitor();
        let entries = desk
            .transcripts
            .with(|all| all.get(&id).map(|t| t.entries()).unwrap_or_default());
        // Every agent's replies, and the site's bot, are drawn on the agent's side.
        let from_agents =
            |author: &Author| matches!(author, Author::Agent { .. } | Author::Bot { .. });
        group(entries, from_agents, |author| match author {
            Author::Visitor => Some(visitor_name.clone()),
            Author::Agent { name } if *name == me => Some(text::YOU.to_owned()),
            Author::Agent { name } | Author::Bot { name } => Some(name.clone()),
            Author::System => None,
        })
    });
    let draft = Signal::derive(move || {
        desk.drafts
            .with(|d| d.get(&id).cloned().unwrap_or_default())
    });
    let set_draft = move |reply: String| {
        if !reply.trim().is_empty() {
            desk.typed(id);
        }
        desk.drafts.update(|d| {
            d.insert(id, reply);
        })
    };

    view! {
        <section class="thread" aria-label=text::CONVERSATION>
            <header class="thread-head">
                <button
                    type="button"
                    class="back"
                    aria-label=text::BACK
                    on:click=move |_| desk.close_selected()
                >
                    "‹"
                </button>
                <div>
                    <h2>
                        {visitor}
                        {move || summary().and_then(|c| text::name_badge(c.name_source))}
                    </h2>
                    {move || page().map(page_view)}
                </div>
                <button
                    type="button"
                    class="button quiet about-toggle"
                    aria-expanded=move || about.get().to_string()
                    on:click=move |_| about.update(|open| *open = !*open)
                >
                    {text::ABOUT_VISITOR}
                </button>
            </header>
            <Handling desk id />
            <p class="notice" role="status">
                {move || desk.notice.get().map(text::refusal)}
            </p>
            <MessageLog
                lines
                texts
                follow
                on_retry=move |client_id| desk.retry(id, client_id)
                time=Callback::new(clock::time_of)
                file_url=Callback::new(|file: Attachment| {
                    Signal::stored(format!("/api/attachments/{}", file.id))
                })
            />
            <p class="typing" aria-live="polite">
                {move || {
                    desk.typing
                        .with(|t| t.is_some_and(|(c, _)| c == id))
                        .then(|| text::typing(&visitor()))
                }}
            </p>
            <ToneGuard desk id draft />
            <CannedPicker picker />
            <Show when=move || summary().is_some_and(|c| c.state != ConversationState::Closed)>
                <Choices desk id />
            </Show>
            <Composer
                draft
                on_edit=set_draft
                on_send=move |reply| desk.send(id, reply, Vec::new())
                texts
                follow
                rows="2"
                on_key=Callback::new(move |ev: leptos::ev::KeyboardEvent| picker.key(&ev))
            />
        </section>
    }
}

/// The page the visitor is on. It comes from the visitor, so it is a link
/// only when it is plainly a web address.
fn page_view(page: String) -> AnyView {
    if page.starts_with("https://") || page.starts_with("http://") {
        view! {
            <a class="page" href=page.clone() target="_blank" rel="noopener noreferrer">
                {page.clone()}
            </a>
        }
        .into_any()
    } else {
        view! { <span class="page">{page}</span> }.into_any()
    }
}

/// The tone guard, as the agent writes: phrases that inflame an upset
/// customer and shouting, each with kinder words to put in instead. It
/// warns and never blocks; the agent may edit or send anyway.
#[component]
fn ToneGuard(desk: Desk, id: ConversationId, draft: Signal<String>) -> impl IntoView {
    let lang = move || {
        desk.conversations.with(|list| {
            list.iter()
                .find(|c| c.id == id)
                .map(|c| c.lang.clone())
                .unwrap_or_default()
        })
    };
    let warnings = Memo::new(move |_| draft.with(|d| warmline_tone::check(&lang(), d)));
    // Counted once each time warnings appear on a draft, for the owner's report.
    Effect::new(move |was_warned: Option<bool>| {
        let warned = warnings.with(|w| !w.is_empty());
        if warned && was_warned == Some(false) {
            desk.tone_warned(id);
        }
        warned
    });
    let insert = move |warning: warmline_tone::Warning| {
        let fixed = draft.with_untracked(|d| warmline_tone::apply(d, &warning));
        desk.drafts.update(|d| {
            d.insert(id, fixed);
        });
    };
    view! {
        <Show when=move || warnings.with(|w| !w.is_empty())>
            <div class="tone" role="status">
                <For
                    each=move || warnings.get()
                    key=|w| (w.span.start, w.span.end, w.says.clone())
                    children=move |w| {
                        let title = text::tone_title(&w.says);
                        let instead = w.instead.clone();
                        let why = w.why.clone();
                        view! {
                            <p class="tone-warning">
                                <strong>{title}</strong>
                                " "
                                {why}
                                " "
                                <button type="button" class="button quiet" on:click=move |_| insert(w.clone())>
                                    {text::tone_insert(&instead)}
                                </button>
                            </p>
                        }
                    }
                />
            </div>
        </Show>
    }
}

/// The canned replies a draft of `/shortcut` asks for, in the conversation's
/// language first; arrows choose, Enter or Tab puts the reply in, Escape
/// closes the list.
#[derive(Clone, Copy)]
struct Picker {
    desk: Desk,
    id: ConversationId,
    chosen: RwSignal<usize>,
    closed_for: RwSignal<Option<String>>,
}

impl Picker {
    fn new(desk: Desk, id: ConversationId) -> Self {
        Self {
            desk,
            id,
            chosen: RwSignal::new(0),
            closed_for: RwSignal::new(None),
        }
    }

    fn draft(&self) -> String {
        self.desk
            .drafts
            .with(|d| d.get(&self.id).cloned().unwrap_or_default())
    }

    /// The replies matching the draft, when it is a `/shortcut` being typed.
    fn matches(&self) -> Vec<Canned> {
        let draft = self.draft();
        let Some(typed) = draft.strip_prefix('/') else {
            return Vec::new();
        };
        if typed.contains(char::is_whitespace) || self.closed_for.get().as_deref() == Some(&draft) {
            return Vec::new();
        }
        let lang = self.desk.conversations.with(|list| {
            list.iter()
                .find(|c| c.id == self.id)
                .map(|c| c.lang.clone())
                .unwrap_or_default()
        });
        let mut found: Vec<Canned> = self.desk.canned.with(|all| {
            all.iter()
                .filter(|c| c.shortcut.starts_with(typed))
                .cloned()
                .collect()
        });
        found.sort_by_key(|c| (c.lang != lang, c.shortcut.clone()));
        found
    }

    /// Handles the list's keys while it is open.
    fn key(&self, ev: &leptos::ev::KeyboardEvent) -> bool {
        let found = self.matches();
        if found.is_empty() {
            return false;
        }
        let last = found.len() - 1;
        match ev.key().as_str() {
            "ArrowDown" => self.chosen.update(|c| *c = (*c + 1).min(last)),
            "ArrowUp" => self.chosen.update(|c| *c = c.saturating_sub(1)),
            "Enter" | "Tab" => {
                let pick = found[self.chosen.get_untracked().min(last)].clone();
                self.insert(&pick);
            }
            "Escape" => self.closed_for.set(Some(self.draft())),
            _ => return false,
        }
        true
    }

    /// Puts the reply in the box, its variables filled in.
    fn insert(&self, canned: &Canned) {
        let me = self.desk.myself().map(|m| m.name).unwrap_or_default();
        let name = self.desk.conversations.with(|list| {
            list.iter()
                .find(|c| c.id == self.id)
                .filter(|c| c.name_source != warmline_shared::NameSource::None)
                .map(|c| c.visitor.clone())
                .unwrap_or_default()
        });
        let text = canned.fill(&name, &me, &self.desk.site_name.get_untracked());
        // Without a name, "Hi {name}, …" reads "Hi, …".
        let text = text.replace(" ,", ",").replace("  ", " ");
        self.chosen.set(0);
        self.desk.drafts.update(|d| {
            d.insert(self.id, text);
        });
    }
}

#[component]
fn CannedPicker(picker: Picker) -> impl IntoView {
    let found = Memo::new(move |_| picker.matches());
    view! {
        <Show when=move || found.with(|f| !f.is_empty())>
            <ul class="canned" role="listbox" aria-label=text::CANNED>
                {move || {
                    let chosen = picker.chosen.get();
                    found
                        .get()
                        .into_iter()
                        .enumerate()
                        .map(|(i, c)| {
                            let pick = c.clone();
                            view! {
                                <li
                                    role="option"
                                    aria-selected=(i == chosen).to_string()
                                    class:chosen=i == chosen
                                    on:mousedown=move |ev| {
                                        ev.prevent_default();
                                        picker.insert(&pick);
                                    }
                                >
                                    <strong>{format!("/{}", c.shortcut)}</strong>
                                    <span class="canned-lang">{c.lang.clone()}</span>
                                    " "
                                    {c.text.clone()}
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
        </Show>
    }
}

/// "Offer choices": a question with two to four buttons for the visitor
/// ("Refund", "Replacement", "Store credit"). The question starts as the
/// reply being written.
#[component]
fn Choices(desk: Desk, id: ConversationId) -> impl IntoView {
    let open = RwSignal::new(false);
    let question = RwSignal::new(String::new());
    let choices = RwSignal::new(vec![String::new(); 4]);
    let filled = move || {
        choices.with(|c| {
            c.iter()
                .filter(|c| !c.trim().is_empty())
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let valid = move || {
        warmline_shared::validate_text(&question.get()).is_ok() && check_options(&filled()).is_ok()
    };
    let start = move |_| {
        let draft = desk
            .drafts
            .with_untracked(|d| d.get(&id).cloned().unwrap_or_default());
        question.set(draft);
        open.set(true);
    };
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(options) = check_options(&filled()) else {
            return;
        };
        let Ok(text) = warmline_shared::validate_text(&question.get_untracked()).map(str::to_owned)
        else {
            return;
        };
        desk.send(id, text, options);
        desk.drafts.update(|d| drop(d.remove(&id)));
        choices.set(vec![String::new(); 4]);
        open.set(false);
    };
    view! {
        <Show
            when=move || open.get()
            fallback=move || view! {
                <div class="choices-bar">
                    <button type="button" class="button quiet" on:click=start>{text::CHOICES}</button>
                </div>
            }
        >
            <form class="choices" on:submit=send aria-label=text::CHOICES>
                <p class="muted">{text::CHOICES_HINT}</p>
                <label>
                    <span>{text::CHOICES_QUESTION}</span>
                    <input
                        type="text"
                        prop:value=move || question.get()
                        on:input:target=move |ev| question.set(ev.target().value())
                    />
                </label>
                <div class="choice-inputs">
                    {(0..4usize)
                        .map(|i| view! {
                            <input
                                type="text"
                                maxlength="60"
                                aria-label=format!("{} {}", text::CHOICE, i + 1)
                                placeholder=format!("{} {}", text::CHOICE, i + 1)
                                prop:value=move || choices.with(|c| c[i].clone())
                                on:input:target=move |ev| choices.update(|c| c[i] = ev.target().value())
                            />
                        })
                        .collect_view()}
                </div>
                <p class="hint" hidden=valid>{text::CHOICES_INVALID}</p>
                <div class="actions">
                    <button type="submit" class="button" disabled=move || !valid()>{text::SEND_CHOICES}</button>
                    <button type="button" class="button quiet" on:click=move |_| open.set(false)>{text::CANCEL}</button>
                </div>
            </form>
        </Show>
    }
}
