//! SQLite's side of group commit (see `store::writer`). The writer is a
//! thread with a connection of its own: it runs a batch's statements in
//! process, one after another. Through sqlx's pool every statement would be
//! a hop to the connection's worker thread and back, and those hops, not
//! SQLite, were most of what storing a message cost.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use warmline_shared::{AgentId, VisitorId};

use super::conversations::CONVERSATION_BY_ID;
use crate::store::rows::conversations::{ConversationRow, author_columns};
use crate::store::writer::{Queued, Written};
use crate::store::{Result, StoreError};

/// Takes the next seq of an open conversation the message may go in,
/// unless the message's client id is stored already (a resend takes none).
const NEXT_SEQ: &str = "UPDATE conversations SET last_seq = last_seq + 1, \
     last_text = COALESCE($1, last_text), updated_at = $2 \
     WHERE id = $3 AND site_id = $4 AND status = 'open' AND ($5 IS NULL OR visitor_id = $5) \
     AND NOT EXISTS (SELECT 1 FROM messages WHERE conversation_id = $3 AND client_id = $6) \
     RETURNING last_seq";

/// Stores the message under that seq unless its client id is stored already.
const INSERT_MESSAGE: &str = "INSERT INTO messages (conversation_id, seq, client_id, \
     author_kind, agent_id, author_name, text, sent_at, attachment_id, articles, wants_person, \
     options, picked) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
     ON CONFLICT DO NOTHING";

/// How long the writer waits between looks at a lock another connection
/// holds, and how many looks it takes before it gives up (at least the
/// pool's busy timeout: a sleep may run over, never short).
const LOCK_POLL: Duration = Duration::from_micros(250);
const LOCK_TRIES: i32 = (super::BUSY_TIMEOUT.as_micros() / LOCK_POLL.as_micros()) as i32;

fn lock_poll() -> bool {
    std::thread::sleep(LOCK_POLL);
    true
}

/// How often the log is copied into the database beside the writer.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

/// The writer's connection to the database the pool has migrated.
pub(super) struct Batches {
    connection: Connection,
    /// Ends the checkpoint thread when the writer ends.
    _checkpoints: mpsc::Sender<()>,
}

impl Batches {
    /// Opens `path` with foreign keys on, and starts its checkpoints.
    pub fn open(path: &Path) -> Result<Self> {
        let connection = connect(path)?;
        // SQLite's own wait for a lock sleeps 1, 2, 5, 10, 15… ms between
        // tries: a pool connection's one-row update held every message of
        // the next batch for up to 33 ms. The writer looks again every
        // `LOCK_POLL` instead, giving up after at least as long in all.
        connection.busy_handler(Some(|tries| tries < LOCK_TRIES && lock_poll()))?;
        connection.pragma_update(None, "foreign_keys", true)?;
        // The writer never copies the log into the database itself: in the
        // middle of a batch that took tens of milliseconds, and every
        // message waiting for the batch waited for it too.
        connection.pragma_update(None, "wal_autocheckpoint", 0)?;
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
        let checkpoints = connect(path)?;
        let (stop, stopped) = mpsc::channel();
        std::thread::Builder::new()
            .name("warmline-checkpoints".into())
            .spawn(move || checkpoint_until(&checkpoints, &stopped))
            .map_err(StoreError::backend)?;
        Ok(Self {
            connection,
            _checkpoints: stop,
        })
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
            .connection
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
            .connection
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

/// A connection to `path` as the pool's connections have it: WAL (kept by
/// the file), `synchronous = FULL`, the same busy timeout.
fn connect(path: &Path) -> Result<Connection> {
    let connection = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    connection.busy_timeout(super::BUSY_TIMEOUT)?;
    connection.pragma_update(None, "synchronous", "FULL")?;
    Ok(connection)
}

/// Copies the log into the database every [`CHECKPOINT_EVERY`], beside the
/// writer (a passive checkpoint waits for nobody and holds nobody up),
/// until the writer ends.
fn checkpoint_until(connection: &Connection, writer_ended: &mpsc::Receiver<()>) {
    while let Err(mpsc::RecvTimeoutError::Timeout) = writer_ended.recv_timeout(CHECKPOINT_EVERY) {
        let done = connection.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
        if let Err(e) = done {
            tracing::warn!(error = %e, "the database log could not be checkpointed");
        }
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
