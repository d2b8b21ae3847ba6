//! PostgreSQL's side of group commit (see `store::writer`): the writer task
//! runs each batch on a pooled connection.

use sqlx::{PgPool, Postgres, Transaction};
use warmline_shared::{AgentId, VisitorId};

use super::conversations::conversation_in;
use crate::store::Result;
use crate::store::rows::conversations::author_columns;
use crate::store::writer::{Batches, INSERT_MESSAGE, NEXT_SEQ, Queued, Written};

#[async_trait::async_trait]
impl Batches for PgPool {
    async fn commit(&self, messages: &[Queued]) -> Result<Vec<Result<Written>>> {
        // Quick: a message that cannot go in changes nothing (the seq is
        // taken only for a client id not stored yet), so no savepoints are
        // needed. A message the database refuses, or a resend racing its
        // original past that check, takes the batch again one message at a
        // time.
        if let Some(outcomes) = quick(self, messages).await? {
            return Ok(outcomes);
        }
        let mut tx = self.begin().await?;
        let mut outcomes = Vec::with_capacity(messages.len());
        for message in messages {
            sqlx::query("SAVEPOINT message").execute(&mut *tx).await?;
            let outcome = match insert(&mut tx, message).await {
                Ok(Written::HalfIn) => Ok(Written::NotStored),
                outcome => outcome,
            };
            if !matches!(outcome, Ok(Written::Stored(_))) {
                sqlx::query("ROLLBACK TO message").execute(&mut *tx).await?;
            }
            sqlx::query("RELEASE message").execute(&mut *tx).await?;
            outcomes.push(outcome);
        }
        tx.commit().await?;
        Ok(outcomes)
    }
}

/// The batch in one transaction without savepoints; `None` if a message
/// needs one (the database refused what it wrote, or it half went in). A
/// failure of the database itself fails the batch: taking it again would
/// only wait for the same failure.
async fn quick(pool: &PgPool, messages: &[Queued]) -> Result<Option<Vec<Result<Written>>>> {
    let mut tx = pool.begin().await?;
    let mut outcomes = Vec::with_capacity(messages.len());
    for message in messages {
        match insert(&mut tx, message).await {
            Ok(Written::HalfIn) => return Ok(None),
            Err(e) if e.is_refusal() => return Ok(None),
            Err(e) => return Err(e),
            outcome => outcomes.push(outcome),
        }
    }
    tx.commit().await?;
    Ok(Some(outcomes))
}

async fn insert(tx: &mut Transaction<'_, Postgres>, new: &Queued) -> Result<Written> {
    let (kind, name) = author_columns(&new.author);
    let seq: Option<i64> = sqlx::query_scalar(NEXT_SEQ)
        .bind(new.preview())
        .bind(new.sent_at)
        .bind(new.conversation_id.get())
        .bind(new.site_id.as_str())
        .bind(new.visitor_id.map(VisitorId::get))
        .bind(&new.client_id)
        .fetch_optional(&mut **tx)
        .await?;
    let Some(seq) = seq else {
        return Ok(Written::NotStored);
    };
    let inserted = sqlx::query(INSERT_MESSAGE)
        .bind(new.conversation_id.get())
        .bind(seq)
        .bind(&new.client_id)
        .bind(kind)
        .bind(new.agent_id.map(AgentId::get))
        .bind(name)
        .bind(&new.text)
        .bind(new.sent_at)
        .bind(new.attachment.as_ref().map(|a| a.id.as_str()))
        .bind(new.articles_json())
        .bind(new.wants_person)
        .bind(new.options_json())
        .bind(new.picked)
        .execute(&mut **tx)
        .await?
        .rows_affected()
        == 1;
    if !inserted {
        return Ok(Written::HalfIn);
    }
    Ok(new.stored(seq, conversation_in(tx, new.conversation_id).await?))
}
