//! Article videos. Owners give a file uploaded to the relay or a YouTube or
//! Vimeo address; the relay keeps only a validated id and builds the player
//! itself, so no owner-supplied HTML (and no `iframe` from Markdown) ever
//! reaches a page.

use warmline_shared::api::Video;

/// The player for a valid video. `media` turns a file's hash into its
/// address; `lang` and `label` (the language's own name) name the captions
/// track.
pub fn embed(
    video: &Video,
    title: &str,
    (lang, label): (&str, &str),
    media: impl Fn(&str) -> String,
) -> String {
    if !video.is_valid() {
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
            assert_eq!(Video::from_link(link), yt, "{link}");
        }
        assert_eq!(
            Video::from_link("https://vimeo.com/76979871"),
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
            assert_eq!(Video::from_link(bad), None, "{bad}");
        }
    }

    #[test]
    fn embeds_use_the_privacy_enhanced_hosts() {
        let yt = embed(
            &Video::Youtube {
                id: "dQw4w9WgXcQ".into(),
            },
            "A \"t\"",
            ("en", "English"),
            |h| h.into(),
        );
        assert!(
            yt.contains("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
            "{yt}"
        );
        assert!(yt.contains("title=\"A &quot;t&quot;\""), "{yt}");
        let vimeo = embed(
            &Video::Vimeo { id: "1".into() },
            "t",
            ("en", "English"),
            |h| h.into(),
        );
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
        let html = embed(&video, "Reset", ("ka", "ქართული"), |h| {
            format!("https://relay.example/m/{h}")
        });
        assert!(
            html.contains(&format!(r#"src="https://relay.example/m/{hash}""#)),
            "{html}"
        );
        assert!(html.contains(r#"crossorigin="anonymous""#), "{html}");
        assert!(
            html.contains(r#"<track kind="captions" srclang="ka""#),
            "{html}"
        );
        // Anything but a hash is refused rather than embedded.
        let bad = Video::File {
            media: "../etc/passwd".into(),
            poster: None,
            captions: None,
        };
        assert_eq!(embed(&bad, "t", ("en", "English"), |h| h.into()), "");
        assert_eq!(
            embed(
                &Video::Youtube {
                    id: "x\"><script>".into()
                },
                "t",
                ("en", "English"),
                |h| h.into()
            ),
            ""
        );
    }
}
