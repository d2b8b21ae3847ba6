use async_trait::async_trait;
use sqlx::{Postgres, Transaction};
use warmline_shared::handoff::{Availability, Frustration, HandoffReason};
use warmline_shared::{AgentId, ConversationId, ConversationSummary, SiteId};

use super::PgStore;
use super::conversations::conversation_in;
use crate::store::rows::conversations::{CONVERSATION_SELECT, ConversationRow};
use crate::store::rows::handoff::{
    EventRow, LapsedRow, MemberRow, QueuedRow, count, frustration_json, pace,
};
use crate::store::rows::is_unique_violation;
use crate::store::{
    Conversation, ConversationStore, HandoffStore, HistoryEvent, LapsedOffer, Member, Queued,
    Result, Taken,
};

/// Adds a line to the conversation's history, inside the change's transaction.
pub(super) async fn record(
    tx: &mut Transaction<'_, Postgres>,
    id: ConversationId,
    at: i64,
    kind: &str,
    reason: Option<&str>,
    agent: Option<AgentId>,
    detail: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO conversation_events (conversation_id, at, kind, reason, agent_id, detail) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id.get())
    .bind(at)
    .bind(kind)
    .bind(reason)
    .bind(agent.map(AgentId::get))
    .bind(detail)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

// Under READ COMMITTED a conditional UPDATE that finds its row locked by
// another transaction waits for it, then checks its condition again against
// the committed row: of two relays racing, the second matches nothing. So
// each change below is one such UPDATE, and its history line goes in only
// when it matched, in the same transaction.
#[async_trait]
impl HandoffStore for PgStore {
    async fn hand_off(
        &self,
        id: ConversationId,
        reason: HandoffReason,
        now: i64,
    ) -> Result<Option<Conversation>> {
        let mut tx = self.pool.begin().await?;
        let moved = sqlx::query(
            "UPDATE conversations SET state = 'waiting', handoff_reason = $1, waiting_since = $2, \
             updated_at = $3 WHERE id = $4 AND state = 'bot'",
        )
        .bind(reason.name())
        .bind(now)
        .bind(now)
        .bind(id.get())
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !moved {
            return Ok(None);
        }
        record(
            &mut tx,
            id,
            now,
            "handed_off",
            Some(reason.name()),
            None,
            None,
        )
        .await?;
        let conversation = conversation_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(Some(conversation))
    }

    async fn set_frustration(
        &self,
        id: ConversationId,
        frustration: &Frustration,
    ) -> Result<Option<Conversation>> {
        let json = frustration_json(frustration)?;
        sqlx::query("UPDATE conversations SET frustration = $1, tier = $2 WHERE id = $3")
            .bind(json)
            .bind(i64::from(frustration.tier()))
            .bind(id.get())
            .execute(&self.pool)
            .await?;
        self.conversation(id).await
    }

    async fn email_replies(&self, id: ConversationId) -> Result<()> {
        sqlx::query("UPDATE conversations SET email_replies = TRUE WHERE id = $1")
            .bind(id.get())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn offer(
        &self,
        id: ConversationId,
        agent: AgentId,
        expires_at: i64,
        now: i64,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let site: sqlx::Result<Option<String>> = sqlx::query_scalar(
            "UPDATE conversations SET offered_to = $1, offer_expires_at = $2 \
             WHERE id = $3 AND state = 'waiting' AND offered_to IS NULL RETURNING site_id",
        )
        .bind(agent.get())
        .bind(expires_at)
        .bind(id.get())
        .fetch_optional(&mut *tx)
        .await;
        // An agent has one offer at a time (a unique index): another relay
        // may have just offered them another conversation.
        let site = match site {
            Err(e) if is_unique_violation(&e) => None,
            site => site?,
        };
        let Some(site) = site else {
            return Ok(false);
        };
        sqlx::query(
            "INSERT INTO availability (agent_id, site_id, last_offered_at) VALUES ($1, $2, $3) \
             ON CONFLICT (agent_id, site_id) DO UPDATE SET last_offered_at = excluded.last_offered_at",
        )
        .bind(agent.get())
        .bind(site)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        record(&mut tx, id, now, "offered", None, Some(agent), None).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn end_offer(
        &self,
        id: ConversationId,
        agent: AgentId,
        expired: bool,
        now: i64,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let ended = sqlx::query(
            "UPDATE conversations SET offered_to = NULL, offer_expires_at = NULL \
             WHERE id = $1 AND offered_to = $2",
        )
        .bind(id.get())
        .bind(agent.get())
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if ended {
            let kind = if expired { "expired" } else { "declined" };
            record(&mut tx, id, now, kind, None, Some(agent), None).await?;
        }
        tx.commit().await?;
        Ok(ended)
    }

    async fn passed_by(&self, id: ConversationId, since: i64) -> Result<Vec<AgentId>> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT DISTINCT agent_id FROM conversation_events WHERE conversation_id = $1 \
             AND kind IN ('declined', 'expired') AND at >= $2 AND agent_id IS NOT NULL",
        )
        .bind(id.get())
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        Ok(ids.into_iter().map(AgentId::new).collect())
    }

