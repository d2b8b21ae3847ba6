//! Where things are: the workspace, the build caches, the served outputs.

use std::path::{Path, PathBuf};

pub struct Paths {
    /// The workspace root.
    pub root: PathBuf,
    /// Native build output (`CARGO_TARGET_DIR`, else `target/`).
    pub target: PathBuf,
    /// Downloaded build tools (`WARMLINE_CACHE`, else `~/.cache/warmline`).
    pub cache: PathBuf,
}

impl Paths {
    pub fn new() -> Self {
        // Cargo sets the manifest dir when it runs xtask, too; the one baked in
        // at compile time is stale when another clone shares the target dir.
        let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
        let root = manifest
            .parent()
            .expect("xtask lives in the workspace")
            .to_owned();
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("target"));
        let cache = std::env::var_os("WARMLINE_CACHE")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache/warmline")))
            .unwrap_or_else(|| root.join("target/tools"));
        Self {
            root,
            target,
            cache,
        }
    }

    /// The wasm build has its own target dir: it uses another compiler, and
    /// two compilers sharing one dir rebuild each other's artefacts.
    pub fn wasm_target(&self) -> PathBuf {
        self.target.join("wasm")
    }

    /// The relay binary that `build` makes, which `run` starts and the
    /// browser tests drive.
    pub fn relay_binary(&self) -> PathBuf {
        self.target.join("debug").join("warmline")
    }

    /// Where the relay's build embeds the browser apps from.
    pub fn dist(&self) -> PathBuf {
        self.root.join("server").join("dist")
    }
}
