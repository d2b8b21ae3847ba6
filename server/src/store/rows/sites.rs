use sqlx::FromRow;
use warmline_shared::SiteId;

use crate::store::{Result, Site, SiteSettings, StoreError};

pub(in crate::store) const SITE_SELECT: &str = "SELECT id, name, allowed_origins, accent, launcher_position, \
     launcher_label, greetings, attachment_max_bytes, handoff, context, reward FROM sites";

#[derive(FromRow)]
pub(in crate::store) struct SiteRow {
    id: String,
    name: String,
    allowed_origins: String,
    accent: String,
    launcher_position: String,
    launcher_label: Option<String>,
    greetings: String,
    attachment_max_bytes: i64,
    handoff: String,
    context: String,
    reward: Option<String>,
}

impl TryFrom<SiteRow> for Site {
    type Error = StoreError;

    fn try_from(row: SiteRow) -> Result<Self> {
        let id = row.id;
        let greetings = serde_json::from_str(&row.greetings)
            .map_err(|e| StoreError::corrupt(format!("site {id} has unreadable greetings: {e}")))?;
        let handoff = serde_json::from_str(&row.handoff).map_err(|e| {
            StoreError::corrupt(format!("site {id} has unreadable handoff settings: {e}"))
        })?;
        let unreadable = |what: &str, e: serde_json::Error| {
            StoreError::corrupt(format!("site {id} has unreadable {what}: {e}"))
        };
        let context = serde_json::from_str(&row.context).map_err(|e| unreadable("context", e))?;
        let reward = match row.reward.as_deref() {
            Some(json) => Some(serde_json::from_str(json).map_err(|e| unreadable("reward", e))?),
            None => None,
        };
        Ok(Site {
            id: SiteId::new(id),
            name: row.name,
            allowed_origins: row
                .allowed_origins
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
            settings: SiteSettings {
                accent: row.accent,
                launcher_left: row.launcher_position == "left",
                launcher_label: row.launcher_label,
                greetings,
                attachment_max_bytes: row.attachment_max_bytes as u64,
                handoff,
                context,
                reward,
            },
        })
    }
}

/// The `allowed_origins` column: space-separated.
pub(in crate::store) fn origins_column(site: &Site) -> String {
    site.allowed_origins.join(" ")
}

/// A site's settings as their columns hold them.
pub(in crate::store) struct SettingsColumns<'a> {
    pub accent: &'a str,
    pub launcher_position: &'static str,
    pub launcher_label: Option<&'a str>,
    pub greetings: String,
    pub attachment_max_bytes: i64,
    pub handoff: String,
    pub context: String,
    pub reward: Option<String>,
}

pub(in crate::store) fn settings_columns(settings: &SiteSettings) -> Result<SettingsColumns<'_>> {
    let greetings = serde_json::to_string(&settings.greetings)
        .map_err(|e| StoreError::corrupt(format!("greetings do not serialise: {e}")))?;
    let handoff = serde_json::to_string(&settings.handoff)
        .map_err(|e| StoreError::corrupt(format!("handoff does not serialise: {e}")))?;
    let json = |what: &str, value: serde_json::Result<String>| {
        value.map_err(|e| StoreError::corrupt(format!("{what} does not serialise: {e}")))
    };
    let context = json("context", serde_json::to_string(&settings.context))?;
    let reward = match &settings.reward {
        Some(reward) => Some(json("reward", serde_json::to_string(reward))?),
        None => None,
    };
    Ok(SettingsColumns {
        accent: &settings.accent,
        launcher_position: if settings.launcher_left {
            "left"
        } else {
            "right"
        },
        launcher_label: settings.launcher_label.as_deref(),
        greetings,
        attachment_max_bytes: settings.attachment_max_bytes as i64,
        handoff,
        context,
        reward,
    })
}

/// The median of the waits, and how many there were.
pub(in crate::store) fn median(mut waits: Vec<i64>) -> (Option<i64>, usize) {
    waits.sort_unstable();
    let median = (!waits.is_empty()).then(|| waits[waits.len() / 2]);
    (median, waits.len())
}
