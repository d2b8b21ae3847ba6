//! Embeds the browser apps that `cargo xtask build` placed in `dist/`, so the
//! relay is one file to deploy. Without them the relay still builds and
//! answers their URLs with a hint to run the build.

use std::fmt::Write;
use std::path::{Path, PathBuf};

fn main() {
    let dist = Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("dist");
    println!("cargo::rerun-if-changed={}", dist.display());
    let mut files = Vec::new();
    collect(&dist, &mut files);
    files.sort();
    let mut code = String::from("pub static DIST: &[(&str, &[u8])] = &[\n");
    for file in &files {
        let name = file
            .strip_prefix(&dist)
            .unwrap()
            .to_str()
            .unwrap()
            .replace('\\', "/");
        writeln!(
            code,
            "    ({name:?}, include_bytes!({:?})),",
            file.display().to_string()
        )
        .unwrap();
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("dist.rs");
    std::fs::write(out, code).unwrap();
    embed_locales();
}

/// The widget's catalogues, one file per language in `widget/locales/`:
/// adding a language is adding a file there.
fn embed_locales() {
    let dir = Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("../widget/locales");
    println!("cargo::rerun-if-changed={}", dir.display());
    let mut files = Vec::new();
    collect(&dir, &mut files);
    files.retain(|f| f.extension().is_some_and(|e| e == "json"));
    files.sort();
    let mut code = String::from("pub static LOCALES: &[(&str, &str)] = &[\n");
    for file in &files {
        let tag = file.file_stem().unwrap().to_str().unwrap();
        writeln!(
            code,
            "    ({tag:?}, include_str!({:?})),",
            file.display().to_string()
        )
        .unwrap();
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("locales.rs");
    std::fs::write(out, code).unwrap();
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, files);
        } else {
            files.push(path);
        }
    }
}
