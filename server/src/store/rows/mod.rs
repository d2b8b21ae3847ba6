//! Rows as both backends read them, and their conversion into the relay's
//! types. The schemas keep the same columns and Rust-side types (integers as
//! i64, flags as bool, JSON as text), so one decoding serves SQLite and
//! PostgreSQL alike.

pub(super) mod agents;
pub(super) mod blocks;
pub(super) mod canned;
pub(super) mod care;
pub(super) mod conversations;
pub(super) mod handoff;
pub(super) mod knowledge;
pub(super) mod sites;
pub(super) mod visitors;

/// A statement broke a unique index: the row another writer got in first.
pub(in crate::store) fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|d| d.is_unique_violation())
}
