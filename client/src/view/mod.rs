//! The conversation views both apps show: the message log and the composer.
//! Each app brings its own words (`Texts`) and decides which lines are its
//! person's own.
//!
//! Every `view!` here starts with the scope class `wl`, like the widget's:
//! besides marking the elements, a scope class makes Leptos create each
//! element itself instead of building static parts with `innerHTML`, which
//! host pages that enforce Trusted Types block (the widget runs on other
//! people's pages).

mod composer;
mod lines;
mod log;

pub use composer::Composer;
pub use lines::{Line, group};
pub use log::{Follow, MessageLog, initials};

use leptos::prelude::*;
use warmline_shared::ErrorCode;

/// The words of the shared views, from the app's catalogue. `word` looks up
/// a key (`log`, `sending`, `not_sent`, `retry`, `message`, `placeholder`,
/// `send`, `too_long` with `{max}`, `you`, `seen`); `refusal` says why the
/// relay refused a message. The views call them inside reactive closures, so
/// a catalogue that changes (the visitor picks another language) redraws.
#[derive(Clone, Copy)]
pub struct Texts {
    pub word: Callback<&'static str, String>,
    pub refusal: Callback<ErrorCode, String>,
}

impl Texts {
    pub fn get(&self, key: &'static str) -> String {
        self.word.run(key)
    }
}

/// Fills `{name}`-style holes in a catalogue text.
pub fn fill(text: &str, hole: &str, value: &str) -> String {
    text.replace(&format!("{{{hole}}}"), value)
}
