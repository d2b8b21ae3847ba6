//! Matching phrase lists against what a visitor wrote. Both sides are cut
//! into folded words (see [`warmline_kb::fold`]) reduced to the knowledge
//! base's light stem ([`warmline_kb::search::stem`]), so case, accents and
//! common endings do not matter: "ოპერატორი" matches "ოპერატორთან",
//! "agent" matches "Agents". A phrase matches when its words occur one after
//! another in the text, as whole words: "talk to a person" matches "Can I
//! talk to a person please", "scam" does not match "scampi".

use std::collections::BTreeSet;

use warmline_kb::fold::words;
use warmline_kb::search::stem;

/// A list of phrases, each one or more words, matched on whole folded,
/// stemmed words in order (so "talk to a person" matches "Can I talk to a
/// person please" and Georgian/Armenian inflected forms match through
/// `stem`).
#[derive(Debug, Clone, Default)]
pub struct Phrases {
    entries: Vec<Entry>,
}

#[derive(Debug, Clone)]
struct Entry {
    /// As given, to report what matched.
    phrase: String,
    stems: Vec<String>,
}

impl Phrases {
    /// Blank phrases (no words at all) are dropped: they would match
    /// everything.
    pub fn new<I: IntoIterator<Item = S>, S: AsRef<str>>(phrases: I) -> Self {
        let entries = phrases
            .into_iter()
            .filter_map(|phrase| {
                let phrase = phrase.as_ref();
                let stems = stems(phrase);
                (!stems.is_empty()).then(|| Entry {
                    phrase: phrase.to_owned(),
                    stems,
                })
            })
            .collect();
        Phrases { entries }
    }

    /// The first phrase (as given to `new`) found in `text`, if any.
    pub fn find(&self, text: &str) -> Option<&str> {
        self.find_in(&stems(text))
    }

    /// Every phrase found in `text`, each once, in list order.
    pub fn find_all(&self, text: &str) -> Vec<&str> {
        self.find_all_in(&stems(text))
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// [`Phrases::find`] on a text already cut by [`stems`], so a text
    /// checked against several lists is cut once.
    pub(crate) fn find_in(&self, text: &[String]) -> Option<&str> {
        self.entries
            .iter()
            .find(|entry| entry.occurs_in(text))
            .map(|entry| entry.phrase.as_str())
    }

    /// Every phrase found in a text already cut by [`stems`], each once, in
    /// list order.
    pub(crate) fn find_all_in(&self, text: &[String]) -> Vec<&str> {
        let mut found: Vec<&str> = Vec::new();
        for entry in &self.entries {
            let phrase = entry.phrase.as_str();
            if !found.contains(&phrase) && entry.occurs_in(text) {
                found.push(phrase);
            }
        }
        found
    }

    /// The phrases of this list among `found` (phrases as given to `new`,
    /// found by this list or another), each once, in list order.
    pub(crate) fn listed_among(&self, found: &BTreeSet<&str>) -> Vec<&str> {
        let mut listed: Vec<&str> = Vec::new();
        for entry in &self.entries {
            let phrase = entry.phrase.as_str();
            if found.contains(phrase) && !listed.contains(&phrase) {
                listed.push(phrase);
            }
        }
        listed
    }
}

impl Entry {
    fn occurs_in(&self, text: &[String]) -> bool {
        text.windows(self.stems.len()).any(|w| w == self.stems)
    }
}

/// The stems of a text's words, in order.
pub(crate) fn stems(text: &str) -> Vec<String> {
    words(text).iter().map(|word| stem(word)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phrase_matches_its_words_in_order() {
        let phrases = Phrases::new(["talk to a person"]);
        assert_eq!(
            phrases.find("Can I talk to a person please"),
            Some("talk to a person")
        );
        assert_eq!(phrases.find("a person to talk to"), None);
        assert_eq!(phrases.find("talk to a nice person"), None);
    }

    #[test]
    fn only_whole_words_match() {
        let phrases = Phrases::new(["scam"]);
        assert_eq!(phrases.find("I ordered scampi"), None);
        assert_eq!(phrases.find("This is a SCAM!"), Some("scam"));
    }

    #[test]
    fn case_accents_and_endings_do_not_matter() {
        let phrases = Phrases::new(["Agent", "ოპერატორი", "խորհրդատու"]);
        assert_eq!(phrases.find("any agents around?"), Some("Agent"));
        assert_eq!(phrases.find("ოპერატორთან დამაკავშირეთ"), Some("ოპერატორი"));
        assert_eq!(phrases.find("ᲝᲞᲔᲠᲐᲢᲝᲠᲘ"), Some("ოპერატორი"));
        assert_eq!(
            phrases.find("Կարո՞ղ եմ խոսել խորհրդատուի հետ"),
            Some("խորհրդատու")
        );
    }

    #[test]
    fn the_first_phrase_in_list_order_is_found() {
        let phrases = Phrases::new(["operator", "human"]);
        assert_eq!(phrases.find("a human or an operator"), Some("operator"));
    }

    #[test]
    fn find_all_lists_each_phrase_once_in_list_order() {
        let phrases = Phrases::new(["worst", "useless", "fed up", "worst"]);
        assert_eq!(
            phrases.find_all("Useless. Worst shop, the worst. I'm fed up."),
            ["worst", "useless", "fed up"]
        );
        assert!(phrases.find_all("All good, thanks").is_empty());
    }

    #[test]
    fn blank_phrases_are_ignored() {
        let phrases = Phrases::new(["", "  ", "?!"]);
        assert!(phrases.is_empty());
        assert_eq!(phrases.find("anything at all"), None);
        assert!(Phrases::new(["", "human"]).find("human").is_some());
    }

    #[test]
    fn phrases_found_elsewhere_are_listed_in_this_list_order() {
        let phrases = Phrases::new(["useless", "fed up", "worst"]);
        let found = BTreeSet::from(["worst", "useless", "ridiculous"]);
        assert_eq!(phrases.listed_among(&found), ["useless", "worst"]);
        assert!(phrases.listed_among(&BTreeSet::new()).is_empty());
    }
}
