use sqlx::query::Query;
use sqlx::{Database, Encode, FromRow, Type};
use warmline_shared::api::{Article, ArticleDraft, Media, Miss};

use crate::store::{Result, StoreError};

#[derive(FromRow)]
pub(in crate::store) struct ArticleRow {
    id: i64,
    slug: String,
    lang: String,
    title: String,
    body: String,
    category: String,
    tags: String,
    related: String,
    published: bool,
    position: i64,
    video: Option<String>,
    views: i64,
    helpful: i64,
    unhelpful: i64,
    updated_at: i64,
}

impl TryFrom<ArticleRow> for Article {
    type Error = StoreError;

    fn try_from(row: ArticleRow) -> Result<Self> {
        let bad = |what: &str, e: serde_json::Error| {
            StoreError::corrupt(format!("article {} has bad {what}: {e}", row.id))
        };
        Ok(Article {
            id: row.id,
            draft: ArticleDraft {
                slug: row.slug,
                lang: row.lang,
                title: row.title,
                body: row.body,
                category: row.category,
                tags: serde_json::from_str(&row.tags).map_err(|e| bad("tags", e))?,
                related: serde_json::from_str(&row.related).map_err(|e| bad("related", e))?,
                published: row.published,
                order: row.position,
                video: row
                    .video
                    .as_deref()
                    .map(serde_json::from_str)
                    .transpose()
                    .map_err(|e| bad("video", e))?,
            },
            views: row.views as u64,
            helpful: row.helpful as u64,
            unhelpful: row.unhelpful as u64,
            updated_at: row.updated_at,
        })
    }
}

pub(in crate::store) const ARTICLE_SELECT: &str = "SELECT id, slug, lang, title, body, category, \
     tags, related, published, position, video, views, helpful, unhelpful, updated_at \
     FROM kb_articles";

pub(in crate::store) fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("plain data serialises")
}

/// Binds a draft's columns (and the time) in the order of each backend's
/// `SET_COLUMNS`: slug, lang, title, body, category, tags, related,
/// published, position, video, updated_at.
pub(in crate::store) fn bind_draft<'q, DB>(
    query: Query<'q, DB, DB::Arguments<'q>>,
    draft: &'q ArticleDraft,
    now: i64,
) -> Query<'q, DB, DB::Arguments<'q>>
where
    DB: Database,
    String: Encode<'q, DB> + Type<DB>,
    Option<String>: Encode<'q, DB> + Type<DB>,
    bool: Encode<'q, DB> + Type<DB>,
    i64: Encode<'q, DB> + Type<DB>,
{
    query
        .bind(&draft.slug)
        .bind(&draft.lang)
        .bind(&draft.title)
        .bind(&draft.body)
        .bind(&draft.category)
        .bind(json(&draft.tags))
        .bind(json(&draft.related))
        .bind(draft.published)
        .bind(draft.order)
        .bind(draft.video.as_ref().map(json))
        .bind(now)
}

#[derive(FromRow)]
pub(in crate::store) struct MediaRow {
    sha256: String,
    mime: String,
    size: i64,
}

impl From<MediaRow> for Media {
    fn from(row: MediaRow) -> Self {
        Media {
            sha256: row.sha256,
            mime: row.mime,
            size: row.size as u64,
        }
    }
}

#[derive(FromRow)]
pub(in crate::store) struct MissRow {
    folded: String,
    query: String,
    lang: String,
    count: i64,
    last_at: i64,
}

impl From<MissRow> for (String, Miss) {
    fn from(row: MissRow) -> Self {
        (
            row.folded,
            Miss {
                query: row.query,
                lang: row.lang,
                count: row.count as u64,
                last_at: row.last_at,
            },
        )
    }
}
