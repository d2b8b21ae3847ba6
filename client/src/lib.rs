//! Browser-side plumbing the widget and the console share. Unlike `shared`,
//! this crate talks to the browser, so it builds for wasm32 only in practice
//! (it compiles natively for linting, where the browser calls would fail).

mod backoff;
mod ids;
mod socket;

pub use backoff::Backoff;
pub use ids::client_id;
pub use socket::{open, parse};
