//! The tone guard: before an agent sends a reply to an upset customer, the
//! console checks the draft and warns about words that tend to inflame,
//! each warning with a kinder text the agent can insert instead. The relay
//! runs the same checks for reports, so this crate has no I/O, clocks or
//! threads and builds for the browser (wasm32) as well.
//!
//! A draft is checked with [`check`] against two rules; [`apply`] puts a
//! warning's kinder text in place of what it is about.
//!
//! # Rule 1: listed phrases addressed to the reader
//!
//! Each language has a list of phrases that inflame ("calm down", "as I
//! already said", "that's our policy", Georgian "დამშვიდდით", Armenian
//! "դա մեր խնդիրը չէ", …) in `tone/data/{en,ka,hy}.toml`, each with more
//! ways of writing it, a kinder alternative and a reason. A draft is
//! checked against the list of its language and the English one (anything
//! but "ka" and "hy" is checked against English only).
//!
//! **Matching.** A phrase matches whole words in order after folding and a
//! light stem, as the handoff lists do (`warmline_handoff::phrases`): case,
//! accents, Georgian capitals and common endings do not matter, so "calm
//! down" matches "CALM DOWN" and "ეს ჩვენი წესებია" matches "ეს ჩვენი
//! წესები". Punctuation between its words is allowed, a sentence end is not.
//! Where matches overlap, the earliest wins, then the longest.
//!
//! **Addressed to the reader.** A match counts only when it is addressed to
//! the reader. Walking back from its first word within its sentence, over
//! *lead words* only (politeness, forms of address, discourse markers and
//! modal verbs: "please", "just", "sir", "okay", "unfortunately", "I'm
//! afraid", "need", "to", "could"; each list names its own), one must reach
//!
//! - the start of the sentence or of a clause (after `,` `;` `:` a dash, a
//!   bracket or a quote): "Please calm down", "Calm down, sir", "Sir, just
//!   relax", "I'm sorry, but that's our policy", "The parcel, as I already
//!   said, left on Monday";
//! - a word that joins clauses ("and", "but", "or"): "Sit back and relax";
//! - or a word for the reader ("you", "you'll", "դուք", "თქვენ"): "You need
//!   to calm down", "Could you please calm down?".
//!
//! Any other word on the way is a subject or an object of the phrase's
//! own, and the match does not count: "I can't calm down the server", "the
//! load will calm down after the deploy", "We'll try to calm down the
//! traffic", "I don't think it's your fault", "It's obviously our mistake".
//!
//! Two refinements, both from the lists:
//!
//! - An entry marked `anywhere` counts wherever it stands, because its own
//!   words address the reader: Georgian and Armenian second-person verbs
//!   such as "უნდა გაგეკეთებინათ" / "պետք է անեիք" ("you should have done")
//!   usually follow their object ("ეს თავიდანვე უნდა შეგემოწმებინათ").
//! - A match directly followed (in the same clause) by a negation of the
//!   list ("not", "არ", "չէ") does not count: the stem of "თქვენი ბრალია"
//!   ("it is your fault") is also that of "თქვენი ბრალი არ არის" ("it is not
//!   your fault").
//!
//! **What a warning covers.** The matched words; and when the phrase with
//! its lead words (and any lead words after it, such as "now") is its whole
//! clause, the clause from where the walk back stopped: "**Please calm
//! down**", "**You need to calm down**.", "Sir, **calm down**", so the kinder
//! sentence replaces the whole command. The kinder text is fitted to its
//! place: its first letter takes the case of the first letter it replaces
//! (except "I", acronyms and Georgian), and its closing `.`, `!`, `?` or `։`
//! is dropped unless it ends the draft.
//!
//! # Rule 2: shouting
//!
//! A draft with at least 8 cased letters (letters that have an upper and a
//! lower case, in any script; Georgian counts, its capitals being
//! Mtavruli) of which at least 70 % are capitals is shouting. The warning
//! covers the whole draft and its kinder text is the same draft in sentence
//! case: lowercased, the first letter of each sentence a capital (not in
//! Georgian, which has no capitals in running text) and the English "I" a
//! capital, while words of capitals up to 4 letters that look like
//! acronyms keep their case: those without a vowel ("SMS", "DHL", "ՀՀ"),
//! with a digit ("4G"), or common ones with a vowel ("ID", "USA", "FAQ").
//! "WHY DID YOU NOT READ MY MESSAGE" becomes "Why did you not read my
//! message"; "Your SMS code from DHL is 4411" and "OK" are not shouting.
//!
//! # Cost
//!
//! The lists are parsed once per language, on first use; a check folds the
//! draft once and looks phrases up by their first stem, so it can run on
//! every keystroke.

