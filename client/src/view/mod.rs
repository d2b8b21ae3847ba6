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
pub use log::{Follow, MessageLog};

use warmline_shared::ErrorCode;

/// The words of the shared views, from the app's catalogue.
#[derive(Clone, Copy)]
pub struct Texts {
    /// The log's accessible name.
    pub log: &'static str,
    /// Under a message the relay has not acknowledged yet.
    pub sending: &'static str,
    /// Before the reason a message was refused.
    pub not_sent: &'static str,
    pub retry: &'static str,
    /// Why the relay refused a message.
    pub refusal: fn(ErrorCode) -> &'static str,
    /// The message box's accessible name.
    pub message: &'static str,
    pub placeholder: &'static str,
    pub send: &'static str,
    /// Shown while the draft is longer than the given number of characters.
    pub too_long: fn(usize) -> String,
}
