//! How upset a visitor seems, scored by fixed rules so every point can be
//! explained to the agent who sees it (the console lists the signals) and
//! the same messages always score the same.
//!
//! The visitor's recent messages (the last 10 at most) are checked for five
//! signals. Each fires at most once, and the score is the sum of the weights
//! of those that fired:
//!
//! | signal | fires when | weight |
//! | --- | --- | --- |
//! | angry words | an entry of the `angry` list of the conversation's language, or of English, occurs in a message (whole words, folded and stemmed; see [`crate::phrases`]) | 1; 2 when two or more different entries occur |
//! | shouting | a message has at least 8 cased letters (letters that have an upper and a lower case, in any script) and at least 70 % of them are capitals | 1 |
//! | punctuation | a message has a run of three or more of `!` `?` `！` `？`, mixed or not (`!!!`, `?!?`) | 1 |
//! | repeated | two messages, each with at least 3 different words of 2+ letters, share at least 80 % of those words (Jaccard similarity of their sets of stems) | 1 |
//! | long wait | the visitor's oldest message that nobody (person or bot) answered was sent 5 minutes ago or more | 1 |
//!
//! A visitor counts as frustrated from a score of
//! [`FRUSTRATED`](warmline_shared::handoff::FRUSTRATED) (2): "THIS IS THE
//! THIRD TIME I ASK!!!" alone scores 2 (shouting and punctuation), "Where is
//! my order?" scores 0, and a single "!!!" scores 1. Short capitals such as
//! "I got an SMS from DHL" are not shouting.

use std::collections::BTreeSet;

use warmline_kb::fold::words;
use warmline_kb::search::stem;
use warmline_shared::handoff::{Frustration, Signal};
use warmline_tone::is_shouting;

use crate::lists::{every_language, lists};

/// A visitor's message, as the assessment needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Said<'a> {
    pub text: &'a str,
    /// When it was sent, ms since the Unix epoch.
    pub at_ms: i64,
}

/// What one message tells the assessment, worked out once: a
/// conversation's latest messages are judged again with each new one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    /// When it was sent, ms since the Unix epoch.
    pub at_ms: i64,
    /// The angry phrases it holds, of every language's list: found once,
    /// as the message is judged again with each of the next ones.
    angry: BTreeSet<&'static str>,
    /// The stems of its words of [`REPEAT_MIN_CHARS`] or more letters.
    words: BTreeSet<String>,
    shouting: bool,
    punctuation: bool,
}

impl Said<'_> {
    pub fn read(&self) -> Reading {
        let words = words(self.text);
        let stems: Vec<String> = words.iter().map(|word| stem(word)).collect();
        // Each word stemmed once, for both.
        let angry = every_language()
            .iter()
            .flat_map(|lists| lists.angry.find_all_in(&stems))
            .collect();
        let long = words
            .iter()
            .zip(stems)
            .filter(|(word, _)| word.chars().count() >= REPEAT_MIN_CHARS)
            .map(|(_, stem)| stem)
            .collect();
        Reading {
            at_ms: self.at_ms,
            angry,
            words: long,
            shouting: is_shouting(self.text),
            punctuation: has_punctuation_run(self.text),
        }
    }
}

/// Only this many of the latest messages are looked at: an old outburst
/// should not colour the rest of a long conversation.
pub const RECENT: usize = 10;

/// `!!!`, `???`, `?!?`: this many of [`is_insistent`] in a row.
const PUNCTUATION_RUN: usize = 3;

/// Two messages repeat each other from this Jaccard similarity
/// (`REPEAT_NUM / REPEAT_DEN`) of their word sets...
const REPEAT_NUM: usize = 4;
const REPEAT_DEN: usize = 5;
/// ...when each has at least this many different words of at least
/// [`REPEAT_MIN_CHARS`] letters ("hi" and "hello?" repeat nothing).
const REPEAT_MIN_WORDS: usize = 3;
const REPEAT_MIN_CHARS: usize = 2;

/// An unanswered message waiting this long is a signal.
const LONG_WAIT_MS: i64 = 5 * 60_000;

/// Scores the visitor's recent messages, each read once (oldest first; of
/// more than the last 10, only the last 10 count). `unanswered_since`: when
/// the visitor's oldest message that no person or bot answered was sent, if
/// any.
pub fn assess_read(
    lang: &str,
    said: &[&Reading],
    unanswered_since: Option<i64>,
    now_ms: i64,
) -> Frustration {
    let said = &said[said.len().saturating_sub(RECENT)..];
    let weighed: [Option<(Signal, u32)>; 5] = [
        angry_words(lang, said),
        said.iter()
            .any(|s| s.shouting)
            .then_some((Signal::Shouting, 1)),
        said.iter()
            .any(|s| s.punctuation)
            .then_some((Signal::Punctuation, 1)),
        is_repeated(said).then_some((Signal::Repeated, 1)),
        long_wait(unanswered_since, now_ms).map(|minutes| (Signal::LongWait { minutes }, 1)),
    ];
    let mut frustration = Frustration::default();
    for (signal, weight) in weighed.into_iter().flatten() {
        frustration.score += weight;
        frustration.signals.push(signal);
    }
    frustration
}

