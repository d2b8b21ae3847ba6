//! The relay's REST bodies, declared once for the relay and the console.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `POST /api/agent/login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignIn {
    pub email: String,
    pub password: String,
}

/// The signed-in person: `GET /api/agent/me`, and the answer to a sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
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
