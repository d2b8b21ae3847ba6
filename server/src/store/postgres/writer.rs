//! PostgreSQL's side of group commit (see `store::writer`): the writer task
//! runs each batch on a pooled connection. Every round trip to the server
//! holds the whole batch up, so the batch goes in as a few statements, not
//! a few per message: one per "round", where a round takes at most one
//! message of each conversation (a conversation's next seq is its row's
//! `last_seq + 1`, and one statement updates a row only once).

use std::collections::HashMap;

use sqlx::{FromRow, PgConnection, PgPool};
use warmline_shared::{AgentId, ConversationId, VisitorId};

use crate::store::Result;
use crate::store::rows::conversations::{
    ConversationRow, author_columns, conversation_columns, conversation_joins,
};
use crate::store::writer::{Batches, Queued, Written};

/// Stores a round's messages, each under its conversation's next seq, and
/// returns each conversation it bumped as it stands after, with the seq its
/// message took (none if the message's client id was stored meanwhile: the
/// seq was taken for nothing, and the batch's careful way undoes it).
///
/// A message whose conversation is not open to it, or whose client id is
/// stored already (a resend), bumps nothing and returns no row.
const STORE_ROUND: &str = concat!(
    "WITH b AS (SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], \
     $5::text[], $6::bigint[], $7::text[], $8::bigint[], $9::text[], $10::text[], $11::text[], \
     $12::text[], $13::boolean[], $14::text[], $15::bigint[]) AS b(conversation_id, site_id, \
     visitor_id, client_id, preview, sent_at, author_kind, agent_id, author_name, text, \
     attachment_id, articles, wants_person, options, picked)), \
     bumped AS (UPDATE conversations c SET last_seq = c.last_seq + 1, \
     last_text = COALESCE(b.preview, c.last_text), updated_at = b.sent_at FROM b \
     WHERE c.id = b.conversation_id AND c.site_id = b.site_id AND c.status = 'open' \
     AND (b.visitor_id IS NULL OR c.visitor_id = b.visitor_id) \
     AND NOT EXISTS (SELECT 1 FROM messages m \
     WHERE m.conversation_id = b.conversation_id AND m.client_id = b.client_id) \
     RETURNING c.*), \
     stored AS (INSERT INTO messages (conversation_id, seq, client_id, author_kind, agent_id, \
     author_name, text, sent_at, attachment_id, articles, wants_person, options, picked) \
     SELECT c.id, c.last_seq, b.client_id, b.author_kind, b.agent_id, b.author_name, b.text, \
     b.sent_at, b.attachment_id, b.articles, b.wants_person, b.options, b.picked \
     FROM bumped c JOIN b ON b.conversation_id = c.id \
     ON CONFLICT DO NOTHING RETURNING conversation_id, seq) \
     SELECT s.seq AS stored_seq, ",
    conversation_columns!(),
    " FROM bumped c ",
    conversation_joins!(),
    " LEFT JOIN stored s ON s.conversation_id = c.id"
);

#[derive(FromRow)]
struct Bumped {
    stored_seq: Option<i64>,
    #[sqlx(flatten)]
    conversation: ConversationRow,
}

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
            let outcome = match store_round(&mut tx, &[message]).await {
                Ok(mut written) => match written.remove(0) {
                    Written::HalfIn => Ok(Written::NotStored),
                    written => Ok(written),
                },
                Err(e) => Err(e),
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

/// The batch in one transaction, a statement per round, without savepoints;
/// `None` if a message needs one (the database refused what a round wrote,
/// or a message half went in). A failure of the database itself fails the
/// batch: taking it again would only wait for the same failure.
async fn quick(pool: &PgPool, messages: &[Queued]) -> Result<Option<Vec<Result<Written>>>> {
    let mut tx = pool.begin().await?;
    let mut outcomes: Vec<Option<Written>> = messages.iter().map(|_| None).collect();
    for round in rounds(messages.iter().map(|m| m.conversation_id)) {
        let round_messages: Vec<&Queued> = round.iter().map(|&i| &messages[i]).collect();
        let written = match store_round(&mut tx, &round_messages).await {
            Ok(written) => written,
            Err(e) if e.is_refusal() => return Ok(None),
            Err(e) => return Err(e),
        };
        for (i, written) in round.into_iter().zip(written) {
            if matches!(written, Written::HalfIn) {
                return Ok(None);
            }
            outcomes[i] = Some(written);
        }
    }
    tx.commit().await?;
    Ok(Some(
        outcomes
            .into_iter()
            .map(|written| Ok(written.expect("every message is in a round")))
            .collect(),
    ))
}

/// The batch's positions (given each message's conversation) split into
/// rounds, in order: a conversation's n-th message of the batch goes in the
/// n-th round, so its messages keep their order and no round has two of
/// them.
fn rounds(conversations: impl Iterator<Item = ConversationId>) -> Vec<Vec<usize>> {
    let mut rounds: Vec<Vec<usize>> = Vec::new();
    let mut seen = HashMap::new();
    for (i, conversation) in conversations.enumerate() {
        let count = seen.entry(conversation).or_insert(0);
        if *count == rounds.len() {
            rounds.push(Vec::new());
        }
        rounds[*count].push(i);
        *count += 1;
    }
    rounds
}

/// Runs [`STORE_ROUND`] for messages of distinct conversations; what became
/// of each, in their order.
async fn store_round(tx: &mut PgConnection, messages: &[&Queued]) -> Result<Vec<Written>> {
    let rows: Vec<Bumped> = sqlx::query_as(STORE_ROUND)
        .bind(column(messages, |m| m.conversation_id.get()))
        .bind(column(messages, |m| m.site_id.as_str()))
        .bind(column(messages, |m| m.visitor_id.map(VisitorId::get)))
        .bind(column(messages, |m| m.client_id.as_str()))
        .bind(column(messages, Queued::preview))
        .bind(column(messages, |m| m.sent_at))
        .bind(column(messages, |m| author_columns(&m.author).0))
        .bind(column(messages, |m| m.agent_id.map(AgentId::get)))
        .bind(column(messages, |m| author_columns(&m.author).1))
        .bind(column(messages, |m| m.text.as_str()))
        .bind(column(messages, |m| {
            m.attachment.as_ref().map(|a| a.id.as_str())
        }))
        .bind(column(messages, Queued::articles_json))
        .bind(column(messages, |m| m.wants_person))
        .bind(column(messages, Queued::options_json))
        .bind(column(messages, |m| m.picked))
        .fetch_all(&mut *tx)
        .await?;
    let mut bumped = HashMap::with_capacity(rows.len());
    for row in rows {
        let conversation: crate::store::Conversation = row.conversation.try_into()?;
        bumped.insert(conversation.summary.id, (row.stored_seq, conversation));
    }
    Ok(messages
        .iter()
        .map(|m| match bumped.remove(&m.conversation_id) {
            None => Written::NotStored,
            Some((None, _)) => Written::HalfIn,
            Some((Some(seq), conversation)) => m.stored(seq, conversation),
        })
        .collect())
}

/// One of [`STORE_ROUND`]'s arrays: what `f` takes from each message.
fn column<'a, T>(messages: &[&'a Queued], f: impl Fn(&'a Queued) -> T) -> Vec<T> {
    messages.iter().map(|&m| f(m)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_conversation_has_one_message_per_round_in_the_order_queued() {
        let ids = [1, 2, 1, 3, 1, 2].map(ConversationId::new);
        assert_eq!(
            rounds(ids.into_iter()),
            vec![vec![0, 1, 3], vec![2, 5], vec![4]]
        );
        assert!(rounds(std::iter::empty()).is_empty());
    }
}
