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
