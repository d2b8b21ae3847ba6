//! Browser-side code the widget and the console share: the connection to the
//! relay, client message ids, and the conversation views. Unlike `shared`,
//! this crate talks to the browser, so it builds for wasm32 only in practice;
//! it compiles natively for linting and for the tests of its pure parts
//! (backoff, the loop's decisions, the link, grouping lines), where the
//! browser calls would fail.

mod backoff;
mod connection;
mod course;
mod ids;
mod link;
mod socket;
pub mod view;

pub use connection::{Side, run};
pub use course::{End, Outcome};
pub use ids::client_id;
pub use link::Link;

/// How often a client says its person is typing, at most (ms).
pub const TYPING_EVERY_MS: f64 = 3000.0;

/// How long "is typing…" shows after the last such notice (ms): a little
/// over two notices, so it does not flicker while someone keeps typing.
pub const TYPING_SHOWN_MS: f64 = 7000.0;
