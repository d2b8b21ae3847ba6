//! Rule 1: listed phrases addressed to the reader (see the crate doc for
//! the rule and its examples).

use std::cmp::Reverse;
use std::ops::Range;

use crate::lists::{Guard, Reader};
use crate::words::{Break, Word, ends_sentence, words};
use crate::{Kind, Warning};

/// A phrase found: which entry, and the words the warning covers.
#[derive(Debug, Clone)]
struct Found {
    entry: usize,
    words: Range<usize>,
}

/// The phrase warnings for a draft, in the order they occur; they never
/// overlap.
pub(crate) fn check(guard: &Guard, draft: &str) -> Vec<Warning> {
    let words = words(draft);
    found(guard, &words)
        .into_iter()
        .map(|found| {
            let entry = &guard.entries[found.entry];
            let span = words[found.words.start].span.start..words[found.words.end - 1].span.end;
            Warning {
                kind: Kind::Phrase,
                instead: fit(&entry.instead, draft, &span),
                span,
                says: entry.says.clone(),
                why: entry.why.clone(),
            }
        })
        .collect()
}

fn found(guard: &Guard, words: &[Word]) -> Vec<Found> {
    let reader = &guard.reader;
    let mut found = Vec::new();
    for (at, word) in words.iter().enumerate() {
        let Some(forms) = guard.forms.get(&word.stem) else {
            continue;
        };
        for (entry, stems) in forms {
            let end = at + stems.len();
            let Some(matched) = words.get(at..end) else {
                continue;
            };
            if matched.iter().zip(stems).any(|(w, s)| w.stem != *s)
                || matched[1..].iter().any(|w| w.before == Break::Sentence)
                || words
                    .get(end)
                    .is_some_and(|w| w.before == Break::None && reader.is_not(w))
            {
                continue;
            }
            let lead = lead_start(reader, words, at);
            if lead.is_none() && !guard.entries[*entry].anywhere {
                continue;
            }
            // A phrase that, with its lead words, is the whole clause is
            // replaced whole: "You need to calm down" → the kinder sentence.
            let span = match (lead, clause_end(reader, words, end)) {
                (Some(start), Some(end)) => start..end,
                _ => at..end,
            };
            found.push(Found {
                entry: *entry,
                words: span,
            });
        }
    }
    // Overlapping finds: the earliest, then the longest, then the first listed.
    found.sort_by_key(|f| (f.words.start, Reverse(f.words.end), f.entry));
    let mut kept: Vec<Found> = Vec::with_capacity(found.len());
    for f in found {
        if kept
            .last()
            .is_none_or(|last| last.words.end <= f.words.start)
        {
            kept.push(f);
        }
    }
    kept
}

/// Whether the phrase starting at `words[at]` is addressed to the reader,
/// and if so the first word of what addresses it: walking back over lead
/// words, the start of its clause (or sentence) or a joining word; or a word
/// for "you", and then the start of its clause if only lead words come
/// before it ("Could you please calm down"), else the word for "you" itself.
fn lead_start(reader: &Reader, words: &[Word], at: usize) -> Option<usize> {
    match walk_back(reader, words, at) {
        Stop::Start(start) => Some(start),
        Stop::You(you) => match walk_back(reader, words, you) {
            Stop::Start(start) => Some(start),
            _ => Some(you),
        },
        Stop::Other => None,
    }
}

/// Where walking back from `words[at]` over lead words ends.
enum Stop {
    /// At the first word of a clause (or after a joining word).
    Start(usize),
    /// At a word for "you".
    You(usize),
    /// At any other word.
    Other,
}

fn walk_back(reader: &Reader, words: &[Word], at: usize) -> Stop {
    let mut i = at;
    loop {
        if i == 0 || words[i].before != Break::None {
            return Stop::Start(i);
        }
        let previous = &words[i - 1];
        if reader.is_you(previous) {
            return Stop::You(i - 1);
        }
        if reader.is_join(previous) {
            return Stop::Start(i);
        }
        match reader.lead_before(words, i) {
            Some(n) => i -= n,
            None => return Stop::Other,
        }
    }
}

/// Where the clause of a phrase ending before `words[end]` ends, if only
/// lead words ("now", "please") come between.
fn clause_end(reader: &Reader, words: &[Word], end: usize) -> Option<usize> {
    let mut j = end;
    loop {
        if words.get(j).is_none_or(|w| w.before != Break::None) {
            return Some(j);
        }
        j += reader.lead_after(words, j)?;
    }
}

