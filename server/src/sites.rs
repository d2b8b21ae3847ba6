//! Sites and their owners' settings: the console's Settings page, creating
//! another site, switching between one's sites, and the identity secret.
//! Only a site's owners may read or change its settings.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::routing::{get, post};
use axum::{Json, Router};
use warmline_shared::SiteId;
use warmline_shared::api::{IdentitySecret, Me, NewMember, NewSite, SiteSettings, SwitchSite};
use warmline_shared::care::Reward;
use warmline_shared::handoff::HandoffSettings;

use crate::auth::{SignedIn, me_of};
use crate::error::AppError;
use crate::events::Event;
use crate::identity;
use crate::locales::Locales;
use crate::state::{AppState, now_ms};
use crate::store::{self, Agent, Role, Site};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/sites", post(create_site))
        .route("/api/agent/site", post(switch_site))
        .route("/api/site/settings", get(settings).put(save_settings))
        .route("/api/site/identity-secret", post(rotate_secret))
        .route("/api/site/members", post(add_member))
        .route("/api/reports/tone", get(tone_report))
}

/// The catalogue keys an owner may rewrite per language.
pub const GREETING_KEYS: &[&str] = &[
    "greeting_morning",
    "greeting_afternoon",
    "greeting_evening",
    "greeting_anonymous",
    "welcome_back",
];

const MAX_SITE_NAME_CHARS: usize = 100;
const MAX_LABEL_CHARS: usize = 40;
const MAX_GREETING_CHARS: usize = 200;
const MAX_ATTACHMENT_MB: u32 = 25;
const MAX_ORIGINS: usize = 50;

fn owner(agent: &Agent) -> Result<(), AppError> {
    match agent.role {
        Role::Owner => Ok(()),
        Role::Agent => Err(AppError::Forbidden(
            "Only the site's owners can see and change its settings.",
        )),
    }
}

async fn current_site(state: &AppState, agent: &Agent) -> Result<Site, AppError> {
    state
        .store
        .site(&agent.site_id)
        .await?
        .ok_or(AppError::NotFound("That site no longer exists."))
}

async fn settings(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
) -> Result<Json<SiteSettings>, AppError> {
    owner(&session.agent)?;
    let site = current_site(&state, &session.agent).await?;
    Ok(Json(to_body(&state, &site).await?))
}

async fn to_body(state: &AppState, site: &Site) -> Result<SiteSettings, AppError> {
    let settings = &site.settings;
    let secret = state.store.identity_secret(&site.id).await?;
    Ok(SiteSettings {
        name: site.name.clone(),
        allowed_origins: site.allowed_origins.clone(),
        accent: settings.accent.clone(),
        launcher_position: if settings.launcher_left {
            "left"
        } else {
            "right"
        }
        .into(),
        launcher_label: settings.launcher_label.clone(),
        greetings: settings.greetings.clone(),
        attachment_max_mb: (settings.attachment_max_bytes / (1024 * 1024)) as u32,
        identity_secret_set: secret.is_some(),
        snippet: snippet(&state.public_url, &site.id),
        languages: state.locales.tags().map(str::to_owned).collect(),
        handoff: settings.handoff.clone(),
        context: settings.context,
        reward: settings.reward.clone(),
    })
}

