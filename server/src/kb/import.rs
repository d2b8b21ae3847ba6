//! `warmline kb import DIR`: a folder of Markdown articles (see
//! `examples/kb/README.md`) into a site's knowledge base. Each file is
//! imported on its own: a bad one is reported with its line and the rest go
//! in. Articles are keyed by slug and language, so importing again updates
//! them instead of adding copies.

use std::path::{Path, PathBuf};

use warmline_kb::file::{self, FileError, VideoSource};
use warmline_shared::SiteId;
use warmline_shared::api::Video;

use super::media;
use crate::state::now_ms;
use crate::store::Store;

/// What an import did.
#[derive(Debug, Default)]
pub struct Report {
    pub created: usize,
    pub updated: usize,
    /// Each file that was not imported, and why.
    pub failed: Vec<(PathBuf, FileError)>,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (path, error) in &self.failed {
            writeln!(f, "{}: {error}", path.display())?;
        }
        write!(
            f,
            "{} new, {} updated, {} not imported",
            self.created,
            self.updated,
            self.failed.len()
        )
    }
}

/// Imports every `*.md` under `dir` (but `README.md`) into `site`; media
/// files the articles name are stored under `files`.
pub async fn import_dir(
    store: &dyn Store,
    files: &Path,
    site: &SiteId,
    dir: &Path,
) -> std::io::Result<Report> {
    let mut paths = Vec::new();
    collect(dir, &mut paths)?;
    paths.sort();
    let mut report = Report::default();
    for path in paths {
        match import_file(store, files, site, &path).await {
            Ok(true) => report.created += 1,
            Ok(false) => report.updated += 1,
            Err(error) => report.failed.push((path, error)),
        }
    }
    Ok(report)
}

fn collect(dir: &Path, into: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, into)?;
        } else if path.extension().is_some_and(|e| e == "md")
            && !path
                .file_name()
                .is_some_and(|n| n.eq_ignore_ascii_case("README.md"))
        {
            into.push(path);
        }
    }
    Ok(())
}

async fn import_file(
    store: &dyn Store,
    files: &Path,
    site: &SiteId,
    path: &Path,
) -> Result<bool, FileError> {
    let at = |line: usize| move |message: String| FileError { line, message };
    let text = std::fs::read_to_string(path).map_err(|e| at(1)(format!("cannot read: {e}")))?;
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    let mut article = file::parse(&text, stem)?;
    if let Some(VideoSource::File {
        file,
        poster,
        captions,
    }) = &article.video
    {
        let here = path.parent().unwrap_or(Path::new("."));
        let add = async |name: &str| -> Result<String, FileError> {
            let content = std::fs::read(here.join(name))
                .map_err(|e| at(1)(format!("the video file {name} cannot be read: {e}")))?;
            match media::add(store, files, site, &content).await {
                Ok(Some(media)) => Ok(media.sha256),
                Ok(None) => Err(at(1)(format!(
                    "{name} is not MP4, WebM, JPEG, PNG, WebP or WebVTT"
                ))),
                Err(e) => Err(at(1)(format!("{name} could not be stored: {e}"))),
            }
        };
        let media = add(file).await?;
        let poster = match poster {
            Some(p) => Some(add(p).await?),
            None => None,
        };
        let captions = match captions {
            Some(c) => Some(add(c).await?),
            None => None,
        };
        article.draft.video = Some(Video::File {
            media,
            poster,
            captions,
        });
    }
    store
        .upsert_article(site, &article.draft, now_ms())
        .await
        .map(|(_, created)| created)
        .map_err(|e| at(1)(format!("could not be stored: {e}")))
}
