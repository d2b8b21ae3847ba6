//! What the relay's benchmarks (`handoff_bench`, `relay_bench`) share: the
//! relay binary as a process of its own (so its CPU time and memory can be
//! read from `/proc`), sockets that name their client's address in
//! `X-Forwarded-For`, a reader task per socket that stamps frames as they
//! come, agents' sign-in, and figures.
//!
//! Each example compiles this module on its own and uses part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::ops::ControlFlow;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use futures::stream::{SplitSink, SplitStream};
use futures::{SinkExt, StreamExt, TryStreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use warmline_shared::{AgentFrame, AgentId, ServerFrame, VisitorFrame, decode, encode};

/// The demo site's owner, who adds the benchmark's agents.
pub const OWNER: &str = "agent@demo.test";
/// The demo owner's and every agent's password.
pub const PASSWORD: &str = "benchmark password";
/// The longest any one expected frame may take: a guard against hanging,
/// not a wait (every step goes on as soon as its frame comes).
pub const DEADLINE: Duration = Duration::from_secs(10);
/// How many times a request the relay refuses as too many is tried.
pub const MAX_RETRIES: u32 = 50;

pub type Result<T = ()> = std::result::Result<T, String>;
pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

// ---------------------------------------------------------------- the relay

/// The relay binary as a child process with the demo site, on a fresh data
/// directory. Killed when dropped.
pub struct Relay {
    child: Child,
    /// `http://127.0.0.1:PORT`, which is also the origin its pages have.
    pub url: String,
    pub ws: String,
    _data: tempfile::TempDir,
}

impl Relay {
    /// Starts the relay with `env` besides the benchmarks' common settings,
    /// and waits until it listens (after its migrations and the demo seed).
    pub fn start(binary: &Path, env: &[(&str, &str)]) -> Result<Self> {
        let data = tempfile::tempdir().map_err(|e| format!("no temporary directory: {e}"))?;
        let mut child = Command::new(binary)
            .env("WARMLINE_ADDR", "127.0.0.1:0")
            .env("WARMLINE_DATA_DIR", data.path())
            .env("WARMLINE_DEMO", "1")
            .env("WARMLINE_DEMO_PASSWORD", PASSWORD)
            // The benchmark is the reverse proxy: it says which address
            // each visitor and agent comes from, so the limits per address
            // see many clients, not one.
            .env("WARMLINE_TRUSTED_PROXIES", "127.0.0.1")
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let pid = child.id();
        let (url_tx, url_rx) = std::sync::mpsc::channel();
        let stdout = BufReader::new(child.stdout.take().ok_or("no stdout")?);
        // Reads the address, then keeps draining so the relay never blocks
        // on a full pipe; ends when the process does.
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(std::result::Result::ok) {
                if let Some(url) = line.strip_prefix("Warmline relay listening on ") {
                    let _ = url_tx.send(url.to_owned());
                }
            }
        });
        let stderr = BufReader::new(child.stderr.take().ok_or("no stderr")?);
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(std::result::Result::ok) {
                eprintln!("[relay {pid}] {line}");
            }
        });
        // Migrations on a fresh PostgreSQL database take a moment.
        let url = url_rx
            .recv_timeout(3 * DEADLINE)
            .map_err(|_| "the relay did not say where it listens".to_owned())?;
        Ok(Self {
            ws: url.replacen("http://", "ws://", 1),
            url,
            child,
            _data: data,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The CPU time (user + system, every thread) the relay has used so far.
    pub fn cpu(&self) -> Result<Duration> {
        cpu_time(&format!("/proc/{}/stat", self.child.id()))
    }

    /// The relay's resident memory now, in bytes (`VmRSS`).
    pub fn rss(&self) -> Result<u64> {
        let path = format!("/proc/{}/status", self.child.id());
        let status = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|kb| kb * 1024)
            .ok_or_else(|| format!("{path}: no VmRSS"))
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The CPU time the benchmark itself has used so far: it shares the
/// machine's cores with the relay.
pub fn own_cpu() -> Result<Duration> {
    cpu_time("/proc/self/stat")
}

/// User + system time, every thread, from a `/proc/<pid>/stat` file.
fn cpu_time(path: &str) -> Result<Duration> {
    let stat = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    // Field 2, the command, is in parentheses and may hold spaces: count
    // from the last ')'. After it come field 3 (state) onwards, so
    // utime and stime (fields 14 and 15) are the 12th and 13th.
    let after = stat.rfind(')').map_or("", |i| &stat[i + 1..]);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| -> Result<u64> {
        fields
            .get(i)
            .and_then(|f| f.parse().ok())
            .ok_or_else(|| format!("{path}: no field {}", i + 3))
    };
    let total = ticks(11)? + ticks(12)?;
    Ok(Duration::from_secs_f64(total as f64 / clock_ticks() as f64))
}

/// Clock ticks per second, the unit of `/proc/<pid>/stat`'s times.
fn clock_ticks() -> u64 {
    static TICKS: OnceLock<u64> = OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|out| String::from_utf8(out.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100)
    })
}

