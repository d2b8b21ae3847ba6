//! A draft cut into words that remember where they stand in it. Words are
//! folded as the knowledge base folds them ([`warmline_kb::fold::fold`]:
//! NFKC, lowercase, no accents) and reduced to its light stem
//! ([`warmline_kb::search::stem`]), but each keeps its byte range in the
//! draft, so a warning can point at what the agent typed and `apply` can
//! replace exactly that. Between two words, the punctuation tells whether a
//! sentence or a clause begins.

use std::ops::Range;

use unicode_segmentation::UnicodeSegmentation;
use warmline_kb::fold::fold;
use warmline_kb::search::stem;

/// What stands between a word and the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Break {
    /// Only spaces (or nothing that matters): the same clause goes on.
    None,
    /// A comma, a semicolon, a colon, a dash, a bracket or a quote.
    Clause,
    /// The start of the draft, a full stop, `!`, `?`, `…`, the Armenian
    /// full stop `։`, or a line break.
    Sentence,
}

/// One word of a draft.
#[derive(Debug, Clone)]
pub(crate) struct Word {
    /// Folded, with typographic apostrophes made straight (`don’t` is
    /// `don't`).
    pub folded: String,
    /// `folded` without its common ending.
    pub stem: String,
    /// Where the word stands in the draft, in bytes.
    pub span: Range<usize>,
    /// What separates it from the word before (the first word of a text
    /// follows a [`Break::Sentence`]).
    pub before: Break,
}

/// Marks that end a sentence.
pub(crate) fn ends_sentence(c: char) -> bool {
    matches!(
        c,
        '.' | '!' | '?' | '…' | '։' | '！' | '？' | '。' | '\n' | '\r' | '\u{2029}'
    )
}

/// Marks that end a clause within a sentence. (`-` counts too, but only
/// with a space beside it: "follow-up" is not two clauses.)
fn ends_clause(c: char) -> bool {
    matches!(
        c,
        ',' | ';'
            | ':'
            | '—'
            | '–'
            | '('
            | ')'
            | '['
            | ']'
            | '"'
            | '“'
            | '”'
            | '„'
            | '«'
            | '»'
            | '՝'
            | '․'
            | '،'
            | '、'
            | '，'
            | '；'
            | '：'
    )
}

fn gap(text: &str) -> Break {
    if text.chars().any(ends_sentence) {
        Break::Sentence
    } else if text.chars().any(ends_clause) || (text.contains('-') && text.contains(' ')) {
        Break::Clause
    } else {
        Break::None
    }
}

/// Folds one grapheme; ASCII needs only lowercasing.
fn fold_grapheme(grapheme: &str, into: &mut String) {
    if grapheme.is_ascii() {
        into.extend(grapheme.chars().map(|c| c.to_ascii_lowercase()));
    } else {
        into.extend(fold(grapheme).chars().map(|c| match c {
            '\u{2019}' | '\u{02BC}' => '\'',
            c => c,
        }));
    }
}

/// The words of a text, in order, as [`warmline_kb::fold::words`] finds
/// them (Unicode word boundaries on the folded text; numbers are words,
/// punctuation is not), each with its place in `text`.
pub(crate) fn words(text: &str) -> Vec<Word> {
    // The folded text, and for each of its bytes the grapheme of `text` it
    // came from. Folding grapheme by grapheme equals folding the whole
    // text: composition never crosses a grapheme boundary.
    let mut folded = String::with_capacity(text.len());
    let mut origin: Vec<Range<usize>> = Vec::with_capacity(text.len());
    for (at, grapheme) in text.grapheme_indices(true) {
        fold_grapheme(grapheme, &mut folded);
        origin.resize(folded.len(), at..at + grapheme.len());
    }
    let mut words = Vec::new();
    let mut last_end = 0;
    for (at, word) in folded.unicode_word_indices() {
        let start = origin[at].start;
        let end = origin[at + word.len() - 1].end;
        let before = if words.is_empty() {
            Break::Sentence
        } else {
            gap(text.get(last_end..start).unwrap_or_default())
        };
        words.push(Word {
            folded: word.to_owned(),
            stem: stem(word),
            span: start..end,
            before,
        });
        last_end = end;
    }
    words
}

/// The folded words of a list's phrase (no places needed).
pub(crate) fn folded(text: &str) -> Vec<String> {
    words(text).into_iter().map(|word| word.folded).collect()
}

/// The stems of a list's phrase.
pub(crate) fn stems(text: &str) -> Vec<String> {
    words(text).into_iter().map(|word| word.stem).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(text: &str) -> Vec<&str> {
        words(text).iter().map(|w| &text[w.span.clone()]).collect()
    }

    #[test]
    fn words_keep_their_place_in_the_draft() {
        let text = "Please, CALM down… Café’s ﬁne";
        assert_eq!(spans(text), ["Please", "CALM", "down", "Café’s", "ﬁne"]);
        let folded: Vec<String> = words(text).into_iter().map(|w| w.folded).collect();
        assert_eq!(folded, ["please", "calm", "down", "cafe's", "fine"]);
    }

    #[test]
    fn the_same_words_as_the_knowledge_base() {
        for text in [
            "Ինչո՞ւ չի գալիս նամակը։",
            "ᲞᲐᲠᲝᲚᲘ და Პაროლი",
            "Where's my order?! 4.5 kg, e.g. now",
        ] {
            assert_eq!(folded(text), warmline_kb::fold::words(text), "{text}");
        }
        // An Armenian mark inside a word stays inside its span.
        assert_eq!(spans("Ինչո՞ւ չի"), ["Ինչո՞ւ", "չի"]);
    }

    #[test]
    fn punctuation_between_words_breaks_clauses_and_sentences() {
        let breaks: Vec<Break> = words("Hi, sir. Calm down - now: yes\nno follow-up")
            .iter()
            .map(|w| w.before)
            .collect();
        use Break::*;
        assert_eq!(
            breaks,
            [
                Sentence, Clause, Sentence, None, Clause, Clause, Sentence, None, None
            ]
        );
        assert_eq!(words("Հանգստացեք։ Լավ")[1].before, Sentence);
    }
}
