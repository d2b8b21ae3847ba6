//! Settings, layered as Rust servers usually do it: defaults, then a TOML
//! file (`--config`), then `WARMLINE_*` environment variables, then flags.
//! Every setting is declared once, in [`Settings`], which is both the flag
//! and variable parser (clap) and the file format (serde), so `--help`, the
//! file and the variables cannot drift apart.

use std::fmt;
use std::net::ToSocketAddrs;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use clap::{CommandFactory, Parser};
use ipnet::IpNet;
use serde::Deserialize;

use crate::client_addr::parse_trusted;
use crate::limits::LimitRates;

/// A value that must never reach a log line.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value itself, for the one place that must use it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl FromStr for Secret {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self::new(s))
    }
}

/// The relay's command line.
#[derive(Debug, Parser)]
#[command(
    name = "warmline",
    version,
    about = "The Warmline relay: live chat between website visitors and agents.",
    after_help = "Each setting can also be given in the TOML file (same name, e.g. \
                  `data_dir = \"/var/lib/warmline\"`) or as the environment variable shown. \
                  Flags beat variables, variables beat the file, the file beats the defaults."
)]
pub struct Args {
    /// A TOML file of settings.
    #[arg(long, env = "WARMLINE_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub settings: Settings,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What to do instead of serving.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// The knowledge base
    #[command(subcommand)]
    Kb(KbCommand),
}

#[derive(Debug, clap::Subcommand)]
pub enum KbCommand {
    /// Import a folder of Markdown articles with front matter (see examples/kb/README.md);
    /// articles with the same slug and language are updated
    Import {
        /// The folder (searched recursively for *.md)
        dir: PathBuf,
        /// The site the articles are for
        #[arg(long, default_value = "demo")]
        site: String,
    },
}

