use async_trait::async_trait;
use warmline_shared::SiteId;
use warmline_shared::api::{Article, ArticleDraft, Media, Miss};

use super::SqliteStore;
use crate::store::rows::is_unique_violation;
use crate::store::rows::knowledge::{ARTICLE_SELECT, ArticleRow, MediaRow, MissRow, bind_draft};
use crate::store::{KnowledgeStore, Result, Saved, StoreError};

/// The columns an owner sets, as bound in the order of `SET_COLUMNS`.
const SET_COLUMNS: &str = "slug = ?, lang = ?, title = ?, body = ?, category = ?, tags = ?, \
     related = ?, published = ?, position = ?, video = ?, updated_at = ?";

#[async_trait]
impl KnowledgeStore for SqliteStore {
    async fn articles(&self, site_id: &SiteId) -> Result<Vec<Article>> {
        let rows: Vec<ArticleRow> = sqlx::query_as(&format!(
            "{ARTICLE_SELECT} WHERE site_id = ? ORDER BY position, id"
        ))
        .bind(site_id.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(Article::try_from).collect()
    }

    async fn articles_version(&self, site_id: &SiteId) -> Result<(i64, i64)> {
        Ok(sqlx::query_as(
            "SELECT COUNT(*), COALESCE(MAX(updated_at), 0) FROM kb_articles WHERE site_id = ?",
        )
        .bind(site_id.as_str())
        .fetch_one(&self.pool)
        .await?)
    }

    async fn article(&self, site_id: &SiteId, id: i64) -> Result<Option<Article>> {
        let row: Option<ArticleRow> =
            sqlx::query_as(&format!("{ARTICLE_SELECT} WHERE site_id = ? AND id = ?"))
                .bind(site_id.as_str())
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        row.map(Article::try_from).transpose()
    }

    async fn save_article(
        &self,
        site_id: &SiteId,
        id: Option<i64>,
        draft: &ArticleDraft,
        now: i64,
    ) -> Result<Saved> {
        let written = match id {
            Some(id) => {
                let sql = format!(
                    "UPDATE kb_articles SET {SET_COLUMNS} WHERE site_id = ? AND id = ? RETURNING id"
                );
                bind_draft(sqlx::query(&sql), draft, now)
                    .bind(site_id.as_str())
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map(|row| row.map(|_| id))
            }
            None => {
                let sql = "INSERT INTO kb_articles (slug, lang, title, body, category, tags, \
                     related, published, position, video, updated_at, site_id) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
                bind_draft(sqlx::query(sql), draft, now)
                    .bind(site_id.as_str())
                    .fetch_optional(&self.pool)
                    .await
                    .map(|row| row.map(|row| sqlx::Row::get(&row, 0)))
            }
        };
        match written {
            Err(e) if is_unique_violation(&e) => Ok(Saved::SlugTaken),
            Err(e) => Err(e.into()),
            Ok(None) => Ok(Saved::Unknown),
            Ok(Some(id)) => Ok(match self.article(site_id, id).await? {
                Some(article) => Saved::Saved(Box::new(article)),
                None => Saved::Unknown,
            }),
        }
    }

    async fn upsert_article(
        &self,
        site_id: &SiteId,
        draft: &ArticleDraft,
        now: i64,
    ) -> Result<(Article, bool)> {
        let existing: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM kb_articles WHERE site_id = ? AND lang = ? AND slug = ?",
        )
        .bind(site_id.as_str())
        .bind(&draft.lang)
        .bind(&draft.slug)
        .fetch_optional(&self.pool)
        .await?;
        match self.save_article(site_id, existing, draft, now).await? {
            Saved::Saved(article) => Ok((*article, existing.is_none())),
            other => Err(StoreError::corrupt(format!(
                "article {}/{} could not be saved: {other:?}",
                draft.lang, draft.slug
            ))),
        }
    }

    async fn count_view(&self, site_id: &SiteId, id: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE kb_articles SET views = views + 1 WHERE site_id = ? AND id = ? AND published",
        )
        .bind(site_id.as_str())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn count_feedback(&self, site_id: &SiteId, id: i64, helpful: bool) -> Result<bool> {
        let column = if helpful { "helpful" } else { "unhelpful" };
        let done = sqlx::query(&format!(
            "UPDATE kb_articles SET {column} = {column} + 1 \
             WHERE site_id = ? AND id = ? AND published"
        ))
        .bind(site_id.as_str())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn add_media(&self, site_id: &SiteId, media: &Media, now: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO kb_media (site_id, sha256, mime, size, created_at) VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT (site_id, sha256) DO NOTHING",
        )
        .bind(site_id.as_str())
        .bind(&media.sha256)
        .bind(&media.mime)
        .bind(media.size as i64)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn media(&self, sha256: &str) -> Result<Option<Media>> {
        let row: Option<MediaRow> =
            sqlx::query_as("SELECT sha256, mime, size FROM kb_media WHERE sha256 = ? LIMIT 1")
                .bind(sha256)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(Media::from))
    }

    async fn count_miss(
        &self,
        site_id: &SiteId,
        lang: &str,
        folded: &str,
        query: &str,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO kb_misses (site_id, lang, folded, query, count, last_at) \
             VALUES (?, ?, ?, ?, 1, ?) ON CONFLICT (site_id, lang, folded) \
             DO UPDATE SET count = count + 1, query = excluded.query, last_at = excluded.last_at",
        )
        .bind(site_id.as_str())
        .bind(lang)
        .bind(folded)
        .bind(query)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn misses(&self, site_id: &SiteId, limit: i64) -> Result<Vec<(String, Miss)>> {
        let rows: Vec<MissRow> = sqlx::query_as(
            "SELECT folded, query, lang, count, last_at FROM kb_misses WHERE site_id = ? \
             ORDER BY count DESC, last_at DESC LIMIT ?",
        )
        .bind(site_id.as_str())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(<(String, Miss)>::from).collect())
    }
}
