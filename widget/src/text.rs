//! The widget's words: the catalogue the relay chose for the visitor's
//! language (`widget/locales/*.json`, with the owner's greetings and English
//! for any missing key), looked up by key. It can change while the widget
//! runs (`Warmline.setLocale`), and every text drawn from it follows.

use leptos::prelude::*;
use warmline_client::view::Texts;
use warmline_shared::ErrorCode;
use wasm_bindgen::JsValue;

use crate::wire::Json;

#[derive(Clone, Copy)]
pub struct Words(RwSignal<JsValue, LocalStorage>);

impl Words {
    pub fn new(catalogue: JsValue) -> Self {
        Self(RwSignal::new_local(catalogue))
    }

    pub fn set(&self, catalogue: JsValue) {
        self.0.set(catalogue);
    }

    /// The text for `key`; empty if the catalogue lacks it.
    pub fn get(&self, key: &str) -> String {
        self.0
            .read()
            .field(key)
            .and_then(|text| text.string())
            .unwrap_or_default()
    }

    /// The text for `key` as a signal (see `Texts::signal`).
    pub fn signal(self, key: &'static str) -> Signal<String> {
        Signal::derive(move || self.get(key))
    }

    /// The text for `key` with `{hole}` filled.
    pub fn fill(&self, key: &str, hole: &str, value: &str) -> String {
        warmline_client::view::fill(&self.get(key), hole, value)
    }

    /// The shared views' words.
    pub fn texts(self) -> Texts {
        Texts {
            word: Callback::new(move |key: &'static str| self.get(key)),
            refusal: Callback::new(move |code| self.get(refusal_key(code))),
        }
    }
}

/// Which words say why the relay refused something, as a visitor needs to
/// hear it: what happened to their message or their chat, not what went
/// wrong inside.
pub fn refusal_key(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::EmptyMessage => "error_empty",
        ErrorCode::TooLarge => "error_too_large",
        ErrorCode::RateLimited => "error_rate_limited",
        ErrorCode::UnknownSite | ErrorCode::OriginNotAllowed => "error_not_here",
        ErrorCode::UnknownConversation | ErrorCode::ConversationClosed => "error_ended",
        ErrorCode::SeqAhead => "error_gap",
        ErrorCode::FileTooLarge => "error_file_too_large",
        ErrorCode::FileType => "error_file_type",
        ErrorCode::BadEmail => "error_bad_email",
        ErrorCode::Blocked => "error_blocked",
        ErrorCode::AlreadyAnswered => "error_answered",
        ErrorCode::Malformed
        | ErrorCode::UnknownType
        | ErrorCode::BadClientId
        | ErrorCode::HelloRequired
        | ErrorCode::BadToken
        | ErrorCode::UnknownAttachment
        | ErrorCode::AlreadyTaken
        | ErrorCode::UnknownAgent
        | ErrorCode::BadOptions
        | ErrorCode::NotYours
        | ErrorCode::Internal => "error_ours",
    }
}

#[cfg(test)]
mod tests {
    use super::refusal_key;
    use warmline_shared::ErrorCode;

    /// Every key the widget looks up for a refusal is in the English
    /// catalogue, which the relay uses for any key another language lacks.
    #[test]
    fn every_refusal_has_english_words() {
        let english: serde_json::Value =
            serde_json::from_str(include_str!("../locales/en.json")).unwrap();
        for code in ErrorCode::ALL {
            let key = refusal_key(code);
            assert!(english.get(key).is_some(), "{key} is missing from en.json");
        }
    }
}
