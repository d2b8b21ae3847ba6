use async_trait::async_trait;
use warmline_shared::care::{Feedback, FeedbackReport, OptionCount};
use warmline_shared::{ChatMessage, ConversationId, ConversationSummary, Seq, SiteId, VisitorId};

use super::SqliteStore;
use crate::store::rows::care::{
    FEEDBACK_SELECT, FeedbackRow, OptionCountRow, RatedRow, feedback_report, reward_json,
    visit_from, visit_json,
};
use crate::store::rows::conversations::{
    CONVERSATION_SELECT, ConversationRow, MESSAGE_SELECT, MessageRow,
};
use crate::store::{CareStore, Result, Visit};

#[async_trait]
impl CareStore for SqliteStore {
    async fn message_at(&self, id: ConversationId, seq: Seq) -> Result<Option<ChatMessage>> {
        let row: Option<MessageRow> = sqlx::query_as(&format!(
            "{MESSAGE_SELECT} WHERE m.conversation_id = ? AND m.seq = ?"
        ))
        .bind(id.get())
        .bind(seq)
        .fetch_optional(&self.pool)
        .await?;
        row.map(ChatMessage::try_from).transpose()
    }

    async fn is_picked(&self, id: ConversationId, seq: Seq) -> Result<bool> {
        let found: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM messages WHERE conversation_id = ? AND picked = ?")
                .bind(id.get())
                .bind(seq)
                .fetch_optional(&self.pool)
                .await?;
        Ok(found.is_some())
    }

    async fn rate(&self, site_id: &SiteId, feedback: &Feedback) -> Result<bool> {
        let reward = reward_json(feedback);
        let done = sqlx::query(
            "INSERT INTO feedback (conversation_id, site_id, rating, comment, reward, created_at) \
             VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (conversation_id) DO NOTHING",
        )
        .bind(feedback.conversation_id.get())
        .bind(site_id.as_str())
        .bind(i64::from(feedback.rating))
        .bind(&feedback.comment)
        .bind(reward)
        .bind(feedback.at)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn feedback(&self, id: ConversationId) -> Result<Option<Feedback>> {
        let row: Option<FeedbackRow> =
            sqlx::query_as(&format!("{FEEDBACK_SELECT} WHERE conversation_id = ?"))
                .bind(id.get())
                .fetch_optional(&self.pool)
                .await?;
        row.map(Feedback::try_from).transpose()
    }

    async fn feedback_of(&self, visitor_id: VisitorId, limit: i64) -> Result<Vec<Feedback>> {
        let rows: Vec<FeedbackRow> = sqlx::query_as(&format!(
            "{FEEDBACK_SELECT} WHERE conversation_id IN \
             (SELECT id FROM conversations WHERE visitor_id = ?) \
             ORDER BY created_at DESC, conversation_id DESC LIMIT ?"
        ))
        .bind(visitor_id.get())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(Feedback::try_from).collect()
    }

    async fn answer_feedback(
        &self,
        site_id: &SiteId,
        id: ConversationId,
        answer: &str,
        now: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE feedback SET answer = ?, answered_at = ? \
             WHERE conversation_id = ? AND site_id = ?",
        )
        .bind(answer)
        .bind(now)
        .bind(id.get())
        .bind(site_id.as_str())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn feedback_report(&self, site_id: &SiteId, limit: i64) -> Result<FeedbackReport> {
        let counts: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT rating, COUNT(*) AS n FROM feedback WHERE site_id = ? GROUP BY rating",
        )
        .bind(site_id.as_str())
        .fetch_all(&self.pool)
        .await?;
        let comments: Vec<RatedRow> = sqlx::query_as(
            "SELECT f.conversation_id, f.rating, f.comment, f.reward, f.created_at, f.answer, \
             COALESCE(v.name, 'Visitor ' || v.id) AS visitor \
             FROM feedback f JOIN conversations c ON c.id = f.conversation_id \
             JOIN visitors v ON v.id = c.visitor_id \
             WHERE f.site_id = ? AND f.comment <> '' \
             ORDER BY f.created_at DESC, f.conversation_id DESC LIMIT ?",
        )
        .bind(site_id.as_str())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        feedback_report(counts, comments)
    }

    async fn option_counts(&self, site_id: &SiteId) -> Result<Vec<OptionCount>> {
        // Offered: each choice of each offer, by its label; picked: the
        // visitors' picks, which carry the label as their text.
        let rows: Vec<OptionCountRow> = sqlx::query_as(
            "WITH site_messages AS (SELECT m.* FROM messages m \
                 JOIN conversations c ON c.id = m.conversation_id WHERE c.site_id = ?), \
             offered AS (SELECT j.value AS option, COUNT(*) AS n FROM site_messages m, \
                 json_each(m.options) j WHERE m.options IS NOT NULL GROUP BY j.value), \
             picked AS (SELECT text AS option, COUNT(*) AS n FROM site_messages \
                 WHERE picked IS NOT NULL GROUP BY text) \
             SELECT o.option, o.n AS offered, COALESCE(p.n, 0) AS picked \
             FROM offered o LEFT JOIN picked p ON p.option = o.option \
             ORDER BY picked DESC, offered DESC, o.option",
        )
        .bind(site_id.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(OptionCount::from).collect())
    }

    async fn set_visit(&self, visitor_id: VisitorId, visit: &Visit) -> Result<()> {
        sqlx::query("UPDATE visitors SET visit = ? WHERE id = ?")
            .bind(visit_json(visit))
            .bind(visitor_id.get())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn visit(&self, visitor_id: VisitorId) -> Result<Option<Visit>> {
        let json: Option<Option<String>> =
            sqlx::query_scalar("SELECT visit FROM visitors WHERE id = ?")
                .bind(visitor_id.get())
                .fetch_optional(&self.pool)
                .await?;
        visit_from(visitor_id, json.flatten())
    }

    async fn conversations_of(
        &self,
        visitor_id: VisitorId,
        limit: i64,
    ) -> Result<Vec<ConversationSummary>> {
        let rows: Vec<ConversationRow> = sqlx::query_as(&format!(
            "{CONVERSATION_SELECT} WHERE c.visitor_id = ? ORDER BY c.updated_at DESC, c.id DESC \
             LIMIT ?"
        ))
        .bind(visitor_id.get())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(ConversationRow::summary).collect()
    }
}
