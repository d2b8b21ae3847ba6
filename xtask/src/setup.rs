//! Installs what the build and the tests need and the machine lacks, saying
//! what it does. Everything comes from the package registries this project
//! may use: Debian's, crates.io and npm.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::paths::Paths;
use crate::{Result, check, step};

/// Debian packages: a Rust compiler that can target wasm32 with the source of
/// its standard library, the wasm linker, the browser and driver for tests,
/// brotli for measuring and precompressing, and PostgreSQL and NATS, which
/// the tests of the scaled store and fan-out start on free ports of their own.
const DEBIAN_PACKAGES: &[&str] = &[
    "rustc-web",
    "cargo-web",
    "rust-web-src",
    "lld-22",
    "chromium",
    "chromium-driver",
    "brotli",
    "nats-server",
    "postgresql",
];

pub const CHROMIUM: &str = "/usr/bin/chromium";

/// Debian's binaryen is too old (its output fails in Chromium); npm's works.
const BINARYEN_VERSION: &str = "132.0.0";
/// Minifies the loader, the one script every host page runs first.
const TERSER_VERSION: &str = "5.51.2";

pub struct Tools {
    pub wasm_bindgen: PathBuf,
    pub wasm_opt: PathBuf,
    pub terser: PathBuf,
}

pub fn run(paths: &Paths) -> Result<Tools> {
    install_debian_packages()?;
    let wasm_bindgen = install_wasm_bindgen(paths)?;
    let wasm_opt = npm_tool(paths, "binaryen", BINARYEN_VERSION, "bin/wasm-opt")?;
    let terser = npm_tool(paths, "terser", TERSER_VERSION, "bin/terser")?;
    Ok(Tools {
        wasm_bindgen,
        wasm_opt,
        terser,
    })
}

fn install_debian_packages() -> Result {
    let mut missing: Vec<&str> = DEBIAN_PACKAGES
        .iter()
        .copied()
        .filter(|package| !debian_package_installed(package))
        .collect();
    // Node.js may come from elsewhere than Debian (with npm bundled); only a
    // machine without npm gets Debian's.
    let has_npm = Command::new("npm")
        .arg("--version")
        .stdout(Stdio::null())
        .status();
    if !has_npm.is_ok_and(|s| s.success()) {
        missing.extend(["nodejs", "npm"]);
    }
    if missing.is_empty() {
        return Ok(());
    }
    step(&format!(
        "installing Debian packages: {}",
        missing.join(" ")
    ));
    let sudo: &[&str] = if is_root() { &[] } else { &["sudo"] };
    let apt = |args: &[&str]| -> Result {
        let mut command = Command::new(sudo.first().copied().unwrap_or("apt-get"));
        if !sudo.is_empty() {
            command.arg("apt-get");
        }
        let status = command
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .map_err(|e| {
                format!(
                    "cannot run apt-get ({e}); install these by hand: {}",
                    missing.join(" ")
                )
            })?;
        check(status, "apt-get")
    };
    apt(&["update", "-q"])?;
    let mut install = vec!["install", "-y", "-q", "--no-install-recommends"];
    install.extend(&missing);
    apt(&install)
}

fn debian_package_installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).contains("install ok installed"))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.trim_ascii() == b"0")
}

/// The wasm-bindgen CLI must be exactly the version of the `wasm-bindgen`
/// crate in Cargo.lock, so it is installed into the cache under that version.
fn install_wasm_bindgen(paths: &Paths) -> Result<PathBuf> {
    let version = locked_version(&paths.root, "wasm-bindgen")?;
    let root = paths.cache.join(format!("wasm-bindgen-{version}"));
    let binary = root.join("bin").join("wasm-bindgen");
    if binary.exists() {
        return Ok(binary);
    }
    step(&format!(
        "installing wasm-bindgen-cli {version} from crates.io (once; a few minutes)"
    ));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args([
            "install",
            "wasm-bindgen-cli",
            "--version",
            &version,
            "--root",
        ])
        .arg(&root)
        .env("CARGO_TARGET_DIR", paths.cache.join("install-target"))
        .status()
        .map_err(|e| format!("cannot run cargo install: {e}"))?;
    check(status, "cargo install wasm-bindgen-cli")?;
    Ok(binary)
}

/// A tool from npm, installed once per version into the cache; returns the
/// path of its script `bin` (run with node).
fn npm_tool(paths: &Paths, package: &str, version: &str, bin: &str) -> Result<PathBuf> {
    let prefix = paths.cache.join(format!("{package}-{version}"));
    let script = prefix.join("node_modules").join(package).join(bin);
    if script.exists() {
        return Ok(script);
    }
    step(&format!("installing {package} {version} from npm"));
    std::fs::create_dir_all(&prefix)
        .map_err(|e| format!("cannot create {}: {e}", prefix.display()))?;
    let status = Command::new("npm")
        .args([
            "install",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            "--prefix",
        ])
        .arg(&prefix)
        .arg(format!("{package}@{version}"))
        .stdin(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run npm: {e}"))?;
    check(status, &format!("npm install {package}"))?;
    Ok(script)
}

/// The version of `package` that Cargo.lock pins.
fn locked_version(root: &Path, package: &str) -> Result<String> {
    let lock = std::fs::read_to_string(root.join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let wanted = format!("name = \"{package}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == wanted
            && let Some(version) = lines
                .next()
                .and_then(|l| l.strip_prefix("version = \""))
                .and_then(|l| l.strip_suffix('"'))
        {
            return Ok(version.to_owned());
        }
    }
    Err(format!("{package} is not in Cargo.lock"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_locked_wasm_bindgen_is_the_pinned_one() {
        let root = Paths::new().root;
        let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
        let locked = locked_version(&root, "wasm-bindgen").unwrap();
        assert!(
            manifest.contains(&format!("wasm-bindgen = \"={locked}\"")),
            "Cargo.toml must pin wasm-bindgen to the locked {locked}"
        );
        assert!(locked_version(&root, "no-such-crate").is_err());
    }
}
