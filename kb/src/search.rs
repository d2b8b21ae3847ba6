//! Finding articles as visitors type. Articles are indexed in memory (a
//! site's few hundred or thousand articles fit easily) and the index is
//! rebuilt from the store when they change, so every relay answers alike.
//!
//! Matching works on folded words (see [`crate::fold`]) reduced to a light
//! stem: Georgian and Armenian add case endings and postpositions to words
//! (`პაროლი`, `პაროლის`, `პაროლზე`; `գաղտնաբառ`, `գաղտնաբառը`,
//! `գաղտնաբառով`), so a few common endings are cut before comparing. A query
//! word matches an indexed stem, best first, when it is the same stem, the
//! same stem up to an ending the cut missed, the beginning of a longer word
//! (the word being typed last), or the same stem with a typo (candidates
//! from shared trigrams, checked by edit distance). Articles are ranked by
//! BM25 over title, tags and body (title counting most), each query word
//! weighed by how well it matched.

use std::collections::{HashMap, HashSet};

use unicode_segmentation::UnicodeSegmentation;

use crate::fold::fold;

/// An article as the index sees it.
#[derive(Debug, Clone)]
pub struct Doc {
    pub id: i64,
    pub slug: String,
    pub lang: String,
    pub title: String,
    pub tags: Vec<String>,
    /// The body as plain text.
    pub text: String,
}

/// A found article.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub id: i64,
    pub score: f32,
    /// How much of the query the article matched, weighing each word by how
    /// rare it is and how well it matched: 1.0 is every word exactly.
    pub coverage: f32,
}

const TITLE_WEIGHT: f32 = 3.0;
const TAG_WEIGHT: f32 = 2.0;
const BODY_WEIGHT: f32 = 1.0;
const K1: f32 = 1.2;
const B: f32 = 0.75;

/// How well a query word matched an indexed stem.
const SAME_WORD: f32 = 1.0;
const SAME_STEM: f32 = 0.95;
const NEAR_STEM: f32 = 0.85;
const TYPED_PREFIX: f32 = 0.8;
const ONE_TYPO: f32 = 0.65;
const TWO_TYPOS: f32 = 0.5;

/// Results scoring below this share of the best are noise.
const RELATIVE_FLOOR: f32 = 0.3;
/// Nor is an article found that matches less of the query than this: one
/// word of three, or a typo of one word of two ("loyalty points balance"
/// does not find "print the label").
const MIN_COVERAGE: f32 = 0.3;

struct Entry {
    id: i64,
    slug: String,
    lang: String,
    len: f32,
}

#[derive(Default)]
pub struct Index {
    docs: Vec<Entry>,
    /// Stem → (document, weighted term frequency).
    postings: HashMap<String, Vec<(u32, f32)>>,
    /// Every stem, sorted, for neighbours by prefix.
    stems: Vec<String>,
    /// Every indexed word with its stem, sorted, for the word being typed.
    words: Vec<(String, String)>,
    /// Trigram → stems containing it, for typo candidates.
    trigrams: HashMap<[char; 3], Vec<u32>>,
    avg_len: f32,
}

