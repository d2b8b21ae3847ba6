//! `cargo xtask <command>`: every build step of Warmline in one place.
//!
//! - `setup`  installs what is missing (Debian packages, wasm-bindgen, wasm-opt, test tools)
//! - `build`  builds the widget and console to wasm and the relay that embeds them
//! - `run`    builds, then starts the relay with the demo site
//! - `test`   builds, then runs every test: formatting, lints, the widget's size
//!   budget, unit, integration, browser
//! - `bench`  prints measurements (`bench widget`: sizes beside the Leptos floor,
//!   load times, and the host page's cost; `bench search`: help search's
//!   quality and latency; `bench handoff`: handoff to offer with 100 agents
//!   and 1,000 visitors, and the relay's CPU per handoff; `bench relay`:
//!   message latency, throughput, CPU and memory with 5,000 visitors and 40
//!   agents, on SQLite and on PostgreSQL + NATS with one and two relays)

mod bench;
mod budget;
mod names;
mod paths;
mod services;
mod setup;
mod wasm;

use std::process::{Command, ExitCode};

use paths::Paths;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup::run(&Paths::new()).map(|_| ()),
        Some("build") => build(&Paths::new()),
        Some("run") => run(&Paths::new()),
        Some("test") => test(&Paths::new()),
        Some("bench") => bench::run(&Paths::new(), args.get(1).map(String::as_str)),
        _ => {
            eprintln!(
                "usage: cargo xtask <setup|build|run|test|bench [widget|search|handoff|relay]>"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

pub type Result<T = ()> = std::result::Result<T, String>;

fn build(paths: &Paths) -> Result {
    build_with(paths, &setup::run(paths)?)
}

pub fn build_with(paths: &Paths, tools: &setup::Tools) -> Result {
    wasm::build_apps(paths, tools)?;
    step("building the relay");
    cargo(paths, &["build", "--package", "warmline-server"])
}

fn run(paths: &Paths) -> Result {
    build(paths)?;
    step("starting the relay (Ctrl-C stops it)");
    let relay = paths.relay_binary();
    // A plain `warmline` start has no demo; trying it out is what `run` is for.
    let mut command = Command::new(&relay);
    command.arg("--demo").current_dir(&paths.root);
    // The demo shop's help articles, unless told otherwise.
    if std::env::var_os("WARMLINE_DEMO_KB").is_none() {
        command.env("WARMLINE_DEMO_KB", paths.root.join("examples").join("kb"));
    }
    // Replies to messages visitors left are emailed; without a mail server
    // to hand, they land as files to open.
    if std::env::var_os("WARMLINE_SMTP_URL").is_none()
        && std::env::var_os("WARMLINE_MAIL_DIR").is_none()
    {
        command.env("WARMLINE_MAIL_DIR", paths.root.join("data").join("outbox"));
    }
    let status = command
        .status()
        .map_err(|e| format!("cannot start {}: {e}", relay.display()))?;
    check(status, "the relay")
}

fn test(paths: &Paths) -> Result {
    build(paths)?;
    step("checking formatting");
    cargo(paths, &["fmt", "--all", "--check"])?;
    step("checking the widget's size budget");
    budget::check_widget(paths)?;
    step("linting");
    cargo(
        paths,
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    step("unit and integration tests (with a throwaway PostgreSQL for the second store)");
    let postgres = services::Postgres::start()?;
    cargo_with(
        paths,
        &["test", "--workspace"],
        &[("WARMLINE_TEST_POSTGRES", &postgres.url)],
    )?;
    drop(postgres);
    step("browser tests (headless Chromium against the real relay)");
    browser_node(
        paths,
        &["--test", "--test-concurrency=1"],
        "the browser tests",
    )
}

/// Runs node in `tests/e2e` (after installing its locked packages) against
/// the relay binary and the browser: the browser tests and benchmarks.
pub fn browser_node(paths: &Paths, args: &[&str], what: &str) -> Result {
    let e2e = paths.root.join("tests").join("e2e");
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(&e2e)
        .status()
        .map_err(|e| format!("cannot run npm: {e}"))?;
    check(status, "npm ci in tests/e2e")?;
    let status = Command::new("node")
        .args(args)
        .current_dir(&e2e)
        .env("WARMLINE_BIN", paths.relay_binary())
        .env("CHROMIUM", setup::CHROMIUM)
        .env("WARMLINE_SCREENSHOTS", paths.target.join("e2e"))
        .status()
        .map_err(|e| format!("cannot run node: {e}"))?;
    check(status, what)
}

/// Runs the machine's own cargo (the one that started xtask) in the workspace.
fn cargo(paths: &Paths, args: &[&str]) -> Result {
    cargo_with(paths, args, &[])
}

fn cargo_with(paths: &Paths, args: &[&str], env: &[(&str, &str)]) -> Result {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(args)
        .current_dir(&paths.root)
        .env("CARGO_TARGET_DIR", &paths.target)
        .envs(env.iter().copied())
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    check(status, &format!("cargo {}", args.join(" ")))
}

pub fn check(status: std::process::ExitStatus, what: &str) -> Result {
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed ({status})"))
    }
}

/// Announces a step, so a long build says what it is doing.
pub fn step(what: &str) {
    eprintln!("==> {what}");
}