/// The kinder text fitted to its place: its first letter takes the case of
/// the first letter it replaces (unless it is "I" or an acronym, or
/// Georgian, which has no capitals in running text), and its closing `.`,
/// `!`, `?` or `։` is dropped unless it ends the draft.
fn fit(instead: &str, draft: &str, span: &Range<usize>) -> String {
    let mut text = instead.to_owned();
    if !draft[span.end..].trim().is_empty() && text.ends_with(ends_sentence) {
        text.pop();
    }
    let Some(replaced) = draft[span.start..].chars().next() else {
        return text;
    };
    let Some(first) = text.chars().next() else {
        return text;
    };
    if is_georgian(first) {
        return text;
    }
    let word: Vec<char> = text.chars().take_while(|c| c.is_alphabetic()).collect();
    let first_cased: String = if replaced.is_uppercase() {
        first.to_uppercase().collect()
    } else if replaced.is_lowercase()
        && word.len() > 1
        && word[1..].iter().all(|c| !c.is_uppercase())
    {
        first.to_lowercase().collect()
    } else {
        return text;
    };
    first_cased + &text[first.len_utf8()..]
}

pub(crate) fn is_georgian(c: char) -> bool {
    matches!(c, '\u{10A0}'..='\u{10FF}' | '\u{1C90}'..='\u{1CBF}' | '\u{2D00}'..='\u{2D2F}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lists::{ALL, guard, parse};

    /// The phrases found (as listed) and the text each warning covers.
    fn finds<'a>(lang: &str, draft: &'a str) -> Vec<(String, &'a str)> {
        check(guard(lang), draft)
            .into_iter()
            .map(|w| (w.says, &draft[w.span]))
            .collect()
    }

    fn says(lang: &str, draft: &str) -> Vec<String> {
        finds(lang, draft)
            .into_iter()
            .map(|(says, _)| says)
            .collect()
    }

    #[test]
    fn a_phrase_at_the_start_of_a_sentence_or_clause_counts() {
        assert_eq!(
            finds("en", "Please calm down"),
            [("calm down".into(), "Please calm down")]
        );
        assert_eq!(
            finds("en", "Calm down, sir."),
            [("calm down".into(), "Calm down")]
        );
        assert_eq!(
            finds("en", "I know. Sir, calm down!"),
            [("calm down".into(), "calm down")]
        );
        assert_eq!(
            finds("en", "The parcel, as I already said, left on Monday."),
            [("as I already said".into(), "as I already said")]
        );
        assert_eq!(says("en", "Okay sir, just relax"), ["calm down"]);
        assert_eq!(
            says("en", "I'm sorry, but that's our policy."),
            ["that's our policy"]
        );
        assert_eq!(
            finds("en", "Unfortunately that's our policy."),
            [(
                "that's our policy".into(),
                "Unfortunately that's our policy"
            )]
        );
        assert_eq!(
            says("en", "I'm afraid there is nothing I can do"),
            ["there is nothing I can do"]
        );
        assert_eq!(says("en", "Sit back and relax."), ["calm down"]);
    }

    #[test]
    fn a_phrase_after_a_word_for_you_counts() {
        assert_eq!(
            finds("en", "You need to calm down."),
            [("calm down".into(), "You need to calm down")]
        );
        assert_eq!(
            finds("en", "Could you please calm down?"),
            [("calm down".into(), "Could you please calm down")]
        );
        assert_eq!(
            says("en", "I think you'll have to just relax"),
            ["calm down"]
        );
        assert_eq!(says("en", "Try to calm down"), ["calm down"]);
    }

    #[test]
    fn a_phrase_with_a_subject_of_its_own_does_not_count() {
        for draft in [
            "I can't calm down the server",
            "I can’t calm down the server, it is overloaded.",
            "the load will calm down after the deploy",
            "Once the queue drains, the load will calm down.",
            "We'll try to calm down the traffic.",
            "I don't think it's your fault.",
            "It's obviously our mistake.",
            "If you should have any questions, write to us.",
            "I know you should have had it by now.",
        ] {
            assert_eq!(says("en", draft), Vec::<String>::new(), "{draft}");
        }
    }

    #[test]
    fn a_negated_phrase_does_not_count() {
        // "It is not your fault" stems like "it is your fault" + "not".
        assert!(says("ka", "თქვენი ბრალი არ არის, ნუ ღელავთ.").is_empty());
        assert_eq!(says("ka", "თქვენი ბრალია."), ["თქვენი ბრალია"]);
    }

    #[test]
    fn georgian_and_armenian_phrases_in_their_drafts() {
        assert_eq!(
            finds("ka", "გთხოვთ, დამშვიდდით"),
            [("დამშვიდდით".into(), "დამშვიდდით")]
        );
        assert_eq!(
            finds("ka", "გთხოვთ დამშვიდდით, ყველაფერს მოვაგვარებთ."),
            [("დამშვიდდით".into(), "გთხოვთ დამშვიდდით")]
        );
        assert_eq!(says("ka", "ᲓᲐᲛᲨᲕᲘᲓᲓᲘᲗ!"), ["დამშვიდდით"]);
        // A subject of its own: "the situation calmed down" (same stem).
        assert!(says("ka", "სიტუაცია დამშვიდდა.").is_empty());
        // A second-person verb counts wherever it stands.
        assert_eq!(
            says("ka", "ეს თავიდანვე უნდა შეგემოწმებინათ."),
            ["უნდა გაგეკეთებინათ"]
        );
        assert_eq!(
            says("ka", "ამანათი, როგორც უკვე გითხარით, ორშაბათს გაიგზავნა."),
            ["როგორც უკვე გითხარით"]
        );
        assert_eq!(
            finds("hy", "Խնդրում եմ, հանգստացեք։"),
            [("հանգստացեք".into(), "հանգստացեք")]
        );
        assert_eq!(says("hy", "Ցավոք, դա մեր խնդիրը չէ։"), ["դա մեր խնդիրը չէ"]);
        assert_eq!(says("hy", "Դա վաղուց պետք է անեիք։"), ["պետք է անեիք"]);
        assert_eq!(says("hy", "Դուք սխալվում եք։"), ["դուք սխալվում եք"]);
        assert!(says("hy", "Ձեր մեղքը չէ, մենք կշտկենք։").is_empty());
        // English phrases count in Georgian and Armenian drafts too...
        assert_eq!(says("ka", "calm down"), ["calm down"]);
        // ...but not the other way round.
        assert!(says("en", "დამშვიდდით").is_empty());
        assert!(says("hy", "დამშვიდდით").is_empty());
    }

    #[test]
    fn the_longest_of_overlapping_phrases_wins() {
        assert_eq!(
            finds("en", "As I already told you, it left."),
            [("as I already said".into(), "As I already told you")]
        );
        assert_eq!(
            finds("en", "What do you want me to do?"),
            [(
                "what do you want me to do".into(),
                "What do you want me to do"
            )]
        );
        assert_eq!(
            says("en", "Calm down. Calm down!"),
            ["calm down", "calm down"]
        );
    }

    #[test]
    fn a_phrase_does_not_run_across_sentences() {
        assert!(says("en", "Sorry, I don't. Know what? It's fine").is_empty());
    }

    #[test]
    fn the_kinder_text_fits_its_place() {
        let fit = |instead: &str, draft: &str, part: &str| {
            let start = draft.find(part).unwrap();
            super::fit(instead, draft, &(start..start + part.len()))
        };
        assert_eq!(
            fit("Just to recap", "The parcel, as I said, left", "as I said"),
            "just to recap"
        );
        assert_eq!(
            fit("just to recap", "As I said, it left", "As I said"),
            "Just to recap"
        );
        assert_eq!(fit("I see.", "sir, calm down, ok", "calm down"), "I see");
        assert_eq!(fit("I see.", "calm down", "calm down"), "I see.");
        assert_eq!(fit("DHL has it.", "relax", "relax"), "DHL has it.");
        assert_eq!(
            fit("Հասկանում եմ։", "Լավ, հանգստացեք", "հանգստացեք"),
            "հասկանում եմ։"
        );
        assert_eq!(fit("მესმის.", "ᲓᲐᲛᲨᲕᲘᲓᲓᲘᲗ", "ᲓᲐᲛᲨᲕᲘᲓᲓᲘᲗ"), "მესმის.");
    }

    #[test]
    fn every_form_of_every_entry_counts_as_a_sentence_of_its_own() {
        for (lang, text) in ALL {
            for phrase in parse(text).phrase {
                for form in phrase.forms() {
                    for draft in [form.to_owned(), format!("{form}.")] {
                        let found = check(guard(lang), &draft);
                        assert_eq!(found.len(), 1, "{lang}: {draft:?} → {found:?}");
                        assert_eq!(found[0].says, phrase.says, "{lang}: {draft:?}");
                        assert_eq!(found[0].span, 0..form.len(), "{lang}: {draft:?}");
                    }
                }
            }
        }
    }
}