impl Index {
    pub fn new(docs: impl IntoIterator<Item = Doc>) -> Self {
        let mut index = Index::default();
        let mut words = HashSet::new();
        let mut total = 0.0;
        for doc in docs {
            let n = index.docs.len() as u32;
            let mut tf: HashMap<String, f32> = HashMap::new();
            let mut len = 0.0;
            let fields = [
                (doc.title.as_str(), TITLE_WEIGHT),
                (&doc.tags.join(" "), TAG_WEIGHT),
                (doc.text.as_str(), BODY_WEIGHT),
            ];
            for (text, weight) in fields {
                for word in fold(text).unicode_words() {
                    *tf.entry(stem(word)).or_default() += weight;
                    len += weight;
                    if !words.contains(word) {
                        words.insert(word.to_owned());
                    }
                }
            }
            for (stem, f) in tf {
                index.postings.entry(stem).or_default().push((n, f));
            }
            total += len;
            index.docs.push(Entry {
                id: doc.id,
                slug: doc.slug,
                lang: doc.lang,
                len,
            });
        }
        index.avg_len = if index.docs.is_empty() {
            1.0
        } else {
            total / index.docs.len() as f32
        };
        index.stems = index.postings.keys().cloned().collect();
        index.stems.sort();
        for (i, stem) in index.stems.iter().enumerate() {
            for gram in trigrams(stem) {
                index.trigrams.entry(gram).or_default().push(i as u32);
            }
        }
        index.words = words
            .into_iter()
            .map(|w| {
                let s = stem(&w);
                (w, s)
            })
            .collect();
        index.words.sort();
        index
    }

    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// The best articles for `query`, those in `lang` first, one per slug
    /// (the visitor's language wins), at most `limit`.
    pub fn search(&self, query: &str, lang: &str, limit: usize) -> Vec<Hit> {
        let folded = fold(query);
        let mut terms: Vec<&str> = Vec::new();
        for word in folded.unicode_words() {
            if !terms.contains(&word) {
                terms.push(word);
            }
        }
        let meaningful: Vec<&str> = terms.iter().copied().filter(|t| !is_stop_word(t)).collect();
        if !meaningful.is_empty() {
            terms = meaningful;
        }
        // The last word is still being typed unless the query ends in a space.
        let typing = !query.ends_with(char::is_whitespace);
        let n = self.docs.len() as f32;
        let max_idf = idf(n, 1.0);
        let mut scores: HashMap<u32, (f32, f32)> = HashMap::new();
        let mut total_weight = 0.0;
        for (i, term) in terms.iter().enumerate() {
            let matches = self.expand(term, typing && i + 1 == terms.len());
            let weight = matches
                .iter()
                .map(|&(s, _)| idf(n, self.postings[&self.stems[s]].len() as f32))
                .fold(0.0, f32::max);
            let weight = if matches.is_empty() { max_idf } else { weight };
            total_weight += weight;
            // Per document, the best way this word matched it.
            let mut best: HashMap<u32, (f32, f32)> = HashMap::new();
            for (s, quality) in matches {
                let postings = &self.postings[&self.stems[s]];
                let term_idf = idf(n, postings.len() as f32);
                for &(doc, tf) in postings {
                    let len = self.docs[doc as usize].len;
                    let bm25 =
                        term_idf * tf * (K1 + 1.0) / (tf + K1 * (1.0 - B + B * len / self.avg_len));
                    let entry = best.entry(doc).or_default();
                    entry.0 = entry.0.max(quality * bm25);
                    entry.1 = entry.1.max(quality);
                }
            }
            for (doc, (score, quality)) in best {
                let entry = scores.entry(doc).or_default();
                entry.0 += score;
                entry.1 += quality * weight;
            }
        }
        let top = scores.values().map(|s| s.0).fold(0.0, f32::max);
        let mut hits: Vec<(u32, Hit)> = scores
            .into_iter()
            .filter(|(_, (score, _))| *score >= top * RELATIVE_FLOOR && *score > 0.0)
            .map(|(doc, (score, covered))| {
                let entry = &self.docs[doc as usize];
                let hit = Hit {
                    id: entry.id,
                    score,
                    coverage: if total_weight > 0.0 {
                        (covered / total_weight).min(1.0)
                    } else {
                        0.0
                    },
                };
                (doc, hit)
            })
            .collect();
        hits.retain(|(_, hit)| hit.coverage >= MIN_COVERAGE);
        hits.sort_by(|(a, x), (b, y)| {
            let other = |d: &u32| self.docs[*d as usize].lang != lang;
            other(a)
                .cmp(&other(b))
                .then(y.score.total_cmp(&x.score))
                .then(x.id.cmp(&y.id))
        });
        let mut slugs = HashSet::new();
        hits.into_iter()
            .filter(|(doc, _)| slugs.insert(self.docs[*doc as usize].slug.as_str()))
            .map(|(_, hit)| hit)
            .take(limit)
            .collect()
    }

