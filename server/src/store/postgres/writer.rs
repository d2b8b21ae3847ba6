//! PostgreSQL's side of group commit (see `store::writer`).

crate::store::writer::batches_for!(
    sqlx::PgPool,
    sqlx::Postgres,
    super::conversations::conversation_in
);
