//! The built-in lists, one per language: phrases that inflame, each with a
//! kinder alternative and a reason, and the words that tie a phrase to the
//! reader (rule 1 of the crate doc). They live in `tone/data/*.toml`,
//! compiled in, so a translator can change them without touching code.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use serde::Deserialize;

use crate::words::{Word, folded, stems};

/// A data file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct File {
    pub reader: ReaderFile,
    pub phrase: Vec<PhraseFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReaderFile {
    pub lead: Vec<String>,
    pub you: Vec<String>,
    pub joins: Vec<String>,
    pub not: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PhraseFile {
    pub says: String,
    pub instead: String,
    pub why: String,
    #[serde(default)]
    pub also: Vec<String>,
    #[serde(default)]
    pub anywhere: bool,
}

impl PhraseFile {
    /// `says`, then each of `also`.
    pub fn forms(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.says.as_str()).chain(self.also.iter().map(String::as_str))
    }
}

pub(crate) const EN: &str = include_str!("../data/en.toml");
pub(crate) const KA: &str = include_str!("../data/ka.toml");
pub(crate) const HY: &str = include_str!("../data/hy.toml");

/// Every language's file, for tests.
#[cfg(test)]
pub(crate) const ALL: [(&str, &str); 3] = [("en", EN), ("ka", KA), ("hy", HY)];

pub(crate) fn parse(text: &str) -> File {
    toml::from_str(text).expect("the built-in lists are compiled in and tested")
}

/// One listed phrase, as the guard uses it.
#[derive(Debug)]
pub(crate) struct Entry {
    pub says: String,
    pub instead: String,
    pub why: String,
    /// Counts wherever it stands (its own words address the reader).
    pub anywhere: bool,
}

/// Who a phrase is addressed to: the words of rule 1, folded.
#[derive(Debug, Default)]
pub(crate) struct Reader {
    /// Sequences of words that may stand between a clause's start and a
    /// phrase ("please", "i'm afraid", "need", "to").
    lead: Vec<Vec<String>>,
    you: BTreeSet<String>,
    joins: BTreeSet<String>,
    not: BTreeSet<String>,
}

impl Reader {
    fn add(&mut self, file: &ReaderFile) {
        self.lead.extend(file.lead.iter().map(|s| folded(s)));
        self.lead.retain(|words| !words.is_empty());
        // Longest first, so "i'm sorry" is tried before "sorry".
        self.lead
            .sort_by_key(|words| std::cmp::Reverse(words.len()));
        self.lead.dedup();
        let add = |set: &mut BTreeSet<String>, list: &[String]| {
            set.extend(list.iter().flat_map(|s| folded(s)));
        };
        add(&mut self.you, &file.you);
        add(&mut self.joins, &file.joins);
        add(&mut self.not, &file.not);
    }

    pub fn is_you(&self, word: &Word) -> bool {
        self.you.contains(&word.folded)
    }

    pub fn is_join(&self, word: &Word) -> bool {
        self.joins.contains(&word.folded)
    }

    pub fn is_not(&self, word: &Word) -> bool {
        self.not.contains(&word.folded)
    }

    /// How many words of a lead sequence end just before `words[end]`
    /// (none if no sequence does, or one would span a clause break).
    pub fn lead_before(&self, words: &[Word], end: usize) -> Option<usize> {
        self.lead
            .iter()
            .map(Vec::len)
            .find(|&n| n <= end && self.is_lead(&words[end - n..end], n))
    }

    /// How many words of a lead sequence start at `words[start]`.
    pub fn lead_after(&self, words: &[Word], start: usize) -> Option<usize> {
        self.lead
            .iter()
            .map(Vec::len)
            .find(|&n| start + n <= words.len() && self.is_lead(&words[start..start + n], n))
    }

