//! A floor for the widget's size: Leptos with a signal, a keyed list, an
//! input and a button, mounted where the caller says. Everything the widget
//! weighs beyond this is Warmline's own.

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub fn start(mount: web_sys::HtmlElement) {
    leptos::mount::mount_to(mount, || {
        let lines = RwSignal::new(Vec::<(u32, String)>::new());
        let draft = RwSignal::new(String::new());
        let send = move |_| {
            let text = draft.get_untracked();
            lines.update(|l| l.push((l.len() as u32, text)));
            draft.set(String::new());
        };
        view! {
            <ul>
                <For each=move || lines.get() key=|(id, _)| *id let((_, text))>
                    <li>{text}</li>
                </For>
            </ul>
            <input prop:value=draft on:input=move |e| draft.set(event_target_value(&e)) />
            <button on:click=send>"Send"</button>
        }
    })
    .forget();
}