/// One layer of settings: every field is optional, and a higher layer's
/// value wins over a lower one's.
#[derive(Debug, Default, clap::Args, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Where to listen; port 0 picks a free one [default: 127.0.0.1:8080]
    #[arg(long, env = "WARMLINE_ADDR", value_name = "HOST:PORT")]
    pub addr: Option<String>,
    /// Where the embedded SQLite database lives [default: data]
    #[arg(long, env = "WARMLINE_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Storage: sqlite://FILE or postgres://… [default: sqlite://DATA_DIR/warmline.db]
    #[arg(long, env = "WARMLINE_DATABASE_URL", value_name = "URL")]
    pub database_url: Option<String>,
    /// How relays tell each other what happened: `nats://HOST:PORT` for
    /// several relays [default: within this relay only]
    #[arg(long, env = "WARMLINE_FANOUT_URL", value_name = "URL")]
    pub fanout_url: Option<String>,
    /// The address browsers use to reach the relay; `https://` marks cookies
    /// Secure [default: http:// and the bound address]
    #[arg(long, env = "WARMLINE_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
    /// Create a demo site and owner account at start-up (`cargo xtask run` turns it on)
    #[arg(
        long,
        env = "WARMLINE_DEMO",
        value_name = "BOOL",
        num_args = 0..=1,
        default_missing_value = "true",
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub demo: Option<bool>,
    /// The demo owner's password [default: generated and printed]
    #[arg(
        long,
        env = "WARMLINE_DEMO_PASSWORD",
        value_name = "PASSWORD",
        hide_env_values = true
    )]
    pub demo_password: Option<Secret>,
    /// More origins (space- or comma-separated) whose pages may embed the demo site
    #[arg(long, env = "WARMLINE_DEMO_ORIGINS", value_name = "ORIGINS")]
    pub demo_origins: Option<String>,
    /// The demo site's secret for verifying visitor identities [default: generated and printed]
    #[arg(
        long,
        env = "WARMLINE_DEMO_IDENTITY_SECRET",
        value_name = "SECRET",
        hide_env_values = true
    )]
    pub demo_identity_secret: Option<Secret>,
    /// A folder of help articles imported into the demo site at start-up (`cargo xtask run` uses examples/kb)
    #[arg(long, env = "WARMLINE_DEMO_KB", value_name = "DIR")]
    pub demo_kb: Option<PathBuf>,
    /// A directory of extra widget catalogues (`<lang>.json`), added to the built-in ones
    #[arg(long, env = "WARMLINE_LOCALES_DIR", value_name = "DIR")]
    pub locales_dir: Option<PathBuf>,
    /// Seconds between pings to each socket; one silent for two is closed [default: 30]
    #[arg(long, env = "WARMLINE_PING_INTERVAL", value_name = "SECONDS")]
    pub ping_interval: Option<u64>,
    /// Reverse proxies (addresses or networks, space- or comma-separated) whose
    /// X-Forwarded-For is believed [default: none]
    #[arg(long, env = "WARMLINE_TRUSTED_PROXIES", value_name = "ADDRESSES")]
    pub trusted_proxies: Option<String>,
    /// Messages one visitor may send, across their sockets: `N/s`, `N/min`
    /// or `N/h`, then optionally `burst B` [default: 1/s burst 8]
    #[arg(long, env = "WARMLINE_VISITOR_MESSAGE_LIMIT", value_name = "RATE")]
    pub visitor_message_limit: Option<String>,
    /// Messages visitors at one network address may send together [default: 5/s burst 30]
    #[arg(long, env = "WARMLINE_ADDRESS_MESSAGE_LIMIT", value_name = "RATE")]
    pub address_message_limit: Option<String>,
    /// Messages all visitors of one site may send together [default: 100/s burst 500]
    #[arg(long, env = "WARMLINE_SITE_MESSAGE_LIMIT", value_name = "RATE")]
    pub site_message_limit: Option<String>,
    /// New visitors (stored on their first message) per site [default: 10/s burst 300]
    #[arg(long, env = "WARMLINE_SITE_NEW_VISITOR_LIMIT", value_name = "RATE")]
    pub site_new_visitor_limit: Option<String>,
    /// New conversations per site [default: 10/s burst 300]
    #[arg(
        long,
        env = "WARMLINE_SITE_NEW_CONVERSATION_LIMIT",
        value_name = "RATE"
    )]
    pub site_new_conversation_limit: Option<String>,
    /// The SMTP server agents' replies to left messages are emailed through:
    /// `smtps://user:password@host` (TLS), `smtp://…?tls=required` (STARTTLS),
    /// or plain `smtp://host:port` on a trusted network [default: none, no email]
    #[arg(
        long,
        env = "WARMLINE_SMTP_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub smtp_url: Option<Secret>,
    /// Who those emails come from [default: Warmline <noreply@localhost>]
    #[arg(long, env = "WARMLINE_SMTP_FROM", value_name = "MAILBOX")]
    pub smtp_from: Option<String>,
    /// Instead of sending emails, write them as .eml files into this folder
    /// (for trying Warmline out; `cargo xtask run` uses data/outbox)
    #[arg(long, env = "WARMLINE_MAIL_DIR", value_name = "DIR")]
    pub mail_dir: Option<PathBuf>,
}

impl Settings {
    /// This layer over `lower`: each setting this layer has wins.
    fn over(self, lower: Settings) -> Settings {
        Settings {
            addr: self.addr.or(lower.addr),
            data_dir: self.data_dir.or(lower.data_dir),
            database_url: self.database_url.or(lower.database_url),
            fanout_url: self.fanout_url.or(lower.fanout_url),
            public_url: self.public_url.or(lower.public_url),
            demo: self.demo.or(lower.demo),
            demo_password: self.demo_password.or(lower.demo_password),
            demo_origins: self.demo_origins.or(lower.demo_origins),
            demo_identity_secret: self.demo_identity_secret.or(lower.demo_identity_secret),
            demo_kb: self.demo_kb.or(lower.demo_kb),
            locales_dir: self.locales_dir.or(lower.locales_dir),
            ping_interval: self.ping_interval.or(lower.ping_interval),
            trusted_proxies: self.trusted_proxies.or(lower.trusted_proxies),
            visitor_message_limit: self.visitor_message_limit.or(lower.visitor_message_limit),
            address_message_limit: self.address_message_limit.or(lower.address_message_limit),
            site_message_limit: self.site_message_limit.or(lower.site_message_limit),
            site_new_visitor_limit: self.site_new_visitor_limit.or(lower.site_new_visitor_limit),
            site_new_conversation_limit: self
                .site_new_conversation_limit
                .or(lower.site_new_conversation_limit),
            smtp_url: self.smtp_url.or(lower.smtp_url),
            smtp_from: self.smtp_from.or(lower.smtp_from),
            mail_dir: self.mail_dir.or(lower.mail_dir),
        }
    }
}