    fn is_lead(&self, words: &[Word], n: usize) -> bool {
        words[1..]
            .iter()
            .all(|w| w.before == crate::words::Break::None)
            && self
                .lead
                .iter()
                .filter(|lead| lead.len() == n)
                .any(|lead| lead.iter().zip(words).all(|(l, w)| *l == w.folded))
    }
}

/// What the guard checks a draft of one language against: that
/// language's phrases, then the English ones.
#[derive(Debug, Default)]
pub(crate) struct Guard {
    pub entries: Vec<Entry>,
    /// Every form of every entry (its stems), by its first stem, with the
    /// entry's index.
    pub forms: BTreeMap<String, Vec<(usize, Vec<String>)>>,
    pub reader: Reader,
}

impl Guard {
    fn new(files: &[&str]) -> Guard {
        let mut guard = Guard::default();
        for text in files {
            let file = parse(text);
            guard.reader.add(&file.reader);
            for phrase in &file.phrase {
                let index = guard.entries.len();
                for form in phrase.forms() {
                    let stems = stems(form);
                    if let Some(first) = stems.first() {
                        guard
                            .forms
                            .entry(first.clone())
                            .or_default()
                            .push((index, stems));
                    }
                }
                guard.entries.push(Entry {
                    says: phrase.says.clone(),
                    instead: phrase.instead.clone(),
                    why: phrase.why.clone(),
                    anywhere: phrase.anywhere,
                });
            }
        }
        guard
    }
}

static GUARD_EN: LazyLock<Guard> = LazyLock::new(|| Guard::new(&[EN]));
static GUARD_KA: LazyLock<Guard> = LazyLock::new(|| Guard::new(&[KA, EN]));
static GUARD_HY: LazyLock<Guard> = LazyLock::new(|| Guard::new(&[HY, EN]));

/// The guard for a language tag ("en", "ka", "hy"; anything else →
/// English). Only the primary subtag counts, whatever its case: "ka-GE" is
/// Georgian.
pub(crate) fn guard(lang: &str) -> &'static Guard {
    let primary = lang.split(['-', '_']).next().unwrap_or_default();
    if primary.eq_ignore_ascii_case("ka") {
        &GUARD_KA
    } else if primary.eq_ignore_ascii_case("hy") {
        &GUARD_HY
    } else {
        &GUARD_EN
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_list_parses_with_fifteen_to_twenty_five_entries() {
        for (lang, text) in ALL {
            let file = parse(text);
            let n = file.phrase.len();
            assert!((15..=25).contains(&n), "{lang}: {n} entries");
            for phrase in &file.phrase {
                assert!(!phrase.instead.trim().is_empty(), "{lang}: {}", phrase.says);
                assert!(
                    phrase.why.is_ascii(),
                    "{lang}: why in English: {}",
                    phrase.why
                );
                for form in phrase.forms() {
                    assert!(!stems(form).is_empty(), "{lang}: blank form");
                }
            }
            assert!(!file.reader.lead.is_empty() && !file.reader.you.is_empty());
        }
    }

    #[test]
    fn no_form_is_listed_twice() {
        for (lang, text) in ALL {
            let mut seen = BTreeSet::new();
            for phrase in parse(text).phrase {
                for form in phrase.forms() {
                    assert!(seen.insert(stems(form)), "{lang}: {form} listed twice");
                }
            }
        }
    }

    #[test]
    fn language_tags_pick_lists() {
        assert!(std::ptr::eq(guard("ka-GE"), guard("KA")));
        assert!(std::ptr::eq(guard("hy"), guard("hy_AM")));
        assert!(std::ptr::eq(guard("de"), guard("en")));
        assert!(std::ptr::eq(guard(""), guard("en")));
        // Georgian and Armenian drafts are checked against English too.
        let en = guard("en").entries.len();
        assert_eq!(guard("ka").entries.len(), parse(KA).phrase.len() + en);
        assert_eq!(guard("hy").entries.len(), parse(HY).phrase.len() + en);
    }
}
