//! Builds the browser apps: Rust to wasm32 with Debian's toolchain (see the
//! README's "Building for the browser"), then wasm-bindgen, wasm-opt, and
//! brotli/gzip variants, into `server/dist/<app>/` where the relay embeds them.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::paths::Paths;
use crate::setup::Tools;
use crate::{Result, check, step};

/// The crates compiled for the browser, and the folder each is served from.
const APPS: &[(&str, &str)] = &[
    ("warmline-widget", "widget"),
    ("warmline-console", "console"),
];

pub fn build_apps(paths: &Paths, tools: &Tools) -> Result {
    step("compiling the widget and console to wasm32");
    compile(paths)?;
    for (krate, folder) in APPS {
        let crate_file = krate.replace('-', "_");
        let wasm = paths
            .wasm_target()
            .join("wasm32-unknown-unknown/wasm-release")
            .join(format!("{crate_file}.wasm"));
        let out = paths.dist().join(folder);
        let stamp = paths.wasm_target().join(format!("{folder}.stamp"));
        let fingerprint = fingerprint(&wasm)?;
        if out.exists() && std::fs::read_to_string(&stamp).ok().as_deref() == Some(&fingerprint) {
            continue;
        }
        step(&format!("binding and optimising {folder}"));
        bind_and_optimise(
            tools,
            &wasm,
            &crate_file,
            &paths.wasm_target().join("bindgen").join(folder),
            &out,
        )?;
        std::fs::write(&stamp, fingerprint)
            .map_err(|e| format!("cannot write {}: {e}", stamp.display()))?;
    }
    report_sizes(&paths.dist())
}

fn compile(paths: &Paths) -> Result {
    let mut command = Command::new("/usr/bin/cargo");
    command
        .args([
            "build",
            "--profile",
            "wasm-release",
            "--target",
            "wasm32-unknown-unknown",
            "-Zbuild-std=std,panic_abort",
            "-Zbuild-std-features=optimize_for_size",
            "--target-dir",
        ])
        .arg(paths.wasm_target())
        .current_dir(&paths.root);
    for (krate, _) in APPS {
        command.args(["--package", krate]);
    }
    // Debian's compiler, not rustup's: only it has the standard library's
    // source for wasm32. RUSTC_BOOTSTRAP lets it accept -Zbuild-std; it is
    // scoped to this one command.
    let path = format!("/usr/bin:{}", std::env::var("PATH").unwrap_or_default());
    command
        .env("PATH", path)
        .env("RUSTC", "/usr/bin/rustc")
        .env("RUSTC_BOOTSTRAP", "1")
        .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER", "wasm-ld-22")
        // Size over diagnostics, as std is built from source anyway: a panic
        // aborts at once, without formatting a message or its file and line,
        // and `{:?}` prints nothing. Together with optimize_for_size this
        // takes 13 % off the widget's brotli size.
        .env(
            "RUSTFLAGS",
            "-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zfmt-debug=none",
        )
        .env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("CARGO")
        .env_remove("RUSTC_WRAPPER")
        .env_remove("CARGO_TARGET_DIR");
    let status = command.status().map_err(|e| {
        format!("cannot run Debian's cargo (/usr/bin/cargo): {e}; run `cargo xtask setup`")
    })?;
    check(status, "the wasm build")
}

/// Identifies a build output by size and modification time: cargo rewrites
/// the file whenever it relinks.
fn fingerprint(file: &Path) -> Result<String> {
    let meta = std::fs::metadata(file).map_err(|e| format!("missing {}: {e}", file.display()))?;
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    Ok(format!("{} {modified}", meta.len()))
}

fn bind_and_optimise(tools: &Tools, wasm: &Path, name: &str, scratch: &Path, out: &Path) -> Result {
    let _ = std::fs::remove_dir_all(scratch);
    let status = Command::new(&tools.wasm_bindgen)
        .args(["--target", "web", "--no-typescript", "--out-dir"])
        .arg(scratch)
        .arg(wasm)
        .status()
        .map_err(|e| format!("cannot run wasm-bindgen: {e}"))?;
    check(status, "wasm-bindgen")?;

    let bound = scratch.join(format!("{name}_bg.wasm"));
    let optimised = scratch.join(format!("{name}_bg.opt.wasm"));
    let status = Command::new("node")
        .arg(&tools.wasm_opt)
        .args([
            "-Oz",
            "--enable-bulk-memory",
            "--enable-nontrapping-float-to-int",
            "--enable-sign-ext",
            "--enable-mutable-globals",
            "--enable-reference-types",
            "--enable-multivalue",
        ])
        .arg(&bound)
        .arg("-o")
        .arg(&optimised)
        .status()
        .map_err(|e| format!("cannot run wasm-opt: {e}"))?;
    check(status, "wasm-opt")?;

    let _ = std::fs::remove_dir_all(out);
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let copies = [
        (optimised, out.join(format!("{name}_bg.wasm"))),
        (
            scratch.join(format!("{name}.js")),
            out.join(format!("{name}.js")),
        ),
    ];
    for (from, to) in copies {
        std::fs::copy(&from, &to).map_err(|e| format!("cannot copy {}: {e}", from.display()))?;
        compress(&to)?;
    }
    Ok(())
}

/// Writes `file.br` and `file.gz` beside `file`, at the strongest settings:
/// they are made once per build and served many times.
fn compress(file: &Path) -> Result {
    let variants: [(&str, &[&str], &str); 2] = [
        ("brotli", &["-q", "11", "-f", "-o"], "br"),
        ("gzip", &["-9", "-n", "-k", "-f"], "gz"),
    ];
    for (tool, args, suffix) in variants {
        let mut command = Command::new(tool);
        command.args(args);
        if tool == "brotli" {
            command.arg(with_suffix(file, suffix));
        }
        let status = command
            .arg(file)
            .status()
            .map_err(|e| format!("cannot run {tool}: {e}"))?;
        check(status, tool)?;
    }
    Ok(())
}

fn with_suffix(file: &Path, suffix: &str) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

/// Prints what a visitor's browser downloads, raw and compressed.
fn report_sizes(dist: &Path) -> Result {
    let size = |path: PathBuf| std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "    {:<36} {:>10} {:>10} {:>10}",
        "file", "raw", "gzip", "brotli"
    );
    for (_, folder) in APPS {
        let name = format!("warmline_{folder}");
        for file in [format!("{name}_bg.wasm"), format!("{name}.js")] {
            let path = dist.join(folder).join(&file);
            eprintln!(
                "    {:<36} {:>10} {:>10} {:>10}",
                format!("{folder}/{file}"),
                size(path.clone()),
                size(with_suffix(&path, "gz")),
                size(with_suffix(&path, "br"))
            );
        }
    }
    Ok(())
}
