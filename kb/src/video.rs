//! Article videos. Owners give a file uploaded to the relay or a YouTube or
//! Vimeo address; the relay keeps only a validated id and builds the player
//! itself, so no owner-supplied HTML (and no `iframe` from Markdown) ever
//! reaches a page.

use warmline_shared::api::Video;

/// The video an owner's link points to, if it is a YouTube or Vimeo video.
pub fn from_link(link: &str) -> Option<Video> {
    let link = link.trim();
    let rest = link
        .strip_prefix("https://")
        .or_else(|| link.strip_prefix("http://"))?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = host.strip_prefix("www.").unwrap_or(host);
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let youtube = |id: &str| youtube_id(id).then(|| Video::Youtube { id: id.to_owned() });
    match host {
        "youtube.com" | "m.youtube.com" | "youtube-nocookie.com" => {
            if path == "watch" {
                query
                    .split('&')
                    .find_map(|pair| pair.strip_prefix("v="))
                    .and_then(youtube)
            } else {
                let id = path
                    .strip_prefix("embed/")
                    .or_else(|| path.strip_prefix("shorts/"))?;
                youtube(id.trim_end_matches('/'))
            }
        }
        "youtu.be" => youtube(path.trim_end_matches('/')),
        "vimeo.com" | "player.vimeo.com" => {
            let id = path.strip_prefix("video/").unwrap_or(path);
            let id = id.trim_end_matches('/');
            vimeo_id(id).then(|| Video::Vimeo { id: id.to_owned() })
        }
        _ => None,
    }
}

fn youtube_id(id: &str) -> bool {
    id.len() == 11
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn vimeo_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 12 && id.bytes().all(|b| b.is_ascii_digit())
}

/// Whether the video's ids are ones the relay can embed safely.
pub fn valid(video: &Video) -> bool {
    let hash = |h: &str| h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    match video {
        Video::File {
            media,
            poster,
            captions,
        } => hash(media) && poster.as_deref().is_none_or(hash) && captions.as_deref().is_none_or(hash),
        Video::Youtube { id } => youtube_id(id),
        Video::Vimeo { id } => vimeo_id(id),
    }
}

/// The player for a valid video. `media` turns a file's hash into its
/// address; `lang` and `label` (the language's own name) name the captions
/// track.
pub fn embed(
    video: &Video,
    title: &str,
    (lang, label): (&str, &str),
    media: impl Fn(&str) -> String,
) -> String {
    if !valid(video) {
        return String::new();
    }
    let title = escape(title);
    let player = match video {
        Video::File {
            media: file,
            poster,
            captions,
        } => {
            let poster = poster
                .as_deref()
                .map(|p| format!(r#" poster="{}""#, escape(&media(p))))
                .unwrap_or_default();
            let track = captions
                .as_deref()
                .map(|c| {
                    format!(
                        r#"<track kind="captions" srclang="{}" label="{}" src="{}" default>"#,
                        escape(lang),
                        escape(label),
                        escape(&media(c)),
                    )
                })
                .unwrap_or_default();
            format!(
                r#"<video controls playsinline preload="metadata" crossorigin="anonymous" src="{}"{poster} aria-label="{title}">{track}</video>"#,
                escape(&media(file))
            )
        }
        Video::Youtube { id } => format!(
            r#"<iframe src="https://www.youtube-nocookie.com/embed/{id}" title="{title}" loading="lazy" allow="encrypted-media; picture-in-picture; fullscreen" allowfullscreen></iframe>"#
        ),
        Video::Vimeo { id } => format!(
            r#"<iframe src="https://player.vimeo.com/video/{id}?dnt=1" title="{title}" loading="lazy" allow="picture-in-picture; fullscreen" allowfullscreen></iframe>"#
        ),
    };
    format!(r#"<div class="video">{player}</div>"#)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn youtube_and_vimeo_links_give_ids() {
        let yt = Some(Video::Youtube {
            id: "dQw4w9WgXcQ".into(),
        });
        for link in [
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            "https://youtube.com/watch?feature=x&v=dQw4w9WgXcQ",
            "https://youtu.be/dQw4w9WgXcQ",
            "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
            "https://www.youtube.com/shorts/dQw4w9WgXcQ",
        ] {
            assert_eq!(from_link(link), yt, "{link}");
        }
        assert_eq!(
            from_link("https://vimeo.com/76979871"),
            Some(Video::Vimeo {
                id: "76979871".into()
            })
        );
        for bad in [
            "https://evil.example/watch?v=dQw4w9WgXcQ",
            "https://youtu.be/dQw4w9WgXcQ\"onload=x",
            "javascript:alert(1)",
            "https://vimeo.com/abc",
        ] {
            assert_eq!(from_link(bad), None, "{bad}");
        }
    }

    #[test]
    fn embeds_use_the_privacy_enhanced_hosts() {
        let yt = embed(&Video::Youtube { id: "dQw4w9WgXcQ".into() }, "A \"t\"", ("en", "English"), |h| h.into());
        assert!(yt.contains("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"), "{yt}");
        assert!(yt.contains("title=\"A &quot;t&quot;\""), "{yt}");
        let vimeo = embed(&Video::Vimeo { id: "1".into() }, "t", ("en", "English"), |h| h.into());
        assert!(vimeo.contains("dnt=1"), "{vimeo}");
    }

    #[test]
    fn files_get_a_captioned_cross_origin_player() {
        let hash = "a".repeat(64);
        let video = Video::File {
            media: hash.clone(),
            poster: Some("b".repeat(64)),
            captions: Some("c".repeat(64)),
        };
        let html = embed(&video, "Reset", ("ka", "ქართული"), |h| format!("https://relay.example/m/{h}"));
        assert!(html.contains(&format!(r#"src="https://relay.example/m/{hash}""#)), "{html}");
        assert!(html.contains(r#"crossorigin="anonymous""#), "{html}");
        assert!(html.contains(r#"<track kind="captions" srclang="ka""#), "{html}");
        // Anything but a hash is refused rather than embedded.
        let bad = Video::File {
            media: "../etc/passwd".into(),
            poster: None,
            captions: None,
        };
        assert_eq!(embed(&bad, "t", ("en", "English"), |h| h.into()), "");
        assert_eq!(embed(&Video::Youtube { id: "x\"><script>".into() }, "t", ("en", "English"), |h| h.into()), "");
    }
}