/// The angry words of the language's list and of English (visitors swear in
/// English whatever the site's language), each once, as listed.
fn angry_words(lang: &str, said: &[&Reading]) -> Option<(Signal, u32)> {
    let held: BTreeSet<&str> = said.iter().flat_map(|s| s.angry.iter().copied()).collect();
    if held.is_empty() {
        return None;
    }
    let own = lists(lang);
    let english = lists("en");
    let mut found = own.angry.listed_among(&held);
    if !std::ptr::eq(own, english) {
        for word in english.angry.listed_among(&held) {
            if !found.contains(&word) {
                found.push(word);
            }
        }
    }
    let weight = match found.len() {
        0 => return None,
        1 => 1,
        _ => 2,
    };
    let words = found.into_iter().map(str::to_owned).collect();
    Some((Signal::AngryWords { words }, weight))
}

/// Marks that, repeated, insist: ASCII and full-width `!` and `?`.
fn is_insistent(c: char) -> bool {
    matches!(c, '!' | '?' | '！' | '？')
}

fn has_punctuation_run(text: &str) -> bool {
    let mut run = 0;
    for c in text.chars() {
        run = if is_insistent(c) { run + 1 } else { 0 };
        if run >= PUNCTUATION_RUN {
            return true;
        }
    }
    false
}

/// Whether any two messages ask nearly the same thing.
fn is_repeated(said: &[&Reading]) -> bool {
    let sets: Vec<&BTreeSet<String>> = said
        .iter()
        .map(|s| &s.words)
        .filter(|set| set.len() >= REPEAT_MIN_WORDS)
        .collect();
    sets.iter()
        .enumerate()
        .any(|(i, a)| sets[i + 1..].iter().any(|b| is_similar(a, b)))
}

/// Jaccard similarity at least `REPEAT_NUM / REPEAT_DEN`, in whole numbers.
fn is_similar(a: &BTreeSet<String>, b: &BTreeSet<String>) -> bool {
    let shared = a.intersection(b).count();
    let all = a.len() + b.len() - shared;
    all > 0 && shared * REPEAT_DEN >= all * REPEAT_NUM
}

