use async_trait::async_trait;
use sqlx::{Sqlite, Transaction};
use warmline_shared::handoff::{Availability, Frustration, HandoffReason};
use warmline_shared::{AgentId, ConversationId, ConversationSummary, SiteId};

use super::SqliteStore;
use super::conversations::conversation_in;
use crate::store::rows::conversations::{CONVERSATION_SELECT, ConversationRow};
use crate::store::rows::handoff::{
    EventRow, LapsedRow, MemberRow, QueuedRow, count, frustration_json, pace,
};
use crate::store::rows::is_unique_violation;
use crate::store::{
    Conversation, HandoffStore, HistoryEvent, LapsedOffer, Member, Queued, Result, Taken,
};

/// Adds a line to the conversation's history, inside the change's transaction.
pub(super) async fn record(
    tx: &mut Transaction<'_, Sqlite>,
    id: ConversationId,
    at: i64,
    kind: &str,
    reason: Option<&str>,
    agent: Option<AgentId>,
    detail: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO conversation_events (conversation_id, at, kind, reason, agent_id, detail) \
         VALUES (?, ?, ?, ?, ?, ?)",
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

#[async_trait]
impl HandoffStore for SqliteStore {
    async fn hand_off(
        &self,
        id: ConversationId,
        reason: HandoffReason,
        now: i64,
    ) -> Result<Option<Conversation>> {
        let mut tx = self.pool.begin().await?;
        let moved = sqlx::query(
            "UPDATE conversations SET state = 'waiting', handoff_reason = ?, waiting_since = ?, \
             updated_at = ? WHERE id = ? AND state = 'bot'",
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
        sqlx::query("UPDATE conversations SET frustration = ?, tier = ? WHERE id = ?")
            .bind(json)
            .bind(i64::from(frustration.tier()))
            .bind(id.get())
            .execute(&self.pool)
            .await?;
        self.conversation_where("c.id = ?", id.get()).await
    }

    async fn email_replies(&self, id: ConversationId) -> Result<()> {
        sqlx::query("UPDATE conversations SET email_replies = 1 WHERE id = ?")
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
            "UPDATE conversations SET offered_to = ?, offer_expires_at = ? \
             WHERE id = ? AND state = 'waiting' AND offered_to IS NULL RETURNING site_id",
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
            "INSERT INTO availability (agent_id, site_id, last_offered_at) VALUES (?, ?, ?) \
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
             WHERE id = ? AND offered_to = ?",
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
            "SELECT DISTINCT agent_id FROM conversation_events WHERE conversation_id = ? \
             AND kind IN ('declined', 'expired') AND at >= ? AND agent_id IS NOT NULL",
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
             WHERE offered_to IS NOT NULL AND offer_expires_at <= ?",
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
        // decided: of two agents accepting at once, one updates a row.
        let taken = sqlx::query(
            "UPDATE conversations SET state = 'assigned', assigned_agent_id = ?, assigned_at = ?, \
             offered_to = NULL, offer_expires_at = NULL, note = NULL, updated_at = ? \
             WHERE id = ? AND state IN ('bot', 'waiting')",
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
            let state: Option<String> =
                sqlx::query_scalar("SELECT state FROM conversations WHERE id = ?")
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
            "UPDATE conversations SET assigned_agent_id = ?, assigned_at = ?, note = ?, \
             updated_at = ? WHERE id = ? AND state = 'assigned' AND assigned_agent_id = ?",
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
        let rows: Vec<QueuedRow> = sqlx::query_as(
            "SELECT id, tier, waiting_since, offered_to FROM conversations \
             WHERE site_id = ? AND state = 'waiting' ORDER BY tier DESC, waiting_since, id",
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
            "{CONVERSATION_SELECT} WHERE c.site_id = ? AND c.state = 'waiting' \
             ORDER BY c.tier DESC, c.waiting_since, c.id LIMIT ?"
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
             FROM conversations WHERE site_id = ?",
        )
        .bind(site_id.as_str())
        .fetch_one(&self.pool)
        .await?;
        Ok((count(waiting), count(bot), count(closed)))
    }

    async fn pace(&self, site_id: &SiteId, recent: i64) -> Result<(Option<i64>, usize)> {
        // A spell with an agent runs from "assigned" (or a transfer) to the
        // next transfer or the close.
        let spells: Vec<i64> = sqlx::query_scalar(
            "SELECT e.at - (SELECT MAX(s.at) FROM conversation_events s \
                 WHERE s.conversation_id = e.conversation_id AND s.id < e.id \
                 AND s.kind IN ('assigned', 'transferred')) AS spell \
             FROM conversation_events e JOIN conversations c ON c.id = e.conversation_id \
             WHERE c.site_id = ? AND e.kind IN ('closed', 'transferred') AND spell IS NOT NULL \
             ORDER BY e.id DESC LIMIT ?",
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
             VALUES (?, ?, ?, ?, ?) ON CONFLICT (agent_id, site_id) DO UPDATE SET \
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
        // routing reads the team on every pass.
        let rows: Vec<MemberRow> = sqlx::query_as(
            "SELECT a.id, a.name, av.availability, av.capacity, av.auto_away, \
             av.last_offered_at, COALESCE(l.n, 0) AS load, COALESCE(o.n, 0) AS offers \
             FROM memberships m JOIN agents a ON a.id = m.agent_id \
             LEFT JOIN availability av ON av.agent_id = m.agent_id AND av.site_id = m.site_id \
             LEFT JOIN (SELECT assigned_agent_id AS id, COUNT(*) AS n FROM conversations \
                 WHERE site_id = ?1 AND state = 'assigned' GROUP BY assigned_agent_id) l \
                 ON l.id = a.id \
             LEFT JOIN (SELECT offered_to AS id, COUNT(*) AS n FROM conversations \
                 WHERE site_id = ?1 AND offered_to IS NOT NULL GROUP BY offered_to) o \
                 ON o.id = a.id \
             WHERE m.site_id = ?1 ORDER BY a.name, a.id",
        )
        .bind(site_id.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(Member::try_from).collect()
    }

    async fn history(&self, id: ConversationId) -> Result<Vec<HistoryEvent>> {
        let rows: Vec<EventRow> = sqlx::query_as(
            "SELECT at, kind, reason, agent_id, detail FROM conversation_events \
             WHERE conversation_id = ? ORDER BY id",
        )
        .bind(id.get())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(HistoryEvent::from).collect())
    }
}
