//! Articles as files, so a FAQ can live in git: Markdown with TOML front
//! matter between `+++` lines (the fields are those of
//! [`ArticleDraft`]; see `examples/kb/README.md`). Errors name the line.

use serde::Deserialize;
use warmline_shared::api::{ArticleDraft, Video};

/// An article read from a file. A video file's paths are as written
/// (relative to the article's file); the importer uploads them.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleFile {
    pub draft: ArticleDraft,
    pub video: Option<VideoSource>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VideoSource {
    File {
        file: String,
        poster: Option<String>,
        captions: Option<String>,
    },
    /// A YouTube or Vimeo address, already validated into `draft.video`.
    Link,
}

/// What is wrong with a file, and on which line (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    slug: Option<String>,
    lang: String,
    title: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    related: Vec<String>,
    #[serde(default)]
    order: i64,
    #[serde(default = "yes")]
    published: bool,
    video: Option<VideoField>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VideoField {
    file: Option<String>,
    poster: Option<String>,
    captions: Option<String>,
    /// A YouTube or Vimeo address.
    link: Option<String>,
}

const FENCE: &str = "+++";

/// Reads one article file. `stem` (the file name without `.md`) is the slug
/// unless the front matter names one.
pub fn parse(text: &str, stem: &str) -> Result<ArticleFile, FileError> {
    let err = |line: usize, message: String| FileError { line, message };
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let mut lines = text.split_inclusive('\n');
    if lines.next().map(str::trim_end) != Some(FENCE) {
        return Err(err(
            1,
            format!("the file must start with a `{FENCE}` line of front matter"),
        ));
    }
    let start = FENCE.len() + text[FENCE.len()..].find('\n').map_or(0, |i| i + 1);
    let Some(close) = text[start..]
        .split_inclusive('\n')
        .scan(start, |at, line| {
            let here = *at;
            *at += line.len();
            Some((here, line))
        })
        .find(|(_, line)| line.trim_end() == FENCE)
        .map(|(at, _)| at)
    else {
        return Err(err(
            1,
            format!("the front matter has no closing `{FENCE}` line"),
        ));
    };
    let line_of = |offset: usize| text[..offset].matches('\n').count() + 1;
    let front: FrontMatter = toml::from_str(&text[start..close]).map_err(|e| {
        let line = e
            .span()
            .map_or(line_of(start), |span| line_of(start + span.start));
        err(line, e.message().to_owned())
    })?;
    let body_start = close
        + text[close..]
            .find('\n')
            .map_or(text.len() - close, |i| i + 1);
    let body = text[body_start..].trim().to_owned();
    let (video, source) = match front.video {
        None => (None, None),
        Some(VideoField {
            link: Some(link),
            file: None,
            ..
        }) => match Video::from_link(&link) {
            Some(video) => (Some(video), Some(VideoSource::Link)),
            None => {
                return Err(err(
                    line_of(start),
                    format!("`{link}` is not a YouTube or Vimeo video address"),
                ));
            }
        },
        Some(VideoField {
            file: Some(file),
            link: None,
            poster,
            captions,
        }) => (
            None,
            Some(VideoSource::File {
                file,
                poster,
                captions,
            }),
        ),
        Some(_) => {
            return Err(err(
                line_of(start),
                "a video needs either `file` or `link`".into(),
            ));
        }
    };
    let draft = ArticleDraft {
        slug: front.slug.unwrap_or_else(|| stem.to_owned()),
        lang: front.lang,
        title: front.title,
        body,
        category: front.category,
        tags: front.tags,
        related: front.related,
        published: front.published,
        order: front.order,
        video,
    };
    check(&draft).map_err(|message| err(line_of(start), message))?;
    Ok(ArticleFile {
        draft,
        video: source,
    })
}

/// Longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest body, in characters.
pub const MAX_BODY_CHARS: usize = 50_000;

