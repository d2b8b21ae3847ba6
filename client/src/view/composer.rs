//! The box to write in and its send button, with the hint that appears when
//! the draft is too long.

use leptos::prelude::*;
use leptos::{ev, html};
use warmline_shared::{MAX_TEXT_CHARS, validate_text};

use super::{Follow, Texts, fill, number};

#[component]
pub fn Composer(
    /// The draft, which the app keeps (the console keeps one per conversation).
    #[prop(into)]
    draft: Signal<String>,
    #[prop(into)] on_edit: Callback<String>,
    /// Receives the text to send, validated and trimmed.
    #[prop(into)]
    on_send: Callback<String>,
    texts: Texts,
    follow: Follow,
    /// The box's height in lines where the browser cannot fit it to its text.
    rows: &'static str,
    #[prop(optional, into)] disabled: Signal<bool>,
    /// Sees each key first (the console's canned replies use the arrows and
    /// Enter while their list is open); `true` means it was handled.
    #[prop(optional)]
    on_key: Option<Callback<ev::KeyboardEvent, bool>>,
) -> impl IntoView {
    let input = NodeRef::<html::Textarea>::new();
    let too_long = move || draft.with(|d| d.trim().chars().count() > MAX_TEXT_CHARS);
    let cannot_send =
        Signal::derive(move || disabled.get() || draft.with(|d| validate_text(d).is_err()));
    let hint = Signal::derive(move || {
        if too_long() {
            fill(
                &texts.get("too_long"),
                "max",
                &number(MAX_TEXT_CHARS as u64),
            )
        } else {
            String::new()
        }
    });

    let submit = move || {
        if disabled.get_untracked() {
            return;
        }
        let text = draft.with_untracked(|d| validate_text(d).map(str::to_owned));
        if let Ok(text) = text {
            follow.resume();
            on_send.run(text);
            on_edit.run(String::new());
            if let Some(input) = input.get_untracked() {
                let _ = input.focus();
            }
        }
    };

    let on_keydown = move |ev: ev::KeyboardEvent| {
        if on_key.is_some_and(|on_key| on_key.run(ev.clone())) {
            ev.prevent_default();
            return;
        }
        // Enter sends, Shift+Enter is a new line, and Enter that confirms an
        // input-method composition is left to the input method.
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            submit();
        }
    };

    view! { class="wl",
        <p class="hint" role="alert">
            {hint}
        </p>
        <form
            class="compose"
            on:submit=move |ev: ev::SubmitEvent| {
                ev.prevent_default();
                submit();
            }
        >
            <textarea
                node_ref=input
                aria-label=texts.signal("message")
                placeholder=texts.signal("placeholder")
                rows=rows
                prop:value=move || draft.get()
                on:input:target=move |ev| on_edit.run(ev.target().value())
                on:keydown=on_keydown
                disabled=disabled
            ></textarea>
            <button type="submit" class="send" disabled=cannot_send>
                {texts.signal("send")}
            </button>
        </form>
    }
}