/// The tag an owner pastes into their pages.
pub fn snippet(relay: &str, site: &SiteId) -> String {
    format!(r#"<script async src="{relay}/widget.js" data-site="{site}"></script>"#)
}

async fn save_settings(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    body: Result<Json<SiteSettings>, JsonRejection>,
) -> Result<Json<SiteSettings>, AppError> {
    owner(&session.agent)?;
    let Json(body) = body?;
    let mut site = current_site(&state, &session.agent).await?;
    apply(&mut site, body, &state.locales).map_err(AppError::BadRequest)?;
    state.store.update_site(&site).await?;
    // Hours or the offer time may have changed.
    let site_id = site.id.clone();
    state.events.publish(Event::Staffing { site_id }).await;
    Ok(Json(to_body(&state, &site).await?))
}

/// Checks every setting and writes it into `site`, or says what is wrong.
fn apply(site: &mut Site, body: SiteSettings, locales: &Locales) -> Result<(), String> {
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > MAX_SITE_NAME_CHARS {
        return Err(format!(
            "The site's name must be 1 to {MAX_SITE_NAME_CHARS} characters."
        ));
    }
    if body.allowed_origins.len() > MAX_ORIGINS {
        return Err(format!("At most {MAX_ORIGINS} allowed origins."));
    }
    let mut origins = Vec::new();
    for origin in &body.allowed_origins {
        let origin = origin.trim().trim_end_matches('/');
        if origin.is_empty() {
            continue;
        }
        if !is_origin(origin) {
            return Err(format!(
                "“{origin}” is not an origin: write it as https://shop.example (with a port if \
                 it has one), or * for any page."
            ));
        }
        origins.push(origin.to_ascii_lowercase());
    }
    let accent = body.accent.trim().to_ascii_lowercase();
    if crate::colour::parse_hex(&accent).is_none() {
        return Err("The accent colour must be written as #rrggbb.".into());
    }
    let launcher_left = match body.launcher_position.as_str() {
        "left" => true,
        "right" => false,
        _ => return Err("The launcher goes on the left or the right.".into()),
    };
    let launcher_label = body
        .launcher_label
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty());
    if launcher_label
        .as_ref()
        .is_some_and(|l| l.chars().count() > MAX_LABEL_CHARS)
    {
        return Err(format!(
            "The launcher label can be up to {MAX_LABEL_CHARS} characters."
        ));
    }
    let mut greetings = BTreeMap::new();
    for (lang, texts) in body.greetings {
        if !locales.speaks(&lang) {
            return Err(format!("The widget does not speak “{lang}”."));
        }
        let mut kept = BTreeMap::new();
        for (key, text) in texts {
            if !GREETING_KEYS.contains(&key.as_str()) {
                return Err(format!("“{key}” is not a greeting that can be changed."));
            }
            let text = text.trim();
            if text.chars().count() > MAX_GREETING_CHARS {
                return Err(format!(
                    "Greetings can be up to {MAX_GREETING_CHARS} characters."
                ));
            }
            if !text.is_empty() {
                kept.insert(key, text.to_owned());
            }
        }
        if !kept.is_empty() {
            greetings.insert(lang, kept);
        }
    }
    if !(1..=MAX_ATTACHMENT_MB).contains(&body.attachment_max_mb) {
        return Err(format!(
            "Attachments can be limited to 1 to {MAX_ATTACHMENT_MB} MB."
        ));
    }
    let handoff = check_handoff(body.handoff, locales)?;
    let reward = body.reward.map(check_reward).transpose()?;
    site.name = name.to_owned();
    site.allowed_origins = origins;
    site.settings = store::SiteSettings {
        accent,
        launcher_left,
        launcher_label,
        greetings,
        attachment_max_bytes: u64::from(body.attachment_max_mb) * 1024 * 1024,
        handoff,
        context: body.context,
        reward,
    };
    Ok(())
}

const MAX_CODE_CHARS: usize = 40;
const MAX_REWARD_LABEL_CHARS: usize = 80;
const MAX_URL_CHARS: usize = 500;

