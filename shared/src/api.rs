//! The relay's REST bodies, declared once for the relay and the console.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::AgentId;
use crate::care::{Collect, Reward};
use crate::handoff::HandoffSettings;

/// `POST /api/agent/login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignIn {
    pub email: String,
    pub password: String,
}

/// The signed-in person: `GET /api/agent/me`, and the answer to a sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub id: AgentId,
    pub name: String,
    pub email: String,
    /// The site they are working on, and their role there.
    pub site: SiteRef,
    /// Every site they work on (switch with `POST /api/agent/site`).
    #[serde(default)]
    pub sites: Vec<SiteRef>,
    /// In the answer to a sign-in: how many wrong or throttled attempts were
    /// made on this account since its last sign-in, so its owner notices
    /// someone guessing.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub failed_sign_ins: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Every refused REST request answers with this body: a sentence for people,
/// and for refusals a program acts on, the `ErrorCode`'s wire name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub error: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// A site someone works on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteRef {
    pub id: String,
    pub name: String,
    /// `owner` (may change settings) or `agent`.
    pub role: String,
}

/// `POST /api/sites`: a new site, owned by whoever creates it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewSite {
    /// Lowercase letters, digits and dashes; it goes in the embed snippet.
    pub id: String,
    pub name: String,
}

/// `POST /api/agent/site`: work on another of one's sites.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SwitchSite {
    pub site_id: String,
}

/// `GET`/`PUT /api/site/settings`: the current site's widget, for owners.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteSettings {
    pub name: String,
    /// Origins (`https://shop.example`) whose pages may show the widget.
    pub allowed_origins: Vec<String>,
    /// `#rrggbb`.
    pub accent: String,
    /// `left` or `right`.
    pub launcher_position: String,
    #[serde(default)]
    pub launcher_label: Option<String>,
    /// Per language tag, the greeting texts the owner rewrote (keys
    /// `greeting_morning`, `greeting_afternoon`, `greeting_evening`,
    /// `greeting_anonymous`, `welcome_back`), with `{name}` for the name.
    #[serde(default)]
    pub greetings: BTreeMap<String, BTreeMap<String, String>>,
    pub attachment_max_mb: u32,
    /// Read-only: whether visitor identities are checked.
    #[serde(default)]
    pub identity_secret_set: bool,
    /// Read-only: the tag to paste into the site's pages.
    #[serde(default)]
    pub snippet: String,
    /// Read-only: the languages the widget speaks (tags).
    #[serde(default)]
    pub languages: Vec<String>,
    #[serde(default)]
    pub handoff: HandoffSettings,
    /// What the widget reports about visitors for the context panel.
    #[serde(default)]
    pub context: Collect,
    /// The thank-you a visitor gets for leaving feedback.
    #[serde(default)]
    pub reward: Option<Reward>,
}

/// `POST /api/site/identity-secret`: a new secret, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentitySecret {
    pub secret: String,
}

/// `POST /api/site/members`: an owner adds a person to the current site. A
/// new email gets an account with this name and password; an existing one
/// keeps its own and gains the site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewMember {
    pub email: String,
    pub name: String,
    pub password: String,
    /// `owner` or `agent`.
    pub role: String,
}

/// A knowledge-base article as owners edit it (`POST /api/kb/articles`,
/// `PUT /api/kb/articles/{id}`). One article is one language; translations
/// share a `slug`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleDraft {
    /// Lowercase letters, digits and dashes; the same in every language.
    pub slug: String,
    /// A language tag such as `en`, `ka` or `hy`.
    pub lang: String,
    pub title: String,
    /// Markdown.
    pub body: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Slugs of articles to offer after this one.
    #[serde(default)]
    pub related: Vec<String>,
    #[serde(default)]
    pub published: bool,
    /// Smaller comes first among "Common questions".
    #[serde(default)]
    pub order: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video: Option<Video>,
}

/// A stored article, with what visitors made of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Article {
    pub id: i64,
    #[serde(flatten)]
    pub draft: ArticleDraft,
    #[serde(default)]
    pub views: u64,
    #[serde(default)]
    pub helpful: u64,
    #[serde(default)]
    pub unhelpful: u64,
    /// Milliseconds since the Unix epoch.
    pub updated_at: i64,
}

/// An article's video: a file uploaded to the relay, or a link to a video
/// host the relay knows how to embed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Video {
    /// Media uploaded with `POST /api/kb/media`, named by content hash.
    File {
        media: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        poster: Option<String>,
        /// WebVTT captions in the article's language.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        captions: Option<String>,
    },
    /// The id of a YouTube video (embedded from youtube-nocookie.com).
    Youtube { id: String },
    /// The id of a Vimeo video (embedded with `dnt=1`).
    Vimeo { id: String },
}