/// Checks an article before it is stored, whoever wrote it: the console, the
/// API and the importer apply the same rules.
pub fn check(draft: &ArticleDraft) -> Result<(), String> {
    let slug_ok = |s: &str| {
        !s.is_empty()
            && s.len() <= 80
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    if !slug_ok(&draft.slug) {
        return Err(format!(
            "the slug `{}` must be lowercase letters, digits and dashes",
            draft.slug
        ));
    }
    if let Some(bad) = draft.related.iter().find(|s| !slug_ok(s)) {
        return Err(format!("the related slug `{bad}` is not a slug"));
    }
    let lang_ok = draft.lang.len() <= 12
        && draft.lang.split('-').enumerate().all(|(i, part)| {
            (if i == 0 { 2..=3 } else { 1..=8 }).contains(&part.len())
                && part.bytes().all(|b| b.is_ascii_alphanumeric())
        });
    if !lang_ok
        || draft
            .lang
            .bytes()
            .next()
            .is_none_or(|b| !b.is_ascii_lowercase())
    {
        return Err(format!(
            "`{}` is not a language tag such as en, ka or hy",
            draft.lang
        ));
    }
    if draft.title.trim().is_empty() {
        return Err("the title is empty".into());
    }
    if draft.title.chars().count() > MAX_TITLE_CHARS {
        return Err(format!(
            "the title is longer than {MAX_TITLE_CHARS} characters"
        ));
    }
    if draft.body.trim().is_empty() {
        return Err("the article has no text".into());
    }
    if draft.body.chars().count() > MAX_BODY_CHARS {
        return Err(format!(
            "the text is longer than {MAX_BODY_CHARS} characters"
        ));
    }
    if draft.tags.len() > 20 || draft.related.len() > 10 {
        return Err("at most 20 tags and 10 related articles".into());
    }
    if draft.video.as_ref().is_some_and(|v| !v.is_valid()) {
        return Err("the video is not one the relay can show".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "+++\nlang = \"ka\"\ntitle = \"დამავიწყდა პაროლი\"\ntags = [\"პაროლი\"]\norder = 10\nvideo = { file = \"../media/p.webm\", captions = \"../media/p.ka.vtt\" }\n+++\n\nდააჭირეთ **„დაგავიწყდათ პაროლი?“**\n";

    #[test]
    fn front_matter_and_body_are_read() {
        let file = parse(GOOD, "password-reset").unwrap();
        assert_eq!(file.draft.slug, "password-reset");
        assert_eq!(file.draft.lang, "ka");
        assert_eq!(file.draft.order, 10);
        assert!(file.draft.published);
        assert_eq!(file.draft.body, "დააჭირეთ **„დაგავიწყდათ პაროლი?“**");
        assert_eq!(
            file.video,
            Some(VideoSource::File {
                file: "../media/p.webm".into(),
                poster: None,
                captions: Some("../media/p.ka.vtt".into()),
            })
        );
    }

    #[test]
    fn errors_name_the_line() {
        let bad_toml = "+++\nlang = \"en\"\ntitle = \"x\"\norder = ten\n+++\nbody";
        assert_eq!(parse(bad_toml, "x").unwrap_err().line, 4);
        let unknown = "+++\nlang = \"en\"\ntitle = \"x\"\n\ncolour = 1\n+++\nbody";
        let e = parse(unknown, "x").unwrap_err();
        assert_eq!(e.line, 5, "{e}");
        assert!(e.message.contains("colour"), "{e}");
        assert_eq!(parse("# no front matter", "x").unwrap_err().line, 1);
        assert!(
            parse("+++\nlang = \"en\"\n", "x")
                .unwrap_err()
                .message
                .contains("closing")
        );
        let no_body = "+++\nlang = \"en\"\ntitle = \"x\"\n+++\n";
        assert!(parse(no_body, "x").unwrap_err().message.contains("no text"));
        let bad_slug = "+++\nlang = \"en\"\ntitle = \"x\"\n+++\nbody";
        assert!(
            parse(bad_slug, "Bad Slug")
                .unwrap_err()
                .message
                .contains("slug")
        );
    }

    #[test]
    fn video_links_are_validated() {
        let yt = "+++\nlang = \"en\"\ntitle = \"x\"\nvideo = { link = \"https://youtu.be/dQw4w9WgXcQ\" }\n+++\nbody";
        assert!(matches!(
            parse(yt, "x").unwrap().draft.video,
            Some(warmline_shared::api::Video::Youtube { .. })
        ));
        let evil = "+++\nlang = \"en\"\ntitle = \"x\"\nvideo = { link = \"https://evil.example/v\" }\n+++\nbody";
        assert!(parse(evil, "x").is_err());
    }
}