/// Checks the thank-you for feedback: a code a visitor can type, or a
/// web address, with a short label.
fn check_reward(reward: Reward) -> Result<Reward, String> {
    let label = |label: &str| {
        let label = label.trim();
        if label.chars().count() > MAX_REWARD_LABEL_CHARS {
            Err(format!(
                "The thank-you's label can be up to {MAX_REWARD_LABEL_CHARS} characters."
            ))
        } else {
            Ok(label.to_owned())
        }
    };
    match reward {
        Reward::Code { code, label: text } => {
            let code = code.trim();
            if code.is_empty()
                || code.chars().count() > MAX_CODE_CHARS
                || code.contains(char::is_whitespace)
            {
                return Err(format!(
                    "A coupon code is 1 to {MAX_CODE_CHARS} characters without spaces."
                ));
            }
            Ok(Reward::Code {
                code: code.to_owned(),
                label: label(&text)?,
            })
        }
        Reward::Link { url, label: text } => {
            let url = url.trim();
            let web = url::Url::parse(url)
                .is_ok_and(|u| matches!(u.scheme(), "https" | "http") && u.host().is_some());
            if !web || url.len() > MAX_URL_CHARS {
                return Err("The thank-you link must be a web address (https://…).".into());
            }
            Ok(Reward::Link {
                url: url.to_owned(),
                label: label(&text)?,
            })
        }
    }
}

/// Seconds an agent may be given to accept an offer.
const OFFER_SECONDS: std::ops::RangeInclusive<u32> = 5..=600;
const MAX_SENSITIVE_PHRASES: usize = 100;
const MAX_PHRASE_CHARS: usize = 80;

/// Checks the handoff settings: the offer time, the sensitive topics (per
/// language the widget speaks, trimmed, blanks dropped) and the hours.
fn check_handoff(
    mut handoff: HandoffSettings,
    locales: &Locales,
) -> Result<HandoffSettings, String> {
    if !OFFER_SECONDS.contains(&handoff.offer_seconds) {
        return Err(format!(
            "Offers can last {} to {} seconds.",
            OFFER_SECONDS.start(),
            OFFER_SECONDS.end()
        ));
    }
    let mut sensitive = BTreeMap::new();
    for (lang, phrases) in handoff.sensitive {
        if !locales.speaks(&lang) {
            return Err(format!("The widget does not speak “{lang}”."));
        }
        let phrases: Vec<String> = phrases
            .iter()
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty())
            .collect();
        if phrases.len() > MAX_SENSITIVE_PHRASES
            || phrases.iter().any(|p| p.chars().count() > MAX_PHRASE_CHARS)
        {
            return Err(format!(
                "Up to {MAX_SENSITIVE_PHRASES} sensitive topics per language, each up to \
                 {MAX_PHRASE_CHARS} characters."
            ));
        }
        if !phrases.is_empty() {
            sensitive.insert(lang, phrases);
        }
    }
    handoff.sensitive = sensitive;
    if let Some(hours) = &handoff.hours {
        warmline_handoff::hours::check(hours).map_err(|e| e.to_string())?;
    }
    Ok(handoff)
}

/// `*`, or `http(s)://host[:port]` with nothing after.
fn is_origin(text: &str) -> bool {
    if text == "*" {
        return true;
    }
    let Some((scheme, host)) = text.split_once("://") else {
        return false;
    };
    let (host, port) = match host.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || host.starts_with('[') => (host, Some(port)),
        _ => (host, None),
    };
    matches!(scheme, "http" | "https")
        && !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']' | ':'))
        && port.is_none_or(|p| p.parse::<u16>().is_ok())
}

/// A new secret for visitor identities, replacing any old one: hashes made
/// with the old secret stop counting at once. Shown this once.
async fn rotate_secret(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
) -> Result<Json<IdentitySecret>, AppError> {
    owner(&session.agent)?;
    let secret = identity::new_secret();
    state
        .store
        .set_identity_secret(&session.agent.site_id, Some(&secret))
        .await?;
    Ok(Json(IdentitySecret { secret }))
}

/// Shortest password a new account may have.
const MIN_PASSWORD_CHARS: usize = 10;

