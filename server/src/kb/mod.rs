//! The knowledge base on the relay: each site's search index, kept in memory
//! and rebuilt from the store when its articles change; the visitors' help
//! routes ([`help`]), the owners' ([`manage`]), article media ([`media`]),
//! imports from a folder ([`import`]), and the bot that suggests articles in
//! the chat ([`bot`]).

pub mod bot;
mod help;
pub mod import;
mod manage;
pub mod media;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use axum::Router;
use warmline_kb::search::{Doc, Hit, Index};
use warmline_kb::{markdown, video};
use warmline_shared::SiteId;
use warmline_shared::api::{Article, ArticleLink, ArticlePage};

use crate::locales::FALLBACK;
use crate::state::AppState;
use crate::store::{Store, StoreError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(help::routes())
        .merge(manage::routes())
        .merge(media::routes())
}

/// Characters of an article's start shown under its title in results.
const SNIPPET_CHARS: usize = 140;

/// Every site's published articles, indexed. Built on first use, and again
/// whenever the store says the site's articles changed (here, through
/// another relay, or by `warmline kb import`).
#[derive(Default)]
pub struct Knowledge {
    sites: RwLock<HashMap<SiteId, Arc<SiteIndex>>>,
}

impl Knowledge {
    /// The site's index, rebuilt from the store if it is stale.
    pub async fn of(&self, store: &dyn Store, site: &SiteId) -> Result<Arc<SiteIndex>, StoreError> {
        let version = store.articles_version(site).await?;
        if let Some(index) = self.sites.read().expect("not poisoned").get(site)
            && index.version == version
        {
            return Ok(index.clone());
        }
        let articles = store.articles(site).await?;
        let index = Arc::new(SiteIndex::new(articles, version));
        self.sites
            .write()
            .expect("not poisoned")
            .insert(site.clone(), index.clone());
        Ok(index)
    }

    /// The site's articles changed here: the next search rebuilds its index
    /// even if the version could not tell (two saves in one millisecond).
    pub fn changed(&self, site: &SiteId) {
        self.sites.write().expect("not poisoned").remove(site);
    }
}

/// One site's published articles and their search index.
pub struct SiteIndex {
    /// The store's version of the articles this was built from.
    version: (i64, i64),
    index: Index,
    articles: HashMap<i64, Article>,
    /// Ids by order, then id.
    ordered: Vec<i64>,
}

impl SiteIndex {
    fn new(articles: Vec<Article>, version: (i64, i64)) -> Self {
        let published: Vec<Article> = articles.into_iter().filter(|a| a.draft.published).collect();
        let index = Index::new(published.iter().map(|a| Doc {
            id: a.id,
            slug: a.draft.slug.clone(),
            lang: a.draft.lang.clone(),
            title: a.draft.title.clone(),
            tags: a.draft.tags.clone(),
            text: markdown::plain(&a.draft.body),
        }));
        Self {
            version,
            index,
            ordered: published.iter().map(|a| a.id).collect(),
            articles: published.into_iter().map(|a| (a.id, a)).collect(),
        }
    }

    pub fn article(&self, id: i64) -> Option<&Article> {
        self.articles.get(&id)
    }

    pub fn link(&self, article: &Article) -> ArticleLink {
        ArticleLink {
            id: article.id,
            title: article.draft.title.clone(),
            lang: article.draft.lang.clone(),
            snippet: markdown::snippet(&markdown::plain(&article.draft.body), SNIPPET_CHARS),
        }
    }

    /// The best articles for a query, the visitor's language first.
    pub fn search(&self, query: &str, lang: &str, limit: usize) -> Vec<(ArticleLink, Hit)> {
        self.index
            .search(query, lang, limit)
            .into_iter()
            .filter_map(|hit| Some((self.link(self.articles.get(&hit.id)?), hit)))
            .collect()
    }

    /// "Common questions": the first articles by the owner's order, in the
    /// visitor's language, else in English.
    pub fn common(&self, lang: &str, limit: usize) -> Vec<ArticleLink> {
        let in_lang = |lang: &str| -> Vec<ArticleLink> {
            self.ordered
                .iter()
                .filter_map(|id| self.articles.get(id))
                .filter(|a| a.draft.lang == lang)
                .take(limit)
                .map(|a| ArticleLink {
                    snippet: String::new(),
                    ..self.link(a)
                })
                .collect()
        };
        let found = in_lang(lang);
        if found.is_empty() {
            in_lang(FALLBACK)
        } else {
            found
        }
    }

    /// The article's related articles, in its language where translated.
    fn related(&self, article: &Article) -> Vec<ArticleLink> {
        article
            .draft
            .related
            .iter()
            .filter_map(|slug| {
                let same_slug = || self.articles.values().filter(|a| &a.draft.slug == slug);
                same_slug()
                    .find(|a| a.draft.lang == article.draft.lang)
                    .or_else(|| same_slug().next())
            })
            .map(|a| ArticleLink {
                snippet: String::new(),
                ..self.link(a)
            })
            .collect()
    }
}

/// An article as a visitor reads it (or an owner previews it): the body as
/// safe HTML after the video player, and its related articles.
pub fn page(state: &AppState, article: &Article, index: Option<&SiteIndex>) -> ArticlePage {
    let draft = &article.draft;
    let label = state.locales.word(&draft.lang, "language");
    let player = draft
        .video
        .as_ref()
        .map(|v| {
            video::embed(v, &draft.title, (&draft.lang, &label), |hash| {
                media::url(&state.public_url, hash)
            })
        })
        .unwrap_or_default();
    ArticlePage {
        id: article.id,
        title: draft.title.clone(),
        lang: draft.lang.clone(),
        html: player + &markdown::render(&draft.body, &state.public_url),
        related: index.map(|i| i.related(article)).unwrap_or_default(),
    }
}
