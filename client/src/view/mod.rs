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
pub use lines::{Line, Place, RenderKey, group};
pub use log::{Follow, MessageLog, initials};

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_read_as_decimal() {
        for n in [0, 7, 10, 4000, u64::MAX] {
            assert_eq!(super::number(n), n.to_string());
        }
        assert_eq!(super::fill("Up to {max}.", "max", "4000"), "Up to 4000.");
    }
}

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

    /// The text for `key` as a signal. Views draw every text through this
    /// one type: each distinct closure in a view adds its own rendering code
    /// to the wasm, while every `Signal<String>` shares one.
    pub fn signal(self, key: &'static str) -> Signal<String> {
        Signal::derive(move || self.get(key))
    }
}

/// A number as text, written out rather than with `format!` (whose machinery
/// every visitor of the widget would otherwise download).
pub fn number(mut n: u64) -> String {
    let mut digits = Vec::new();
    loop {
        digits.push(b'0' + (n % 10) as u8);
        n /= 10;
        if n == 0 {
            break;
        }
    }
    digits.reverse();
    String::from_utf8(digits).unwrap_or_default()
}

/// Fills `{name}`-style holes in a catalogue text.
pub fn fill(text: &str, hole: &str, value: &str) -> String {
    text.replace(&["{", hole, "}"].concat(), value)
}