/// The relay's settings, complete and checked.
#[derive(Debug, Clone)]
pub struct Config {
    pub addr: String,
    pub data_dir: PathBuf,
    /// Storage; `None` means SQLite in `data_dir`.
    pub database_url: Option<String>,
    /// NATS for fan-out across relays; `None` means in-process.
    pub fanout_url: Option<String>,
    /// The address browsers use to reach the relay; `None` means `http://`
    /// and the bound address. Decides the demo site's allowed origins and
    /// whether cookies are marked Secure.
    pub public_url: Option<String>,
    pub demo: bool,
    pub demo_password: Option<Secret>,
    /// Origins besides the relay's own whose pages may embed the demo site,
    /// to try the snippet on a page of one's own.
    pub demo_origins: Vec<String>,
    pub demo_identity_secret: Option<Secret>,
    /// Help articles for the demo site.
    pub demo_kb: Option<PathBuf>,
    /// Extra widget catalogues.
    pub locales_dir: Option<PathBuf>,
    /// How often sockets are pinged; one silent for two of these is closed.
    pub ping_interval: Duration,
    /// Proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<IpNet>,
    /// Abuse limits (see `docs/security.md`); set in code when embedding.
    pub limits: LimitRates,
    /// Where replies to left messages are emailed through; `None`: no email.
    pub smtp_url: Option<Secret>,
    pub smtp_from: String,
    /// Emails are written here as files instead of sent.
    pub mail_dir: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            addr: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("data"),
            database_url: None,
            fanout_url: None,
            public_url: None,
            demo: false,
            demo_password: None,
            demo_origins: Vec::new(),
            demo_identity_secret: None,
            demo_kb: None,
            locales_dir: None,
            ping_interval: Duration::from_secs(30),
            trusted_proxies: Vec::new(),
            limits: LimitRates::default(),
            smtp_url: None,
            smtp_from: "Warmline <noreply@localhost>".into(),
            mail_dir: None,
        }
    }
}

/// A setting that cannot be used, named as the person gave it.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("setting `{setting}`: {problem}")]
pub struct ConfigError {
    pub setting: String,
    pub problem: String,
}

fn invalid(setting: &str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        setting: setting.into(),
        problem: problem.into(),
    }
}

impl Config {
    /// Reads the file the arguments name, if any, and lays the arguments
    /// (flags and variables) over it and it over the defaults.
    pub fn load(args: Args) -> Result<Self, ConfigError> {
        let file = match &args.config {
            Some(path) => read_file(path)?,
            None => Settings::default(),
        };
        Self::from_settings(args.settings.over(file))
    }

