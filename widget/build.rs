//! Minifies the panel's stylesheet into the build: comments and layout
//! whitespace would otherwise be downloaded by every visitor, inside the wasm.

use std::path::PathBuf;

fn main() {
    println!("cargo::rerun-if-changed=widget.css");
    let css = std::fs::read_to_string("widget.css").expect("widget.css is readable");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("widget.min.css"), minify(&css)).expect("OUT_DIR is writable");
}

/// Drops comments and the whitespace CSS does not need. Enough for a
/// stylesheet without strings that contain `/*`, braces or colons.
fn minify(css: &str) -> String {
    let mut text = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        text.push_str(&rest[..start]);
        rest = rest[start..]
            .find("*/")
            .map_or("", |end| &rest[start + end + 2..]);
    }
    text.push_str(rest);
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        // A space before `:` can matter (`.head :focus` is not `.head:focus`).
        let after = |c: char| matches!(c, '{' | '}' | ';' | ':' | ',' | '>');
        let before = |c: char| matches!(c, '{' | '}' | ';' | ',' | '>');
        if !out.is_empty() && !out.ends_with(after) && !word.starts_with(before) {
            out.push(' ');
        }
        out.push_str(word);
    }
    out.replace(";}", "}")
}
