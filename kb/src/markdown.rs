//! Article bodies: Markdown to HTML that is safe on any page. Raw HTML in the
//! Markdown is shown as text, never interpreted; the HTML is then cleaned by
//! `ammonia` (an allow-list of tags and attributes, links only to http,
//! https, mailto and tel, relative links made absolute on the relay), so an
//! article cannot run script in a visitor's browser whoever wrote it.

use std::collections::HashSet;

use pulldown_cmark::{Event, Options, Parser, TagEnd};

fn parser(body: &str) -> Parser<'_> {
    Parser::new_ext(body, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH)
}

/// The body as HTML, with relative links resolved against `base` (the
/// relay's public address).
pub fn render(body: &str, base: &str) -> String {
    let events = parser(body).map(|event| match event {
        Event::Html(html) | Event::InlineHtml(html) => Event::Text(html),
        other => other,
    });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events);
    clean(&html, base)
}

fn clean(html: &str, base: &str) -> String {
    let mut builder = ammonia::Builder::default();
    builder
        .url_schemes(HashSet::from(["http", "https", "mailto", "tel"]))
        .link_rel(Some("noopener noreferrer nofollow"))
        .set_tag_attribute_value("a", "target", "_blank");
    match ammonia::Url::parse(base) {
        Ok(url) => builder.url_relative(ammonia::UrlRelative::RewriteWithBase(url)),
        Err(_) => builder.url_relative(ammonia::UrlRelative::Deny),
    };
    builder.clean(html).to_string()
}

/// The body as plain text, for search and snippets.
pub fn plain(body: &str) -> String {
    let mut text = String::new();
    for event in parser(body) {
        match event {
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => {
                text.push_str(&t)
            }
            Event::End(
                TagEnd::Strong
                | TagEnd::Emphasis
                | TagEnd::Strikethrough
                | TagEnd::Link
                | TagEnd::Image,
            ) => {}
            Event::SoftBreak | Event::HardBreak | Event::End(_) if !text.ends_with(' ') => {
                text.push(' ')
            }
            _ => {}
        }
    }
    text.trim().to_owned()
}

/// The first `chars` characters of `text`, cut at a word, with an ellipsis
/// when cut.
pub fn snippet(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        return text.to_owned();
    }
    let cut: String = text.chars().take(chars).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{}…", cut.trim_end_matches([',', '.', ';', ':', ' ']))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "https://relay.example";

    #[test]
    fn markdown_renders() {
        let html = render("# Title\n\n1. **One**\n2. [Orders](/orders)", BASE);
        assert!(html.contains("<h1>Title</h1>"), "{html}");
        assert!(html.contains("<strong>One</strong>"), "{html}");
        assert!(
            html.contains(r#"href="https://relay.example/orders""#),
            "{html}"
        );
        assert!(html.contains(r#"target="_blank""#), "{html}");
        assert!(html.contains("noopener"), "{html}");
    }

    #[test]
    fn script_handlers_and_javascript_links_are_inert() {
        let body = "Hi <script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n\
                    [click](javascript:alert(1)) [data](data:text/html,x)\n\n\
                    <iframe src=\"https://evil.example\"></iframe>";
        let html = render(body, BASE);
        for bad in [
            "<script",
            "<img",
            "<iframe",
            "href=\"javascript",
            "href=\"data",
        ] {
            assert!(!html.contains(bad), "{bad} in {html}");
        }
        // Raw HTML is shown as the text it is.
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn markdown_images_and_safe_schemes_stay() {
        let html = render(
            "![tea](https://img.example/t.png) <mailto:a@b.example>",
            BASE,
        );
        assert!(
            html.contains(r#"<img src="https://img.example/t.png" alt="tea">"#),
            "{html}"
        );
        assert!(html.contains("mailto:a@b.example"), "{html}");
    }

    #[test]
    fn plain_text_and_snippets() {
        assert_eq!(
            plain("# Hello\n\n**bold** text\nnext"),
            "Hello bold text next"
        );
        assert_eq!(snippet("one two three four", 9), "one two…");
        assert_eq!(snippet("short", 9), "short");
        assert_eq!(snippet("პაროლის აღდგენა ძალიან მარტივია", 10), "პაროლის…");
    }
}
