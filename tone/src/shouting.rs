//! Rule 2: shouting, and the same text in sentence case.

use unicode_segmentation::UnicodeSegmentation;
use warmline_kb::fold::fold;

use crate::phrases::is_georgian;
use crate::words::ends_sentence;

/// Capitals count as shouting only in drafts with this many cased letters
/// ("OK", "DHL" are not shouting)...
const MIN_LETTERS: usize = 8;
/// ...of which at least this share (in percent) are capitals. The same rule
/// is the visitor's shouting signal in `warmline-handoff`.
const PERCENT: usize = 70;

/// Words of capitals up to this long may be acronyms and keep their case
/// in sentence case...
const ACRONYM_MAX: usize = 4;
/// ...when they have no vowel ("SMS", "DHL", "ՀՀ"), a digit ("4G"), or are
/// one of these common acronyms with a vowel.
const ACRONYMS: &[&str] = &[
    "ID", "EU", "UK", "USA", "UAE", "FAQ", "PIN", "IBAN", "VAT", "ETA", "API", "ASAP", "OTP",
    "UPS", "USB", "CEO", "AI", "URL",
];

/// Mostly capitals over enough letters to mean it. Letters without case
/// (digits, most scripts) do not count either way; Georgian counts, its
/// capitals being Mtavruli and its everyday letters lowercase.
pub fn is_shouting(text: &str) -> bool {
    let (mut cased, mut upper) = (0, 0);
    for c in text.chars() {
        if c.is_uppercase() {
            upper += 1;
            cased += 1;
        } else if c.is_lowercase() {
            cased += 1;
        }
    }
    cased >= MIN_LETTERS && upper * 100 >= cased * PERCENT
}

/// The text in sentence case: lowercased, then the first letter of each
/// sentence a capital (not in Georgian, which has no capitals in running
/// text) and the English "I" ("I'm", "I'll") a capital. Words of capitals
/// that look like acronyms keep their case (see [`ACRONYMS`]).
pub(crate) fn sentence_case(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut starts_sentence = true;
    for piece in text.split_word_bounds() {
        if !piece.chars().any(char::is_alphanumeric) {
            if piece.chars().any(ends_sentence) {
                starts_sentence = true;
            }
            out.push_str(&piece.to_lowercase());
            continue;
        }
        let mut word = if is_acronym(piece) {
            piece.to_owned()
        } else {
            piece.to_lowercase()
        };
        if word == "i" || word.starts_with("i'") || word.starts_with("i’") {
            word.replace_range(..1, "I");
        }
        if std::mem::take(&mut starts_sentence) {
            word = capitalised(&word);
        }
        out.push_str(&word);
    }
    out
}

/// Short, all capitals, and either in [`ACRONYMS`], without a vowel, or
/// with a digit.
fn is_acronym(word: &str) -> bool {
    let letters = word.chars().filter(|c| c.is_alphabetic()).count();
    (1..=ACRONYM_MAX).contains(&letters)
        && word.chars().all(|c| !c.is_lowercase())
        && (ACRONYMS.contains(&word)
            || word.chars().any(|c| c.is_numeric())
            || !fold(word).chars().any(is_vowel))
}

/// Vowels of the scripts agents write in, folded (lowercase, no accents).
fn is_vowel(c: char) -> bool {
    "aeiouyаеёиоуыэюяіїєაეიოუաեէըիոօ".contains(c)
}

/// The word with its first letter a capital (Georgian words as they are).
fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) if first.is_lowercase() && !is_georgian(first) => {
            first.to_uppercase().chain(chars).collect()
        }
        _ => word.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shouting_needs_enough_capitals() {
        assert!(is_shouting("WHY DID YOU NOT READ MY MESSAGE"));
        assert!(!is_shouting("Your SMS code from DHL is 4411"));
        assert!(!is_shouting("OK"));
        assert!(!is_shouting("OK THX"));
        assert!(!is_shouting("ORDER 12345678"));
        assert!(is_shouting("WHERE IS MY ORDER, PLEASE? ok"));
        assert!(is_shouting("ᲡᲐᲓ ᲐᲠᲘᲡ ᲩᲔᲛᲘ ᲨᲔᲙᲕᲔᲗᲐ"));
        assert!(!is_shouting("სად არის ჩემი შეკვეთა"));
        assert!(is_shouting("ՈՐՏԵՂ Է ԻՄ ՊԱՏՎԵՐԸ"));
        assert!(!is_shouting("Որտեղ է իմ պատվերը"));
    }

    #[test]
    fn sentence_case_keeps_acronyms_and_capitalises_sentences() {
        assert_eq!(
            sentence_case("WHY DID YOU NOT READ MY MESSAGE"),
            "Why did you not read my message"
        );
        assert_eq!(
            sentence_case("I SENT THE SMS CODE. DHL HAS YOUR PARCEL! YOUR ID IS 4G-77."),
            "I sent the SMS code. DHL has your parcel! Your ID is 4G-77."
        );
        assert_eq!(
            sentence_case("I'M SORRY, I'LL CHECK IT NOW"),
            "I'm sorry, I'll check it now"
        );
        assert_eq!(
            sentence_case("  «HELLO»\nA NEW LINE"),
            "  «Hello»\nA new line"
        );
        assert_eq!(
            sentence_case("ՈՐՏԵՂ Է ԻՄ ՊԱՏՎԵՐԸ։ ՀՀ"),
            "Որտեղ է իմ պատվերը։ ՀՀ"
        );
        assert_eq!(
            sentence_case("ᲡᲐᲓ ᲐᲠᲘᲡ ᲩᲔᲛᲘ ᲨᲔᲙᲕᲔᲗᲐ"),
            "სად არის ჩემი შეკვეთა"
        );
    }
}