/// Whole minutes the oldest unanswered message has waited, if long enough.
fn long_wait(unanswered_since: Option<i64>, now_ms: i64) -> Option<u32> {
    let waited = now_ms.saturating_sub(unanswered_since?);
    (waited >= LONG_WAIT_MS).then(|| u32::try_from(waited / 60_000).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    use warmline_shared::handoff::FRUSTRATED;

    use super::*;

    const NOW: i64 = 1_800_000_000_000;

    /// [`assess_read`] on the texts as said.
    fn assess(
        lang: &str,
        said: &[Said<'_>],
        unanswered_since: Option<i64>,
        now_ms: i64,
    ) -> Frustration {
        let readings: Vec<Reading> = said.iter().map(Said::read).collect();
        let readings: Vec<&Reading> = readings.iter().collect();
        assess_read(lang, &readings, unanswered_since, now_ms)
    }

    fn assess_texts(lang: &str, texts: &[&str]) -> Frustration {
        let said: Vec<Said<'_>> = texts
            .iter()
            .enumerate()
            .map(|(i, text)| Said {
                text,
                at_ms: NOW - 60_000 * (texts.len() - i) as i64,
            })
            .collect();
        assess(lang, &said, None, NOW)
    }

    #[test]
    fn the_briefs_examples() {
        let shouted = assess_texts("en", &["THIS IS THE THIRD TIME I ASK!!!"]);
        assert_eq!(shouted.score, FRUSTRATED);
        assert_eq!(shouted.signals, [Signal::Shouting, Signal::Punctuation]);
        assert_eq!(
            assess_texts("en", &["Where is my order?"]),
            Frustration::default()
        );
        let bang = assess_texts("en", &["Hello!!!"]);
        assert_eq!((bang.score, bang.signals), (1, vec![Signal::Punctuation]));
    }

    #[test]
    fn nothing_said_scores_nothing() {
        assert_eq!(assess("en", &[], None, NOW), Frustration::default());
    }

    #[test]
    fn one_angry_word_weighs_one_two_or_more_weigh_two() {
        let one = assess_texts("en", &["That is ridiculous."]);
        assert_eq!(one.score, 1);
        assert_eq!(
            one.signals,
            [Signal::AngryWords {
                words: vec!["ridiculous".into()]
            }]
        );
        let two = assess_texts("en", &["Useless.", "What a waste of time, ridiculous"]);
        assert_eq!(two.score, 2);
        assert_eq!(
            two.signals,
            [Signal::AngryWords {
                words: vec![
                    "ridiculous".into(),
                    "useless".into(),
                    "waste of time".into()
                ]
            }]
        );
        // The same word twice is still one word.
        assert_eq!(
            assess_texts("en", &["terrible", "TERRIBLE terrible"]).signals[0],
            Signal::AngryWords {
                words: vec!["terrible".into()]
            }
        );
    }

    #[test]
    fn an_angry_phrase_does_not_run_across_messages() {
        assert_eq!(assess_texts("en", &["I was fed", "up all night"]).score, 0);
        assert_eq!(assess_texts("en", &["hello", "so fed up"]).score, 1);
    }

    #[test]
    fn angry_words_of_the_language_and_of_english() {
        let ka = assess_texts("ka", &["ეს უბრალოდ საშინელებაა", "scam"]);
        assert_eq!(ka.score, 2);
        assert_eq!(
            ka.signals,
            [Signal::AngryWords {
                words: vec!["საშინელება".into(), "scam".into()]
            }]
        );
        let hy = assess_texts("hy", &["Անընդունելի է"]);
        assert_eq!(
            hy.signals,
            [Signal::AngryWords {
                words: vec!["անընդունելի".into()]
            }]
        );
        // Georgian words do not count on an English site's list.
        assert_eq!(assess_texts("en", &["საშინელებაა"]).score, 0);
    }

    #[test]
    fn shouting_needs_enough_capitals() {
        assert!(!is_shouting("I got an SMS from DHL about my order"));
        assert!(!is_shouting("OK THX"));
        assert!(!is_shouting("ORDER 12345678"));
        assert!(is_shouting("THIS IS THE THIRD TIME I ASK"));
        assert!(is_shouting("WHERE IS MY ORDER, PLEASE? ok"));
        assert!(is_shouting("ГДЕ МОЙ ЗАКАЗ"));
        assert!(is_shouting("ᲡᲐᲓ ᲐᲠᲘᲡ ᲩᲔᲛᲘ ᲨᲔᲙᲕᲔᲗᲐ"));
        assert!(!is_shouting("სად არის ჩემი შეკვეთა"));
        assert!(is_shouting("ՈՐՏԵՂ Է ԻՄ ՊԱՏՎԵՐԸ"));
        assert!(!is_shouting("Որտեղ է իմ պատվերը"));
    }

    #[test]
    fn three_insistent_marks_in_a_row() {
        assert!(has_punctuation_run("why?!?"));
        assert!(has_punctuation_run("hello？？？"));
        assert!(has_punctuation_run("really!!!!"));
        assert!(!has_punctuation_run("what?! why?!"));
        assert!(!has_punctuation_run("Wait... what?"));
    }

    #[test]
    fn the_same_question_again_is_repeated() {
        let again = assess_texts(
            "en",
            &["Where is my order", "hello?", "where is my order??"],
        );
        assert_eq!(again.signals, [Signal::Repeated]);
        assert_eq!(again.score, 1);
        // Stems match: "orders" is "order".
        assert!(repeated(&["when do orders ship", "when do order ship"]));
        // Four of five words shared: 4/6 < 0.8.
        assert!(!repeated(&[
            "where is my blue order",
            "where is my red order"
        ]));
        // Too short to tell.
        assert!(!repeated(&["hi there", "hi there"]));
        // Armenian inflection folds away.
        assert!(repeated(&["Որտեղ է իմ պատվերը", "Որտե՞ղ է իմ պատվերը"]));
    }

    fn said<'a>(texts: &[&'a str]) -> Vec<Said<'a>> {
        texts.iter().map(|text| Said { text, at_ms: NOW }).collect()
    }

    fn repeated(texts: &[&str]) -> bool {
        let readings: Vec<Reading> = said(texts).iter().map(Said::read).collect();
        is_repeated(&readings.iter().collect::<Vec<_>>())
    }

    #[test]
    fn only_the_last_ten_messages_count() {
        let mut texts = vec!["This is a SCAM"];
        texts.extend(["fine"; 10]);
        assert_eq!(assess_texts("en", &texts).score, 0);
        texts.remove(1);
        assert_eq!(assess_texts("en", &texts).score, 1);
    }

    #[test]
    fn a_long_wait_counts_whole_minutes_from_five() {
        let quiet = said(&["hello"]);
        assert_eq!(assess("en", &quiet, Some(NOW - 299_999), NOW).score, 0);
        let waited = assess("en", &quiet, Some(NOW - 300_000), NOW);
        assert_eq!(waited.signals, [Signal::LongWait { minutes: 5 }]);
        assert_eq!(waited.score, 1);
        let longer = assess("en", &quiet, Some(NOW - 12 * 60_000 - 59_999), NOW);
        assert_eq!(longer.signals, [Signal::LongWait { minutes: 12 }]);
        assert_eq!(assess("en", &quiet, None, NOW).score, 0);
    }

    #[test]
    fn signals_come_in_a_fixed_order_and_add_up() {
        let all = assess(
            "en",
            &said(&[
                "WHERE IS MY ORDER, THIS IS RIDICULOUS!!!",
                "where is my order this is ridiculous",
                "useless",
            ]),
            Some(NOW - 20 * 60_000),
            NOW,
        );
        assert_eq!(
            all.signals,
            [
                Signal::AngryWords {
                    words: vec!["ridiculous".into(), "useless".into()]
                },
                Signal::Shouting,
                Signal::Punctuation,
                Signal::Repeated,
                Signal::LongWait { minutes: 20 },
            ]
        );
        assert_eq!(all.score, 6);
        assert_eq!(all.tier(), 2);
    }
}