    async fn lapsed_offers(&self, now: i64) -> Result<Vec<LapsedOffer>> {
        let rows: Vec<LapsedRow> = sqlx::query_as(
            "SELECT site_id, id, offered_to FROM conversations \
             WHERE offered_to IS NOT NULL AND offer_expires_at <= $1",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(LapsedOffer::from).collect())
    }

    async fn next_offer_expiry(&self) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT MIN(offer_expires_at) FROM conversations WHERE offered_to IS NOT NULL",
        )
        .fetch_one(&self.pool)
        .await?)
    }

    async fn take(&self, id: ConversationId, agent: AgentId, now: i64) -> Result<Taken> {
        let mut tx = self.pool.begin().await?;
        // The state in the condition makes this the one place a race is
        // decided: of two agents accepting at once, one updates a row, and
        // the other waits for it to commit before finding nothing to update.
        let taken = sqlx::query(
            "UPDATE conversations SET state = 'assigned', assigned_agent_id = $1, \
             assigned_at = $2, offered_to = NULL, offer_expires_at = NULL, note = NULL, \
             updated_at = $3 WHERE id = $4 AND state IN ('bot', 'waiting')",
        )
        .bind(agent.get())
        .bind(now)
        .bind(now)
        .bind(id.get())
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !taken {
            // A new snapshot (READ COMMITTED): it sees the winner's commit.
            let state: Option<String> =
                sqlx::query_scalar("SELECT state FROM conversations WHERE id = $1")
                    .bind(id.get())
                    .fetch_optional(&mut *tx)
                    .await?;
            return Ok(match state.as_deref() {
                Some("assigned") => Taken::AlreadyTaken,
                _ => Taken::Gone,
            });
        }
        record(&mut tx, id, now, "assigned", None, Some(agent), None).await?;
        let conversation = conversation_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(Taken::Taken(Box::new(conversation)))
    }

    async fn transfer(
        &self,
        id: ConversationId,
        from: AgentId,
        to: AgentId,
        note: &str,
        now: i64,
    ) -> Result<Option<Conversation>> {
        let mut tx = self.pool.begin().await?;
        let note = (!note.is_empty()).then_some(note);
        let moved = sqlx::query(
            "UPDATE conversations SET assigned_agent_id = $1, assigned_at = $2, note = $3, \
             updated_at = $4 WHERE id = $5 AND state = 'assigned' AND assigned_agent_id = $6",
        )
        .bind(to.get())
        .bind(now)
        .bind(note)
        .bind(now)
        .bind(id.get())
        .bind(from.get())
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !moved {
            return Ok(None);
        }
        let from = from.to_string();
        record(&mut tx, id, now, "transferred", note, Some(to), Some(&from)).await?;
        let conversation = conversation_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(Some(conversation))
    }

    async fn queue(&self, site_id: &SiteId) -> Result<Vec<Queued>> {
        // NULLS FIRST: SQLite's order, which both backends keep.
        let rows: Vec<QueuedRow> = sqlx::query_as(
            "SELECT id, tier, waiting_since, offered_to FROM conversations \
             WHERE site_id = $1 AND state = 'waiting' \
             ORDER BY tier DESC, waiting_since NULLS FIRST, id",
        )
        .bind(site_id.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Queued::from).collect())
    }

    async fn waiting_conversations(
        &self,
        site_id: &SiteId,
        limit: i64,
    ) -> Result<Vec<ConversationSummary>> {
        let rows: Vec<ConversationRow> = sqlx::query_as(&format!(
            "{CONVERSATION_SELECT} WHERE c.site_id = $1 AND c.state = 'waiting' \
             ORDER BY c.tier DESC, c.waiting_since NULLS FIRST, c.id LIMIT $2"
        ))
        .bind(site_id.as_str())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(ConversationRow::summary).collect()
    }

    async fn counts(&self, site_id: &SiteId) -> Result<(u32, u32, u32)> {
        let (waiting, bot, closed): (i64, i64, i64) = sqlx::query_as(
            "SELECT COUNT(*) FILTER (WHERE state = 'waiting') AS waiting, \
             COUNT(*) FILTER (WHERE state = 'bot') AS bot, \
             COUNT(*) FILTER (WHERE state = 'closed') AS closed \
             FROM conversations WHERE site_id = $1",
        )
        .bind(site_id.as_str())
        .fetch_one(&self.pool)
        .await?;
        Ok((count(waiting), count(bot), count(closed)))
    }

    async fn pace(&self, site_id: &SiteId, recent: i64) -> Result<(Option<i64>, usize)> {
        // A spell with an agent runs from "assigned" (or a transfer) to the
        // next transfer or the close. PostgreSQL cannot filter on a select
        // list's alias, hence the inner query.
        let spells: Vec<i64> = sqlx::query_scalar(
            "SELECT spell FROM (SELECT e.id, e.at - (SELECT MAX(s.at) FROM conversation_events s \
                 WHERE s.conversation_id = e.conversation_id AND s.id < e.id \
                 AND s.kind IN ('assigned', 'transferred')) AS spell \
             FROM conversation_events e JOIN conversations c ON c.id = e.conversation_id \
             WHERE c.site_id = $1 AND e.kind IN ('closed', 'transferred')) spells \
             WHERE spell IS NOT NULL ORDER BY id DESC LIMIT $2",
        )
        .bind(site_id.as_str())
        .bind(recent)
        .fetch_all(&self.pool)
        .await?;
        Ok(pace(&spells))
    }

    async fn set_availability(
        &self,
        agent: AgentId,
        site_id: &SiteId,
        availability: Availability,
        capacity: u32,
        auto_away: bool,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO availability (agent_id, site_id, availability, capacity, auto_away) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (agent_id, site_id) DO UPDATE SET \
             availability = excluded.availability, capacity = excluded.capacity, \
             auto_away = excluded.auto_away",
        )
        .bind(agent.get())
        .bind(site_id.as_str())
        .bind(availability.name())
        .bind(i64::from(capacity))
        .bind(auto_away)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn team(&self, site_id: &SiteId) -> Result<Vec<Member>> {
        // Loads and offers counted once per site, not once per person:
        // routing reads the team on every pass. Names in byte order, as
        // SQLite sorts them, whatever the database's collation.
        let rows: Vec<MemberRow> = sqlx::query_as(
            "SELECT a.id, a.name, av.availability, av.capacity, av.auto_away, \
             av.last_offered_at, COALESCE(l.n, 0) AS load, COALESCE(o.n, 0) AS offers \
             FROM memberships m JOIN agents a ON a.id = m.agent_id \
             LEFT JOIN availability av ON av.agent_id = m.agent_id AND av.site_id = m.site_id \
             LEFT JOIN (SELECT assigned_agent_id AS id, COUNT(*) AS n FROM conversations \
                 WHERE site_id = $1 AND state = 'assigned' GROUP BY assigned_agent_id) l \
                 ON l.id = a.id \
             LEFT JOIN (SELECT offered_to AS id, COUNT(*) AS n FROM conversations \
                 WHERE site_id = $1 AND offered_to IS NOT NULL GROUP BY offered_to) o \
                 ON o.id = a.id \
             WHERE m.site_id = $1 ORDER BY a.name COLLATE \"C\", a.id",
        )
        .bind(site_id.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(Member::try_from).collect()
    }

    async fn history(&self, id: ConversationId) -> Result<Vec<HistoryEvent>> {
        let rows: Vec<EventRow> = sqlx::query_as(
            "SELECT at, kind, reason, agent_id, detail FROM conversation_events \
             WHERE conversation_id = $1 ORDER BY id",
        )
        .bind(id.get())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(HistoryEvent::from).collect())
    }
}
