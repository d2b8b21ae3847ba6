//! Throwaway PostgreSQL and NATS servers on free loopback ports, for the
//! tests and benchmarks that need them. Each starts once per run, in a
//! directory of its own, and stops when dropped.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{Result, check};

/// Where Debian's postgresql package puts the server's programs.
const POSTGRES_BINS: &str = "/usr/lib/postgresql";

pub struct Postgres {
    dir: PathBuf,
    bin: PathBuf,
    /// PostgreSQL refuses to run as root: as root we run it as the package's
    /// `postgres` user.
    as_user: Option<&'static str>,
    pub url: String,
}

impl Postgres {
    /// A new cluster in the system's temporary directory (which the
    /// `postgres` user can reach, unlike root's home), trusting loopback
    /// connections, tuned for throwaway data (no fsync): the tests check
    /// behaviour, not durability.
    pub fn start() -> Result<Self> {
        let bin = postgres_bin()?;
        let port = free_port()?;
        let dir = std::env::temp_dir().join(format!("warmline-postgres-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let as_user = is_root().then_some("postgres");
        if let Some(user) = as_user {
            let status = Command::new("chown")
                .args([user, &dir.display().to_string()])
                .status()
                .map_err(|e| format!("cannot run chown: {e}"))?;
            check(status, "chown of the PostgreSQL directory")?;
        }
        let postgres = Self {
            url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
            dir,
            bin,
            as_user,
        };
        let data = postgres.dir.join("data").display().to_string();
        let log = postgres.dir.join("log").display().to_string();
        let output = postgres
            .command("initdb")
            .args([
                "-D",
                &data,
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| format!("cannot run initdb: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "initdb failed: {}",
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off \
             -c synchronous_commit=off -c full_page_writes=off -c max_connections=300",
            postgres.dir.display()
        );
        let status = postgres
            .command("pg_ctl")
            .args(["-D", &data, "-l", &log, "-o", &options, "-w", "start"])
            .stdout(Stdio::null())
            .status()
            .map_err(|e| format!("cannot run pg_ctl: {e}"))?;
        check(status, "starting PostgreSQL")?;
        Ok(postgres)
    }

    fn command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        match self.as_user {
            Some(user) => {
                let mut command = Command::new("runuser");
                command.args(["-u", user, "--"]).arg(program);
                command
            }
            None => Command::new(program),
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = self
            .command("pg_ctl")
            .args(["-D", &data.display().to_string(), "-m", "immediate", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The newest PostgreSQL Debian installed.
fn postgres_bin() -> Result<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(POSTGRES_BINS)
        .map_err(|_| "PostgreSQL is not installed (`cargo xtask setup` installs it)".to_string())?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .ok_or_else(|| format!("no PostgreSQL under {POSTGRES_BINS}"))
}

pub struct Nats {
    child: Child,
    pub url: String,
}

impl Nats {
    pub fn start() -> Result<Self> {
        let port = free_port()?;
        let child = Command::new("nats-server")
            .args(["-a", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start nats-server (`cargo xtask setup`): {e}"))?;
        let nats = Self {
            child,
            url: format!("nats://127.0.0.1:{port}"),
        };
        wait_for_port(port, "nats-server")?;
        Ok(nats)
    }
}

impl Drop for Nats {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> Result<u16> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .map_err(|e| format!("no free port: {e}"))
}

pub fn wait_for_port(port: u16, what: &str) -> Result {
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            return Err(format!("{what} did not open port {port}"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| output.stdout.trim_ascii() == b"0")
}
