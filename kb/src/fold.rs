//! Text folded for matching: what a visitor types and what an article says
//! compare equal whatever the case, the accents, the compatibility forms or
//! the script's capital letters (Georgian Mtavruli folds to Mkhedruli).

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;
use unicode_segmentation::UnicodeSegmentation;

/// Armenian marks written on a vowel inside a word (question `՞`,
/// exclamation `՜`, emphasis `՛`, abbreviation `՟`): `ինչո՞ւ` is the word
/// `ինչու`, not two words.
fn is_armenian_word_mark(c: char) -> bool {
    matches!(c, '\u{055B}' | '\u{055C}' | '\u{055E}' | '\u{055F}')
}

/// NFKC, lowercase, then NFD without combining marks: `Café` and `cafe`,
/// `ᲞᲐᲠᲝᲚᲘ` and `პაროლი`, `և` and `եւ` fold alike.
pub fn fold(text: &str) -> String {
    let lower: String = text.nfkc().flat_map(char::to_lowercase).collect();
    lower
        .nfd()
        .filter(|&c| !is_combining_mark(c) && !is_armenian_word_mark(c))
        .collect()
}

/// The folded words of a text, in order (Unicode word boundaries; numbers
/// count as words, punctuation does not).
pub fn words(text: &str) -> Vec<String> {
    fold(text).unicode_words().map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_accents_and_compatibility_forms_fold_away() {
        assert_eq!(fold("Café RÉSUMÉ"), "cafe resume");
        assert_eq!(fold("ﬁle"), "file");
    }

    #[test]
    fn georgian_mtavruli_folds_to_mkhedruli() {
        assert_eq!(fold("ᲞᲐᲠᲝᲚᲘ"), "პაროლი");
        assert_eq!(fold("Პაროლი"), "პაროლი");
    }

    #[test]
    fn armenian_marks_inside_a_word_do_not_split_it() {
        assert_eq!(
            words("Ինչո՞ւ չի գալիս նամակը։"),
            ["ինչու", "չի", "գալիս", "նամակը"]
        );
        assert_eq!(words("Ինչպե՜ս"), ["ինչպես"]);
        // The ligature և is the letters եւ.
        assert_eq!(fold("և"), "եւ");
    }

    #[test]
    fn punctuation_is_not_a_word() {
        assert_eq!(words("Where's my order?!"), ["where's", "my", "order"]);
    }
}
