//! The sign-in form.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use warmline_shared::api::Me;

use crate::api;
use crate::text;

#[component]
pub fn SignIn(
    /// Why the agent is here, when it was not their own doing.
    note: Option<&'static str>,
    on_signed_in: impl Fn(Me) + Copy + 'static,
) -> impl IntoView {
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let email = email.get_untracked().trim().to_owned();
        let password = password.get_untracked();
        spawn_local(async move {
            match api::sign_in(&email, &password).await {
                // This form goes away now; nothing of it may be touched after.
                Ok(agent) => on_signed_in(agent),
                Err(e) => {
                    error.set(Some(e.message().to_owned()));
                    busy.set(false);
                }
            }
        });
    };

    view! {
        <div class="signin-page">
            <form class="signin" on:submit=submit>
                <h1 class="brand-title">{text::BRAND}</h1>
                <p class="lede">{text::SIGN_IN_LEDE}</p>
                {note.map(|note| view! { <p class="note">{note}</p> })}
                <label for="email">{text::EMAIL}</label>
                <input
                    id="email"
                    type="email"
                    autocomplete="username"
                    required
                    bind:value=email
                />
                <label for="password">{text::PASSWORD}</label>
                <input
                    id="password"
                    type="password"
                    autocomplete="current-password"
                    required
                    bind:value=password
                />
                <p class="error" role="alert">
                    {move || error.get()}
                </p>
                <button type="submit" class="button" disabled=move || busy.get()>
                    {text::SIGN_IN}
                </button>
            </form>
        </div>
    }
}