    /// The stems a query word matches, each with how well.
    fn expand(&self, word: &str, typing: bool) -> Vec<(usize, f32)> {
        let wanted = stem(word);
        let mut found: HashMap<usize, f32> = HashMap::new();
        fn note(found: &mut HashMap<usize, f32>, i: usize, quality: f32) {
            let q = found.entry(i).or_default();
            *q = q.max(quality);
        }
        if let Ok(i) = self.stems.binary_search(&wanted) {
            let exact = self.words.binary_search_by(|(w, _)| w.as_str().cmp(word));
            note(
                &mut found,
                i,
                if exact.is_ok() { SAME_WORD } else { SAME_STEM },
            );
        }
        let chars: Vec<char> = wanted.chars().collect();
        if chars.len() >= 4 {
            let head: String = chars[..4].iter().collect();
            let from = self.stems.partition_point(|s| s.as_str() < head.as_str());
            for (i, stem) in self.stems.iter().enumerate().skip(from) {
                if !stem.starts_with(&head) {
                    break;
                }
                let shared = common_prefix(stem, &wanted);
                if stem.chars().count() - shared <= 2 && chars.len() - shared <= 2 {
                    note(&mut found, i, NEAR_STEM);
                }
            }
        }
        if typing && word.chars().count() >= 2 {
            let from = self.words.partition_point(|(w, _)| w.as_str() < word);
            for (w, s) in &self.words[from..] {
                if !w.starts_with(word) {
                    break;
                }
                if let Ok(i) = self.stems.binary_search(s) {
                    note(&mut found, i, TYPED_PREFIX);
                }
            }
        }
        if chars.len() >= 4 && !found.values().any(|&q| q >= SAME_STEM) {
            let allowed = if chars.len() >= 8 { 2 } else { 1 };
            let mut shared: HashMap<u32, u32> = HashMap::new();
            for gram in trigrams(&wanted) {
                for &i in self.trigrams.get(&gram).into_iter().flatten() {
                    *shared.entry(i).or_default() += 1;
                }
            }
            for (i, _) in shared {
                let stem = &self.stems[i as usize];
                let distance = strsim::osa_distance(stem, &wanted);
                if distance <= allowed {
                    note(
                        &mut found,
                        i as usize,
                        if distance <= 1 { ONE_TYPO } else { TWO_TYPOS },
                    );
                }
            }
        }
        found.into_iter().collect()
    }
}

fn idf(docs: f32, with_term: f32) -> f32 {
    (1.0 + (docs - with_term + 0.5) / (with_term + 0.5)).ln()
}

fn common_prefix(a: &str, b: &str) -> usize {
    a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count()
}

/// The word's trigrams, with its start and end marked so short words and
/// first letters count too.
fn trigrams(word: &str) -> Vec<[char; 3]> {
    let chars: Vec<char> = std::iter::once('\u{2}')
        .chain(word.chars())
        .chain(std::iter::once('\u{3}'))
        .collect();
    chars.windows(3).map(|w| [w[0], w[1], w[2]]).collect()
}