async fn add_member(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    body: Result<Json<NewMember>, JsonRejection>,
) -> Result<axum::http::StatusCode, AppError> {
    owner(&session.agent)?;
    let Json(body) = body?;
    let email = body.email.trim().to_ascii_lowercase();
    let name = body.name.trim();
    let valid_email = email.len() <= 320
        && email
            .split_once('@')
            .is_some_and(|(user, host)| !user.is_empty() && host.contains('.'));
    if !valid_email {
        return Err(AppError::BadRequest("That is not an email address.".into()));
    }
    if name.is_empty() || name.chars().count() > MAX_SITE_NAME_CHARS {
        return Err(AppError::BadRequest(
            "A name is 1 to 100 characters.".into(),
        ));
    }
    if body.password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AppError::BadRequest(format!(
            "A password is at least {MIN_PASSWORD_CHARS} characters."
        )));
    }
    let role = Role::parse(&body.role)
        .ok_or_else(|| AppError::BadRequest("The role is owner or agent.".into()))?;
    let hash = state.passwords.hash(body.password).await?;
    state
        .store
        .add_member(&session.agent.site_id, &email, name, role, &hash, now_ms())
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// Site ids go in URLs and the snippet: short, lowercase, plain.
fn valid_site_id(id: &str) -> bool {
    (3..=40).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
        && !id.ends_with('-')
}

/// Creates a site owned by the signed-in person, who must own the site they
/// are on (agents cannot make sites), and moves their session to it.
async fn create_site(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    body: Result<Json<NewSite>, JsonRejection>,
) -> Result<Json<Me>, AppError> {
    owner(&session.agent)?;
    let Json(body) = body?;
    let id = body.id.trim().to_owned();
    if !valid_site_id(&id) {
        return Err(AppError::BadRequest(
            "A site id is 3 to 40 lowercase letters, digits and dashes, like my-shop.".into(),
        ));
    }
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > MAX_SITE_NAME_CHARS {
        return Err(AppError::BadRequest(format!(
            "The site's name must be 1 to {MAX_SITE_NAME_CHARS} characters."
        )));
    }
    let site = Site {
        id: SiteId::new(id),
        name: name.to_owned(),
        allowed_origins: Vec::new(),
        settings: Default::default(),
    };
    if !state
        .store
        .create_site(&site, session.agent.id, now_ms())
        .await?
    {
        return Err(AppError::BadRequest(
            "A site with that id already exists.".into(),
        ));
    }
    state
        .store
        .switch_site(&session.token_hash, &site.id)
        .await?;
    let agent = Agent {
        site_id: site.id,
        role: Role::Owner,
        ..session.agent
    };
    Ok(Json(me_of(&state, agent).await?))
}

/// Works on another of one's sites from now on (this browser's session).
async fn switch_site(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    body: Result<Json<SwitchSite>, JsonRejection>,
) -> Result<Json<Me>, AppError> {
    let Json(body) = body?;
    let site_id = SiteId::new(body.site_id);
    if !state
        .store
        .switch_site(&session.token_hash, &site_id)
        .await?
    {
        return Err(AppError::NotFound(
            "You do not work on a site with that id.",
        ));
    }
    let switched = state
        .store
        .session(&session.token_hash, now_ms())
        .await?
        .ok_or(AppError::Unauthorized(
            "Your session has ended; sign in again.",
        ))?;
    Ok(Json(me_of(&state, switched.agent).await?))
}

/// The tone guard per person of the current site: warnings shown while
/// writing, and replies sent with a warning standing (owners).
async fn tone_report(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
) -> Result<Json<Vec<store::ToneCount>>, AppError> {
    owner(&session.agent)?;
    Ok(Json(state.store.tone_counts(&session.agent.site_id).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_scheme_host_and_port_only() {
        for good in [
            "*",
            "https://shop.example",
            "http://127.0.0.1:8080",
            "https://[::1]:9",
        ] {
            assert!(is_origin(good), "{good}");
        }
        for bad in [
            "shop.example",
            "ftp://x",
            "https://",
            "https://a/b",
            "https://a:99999",
            "https://a b",
        ] {
            assert!(!is_origin(bad), "{bad}");
        }
    }

    #[test]
    fn site_ids_are_plain() {
        assert!(valid_site_id("my-shop-2"));
        for bad in ["ab", "My-Shop", "-shop", "shop-", "shop_1", "shöp"] {
            assert!(!valid_site_id(bad), "{bad}");
        }
    }
}