    /// Fills in defaults and checks every setting.
    pub fn from_settings(settings: Settings) -> Result<Self, ConfigError> {
        let defaults = Config::default();
        let limits = limit_rates(&settings, defaults.limits)?;
        let addr = settings.addr.unwrap_or(defaults.addr);
        if let Err(e) = addr.to_socket_addrs() {
            return Err(invalid(
                "addr",
                format!("{addr:?} is not a HOST:PORT to listen on ({e})"),
            ));
        }
        if let Some(url) = &settings.database_url
            && !["sqlite:", "postgres:", "postgresql:"]
                .iter()
                .any(|scheme| url.starts_with(scheme))
        {
            return Err(invalid(
                "database_url",
                format!("{url:?} is not supported (expected sqlite://… or postgres://…)"),
            ));
        }
        if let Some(url) = &settings.fanout_url
            && !url.starts_with("nats://")
        {
            return Err(invalid(
                "fanout_url",
                format!("{url:?} is not supported (expected nats://…)"),
            ));
        }
        let public_url = settings
            .public_url
            .map(|url| url.trim_end_matches('/').to_owned());
        if let Some(url) = &public_url {
            web_origin("public_url", url)?;
        }
        let demo_origins = settings
            .demo_origins
            .unwrap_or_default()
            .split([' ', ','])
            .filter(|o| !o.is_empty())
            .map(|o| web_origin("demo_origins", o.trim_end_matches('/')))
            .collect::<Result<_, _>>()?;
        if settings
            .demo_password
            .as_ref()
            .is_some_and(|p| p.expose().is_empty())
        {
            return Err(invalid("demo_password", "must not be empty"));
        }
        if settings
            .demo_identity_secret
            .as_ref()
            .is_some_and(|p| p.expose().len() < 16)
        {
            return Err(invalid(
                "demo_identity_secret",
                "must be at least 16 characters",
            ));
        }
        let ping_interval = match settings.ping_interval {
            Some(0) => return Err(invalid("ping_interval", "must be at least 1 second")),
            Some(secs) => Duration::from_secs(secs),
            None => defaults.ping_interval,
        };
        let trusted_proxies = parse_trusted(settings.trusted_proxies.as_deref().unwrap_or(""))
            .map_err(|problem| invalid("trusted_proxies", problem))?;
        let smtp_from = settings.smtp_from.unwrap_or(defaults.smtp_from);
        if let Err(e) = smtp_from.parse::<lettre::message::Mailbox>() {
            return Err(invalid(
                "smtp_from",
                format!("{smtp_from:?} is not a mailbox ({e})"),
            ));
        }
        if let Some(url) = &settings.smtp_url
            && let Err(e) = crate::handoff::mail::transport(url.expose())
        {
            return Err(invalid("smtp_url", format!("cannot be used: {e}")));
        }
        if settings.smtp_url.is_some() && settings.mail_dir.is_some() {
            return Err(invalid(
                "mail_dir",
                "emails are either sent (smtp_url) or written to a folder, not both",
            ));
        }
        Ok(Config {
            addr,
            ping_interval,
            trusted_proxies,
            limits,
            data_dir: settings.data_dir.unwrap_or(defaults.data_dir),
            database_url: settings.database_url,
            fanout_url: settings.fanout_url,
            public_url,
            demo: settings.demo.unwrap_or(defaults.demo),
            demo_password: settings.demo_password,
            demo_origins,
            demo_identity_secret: settings.demo_identity_secret,
            demo_kb: settings.demo_kb,
            locales_dir: settings.locales_dir,
            smtp_url: settings.smtp_url,
            smtp_from,
            mail_dir: settings.mail_dir,
        })
    }

    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("warmline.db").display()))
    }
}

/// The abuse limits: each one set wins over its default.
fn limit_rates(settings: &Settings, mut rates: LimitRates) -> Result<LimitRates, ConfigError> {
    let set = [
        (
            "visitor_message_limit",
            &settings.visitor_message_limit,
            &mut rates.visitor_messages,
        ),
        (
            "address_message_limit",
            &settings.address_message_limit,
            &mut rates.address_messages,
        ),
        (
            "site_message_limit",
            &settings.site_message_limit,
            &mut rates.site_messages,
        ),
        (
            "site_new_visitor_limit",
            &settings.site_new_visitor_limit,
            &mut rates.site_new_visitors,
        ),
        (
            "site_new_conversation_limit",
            &settings.site_new_conversation_limit,
            &mut rates.site_new_conversations,
        ),
    ];
    for (setting, value, rate) in set {
        if let Some(value) = value {
            *rate = value.parse().map_err(|problem| invalid(setting, problem))?;
        }
    }
    Ok(rates)
}

fn read_file(path: &Path) -> Result<Settings, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| invalid("config", format!("cannot read {}: {e}", path.display())))?;
    toml::from_str(&text).map_err(|e| invalid("config", format!("{}: {e}", path.display())))
}

fn web_origin(setting: &str, value: &str) -> Result<String, ConfigError> {
    if value.starts_with("http://") || value.starts_with("https://") {
        Ok(value.to_owned())
    } else {
        Err(invalid(
            setting,
            format!("{value:?} must start with http:// or https://"),
        ))
    }
}