/// Endings cut before comparing words, longest first: Georgian case endings,
/// plurals and postpositions; Armenian articles, cases and plurals; English
/// plurals and verb forms. One is cut (two in Georgian), and a stem keeps at least
/// three letters.
const GEORGIAN_ENDINGS: &[&str] = &[
    "ებისთვის",
    "ისთვის",
    "ებისგან",
    "ებიდან",
    "ისგან",
    "იდან",
    "ებთან",
    "ებით",
    "ების",
    "ებში",
    "ებზე",
    "ებს",
    "ები",
    "თან",
    "ით",
    "ის",
    "ად",
    "ზე",
    "ში",
    "მა",
    "ს",
    "ი",
    "ა",
];
const ARMENIAN_ENDINGS: &[&str] = &[
    "ներից",
    "ներով",
    "ներում",
    "ներին",
    "ների",
    "ները",
    "ներն",
    "երից",
    "երով",
    "երում",
    "երին",
    "երի",
    "երը",
    "երն",
    "ներ",
    "եր",
    "ում",
    "ից",
    "ով",
    "ին",
    "ի",
    "ը",
    "ն",
    "ս",
];
const ENGLISH_ENDINGS: &[&str] = &["'s", "ing", "ies", "ed", "es", "s"];

/// English words whose last letters are not an ending: "address", "status"
/// and "this" keep their s; "es" is cut only after s, sh, ch and x.
fn keeps_ending(word: &str, ending: &str) -> bool {
    match ending {
        "s" => ["ss", "us", "is"].iter().any(|e| word.ends_with(e)),
        "es" => !["sses", "shes", "ches", "xes"]
            .iter()
            .any(|e| word.ends_with(e)),
        _ => false,
    }
}

/// The word without its common endings.
pub fn stem(word: &str) -> String {
    let mut stem = word;
    for _ in 0..2 {
        let endings = match stem.chars().next() {
            Some('\u{10D0}'..='\u{10FF}') => GEORGIAN_ENDINGS,
            Some('\u{0531}'..='\u{058F}') => ARMENIAN_ENDINGS,
            Some('a'..='z') => ENGLISH_ENDINGS,
            _ => return stem.to_owned(),
        };
        let english = endings == ENGLISH_ENDINGS;
        let cut = endings.iter().copied().find(|&ending| {
            stem.ends_with(ending)
                && stem.chars().count() - ending.chars().count() >= 3
                && !(english && keeps_ending(stem, ending))
        });
        match cut {
            Some(ending) => stem = &stem[..stem.len() - ending.len()],
            None => break,
        }
        // Only Georgian stacks endings ("შეკვეთა-ში").
        if endings != GEORGIAN_ENDINGS {
            break;
        }
    }
    stem.to_owned()
}

/// Words that say nothing about the question, skipped in queries (unless
/// the query is nothing else). Folded forms.
fn is_stop_word(word: &str) -> bool {
    const WORDS: &[&str] = &[
        // English
        "a",
        "an",
        "the",
        "i",
        "im",
        "i'm",
        "my",
        "me",
        "is",
        "are",
        "do",
        "does",
        "did",
        "how",
        "what",
        "where",
        "when",
        "why",
        "can",
        "could",
        "to",
        "of",
        "for",
        "in",
        "on",
        "it",
        "and",
        "or",
        "with",
        "you",
        "your",
        "we",
        "our",
        "this",
        "that",
        "was",
        "be",
        "have",
        "has",
        "please",
        "hi",
        "hello",
        "hey",
        "thanks",
        "thank",
        "there",
        "at",
        "so",
        "just",
        // Georgian
        "და",
        "რომ",
        "მე",
        "ჩემი",
        "ჩემს",
        "როგორ",
        "რა",
        "სად",
        "როდის",
        "რატომ",
        "ეს",
        "ეგ",
        "გამარჯობა",
        "მადლობა",
        "ხომ",
        "თუ",
        "კი",
        "ან",
        "უნდა",
        "შემიძლია",
        "მინდა",
        // Armenian
        "եւ",
        "ու",
        "որ",
        "ես",
        "իմ",
        "ինչպես",
        "ինչ",
        "որտեղ",
        "երբ",
        "ինչու",
        "այս",
        "այդ",
        "բարեւ",
        "շնորհակալություն",
        "կարող",
        "եմ",
        "է",
        "են",
        "ինձ",
        "կամ",
        "պետք",
    ];
    WORDS.contains(&word)
}

#[cfg(test)]
mod tests;