/// Waits until the relay is quiet (under 10 % of a core over `window`):
/// the fan-out of what was just done is finished before anything is timed.
pub async fn settle(relay: &Relay, window: Duration) -> Result {
    let began = Instant::now();
    let mut before = relay.cpu()?;
    while began.elapsed() < 3 * DEADLINE {
        tokio::time::sleep(window).await;
        let now = relay.cpu()?;
        if now - before <= window / 10 {
            return Ok(());
        }
        before = now;
    }
    Err("the relay stayed busy".into())
}

// ---------------------------------------------------------------- sockets

/// A WebSocket to the relay from its own origin, with `headers` besides
/// (an `origin` among them replaces the relay's own).
pub async fn connect(relay: &Relay, path: &str, headers: &[(&'static str, String)]) -> Result<Ws> {
    let mut request = format!("{}{path}", relay.ws)
        .into_client_request()
        .map_err(|e| e.to_string())?;
    let value = |v: &str| HeaderValue::from_str(v).map_err(|e| e.to_string());
    request.headers_mut().insert("origin", value(&relay.url)?);
    for (name, v) in headers {
        request.headers_mut().insert(*name, value(v)?);
    }
    // Tungstenite zeroes its whole read buffer (128 KiB unless told) on
    // every read: with thousands of sockets of small frames, the benchmark
    // would spend its time zeroing memory and measure itself.
    let config = WebSocketConfig::default().read_buffer_size(4096);
    let connecting = tokio_tungstenite::connect_async_with_config(request, Some(config), true);
    let (ws, _) = tokio::time::timeout(DEADLINE, connecting)
        .await
        .map_err(|_| format!("connecting to {path} timed out"))?
        .map_err(|e| format!("connecting to {path}: {e}"))?;
    Ok(ws)
}

/// The first frame the relay sends on a new socket.
pub async fn first_frame(stream: &mut SplitStream<Ws>) -> Result<ServerFrame> {
    loop {
        let message = tokio::time::timeout(DEADLINE, stream.next())
            .await
            .map_err(|_| "no first frame in time".to_owned())?
            .ok_or("socket closed before its first frame")?
            .map_err(|e| e.to_string())?;
        match message {
            Message::Text(text) => return decode(text.as_str()).map_err(|e| e.to_string()),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => return Err(format!("unexpected {other:?}")),
        }
    }
}

/// Hands each text frame to `on_text` with the moment it was read, until
/// the socket closes or `on_text` breaks. A reader task runs this per
/// socket, so a frame's time is when it came, not when someone looked.
pub async fn read_texts(
    mut stream: SplitStream<Ws>,
    mut on_text: impl FnMut(&str, Instant) -> ControlFlow<()>,
) {
    while let Some(Ok(message)) = stream.next().await {
        let Message::Text(text) = message else {
            continue;
        };
        if on_text(text.as_str(), Instant::now()).is_break() {
            return;
        }
    }
}

/// Visitor `index`'s address: each visitor comes from one of their own.
pub fn visitor_address(index: usize) -> String {
    format!("10.2.{}.{}", index / 250, index % 250 + 1)
}

/// Agent `index`'s address.
pub fn agent_address(index: usize) -> String {
    format!("10.1.{}.{}", index / 250, index % 250 + 1)
}

/// Opens visitor `index`'s widget socket from a page of `origin`, and says
/// hello as a new visitor of the demo site; returns the socket once the
/// relay has welcomed them.
pub async fn greet_visitor(
    relay: &Relay,
    index: usize,
    origin: &str,
) -> Result<(SplitSink<Ws, Message>, SplitStream<Ws>)> {
    let headers = [
        ("x-forwarded-for", visitor_address(index)),
        ("origin", origin.to_owned()),
    ];
    let ws = connect(relay, "/ws/visitor", &headers).await?;
    let (mut sink, mut stream) = ws.split();
    let hello = VisitorFrame::Hello {
        site: "demo".into(),
        token: None,
        last_seq: 0,
        page: None,
        identity: None,
        name: None,
        lang: None,
    };
    sink.send(Message::Text(encode(&hello).into()))
        .await
        .map_err(|e| format!("visitor {index}: {e}"))?;
    match first_frame(&mut stream).await? {
        ServerFrame::Welcome { .. } => Ok((sink, stream)),
        other => Err(format!("visitor {index}: expected welcome, got {other:?}")),
    }
}

// ---------------------------------------------------------------- agents

/// An agent's console socket, the sending half; a task reads the other.
pub struct Agent {
    pub index: usize,
    sink: SplitSink<Ws, Message>,
}

impl Agent {
    pub async fn send(&mut self, frame: AgentFrame) -> Result {
        self.sink
            .send(Message::Text(encode(&frame).into()))
            .await
            .map_err(|e| format!("agent {}: {e}", self.index))
    }
}

/// Opens agent `index`'s console on `relay` as the signed-in agent, and
/// returns its sending half and, past the inbox, the stream to read.
pub async fn open_console(
    relay: &Relay,
    index: usize,
    signed: &SignedIn,
) -> Result<(Agent, SplitStream<Ws>)> {
    let ws = connect(relay, "/ws/agent", &[("cookie", signed.cookie.clone())]).await?;
    let (sink, mut stream) = ws.split();
    match first_frame(&mut stream).await? {
        ServerFrame::Inbox { .. } => Ok((Agent { index, sink }, stream)),
        other => Err(format!("agent {index}: expected the inbox, got {other:?}")),
    }
}

pub struct SignedIn {
    /// `warmline_session=…`, as the console's requests send it.
    pub cookie: String,
    pub id: AgentId,
}

/// Adds `count` agents to the demo site (as its owner, through `relay`) and
/// signs each in through `relay_of(i)` from an address of their own.
pub async fn sign_in_agents<'a>(
    relay: &Relay,
    count: usize,
    relay_of: impl Fn(usize) -> &'a Relay,
) -> Result<Vec<SignedIn>> {
    let http = reqwest::Client::new();
    let owner = sign_in(&http, relay, OWNER, "10.1.255.1".into()).await?;
    let emails: Vec<String> = (0..count).map(|i| format!("agent{i}@bench.test")).collect();
    // Hashing a password takes a core, and the relay refuses a request that
    // waits long for a turn: two at a time, one per core.
    futures::stream::iter(emails.iter().enumerate())
        .map(|(i, email)| add_member(&http, relay, &owner.cookie, i, email))
        .buffer_unordered(2)
        .try_collect::<Vec<()>>()
        .await?;
    futures::stream::iter(emails.iter().enumerate())
        .map(|(i, email)| sign_in(&http, relay_of(i), email, agent_address(i)))
        .buffered(2)
        .try_collect()
        .await
}

/// Signs in from `address`; retries while the relay says it is busy.
pub async fn sign_in(
    http: &reqwest::Client,
    relay: &Relay,
    email: &str,
    address: String,
) -> Result<SignedIn> {
    for _ in 0..MAX_RETRIES {
        let response = http
            .post(format!("{}/api/agent/login", relay.url))
            .header("x-forwarded-for", &address)
            .json(&serde_json::json!({ "email": email, "password": PASSWORD }))
            .send()
            .await
            .map_err(|e| format!("signing in {email}: {e}"))?;
        match response.status().as_u16() {
            200 => {}
            429 => {
                tokio::time::sleep(Duration::from_millis(250)).await;
                continue;
            }
            status => return Err(format!("signing in {email}: HTTP {status}")),
        }
        let cookie = response
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .ok_or_else(|| format!("signing in {email}: no session cookie"))?
            .to_owned();
        let me: serde_json::Value = response.json().await.map_err(|e| e.to_string())?;
        let id = me["id"]
            .as_i64()
            .ok_or_else(|| format!("signing in {email}: no id in {me}"))?;
        return Ok(SignedIn {
            cookie,
            id: AgentId::new(id),
        });
    }
    Err(format!("signing in {email}: still refused as too many"))
}

async fn add_member(
    http: &reqwest::Client,
    relay: &Relay,
    owner: &str,
    i: usize,
    email: &str,
) -> Result {
    for _ in 0..MAX_RETRIES {
        let response = http
            .post(format!("{}/api/site/members", relay.url))
            .header("cookie", owner)
            .json(&serde_json::json!({
                "email": email, "name": format!("Agent {i}"), "password": PASSWORD, "role": "agent"
            }))
            .send()
            .await
            .map_err(|e| format!("adding {email}: {e}"))?;
        match response.status().as_u16() {
            204 => return Ok(()),
            429 => tokio::time::sleep(Duration::from_millis(250)).await,
            status => return Err(format!("adding {email}: HTTP {status}")),
        }
    }
    Err(format!("adding {email}: still refused as too many"))
}

// ---------------------------------------------------------------- figures

/// The nearest-rank percentile.
pub fn percentile(samples: &[Duration], p: usize) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted[rank.min(sorted.len()) - 1]
}

/// 1000 as "1,000".
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}