impl Video {
    /// The video a YouTube or Vimeo address points to; `None` for any other
    /// address.
    pub fn from_link(link: &str) -> Option<Video> {
        let link = link.trim();
        let rest = link
            .strip_prefix("https://")
            .or_else(|| link.strip_prefix("http://"))?;
        let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
        let host = host.strip_prefix("www.").unwrap_or(host);
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let youtube = |id: &str| youtube_id(id).then(|| Video::Youtube { id: id.to_owned() });
        match host {
            "youtube.com" | "m.youtube.com" | "youtube-nocookie.com" => {
                if path == "watch" {
                    query
                        .split('&')
                        .find_map(|pair| pair.strip_prefix("v="))
                        .and_then(youtube)
                } else {
                    let id = path
                        .strip_prefix("embed/")
                        .or_else(|| path.strip_prefix("shorts/"))?;
                    youtube(id.trim_end_matches('/'))
                }
            }
            "youtu.be" => youtube(path.trim_end_matches('/')),
            "vimeo.com" | "player.vimeo.com" => {
                let id = path.strip_prefix("video/").unwrap_or(path);
                let id = id.trim_end_matches('/');
                vimeo_id(id).then(|| Video::Vimeo { id: id.to_owned() })
            }
            _ => None,
        }
    }

    /// Whether every id in it is well formed: file hashes are SHA-256 hex,
    /// video ids those of their host. Only such videos are embedded.
    pub fn is_valid(&self) -> bool {
        let hash =
            |h: &str| h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        match self {
            Video::File {
                media,
                poster,
                captions,
            } => {
                hash(media)
                    && poster.as_deref().is_none_or(hash)
                    && captions.as_deref().is_none_or(hash)
            }
            Video::Youtube { id } => youtube_id(id),
            Video::Vimeo { id } => vimeo_id(id),
        }
    }
}

fn youtube_id(id: &str) -> bool {
    id.len() == 11
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn vimeo_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 12 && id.bytes().all(|b| b.is_ascii_digit())
}

/// A file for articles, as stored (`POST /api/kb/media`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Media {
    /// Hex SHA-256 of the content; fetch it from `/api/kb/media/{sha256}`.
    pub sha256: String,
    /// The type found in the content.
    pub mime: String,
    pub size: u64,
}

/// An article in a list: "Common questions", search results, related
/// articles, the bot's suggestions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleLink {
    pub id: i64,
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub lang: String,
    /// The first words of the article, for search results.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub snippet: String,
}

/// An article as visitors read it: Markdown already made safe HTML, the
/// video embedded by the relay (`GET /api/kb/articles/{id}`), and the
/// console's live preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticlePage {
    pub id: i64,
    pub title: String,
    pub lang: String,
    pub html: String,
    #[serde(default)]
    pub related: Vec<ArticleLink>,
}

/// `POST /api/kb/articles/{id}/feedback`: did it answer the question?
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feedback {
    pub helpful: bool,
}

/// A search visitors made that found no article, with how often
/// (`GET /api/kb/misses`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Miss {
    /// As a visitor last typed it.
    pub query: String,
    pub lang: String,
    pub count: u64,
    /// Milliseconds since the Unix epoch.
    pub last_at: i64,
}

/// A canned reply (`GET /api/canned`; owners `POST`, `PUT /{id}`,
/// `DELETE /{id}`): typed in the console as `/shortcut`, in the
/// conversation's language. `{name}`, `{agent}` and `{site}` in the text
/// become the visitor's name, the agent's and the site's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Canned {
    /// Absent when creating one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// Lowercase letters, digits and dashes.
    pub shortcut: String,
    pub lang: String,
    pub text: String,
}

impl Canned {
    /// The text with its variables filled in.
    pub fn fill(&self, name: &str, agent: &str, site: &str) -> String {
        self.text
            .replace("{name}", name)
            .replace("{agent}", agent)
            .replace("{site}", site)
    }
}

/// A block in force (`GET /api/blocks`; owners lift one with
/// `DELETE /api/blocks/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    pub id: i64,
    /// How the visitor was called.
    pub visitor: String,
    pub reason: String,
    /// Who blocked them.
    pub by: String,
    /// Milliseconds since the Unix epoch.
    pub at: i64,
    /// Until when their network address is blocked too.
    pub address_until: i64,
}
