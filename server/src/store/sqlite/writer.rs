//! SQLite's side of group commit (see `store::writer`). The writer is a
//! thread with a connection of its own: it runs a batch's statements in
//! process, one after another. Through sqlx's pool every statement would be
//! a hop to the connection's worker thread and back, and those hops, not
//! SQLite, were most of what storing a message cost.

use std::path::Path;
use std::sync::LazyLock;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use warmline_shared::{AgentId, VisitorId};

use crate::store::rows::conversations::{CONVERSATION_SELECT, ConversationRow, author_columns};
use crate::store::writer::{INSERT_MESSAGE, NEXT_SEQ, Queued, Written};
use crate::store::{Result, StoreError};

static CONVERSATION_BY_ID: LazyLock<String> =
    LazyLock::new(|| format!("{CONVERSATION_SELECT} WHERE c.id = ?1"));

/// The writer's connection to the database the pool has migrated.
pub(super) struct Batches(Connection);

impl Batches {
    /// Opens `path` as the pool's connections have it: WAL (kept by the
    /// file), `synchronous = FULL`, foreign keys on, the same busy timeout.
    pub fn open(path: &Path, busy_timeout: Duration) -> Result<Self> {
        let connection = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        connection.busy_timeout(busy_timeout)?;
        connection.pragma_update(None, "synchronous", "FULL")?;
        connection.pragma_update(None, "foreign_keys", true)?;
        // A database only in the pool's memory is not the file opened here.
        let migrated: bool = connection.query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'messages')",
            [],
            |row| row.get(0),
        )?;
        if !migrated {
            return Err(StoreError::corrupt(format!(
                "{} has no messages table: the embedded store needs a database file",
                path.display()
            )));
        }
        Ok(Self(connection))
    }

    /// Stores the batch in one transaction. Quick: a message that cannot go
    /// in changes nothing (the seq is taken only for a client id not stored
    /// yet), so no savepoints are needed. A message the database refuses,
    /// or a resend racing its original past that check (another relay's
    /// writer), takes the batch again with a savepoint per message.
    pub fn commit(&mut self, messages: &[Queued]) -> Result<Vec<Result<Written>>> {
        if let Some(outcomes) = self.quick(messages)? {
            return Ok(outcomes);
        }
        let tx = self
            .0
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut outcomes = Vec::with_capacity(messages.len());
        for message in messages {
            tx.execute_batch("SAVEPOINT message")?;
            let outcome = match insert(&tx, message) {
                Ok(Written::HalfIn) => Ok(Written::NotStored),
                outcome => outcome,
            };
            if !matches!(outcome, Ok(Written::Stored(_))) {
                tx.execute_batch("ROLLBACK TO message")?;
            }
            tx.execute_batch("RELEASE message")?;
            outcomes.push(outcome);
        }
        tx.commit()?;
        Ok(outcomes)
    }

    /// The batch without savepoints; `None` if a message needs one. A
    /// failure of the database itself fails the batch: taking it again
    /// would only wait for the same failure. Dropping the transaction rolls
    /// it back.
    fn quick(&mut self, messages: &[Queued]) -> Result<Option<Vec<Result<Written>>>> {
        let tx = self
            .0
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut outcomes = Vec::with_capacity(messages.len());
        for message in messages {
            match insert(&tx, message) {
                Ok(Written::HalfIn) => return Ok(None),
                Err(e) if e.is_refusal() => return Ok(None),
                Err(e) => return Err(e),
                outcome => outcomes.push(outcome),
            }
        }
        tx.commit()?;
        Ok(Some(outcomes))
    }
}

fn insert(connection: &Connection, new: &Queued) -> Result<Written> {
    let seq: Option<i64> = connection
        .prepare_cached(NEXT_SEQ)?
        .query_row(
            params![
                new.preview(),
                new.sent_at,
                new.conversation_id.get(),
                new.site_id.as_str(),
                new.visitor_id.map(VisitorId::get),
                new.client_id,
            ],
            |row| row.get(0),
        )
        .optional()?;
    let Some(seq) = seq else {
        return Ok(Written::NotStored);
    };
    let (kind, name) = author_columns(&new.author);
    let inserted = connection.prepare_cached(INSERT_MESSAGE)?.execute(params![
        new.conversation_id.get(),
        seq,
        new.client_id,
        kind,
        new.agent_id.map(AgentId::get),
        name,
        new.text,
        new.sent_at,
        new.attachment.as_ref().map(|a| a.id.as_str()),
        new.articles_json(),
        new.wants_person,
        new.options_json(),
        new.picked,
    ])? == 1;
    if !inserted {
        return Ok(Written::HalfIn);
    }
    let row = connection
        .prepare_cached(&CONVERSATION_BY_ID)?
        .query_row([new.conversation_id.get()], ConversationRow::from_columns)?;
    Ok(new.stored(seq, row.try_into()?))
}
