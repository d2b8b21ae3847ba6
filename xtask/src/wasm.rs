//! Builds the browser apps: Rust to wasm32 with Debian's toolchain (see the
//! README's "Building for the browser"), then wasm-bindgen, wasm-opt, and
//! brotli/gzip variants, into `server/dist/<app>/` where the relay embeds them.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::names;
use crate::paths::Paths;
use crate::setup::Tools;
use crate::{Result, check, step};

/// The crates compiled for the browser, and the folder each is served from.
const APPS: &[(&str, &str)] = &[
    ("warmline-widget", "widget"),
    ("warmline-console", "console"),
];

/// The smallest Leptos app of the same kind, which `bench widget` builds to
/// report the widget against (never served).
const FLOOR: (&str, &str) = ("warmline-leptos-floor", "floor");

pub fn build_apps(paths: &Paths, tools: &Tools) -> Result {
    for (krate, folder) in APPS {
        build_app(paths, tools, krate, folder, &paths.dist().join(folder))?;
    }
    build_loader(paths, tools)?;
    report_sizes(&paths.dist())
}

/// Builds the size floor; returns the folder with its files.
pub fn build_floor(paths: &Paths, tools: &Tools) -> Result<PathBuf> {
    let (krate, folder) = FLOOR;
    let out = paths.wasm_target().join("floor-dist");
    build_app(paths, tools, krate, folder, &out)?;
    Ok(out)
}

fn build_app(paths: &Paths, tools: &Tools, krate: &str, folder: &str, out: &Path) -> Result {
    step(&format!("compiling {folder} to wasm32"));
    compile(paths, krate)?;
    let crate_file = krate.replace('-', "_");
    let wasm = paths
        .wasm_target()
        .join("wasm32-unknown-unknown/wasm-release")
        .join(format!("{crate_file}.wasm"));
    let stamp = paths.wasm_target().join(format!("{folder}.stamp"));
    let fingerprint = fingerprint(&wasm)?;
    if out.exists() && std::fs::read_to_string(&stamp).ok().as_deref() == Some(&fingerprint) {
        return Ok(());
    }
    step(&format!("binding and optimising {folder}"));
    bind_and_optimise(
        tools,
        &wasm,
        &crate_file,
        &paths.wasm_target().join("bindgen").join(folder),
        out,
    )?;
    std::fs::write(&stamp, fingerprint)
        .map_err(|e| format!("cannot write {}: {e}", stamp.display()))
}

/// Minifies the loader into `dist/widget.js`, with its compressed variants.
fn build_loader(paths: &Paths, tools: &Tools) -> Result {
    let source = paths.root.join("widget/loader.js");
    let out = paths.dist().join("widget.js");
    let status = Command::new("node")
        .arg(&tools.terser)
        .arg(&source)
        .args(["--compress", "--mangle", "--ecma", "2017", "--output"])
        .arg(&out)
        .status()
        .map_err(|e| format!("cannot run terser: {e}"))?;
    check(status, "terser")?;
    compress(&out)
}

