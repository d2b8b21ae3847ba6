//! `cargo xtask bench <what>`: measurements printed for people to read, not
//! timed tests (these machines are shared and noisy; what matters is the
//! ratio to a baseline measured in the same run).

use crate::paths::Paths;
use crate::services::{Nats, Postgres};
use crate::wasm::{build_floor, sizes};
use crate::{Result, browser_node, budget, build_with, setup, step};

pub fn run(paths: &Paths, what: Option<&str>) -> Result {
    match what {
        Some("widget") | None => widget(paths),
        Some("search") => search(paths),
        Some("handoff") => handoff(paths),
        Some("relay") => relay(paths),
        Some(other) => Err(format!(
            "no benchmark called {other:?} (try `widget`, `search`, `handoff` or `relay`)"
        )),
    }
}

/// The widget's weight beside the Leptos floor, then its load times and
/// its cost to the host page, in headless Chromium.
fn widget(paths: &Paths) -> Result {
    let tools = setup::run(paths)?;
    build_with(paths, &tools)?;
    let floor = build_floor(paths, &tools)?;

    step("what a visitor downloads before the first message");
    let parts = budget::widget_download(paths)?;
    budget::print(&parts);
    let floor_parts = [
        ("floor glue", sizes(&floor.join("warmline_leptos_floor.js"))),
        (
            "floor app",
            sizes(&floor.join("warmline_leptos_floor_bg.wasm")),
        ),
    ];
    let floor_brotli: u64 = floor_parts.iter().map(|(_, s)| s[2]).sum();
    let app_brotli = parts[1].1[2] + parts[2].1[2];
    let total: u64 = parts.iter().map(|(_, s)| s[2]).sum();
    eprintln!(
        "    Leptos floor (a signal, a list, an input, a button): glue {} + app {} = {floor_brotli} B brotli",
        floor_parts[0].1[2], floor_parts[1].1[2]
    );
    eprintln!(
        "    widget app {app_brotli} B = floor × {:.2}; Warmline's own code ≈ {} B; total {total} of {} B budget ({:.0} %)",
        app_brotli as f64 / floor_brotli as f64,
        app_brotli.saturating_sub(floor_brotli),
        budget::TOTAL,
        100.0 * total as f64 / budget::TOTAL as f64
    );

    step("load times in headless Chromium (interleaved runs against a real relay)");
    browser_node(paths, &["bench/widget.js"], "the widget benchmark")
}

/// Help search: quality on the fixed query set over the demo's articles,
/// then latency over 1,000 and 10,000 articles (optimised build).
fn search(paths: &Paths) -> Result {
    step("help search: top-5 accuracy and latency");
    let articles = paths.root.join("examples").join("kb");
    let queries = paths.root.join("bench").join("search");
    let status =
        std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args([
                "run",
                "--quiet",
                "--release",
                "--package",
                "warmline-kb",
                "--example",
                "search_bench",
                "--",
            ])
            .arg(&articles)
            .arg(&queries)
            .current_dir(&paths.root)
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
    crate::check(status, "the search benchmark")
}

/// The handoff: time from a visitor's handoff to the offer at an agent's
/// socket, with 100 agents and 1,000 visitors, and the relay's CPU per
/// handoff.
fn handoff(paths: &Paths) -> Result {
    let relay = release_relay(paths)?;
    step("handoff → offer with 100 agents and 1,000 visitors (about 3 minutes)");
    release_example(paths, "handoff_bench", &[&relay])
}

/// Messages from 5,000 visitors to 40 agents: ack and delivery latency,
/// throughput, the relay's CPU per message and memory per idle socket, on
/// SQLite, then PostgreSQL and NATS with one relay and with two. The
/// services are throwaway ones, stopped when this returns.
fn relay(paths: &Paths) -> Result {
    let relay = release_relay(paths)?;
    step("starting a throwaway PostgreSQL and NATS");
    let postgres = Postgres::start()?;
    let nats = Nats::start()?;
    step("relaying messages: 5,000 visitors, 40 agents, three setups (about 5 minutes)");
    release_example(paths, "relay_bench", &[&relay, &postgres.url, &nats.url])
}

/// Builds the optimised relay binary and returns its path. The relay
/// benchmarks start it as a process of its own, to read its CPU time.
fn release_relay(paths: &Paths) -> Result<String> {
    step("building the optimised relay");
    crate::cargo(
        paths,
        &[
            "build",
            "--release",
            "--package",
            "warmline-server",
            "--bin",
            "warmline",
        ],
    )?;
    let relay = paths.target.join("release").join("warmline");
    Ok(relay.to_string_lossy().into_owned())
}

/// Runs one of the relay's examples, optimised, with `args`.
fn release_example(paths: &Paths, example: &str, args: &[&str]) -> Result {
    let mut command = vec![
        "run",
        "--quiet",
        "--release",
        "--package",
        "warmline-server",
        "--example",
        example,
        "--",
    ];
    command.extend_from_slice(args);
    crate::cargo(paths, &command)
}