mod lists;
mod phrases;
mod shouting;

pub use shouting::is_shouting;
mod words;

use std::ops::Range;

/// What a warning is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A listed phrase addressed to the reader (rule 1).
    Phrase,
    /// Mostly capitals (rule 2).
    Shouting,
}

/// One warning about a draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// What kind: a listed phrase, or shouting.
    pub kind: Kind,
    /// Byte range in the draft the warning is about: the matched words
    /// (with the lead words of their clause when they are its whole clause;
    /// see the crate doc), or the whole draft for shouting.
    pub span: Range<usize>,
    /// The listed phrase as in the list ("calm down"), whichever of its
    /// forms matched; for shouting, empty.
    pub says: String,
    /// A kinder text the agent may insert instead of `span`, fitted to its
    /// place (case of the first letter, closing punctuation).
    pub instead: String,
    /// Why, in English, for agents.
    pub why: String,
}

/// Why shouting is warned about.
const SHOUTING_WHY: &str = "Capital letters read as shouting.";

/// Checks an agent's draft written in `lang` ("en", "ka", "hy"; anything
/// else → English only; "ka-GE" is Georgian). The shouting warning, if any,
/// comes first, then the phrase warnings in the order they occur; phrase
/// warnings never overlap.
pub fn check(lang: &str, draft: &str) -> Vec<Warning> {
    let mut warnings = Vec::new();
    if shouting::is_shouting(draft) {
        warnings.push(Warning {
            kind: Kind::Shouting,
            span: 0..draft.len(),
            says: String::new(),
            instead: shouting::sentence_case(draft),
            why: SHOUTING_WHY.to_owned(),
        });
    }
    warnings.extend(phrases::check(lists::guard(lang), draft));
    warnings
}