/// Compiles one app. Each app gets its own cargo run, so that features one of
/// them enables (the console's HTTP client) are not unified into the other.
fn compile(paths: &Paths, krate: &str) -> Result {
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
    command.args(["--package", krate]);
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
    let trimmed = scratch.join(format!("{name}_bg.trim.wasm"));
    drop_unused_exports(tools, &bound, &trimmed, scratch)?;
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
        .arg(&trimmed)
        .arg("-o")
        .arg(&optimised)
        .status()
        .map_err(|e| format!("cannot run wasm-opt: {e}"))?;
    check(status, "wasm-opt")?;

    let _ = std::fs::remove_dir_all(out);
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let read = |path: &Path| {
        std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let wasm = read(&optimised)?;
    let glue = String::from_utf8(read(&scratch.join(format!("{name}.js")))?)
        .map_err(|_| "wasm-bindgen's glue is not UTF-8".to_owned())?;
    let (wasm, glue) = names::shorten(&wasm, &glue, &format!("./{name}_bg.js"))?;
    let write = |path: PathBuf, bytes: &[u8]| {
        std::fs::write(&path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    write(out.join(format!("{name}_bg.wasm")), &wasm)?;
    write(out.join(format!("{name}.js")), glue.as_bytes())?;
    let glue = out.join(format!("{name}.js"));
    minify_glue(tools, &glue)?;
    compress(&out.join(format!("{name}_bg.wasm")))?;
    compress(&glue)
}

/// Minifies wasm-bindgen's JavaScript in place. The classes of the exports
/// `drop_unused_exports` removed stop being exported first, so the minifier
/// drops them as unused.
fn minify_glue(tools: &Tools, glue: &Path) -> Result {
    let text = std::fs::read_to_string(glue)
        .map_err(|e| format!("cannot read {}: {e}", glue.display()))?;
    // Each class comes with a registry and a dispose hook that would keep it.
    let mut trimmed = text.replace("export class IntoUnderlying", "class IntoUnderlying");
    for start in ["if (Symbol.dispose) IntoUnderlying", "const IntoUnderlying"] {
        while let Some(at) = trimmed.find(start) {
            let end = trimmed[at..]
                .find(";\n")
                .map_or(trimmed.len(), |e| at + e + 2);
            trimmed.replace_range(at..end, "");
        }
    }
    std::fs::write(glue, trimmed).map_err(|e| format!("cannot write {}: {e}", glue.display()))?;
    let status = Command::new("node")
        .arg(&tools.terser)
        .arg(glue)
        .args(["--module", "--compress", "--mangle", "--output"])
        .arg(glue)
        .status()
        .map_err(|e| format!("cannot run terser: {e}"))?;
    check(status, "terser (glue)")
}

/// Exports no Warmline code calls, with their code. Leptos always builds its
/// server-function client, whose `wasm-streams` dependency exports three
/// JavaScript classes (`IntoUnderlying*`); wasm-bindgen keeps every export, so
/// without this each app carries their code although nothing can reach it.
const UNUSED_EXPORTS: &[&str] = &["intounderlying"];

fn drop_unused_exports(tools: &Tools, wasm: &Path, out: &Path, scratch: &Path) -> Result {
    let bin = tools.wasm_opt.parent().expect("wasm-opt lives in a folder");
    let text = Command::new("node")
        .arg(bin.join("wasm-dis"))
        .arg(wasm)
        .output()
        .map_err(|e| format!("cannot run wasm-dis: {e}"))?;
    check(text.status, "wasm-dis")?;
    let exports: Vec<String> = String::from_utf8_lossy(&text.stdout)
        .lines()
        .filter_map(|line| line.trim_start().strip_prefix("(export \""))
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect();
    let kept = |name: &str| !UNUSED_EXPORTS.iter().any(|unused| name.contains(unused));
    // wasm-metadce's graph: one root that reaches every export kept.
    let mut graph = String::from("[{\"name\":\"root\",\"root\":true,\"reaches\":[");
    let kept_names: Vec<String> = exports
        .iter()
        .filter(|e| kept(e))
        .map(|e| format!("\"e:{e}\""))
        .collect();
    graph.push_str(&kept_names.join(","));
    graph.push(']');
    graph.push('}');
    for export in &exports {
        graph.push_str(&format!(
            ",{{\"name\":\"e:{export}\",\"export\":\"{export}\"}}"
        ));
    }
    graph.push(']');
    let graph_file = scratch.join("metadce.json");
    std::fs::write(&graph_file, graph).map_err(|e| format!("cannot write metadce graph: {e}"))?;
    let status = Command::new("node")
        .arg(bin.join("wasm-metadce"))
        .args([
            "--enable-bulk-memory",
            "--enable-reference-types",
            "--enable-multivalue",
        ])
        .arg("--graph-file")
        .arg(&graph_file)
        .arg(wasm)
        .arg("-o")
        .arg(out)
        .stdout(std::process::Stdio::null())
        .status()
        .map_err(|e| format!("cannot run wasm-metadce: {e}"))?;
    check(status, "wasm-metadce")
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

fn size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// Raw, gzip and brotli bytes of a built file.
pub fn sizes(path: &Path) -> [u64; 3] {
    [
        size(path),
        size(&with_suffix(path, "gz")),
        size(&with_suffix(path, "br")),
    ]
}

/// Prints what a visitor's browser downloads, raw and compressed.
fn report_sizes(dist: &Path) -> Result {
    eprintln!(
        "    {:<36} {:>10} {:>10} {:>10}",
        "file", "raw", "gzip", "brotli"
    );
    let mut files = vec![("widget.js".to_owned(), dist.join("widget.js"))];
    for (_, folder) in APPS {
        let name = format!("warmline_{folder}");
        for file in [format!("{name}_bg.wasm"), format!("{name}.js")] {
            files.push((format!("{folder}/{file}"), dist.join(folder).join(&file)));
        }
    }
    for (name, path) in files {
        let [raw, gzip, brotli] = sizes(&path);
        eprintln!("    {name:<36} {raw:>10} {gzip:>10} {brotli:>10}");
    }
    Ok(())
}
