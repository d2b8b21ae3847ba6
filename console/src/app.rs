//! The console's top level: find out whether the agent is signed in, then
//! show the sign-in form or the workspace.

use leptos::prelude::*;
use leptos::task::spawn_local;
use warmline_shared::api::Me;

use crate::api::{self, ApiError};
use crate::browser;
use crate::connection;
use crate::desk::Desk;
use crate::signin::SignIn;
use crate::text;
use crate::workspace::Workspace;

#[derive(Debug, Clone, PartialEq)]
enum Session {
    Checking,
    /// With a note saying why, when it was not the agent's own doing.
    SignedOut(Option<&'static str>),
    SignedIn(Me),
    Unreachable(String),
}

#[component]
pub fn App() -> impl IntoView {
    let session = RwSignal::new(Session::Checking);
    // Lives as long as the page, so that a connection task never outlives
    // the state it writes to.
    let desk = Desk::new();

    let signed_out = move |note: Option<&'static str>| {
        desk.stop();
        browser::set_title(text::BRAND);
        session.set(Session::SignedOut(note));
    };

    let begin = move |agent: Me| {
        if let Some(id) = browser::conversation_in_address() {
            desk.preselect(id);
        }
        session.set(Session::SignedIn(agent));
        spawn_local(connection::run(desk, move || {
            signed_out(Some(text::SESSION_ENDED));
        }));
    };

    let check = move || {
        session.set(Session::Checking);
        spawn_local(async move {
            match api::me().await {
                Ok(agent) => begin(agent),
                Err(ApiError::Unauthorized(_)) => session.set(Session::SignedOut(None)),
                Err(ApiError::Unavailable(message)) => session.set(Session::Unreachable(message)),
            }
        });
    };
    check();

    let sign_out = move || {
        spawn_local(async move {
            let note = api::sign_out().await.err().map(|_| text::SIGN_OUT_FAILED);
            signed_out(note);
        });
    };

    move || match session.get() {
        Session::Checking => view! { <p class="splash">{text::LOADING}</p> }.into_any(),
        Session::SignedOut(note) => view! { <SignIn note on_signed_in=begin /> }.into_any(),
        Session::SignedIn(agent) => {
            view! { <Workspace desk agent on_sign_out=sign_out /> }.into_any()
        }
        Session::Unreachable(message) => view! {
            <div class="splash">
                <p role="alert">{message}</p>
                <button type="button" class="button" on:click=move |_| check()>
                    {text::TRY_AGAIN}
                </button>
            </div>
        }
        .into_any(),
    }
}