/// The draft with warning `w`'s span replaced by its `instead` (what
/// "Insert the kinder words" does). A span that does not fit the draft
/// (the draft changed since the check) leaves it as it is.
pub fn apply(draft: &str, w: &Warning) -> String {
    match (
        draft.get(..w.span.start),
        draft.get(w.span.clone()),
        draft.get(w.span.end..),
    ) {
        (Some(before), Some(_), Some(after)) => [before, &w.instead, after].concat(),
        _ => draft.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lists::{ALL, parse};

    fn one(lang: &str, draft: &str) -> Warning {
        let mut found = check(lang, draft);
        assert_eq!(found.len(), 1, "{draft:?} → {found:?}");
        found.remove(0)
    }

    const CALM: &str = "I understand how frustrating this is, and I'm here to sort it out.";

    #[test]
    fn please_calm_down() {
        let w = one("en", "Please calm down");
        assert_eq!(w.kind, Kind::Phrase);
        assert_eq!(w.says, "calm down");
        assert_eq!(w.instead, CALM);
        assert_eq!(w.span, 0..16);
        assert!(w.why.contains("dismisses"));
        assert_eq!(apply("Please calm down", &w), CALM);
    }

    #[test]
    fn you_need_to_calm_down_and_calm_down_sir() {
        let draft = "You need to calm down.";
        let w = one("en", draft);
        assert_eq!((w.kind, w.says.as_str()), (Kind::Phrase, "calm down"));
        assert_eq!(apply(draft, &w), CALM);

        let draft = "Calm down, sir.";
        let w = one("en", draft);
        assert_eq!((w.kind, w.says.as_str()), (Kind::Phrase, "calm down"));
        assert_eq!(&draft[w.span.clone()], "Calm down");
        assert_eq!(
            apply(draft, &w),
            "I understand how frustrating this is, and I'm here to sort it out, sir."
        );
    }

    #[test]
    fn technical_replies_do_not_trigger() {
        assert_eq!(check("en", "I can't calm down the server"), []);
        assert_eq!(check("en", "the load will calm down after the deploy"), []);
        assert_eq!(
            check(
                "en",
                "Thanks! I restarted it, and the load will calm down soon."
            ),
            []
        );
    }

    #[test]
    fn georgian_and_armenian() {
        let w = one("ka", "გთხოვთ, დამშვიდდით");
        assert_eq!(w.says, "დამშვიდდით");
        assert_eq!(
            apply("გთხოვთ, დამშვიდდით", &w),
            "გთხოვთ, მესმის, რამდენად უსიამოვნოა ეს სიტუაცია, და აქ ვარ, რომ დაგეხმაროთ."
        );
        let w = one("ka", "როგორც უკვე გითხარით, ამანათი ორშაბათს გაიგზავნა.");
        assert_eq!(w.says, "როგორც უკვე გითხარით");

        let w = one("hy", "Խնդրում եմ, հանգստացեք։");
        assert_eq!(w.says, "հանգստացեք");
        assert_eq!(
            apply("Խնդրում եմ, հանգստացեք։", &w),
            "Խնդրում եմ, հասկանում եմ, թե որքան տհաճ է սա, և այստեղ եմ, որ օգնեմ։"
        );
        let w = one(
            "hy-AM",
            "Ինչպես արդեն ասացի, ծանրոցն ուղարկվել է երկուշաբթի։",
        );
        assert_eq!(w.says, "ինչպես արդեն ասացի");
    }

    #[test]
    fn as_i_already_said() {
        let draft = "As I already said, the parcel left on Monday";
        let w = one("en", draft);
        assert_eq!(w.kind, Kind::Phrase);
        assert_eq!(w.says, "as I already said");
        assert_eq!(w.span, 0.."As I already said".len());
        let applied = apply(draft, &w);
        assert_eq!(applied, "Just to recap, the parcel left on Monday");
        assert_eq!(
            applied,
            [&draft[..w.span.start], &w.instead, &draft[w.span.end..]].concat()
        );
    }

    #[test]
    fn shouting() {
        let draft = "WHY DID YOU NOT READ MY MESSAGE";
        let w = one("en", draft);
        assert_eq!(w.kind, Kind::Shouting);
        assert_eq!(w.span, 0..draft.len());
        assert_eq!(w.says, "");
        assert_eq!(w.instead, "Why did you not read my message");
        assert_eq!(apply(draft, &w), w.instead);
        assert_eq!(check("en", "Your SMS code from DHL is 4411"), []);
        assert_eq!(check("en", "OK"), []);
    }

    #[test]
    fn shouting_comes_first_then_phrases_in_order() {
        let found = check("en", "CALM DOWN. AS I ALREADY SAID, IT LEFT ON MONDAY");
        let kinds: Vec<(Kind, &str)> = found.iter().map(|w| (w.kind, w.says.as_str())).collect();
        assert_eq!(
            kinds,
            [
                (Kind::Shouting, ""),
                (Kind::Phrase, "calm down"),
                (Kind::Phrase, "as I already said"),
            ]
        );
        assert_eq!(
            found[0].instead,
            "Calm down. As I already said, it left on monday"
        );
    }

    #[test]
    fn apply_leaves_a_draft_that_no_longer_fits() {
        let w = one("en", "Please calm down");
        assert_eq!(apply("calm", &w), "calm");
        assert_eq!(apply("Plé", &Warning { span: 0..3, ..w }), "Plé");
    }

    #[test]
    fn no_kinder_text_triggers_a_warning() {
        for (lang, text) in ALL {
            for phrase in parse(text).phrase {
                assert_eq!(
                    check(lang, &phrase.instead),
                    [],
                    "{lang}: {}",
                    phrase.instead
                );
                // Nor does it once inserted where its phrase was.
                for draft in [
                    format!("{}.", phrase.says),
                    format!("Hello. {}, ok", phrase.says),
                ] {
                    for w in check(lang, &draft) {
                        assert_eq!(check(lang, &apply(&draft, &w)), [], "{lang}: {draft}");
                    }
                }
            }
        }
    }
}
