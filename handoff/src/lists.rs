//! The built-in word lists, one per language the widget speaks: phrases that
//! ask for a person, and words that show anger. They live in
//! `handoff/data/*.toml`, compiled in, so a translator can change them
//! without touching code; each list is matched through [`Phrases`].

use std::sync::LazyLock;

use serde::Deserialize;

use crate::phrases::{Phrases, stems};

/// One language's lists.
#[derive(Debug, Clone)]
pub struct Lists {
    /// Phrases that ask for a person rather than the bot.
    pub person: Phrases,
    /// Words and phrases that show anger.
    pub angry: Phrases,
}

/// A data file as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    person: Vec<String>,
    angry: Vec<String>,
}

fn load(text: &str) -> Lists {
    let file: File =
        toml::from_str(text).expect("the built-in word lists are compiled in and tested");
    Lists {
        person: Phrases::new(file.person),
        angry: Phrases::new(file.angry),
    }
}

static EN: LazyLock<Lists> = LazyLock::new(|| load(include_str!("../data/en.toml")));
static KA: LazyLock<Lists> = LazyLock::new(|| load(include_str!("../data/ka.toml")));
static HY: LazyLock<Lists> = LazyLock::new(|| load(include_str!("../data/hy.toml")));

/// The lists of a language tag ("en", "ka", "hy"; anything else → English).
/// Only the primary subtag counts, whatever its case: "ka-GE" is Georgian.
pub fn lists(lang: &str) -> &'static Lists {
    let primary = lang.split(['-', '_']).next().unwrap_or_default();
    if primary.eq_ignore_ascii_case("ka") {
        &KA
    } else if primary.eq_ignore_ascii_case("hy") {
        &HY
    } else {
        &EN
    }
}

/// The lists of every language there are lists for.
pub fn every_language() -> [&'static Lists; 3] {
    [&EN, &KA, &HY]
}

/// Whether the text asks for a person in any of the three languages
/// (visitors mix languages, and a site's language need not be theirs).
pub fn asks_for_person(text: &str) -> bool {
    let text = stems(text);
    every_language()
        .iter()
        .any(|lists| lists.person.find_in(&text).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [(&str, &str); 3] = [
        ("en", include_str!("../data/en.toml")),
        ("ka", include_str!("../data/ka.toml")),
        ("hy", include_str!("../data/hy.toml")),
    ];

    fn file(text: &str) -> File {
        toml::from_str(text).expect("valid list")
    }

    #[test]
    fn every_list_parses_and_is_of_a_sensible_size() {
        for (lang, text) in ALL {
            let file = file(text);
            assert!(
                (8..=15).contains(&file.person.len()),
                "{lang}: {} person phrases",
                file.person.len()
            );
            assert!(
                (15..=30).contains(&file.angry.len()),
                "{lang}: {} angry words",
                file.angry.len()
            );
        }
    }

    #[test]
    fn every_angry_entry_matches_itself_and_nothing_else_in_its_list() {
        // So one angry word never counts as two, and no entry is dead.
        for (lang, text) in ALL {
            let file = file(text);
            let phrases = Phrases::new(&file.angry);
            for entry in &file.angry {
                assert_eq!(phrases.find_all(entry), [entry.as_str()], "{lang}: {entry}");
            }
            let person = Phrases::new(&file.person);
            for entry in &file.person {
                assert!(person.find(entry).is_some(), "{lang}: {entry}");
            }
        }
    }

    #[test]
    fn language_tags_pick_their_lists() {
        assert!(std::ptr::eq(lists("ka"), &*KA));
        assert!(std::ptr::eq(lists("ka-GE"), &*KA));
        assert!(std::ptr::eq(lists("HY"), &*HY));
        assert!(std::ptr::eq(lists("hy_AM"), &*HY));
        assert!(std::ptr::eq(lists("en"), &*EN));
        assert!(std::ptr::eq(lists("de"), &*EN));
        assert!(std::ptr::eq(lists(""), &*EN));
    }

    #[test]
    fn asking_for_a_person_in_any_language() {
        for text in [
            "Can I talk to a human please",
            "I want a REAL PERSON",
            "is there anyone from live chat?",
            "operator",
            "ოპერატორთან დამაკავშირეთ",
            "შეიძლება ადამიანთან ვისაუბრო?",
            "კონსულტანტს როგორ დავუკავშირდე",
            "operatori mchirdeba",
            "Ուզում եմ խոսել մարդու հետ",
            "Միացրեք օպերատորին",
            "Խորհրդատուի հետ կապ կա՞",
            // Visitors mix languages.
            "hello, ოპერატორი please",
        ] {
            assert!(asks_for_person(text), "{text}");
        }
    }

    #[test]
    fn ordinary_questions_do_not_ask_for_a_person() {
        for text in [
            "Where is my order?",
            "Can you help me reset my password?",
            "How long does delivery take to Tbilisi?",
            "Do you ship to someone else's address?",
            "რამდენ ხანში მოვა შეკვეთა?",
            "როგორ შევცვალო პაროლი?",
            "Ինչո՞ւ չի գալիս նամակը",
            "Որքա՞ն արժե առաքումը Երևան",
        ] {
            assert!(!asks_for_person(text), "{text}");
        }
    }

    #[test]
    fn angry_words_are_found_in_each_language() {
        assert_eq!(
            lists("en")
                .angry
                .find_all("This is ridiculous, a total waste of time"),
            ["ridiculous", "waste of time"]
        );
        assert_eq!(
            lists("ka").angry.find_all("ეს საშინელებაა, სირცხვილია!"),
            ["საშინელება", "სირცხვილი"]
        );
        assert_eq!(
            lists("hy")
                .angry
                .find_all("Սա անընդունելի է, խայտառակություն"),
            ["անընդունելի", "խայտառակություն"]
        );
        assert!(
            lists("ka")
                .angry
                .find_all("გმადლობთ, ძალიან კარგი")
                .is_empty()
        );
    }
}