/// `WARMLINE_*` variables in `vars` that no setting reads: most likely typos,
/// which would otherwise be silently ignored.
pub fn unknown_variables(vars: impl IntoIterator<Item = String>) -> Vec<String> {
    let command = Args::command();
    let known: Vec<String> = command
        .get_arguments()
        .filter_map(|arg| arg.get_env())
        .map(|name| name.to_string_lossy().into_owned())
        .collect();
    vars.into_iter()
        .filter(|name| name.starts_with("WARMLINE_") && !known.contains(name))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Args {
        Args::try_parse_from(std::iter::once("warmline").chain(args.iter().copied())).unwrap()
    }

    #[test]
    fn flags_beat_the_file_and_the_file_beats_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("warmline.toml");
        std::fs::write(
            &file,
            "addr = \"127.0.0.1:9000\"\ndata_dir = \"/srv/chat\"\ndemo = true\n",
        )
        .unwrap();
        let args = parse(&["--config", file.to_str().unwrap(), "--addr", "127.0.0.1:0"]);
        let config = Config::load(args).unwrap();
        assert_eq!(config.addr, "127.0.0.1:0");
        assert_eq!(config.data_dir, PathBuf::from("/srv/chat"));
        assert!(config.demo);
        assert_eq!(config.public_url, None);
    }

    #[test]
    fn the_demo_is_off_unless_asked_for() {
        assert!(!Config::load(parse(&[])).unwrap().demo);
        assert!(Config::load(parse(&["--demo"])).unwrap().demo);
        assert!(!Config::load(parse(&["--demo", "0"])).unwrap().demo);
    }

    #[test]
    fn bad_values_are_refused_with_the_settings_name() {
        let cases: [(&[&str], &str); 10] = [
            (
                &["--smtp-url", "smtp://127.0.0.1:25", "--mail-dir", "outbox"],
                "mail_dir",
            ),
            (&["--smtp-from", "not a mailbox"], "smtp_from"),
            (&["--smtp-url", "http://mail.example"], "smtp_url"),
            (&["--trusted-proxies", "proxy.local"], "trusted_proxies"),
            (&["--ping-interval", "0"], "ping_interval"),
            (&["--addr", "no port"], "addr"),
            (&["--public-url", "chat.example"], "public_url"),
            (&["--database-url", "mysql://x"], "database_url"),
            (&["--fanout-url", "redis://x"], "fanout_url"),
            (
                &["--demo-origins", "https://a.example ftp://b"],
                "demo_origins",
            ),
        ];
        for (args, setting) in cases {
            let error = Config::load(parse(args)).unwrap_err();
            assert_eq!(error.setting, setting, "{error}");
            assert!(error.to_string().contains(setting));
        }
    }

    #[test]
    fn limits_are_settings_and_keep_their_defaults_unless_set() {
        let config = Config::load(parse(&["--site-message-limit", "1000/s burst 2000"])).unwrap();
        let defaults = LimitRates::default();
        assert_eq!(config.limits.site_messages.burst, 2000);
        assert_eq!(config.limits.visitor_messages, defaults.visitor_messages);
        let error = Config::load(parse(&["--visitor-message-limit", "fast"])).unwrap_err();
        assert_eq!(error.setting, "visitor_message_limit");
    }

    #[test]
    fn an_unknown_key_in_the_file_is_an_error_that_names_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("warmline.toml");
        std::fs::write(&file, "adr = \"127.0.0.1:1\"\n").unwrap();
        let error = Config::load(parse(&["--config", file.to_str().unwrap()])).unwrap_err();
        assert_eq!(error.setting, "config");
        assert!(error.problem.contains("adr"), "{error}");
    }

    #[test]
    fn unknown_warmline_variables_are_reported() {
        let vars = ["WARMLINE_ADDR", "WARMLINE_ADRR", "PATH", "WARMLINE_DEMO"].map(String::from);
        assert_eq!(unknown_variables(vars), ["WARMLINE_ADRR"]);
    }

    #[test]
    fn debug_output_hides_the_demo_password() {
        let config = Config {
            demo_password: Some(Secret::new("hunter2")),
            ..Config::default()
        };
        let shown = format!("{config:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("Secret(***)"));
    }
}
