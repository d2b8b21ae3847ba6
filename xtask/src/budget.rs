//! The widget's size budget: everything a visitor's browser downloads before
//! they can send a first message (the loader, the configuration with the
//! catalogue, the app's glue and wasm), brotli-compressed as served. The
//! figures are deterministic, so `cargo xtask test` fails past the budget.

use std::path::Path;
use std::process::Command;

use crate::paths::Paths;
use crate::wasm::sizes;
use crate::{Result, check};

/// Everything before the first message, brotli (bytes): 80,000 for the chat
/// itself, plus at most 5,000 for self-help (search, articles, the bot's
/// suggestions), which visitors now see first, 2,000 for the way to a
/// person (the button, the place in the queue, the form to leave a message),
/// and 6,500 for the visitor's side of the agents' tools (choices as
/// buttons, the rating card with the thank-you and the owner's answer, the
/// report of the visit for the context panel).
pub const TOTAL: u64 = 93_500;
/// The loader alone, brotli (bytes): 3,000, plus 200 for keeping the
/// visit's pages for the agents' context panel, which only the loader can
/// do (it runs on every page; the app starts when the chat is opened).
pub const LOADER: u64 = 3_200;

/// One download: its name and raw, gzip and brotli bytes.
pub type Part = (String, [u64; 3]);

/// What the widget costs a visitor, part by part.
pub fn widget_download(paths: &Paths) -> Result<Vec<Part>> {
    let dist = paths.dist();
    let mut parts = vec![
        (
            "loader (widget.js)".to_owned(),
            sizes(&dist.join("widget.js")),
        ),
        (
            "glue (warmline_widget.js)".to_owned(),
            sizes(&dist.join("widget/warmline_widget.js")),
        ),
        (
            "app (warmline_widget_bg.wasm)".to_owned(),
            sizes(&dist.join("widget/warmline_widget_bg.wasm")),
        ),
    ];
    parts.push(largest_catalogue(paths)?);
    if parts.iter().any(|(_, [raw, _, _])| *raw == 0) {
        return Err("the widget is not built; run `cargo xtask build`".into());
    }
    Ok(parts)
}

/// The configuration is a few settings and one catalogue; the largest
/// catalogue (Georgian and Armenian letters take three bytes each) stands
/// for it.
fn largest_catalogue(paths: &Paths) -> Result<Part> {
    let dir = paths.root.join("widget/locales");
    let served = paths.target.join("served-catalogues");
    std::fs::create_dir_all(&served)
        .map_err(|e| format!("cannot create {}: {e}", served.display()))?;
    let mut largest: Option<(String, [u64; 3])> = None;
    let entries =
        std::fs::read_dir(&dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        // As the relay sends it: compact, without the bot's own words.
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let mut catalogue: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text)
            .map_err(|e| format!("{} is not a JSON object: {e}", path.display()))?;
        catalogue.retain(|key, _| !key.starts_with("bot_"));
        let sent = served.join(&name);
        std::fs::write(&sent, serde_json::Value::Object(catalogue).to_string())
            .map_err(|e| format!("cannot write {}: {e}", sent.display()))?;
        let measured = [
            std::fs::metadata(&sent).map(|m| m.len()).unwrap_or(0),
            compressed(&sent, "gzip", &["-9", "-c"])?,
            compressed(&sent, "brotli", &["-q", "11", "-c"])?,
        ];
        if largest
            .as_ref()
            .is_none_or(|(_, sizes)| measured[2] > sizes[2])
        {
            largest = Some((format!("config (largest catalogue, {name})"), measured));
        }
    }
    largest.ok_or_else(|| format!("no catalogues in {}", dir.display()))
}

fn compressed(path: &Path, tool: &str, args: &[&str]) -> Result<u64> {
    let output = Command::new(tool)
        .args(args)
        .arg(path)
        .output()
        .map_err(|e| format!("cannot run {tool}: {e}"))?;
    check(output.status, tool)?;
    Ok(output.stdout.len() as u64)
}

pub fn print(parts: &[Part]) {
    eprintln!(
        "    {:<44} {:>9} {:>9} {:>9}",
        "before the first message", "raw", "gzip", "brotli"
    );
    let mut total = [0u64; 3];
    for (name, sizes) in parts {
        eprintln!(
            "    {name:<44} {:>9} {:>9} {:>9}",
            sizes[0], sizes[1], sizes[2]
        );
        for (sum, size) in total.iter_mut().zip(sizes) {
            *sum += size;
        }
    }
    eprintln!(
        "    {:<44} {:>9} {:>9} {:>9}",
        "total", total[0], total[1], total[2]
    );
}

/// Fails when the widget is over its budget, saying by how much.
pub fn check_widget(paths: &Paths) -> Result {
    let parts = widget_download(paths)?;
    print(&parts);
    let total: u64 = parts.iter().map(|(_, s)| s[2]).sum();
    let loader = parts[0].1[2];
    eprintln!("    budget: total {total} of {TOTAL} B brotli, loader {loader} of {LOADER} B");
    if loader > LOADER {
        return Err(format!(
            "the loader is {loader} B brotli, over its budget of {LOADER} B"
        ));
    }
    if total > TOTAL {
        return Err(format!(
            "the widget downloads {total} B brotli before the first message, over its budget of {TOTAL} B"
        ));
    }
    Ok(())
}
