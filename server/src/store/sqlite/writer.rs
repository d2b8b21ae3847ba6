//! SQLite's side of group commit (see `store::writer`).

crate::store::writer::batches_for!(
    sqlx::SqlitePool,
    sqlx::Sqlite,
    super::conversations::conversation_in
);
