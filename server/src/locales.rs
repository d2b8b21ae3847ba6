//! The widget's words in every language it speaks: one JSON catalogue per
//! language in `widget/locales/` (built into the relay), plus any in the
//! directory `locales_dir` names. The relay picks the visitor's language and
//! sends the widget one catalogue, completed from English and with the
//! owner's greetings, so the widget carries no text of its own.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/locales.rs"));
}

/// The language every catalogue falls back to.
pub const FALLBACK: &str = "en";

/// Keys of words the relay writes itself (the bot's), not sent to widgets.
const RELAY_ONLY: &str = "bot_";

type Catalogue = Map<String, Value>;

#[derive(Debug, Clone)]
pub struct Locales {
    by_tag: BTreeMap<String, Catalogue>,
}

impl Default for Locales {
    fn default() -> Self {
        let by_tag = embedded::LOCALES
            .iter()
            .map(|(tag, text)| {
                let catalogue = serde_json::from_str(text)
                    .unwrap_or_else(|e| panic!("widget/locales/{tag}.json is broken: {e}"));
                (tag.to_ascii_lowercase(), catalogue)
            })
            .collect();
        Self { by_tag }
    }
}

impl Locales {
    /// The built-in catalogues plus every `*.json` in `dir` (a file for a
    /// built-in language replaces it).
    pub fn with_dir(dir: &Path) -> Result<Self, String> {
        let mut locales = Self::default();
        let entries = std::fs::read_dir(dir)
            .map_err(|e| format!("cannot read the locales directory {}: {e}", dir.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let catalogue: Catalogue = serde_json::from_str(&text)
                .map_err(|e| format!("{} is not a JSON object: {e}", path.display()))?;
            let tag = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_ascii_lowercase();
            locales.by_tag.insert(tag, catalogue);
        }
        Ok(locales)
    }

    /// One text in `tag`'s language, else in English; the key itself if
    /// neither has it (a missing word shows, rather than nothing).
    pub fn word(&self, tag: &str, key: &str) -> String {
        [tag, FALLBACK]
            .iter()
            .find_map(|t| self.by_tag.get(*t)?.get(key)?.as_str())
            .unwrap_or(key)
            .to_owned()
    }

    pub fn tags(&self) -> impl Iterator<Item = &str> {
        self.by_tag.keys().map(String::as_str)
    }

    pub fn speaks(&self, tag: &str) -> bool {
        self.by_tag.contains_key(&tag.to_ascii_lowercase())
    }

    /// The first language of `preferences` (comma-separated tags, most
    /// wanted first) that the widget speaks: the whole tag, else its
    /// language part ("ka-GE" → "ka"); English when none.
    pub fn choose(&self, preferences: &str) -> &str {
        for tag in preferences
            .split(',')
            .map(|t| t.trim().to_ascii_lowercase())
        {
            let language = tag.split(['-', '_']).next().unwrap_or_default().to_owned();
            for candidate in [tag, language] {
                if let Some((tag, _)) = self.by_tag.get_key_value(&candidate) {
                    return tag;
                }
            }
        }
        FALLBACK
    }

    /// The catalogue for `tag` as the widget gets it: English for any key
    /// it lacks, the owner's rewritten texts for that language on top, and
    /// without the relay's own words (`bot_*`, which the bot writes).
    pub fn catalogue(&self, tag: &str, overrides: Option<&BTreeMap<String, String>>) -> Catalogue {
        let mut catalogue = self.by_tag.get(FALLBACK).cloned().unwrap_or_default();
        if let Some(own) = self.by_tag.get(tag) {
            catalogue.extend(own.clone());
        }
        catalogue.retain(|key, _| !key.starts_with(RELAY_ONLY));
        for (key, text) in overrides.into_iter().flatten() {
            catalogue.insert(key.clone(), Value::String(text.clone()));
        }
        catalogue
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(catalogue: &Catalogue) -> Vec<&String> {
        catalogue.keys().collect()
    }

    #[test]
    fn every_built_in_language_has_every_english_key() {
        let locales = Locales::default();
        let english = &locales.by_tag[FALLBACK];
        assert!(
            locales.speaks("ka") && locales.speaks("hy"),
            "{:?}",
            locales.by_tag.keys()
        );
        for (tag, catalogue) in &locales.by_tag {
            for key in keys(english) {
                assert!(catalogue.contains_key(key), "{tag}.json lacks {key}");
            }
            assert_eq!(
                catalogue["lang"],
                Value::String(tag.clone()),
                "{tag}.json's lang"
            );
            for (key, text) in catalogue {
                assert!(text.is_string(), "{tag}.json: {key} is not text");
            }
        }
    }

    #[test]
    fn picks_the_first_language_spoken() {
        let locales = Locales::default();
        assert_eq!(locales.choose("ka-GE,en-US"), "ka");
        assert_eq!(locales.choose("fr, hy-AM, en"), "hy");
        assert_eq!(locales.choose("HY"), "hy");
        assert_eq!(locales.choose("fr,de"), "en");
        assert_eq!(locales.choose(""), "en");
    }

    #[test]
    fn missing_keys_come_from_english_and_owner_texts_win() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("he.json"),
            r#"{"lang":"he","dir":"rtl","title":"צ'אט"}"#,
        )
        .unwrap();
        let locales = Locales::with_dir(dir.path()).unwrap();
        assert_eq!(locales.choose("he-IL"), "he");
        let greetings = BTreeMap::from([("greeting_anonymous".to_owned(), "שלום".to_owned())]);
        let he = locales.catalogue("he", Some(&greetings));
        assert_eq!(he["dir"], "rtl");
        assert_eq!(he["title"], "צ'אט");
        assert_eq!(he["send"], locales.by_tag[FALLBACK]["send"]);
        assert_eq!(he["greeting_anonymous"], "שלום");
    }
}
