//! Settings, from `WARMLINE_*` environment variables with working defaults.

use std::fmt;
use std::path::PathBuf;

/// A value that must never reach a log line.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen (`WARMLINE_ADDR`, default `127.0.0.1:8080`; port 0 picks a free one).
    pub addr: String,
    /// Where the embedded database lives (`WARMLINE_DATA_DIR`, default `data`).
    pub data_dir: PathBuf,
    /// Storage (`WARMLINE_DATABASE_URL`); default: SQLite in `data_dir`.
    pub database_url: Option<String>,
    /// The address browsers use to reach the relay (`WARMLINE_PUBLIC_URL`);
    /// default: `http://` and the bound address. Decides the demo site's
    /// allowed origins and whether cookies are marked Secure.
    pub public_url: Option<String>,
    /// Create the demo site and agent at start-up (`WARMLINE_DEMO`, default on; `0` turns it off).
    pub demo: bool,
    /// The demo agent's password (`WARMLINE_DEMO_PASSWORD`); generated when unset.
    pub demo_password: Option<Secret>,
    /// Origins besides the relay's own whose pages may embed the demo site
    /// (`WARMLINE_DEMO_ORIGINS`, separated by spaces or commas), to try the
    /// snippet on a page of one's own.
    pub demo_origins: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            addr: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("data"),
            database_url: None,
            public_url: None,
            demo: true,
            demo_password: None,
            demo_origins: Vec::new(),
        }
    }
}

impl Config {
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let defaults = Self::default();
        Self {
            addr: var("WARMLINE_ADDR").unwrap_or(defaults.addr),
            data_dir: var("WARMLINE_DATA_DIR").map_or(defaults.data_dir, PathBuf::from),
            database_url: var("WARMLINE_DATABASE_URL"),
            public_url: var("WARMLINE_PUBLIC_URL"),
            demo: var("WARMLINE_DEMO").is_none_or(|v| v != "0"),
            demo_password: var("WARMLINE_DEMO_PASSWORD").map(Secret),
            demo_origins: var("WARMLINE_DEMO_ORIGINS")
                .map(|v| {
                    v.split([' ', ','])
                        .filter(|o| !o.is_empty())
                        .map(|o| o.trim_end_matches('/').to_owned())
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("warmline.db").display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_demo_password() {
        let config = Config {
            demo_password: Some(Secret("hunter2".into())),
            ..Config::default()
        };
        let shown = format!("{config:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("Secret(***)"));
    }
}
