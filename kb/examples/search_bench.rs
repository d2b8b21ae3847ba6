//! The search benchmark (`cargo xtask bench search`): how often the right
//! article is in the top 5 for a fixed set of visitor queries in three
//! languages, and how long a search takes over 1,000 and 10,000 articles.
//!
//! Arguments: the folder of articles (`examples/kb`) and the folder of
//! query files (`bench/search/queries.<lang>.tsv`: query, tab, the slug of
//! the article that answers it).

use std::path::{Path, PathBuf};
use std::time::Instant;

use warmline_kb::file;
use warmline_kb::markdown::plain;
use warmline_kb::search::{Doc, Index};

fn main() {
    let mut args = std::env::args().skip(1);
    let articles = PathBuf::from(args.next().expect("the articles folder"));
    let queries = PathBuf::from(args.next().expect("the queries folder"));
    let docs = load_articles(&articles);
    let queries = load_queries(&queries);
    assert!(!docs.is_empty(), "no articles under {}", articles.display());
    println!("{} articles, {} queries", docs.len(), queries.len());

    let index = Index::new(docs.clone());
    let slug_of = |id: i64| docs.iter().find(|d| d.id == id).map(|d| d.slug.as_str());
    let mut per_lang: Vec<(String, usize, usize)> = Vec::new();
    let mut misses = Vec::new();
    let mut first = 0;
    for (lang, query, slug) in &queries {
        let found = index.search(query, lang, 5);
        let hit = found.iter().any(|h| slug_of(h.id) == Some(slug.as_str()));
        first += usize::from(found.first().and_then(|h| slug_of(h.id)) == Some(slug.as_str()));
        match per_lang.iter_mut().find(|(l, _, _)| l == lang) {
            Some(entry) => {
                entry.1 += usize::from(hit);
                entry.2 += 1;
            }
            None => per_lang.push((lang.clone(), usize::from(hit), 1)),
        }
        if !hit {
            let top: Vec<&str> = found.iter().filter_map(|h| slug_of(h.id)).collect();
            misses.push(format!("    [{lang}] {query:?} wanted {slug}, got {top:?}"));
        }
    }
    let (hits, total) = per_lang
        .iter()
        .fold((0, 0), |(h, t), (_, a, b)| (h + a, t + b));
    println!(
        "top-5 accuracy: {hits}/{total} = {:.1} % (target ≥ 90 %)",
        100.0 * hits as f64 / total as f64
    );
    println!(
        "first result right: {first}/{total} = {:.1} %",
        100.0 * first as f64 / total as f64
    );
    for (lang, h, t) in &per_lang {
        println!(
            "    {lang}: {h}/{t} = {:.1} %",
            100.0 * *h as f64 / *t as f64
        );
    }
    if !misses.is_empty() {
        println!("not in the top 5:");
        for miss in &misses {
            println!("{miss}");
        }
    }

    for size in [1_000, 10_000] {
        let corpus = synthetic(&docs, size);
        let started = Instant::now();
        let index = Index::new(corpus);
        let built = started.elapsed();
        let mut times = Vec::new();
        // Every query, and each of its typing prefixes, as a visitor's
        // search-as-you-type sends them.
        for _ in 0..3 {
            for (lang, query, _) in &queries {
                for prefix in prefixes(query) {
                    let started = Instant::now();
                    std::hint::black_box(index.search(prefix, lang, 6));
                    times.push(started.elapsed().as_secs_f64() * 1000.0);
                }
            }
        }
        times.sort_by(f64::total_cmp);
        let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
        println!(
            "{size} articles: index built in {:.0} ms; {} searches: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms (target p99 ≤ 20 ms at 1,000)",
            built.as_secs_f64() * 1000.0,
            times.len(),
            at(0.5),
            at(0.99),
            times[times.len() - 1]
        );
    }
}

fn load_articles(dir: &Path) -> Vec<Doc> {
    let mut paths = Vec::new();
    collect(dir, &mut paths);
    paths.sort();
    paths
        .iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(path).ok()?;
            let stem = path.file_stem()?.to_str()?;
            let article = file::parse(&text, stem).ok()?;
            Some(article.draft)
        })
        .enumerate()
        .map(|(i, d)| Doc {
            id: i as i64 + 1,
            slug: d.slug,
            lang: d.lang,
            title: d.title,
            tags: d.tags,
            text: plain(&d.body),
        })
        .collect()
}

fn collect(dir: &Path, into: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, into);
        } else if path.extension().is_some_and(|e| e == "md") && !path.ends_with("README.md") {
            into.push(path);
        }
    }
}

/// (language, query, slug) from every `queries.<lang>.tsv`.
fn load_queries(dir: &Path) -> Vec<(String, String, String)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("the queries folder")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "tsv"))
        .collect();
    files.sort();
    let mut queries = Vec::new();
    for path in files {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let lang = name.rsplit('.').next().unwrap_or_default().to_owned();
        for line in std::fs::read_to_string(&path).unwrap().lines() {
            if let Some((query, slug)) = line.split_once('\t') {
                queries.push((
                    lang.clone(),
                    query.trim().to_owned(),
                    slug.trim().to_owned(),
                ));
            }
        }
    }
    queries
}

/// Every beginning of the query that ends a character later than the last.
fn prefixes(query: &str) -> impl Iterator<Item = &str> {
    query
        .char_indices()
        .skip(2)
        .map(|(i, _)| &query[..i])
        .chain(std::iter::once(query))
}

/// `size` articles made from the real ones: their sentences reordered and
/// mixed with made-up words in the same script, so the vocabulary grows as
/// a real knowledge base's would. Deterministic.
fn synthetic(real: &[Doc], size: usize) -> Vec<Doc> {
    let mut random = Random(0x2545_f491_4f6c_dd1d);
    (0..size)
        .map(|i| {
            let base = &real[i % real.len()];
            let alphabet: Vec<char> = match base.lang.as_str() {
                "ka" => ('ა'..='ჰ').collect(),
                "hy" => ('ա'..='ֆ').collect(),
                _ => ('a'..='z').collect(),
            };
            let mut words: Vec<String> = base.text.split_whitespace().map(str::to_owned).collect();
            for _ in 0..words.len() / 4 + 1 {
                let at = random.below(words.len() + 1);
                words.insert(at, random.word(&alphabet));
            }
            Doc {
                id: i as i64 + 1,
                slug: format!("{}-{i}", base.slug),
                lang: base.lang.clone(),
                title: format!("{} {}", base.title, random.word(&alphabet)),
                tags: base.tags.clone(),
                text: words.join(" "),
            }
        })
        .collect()
}

/// A small deterministic generator (xorshift), so every run measures the
/// same corpus.
struct Random(u64);

impl Random {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

    fn word(&mut self, alphabet: &[char]) -> String {
        let len = 4 + self.below(6);
        (0..len)
            .map(|_| alphabet[self.below(alphabet.len())])
            .collect()
    }
}
