//! The relay benchmark (`cargo xtask bench relay`): how fast and how
//! cheaply the relay stores visitors' messages and carries them to agents,
//! with 5,000 visitor sockets and 40 agent sockets, on three setups: one
//! relay on its embedded SQLite; one relay on PostgreSQL with NATS fan-out;
//! two relays on the same PostgreSQL and NATS. It prints figures and
//! asserts no timing; it fails only if a message is lost or duplicated.
//!
//! Usage: `relay_bench <relay binary> [<postgres url> <nats url>]`. Without
//! the last two only the SQLite setup runs. `WARMLINE_BENCH_VISITORS`
//! lowers the number of visitors for a quick run.
//!
//! Each setup: the agents sign in and open their consoles; the visitors
//! connect and say hello (the relay's memory is read before and after:
//! memory per idle visitor socket); each visitor writes once, which starts
//! their conversation, and one agent takes it and opens it. Then three
//! phases: visitors write at 1,000 and at 5,000 messages a second, spread
//! round-robin over all of them (open loop: the schedule does not wait for
//! the relay); then a closed loop, where each of 1,000 visitors writes again
//! as soon as the last message is acknowledged. Every message is timed from
//! just before it is sent to its `ack` at the visitor and to its `message`
//! frame at the agent who opened the conversation, and every delivery is
//! counted, so a message lost or delivered twice shows.
//!
//! As in the handoff benchmark the relays run as processes of their own, so
//! their CPU time (`/proc/<pid>/stat`) and memory (`/proc/<pid>/status`) can
//! be read; each socket is read by a task of its own that stamps frames as
//! they come; and each visitor and agent comes from an address of its own
//! (`X-Forwarded-For`, 127.0.0.1 a trusted proxy), so the limits per address
//! see many clients. The limits per visitor and per site are raised through
//! their settings (see `LIMITS`): this measures the relay, not its abuse
//! limits. The benchmark shares the machine's cores with the relays.

#[path = "common/mod.rs"]
mod common;

use std::ops::{ControlFlow, Range};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::stream::{SplitSink, SplitStream};
use futures::{SinkExt, StreamExt, TryStreamExt};
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;
use warmline_shared::{
    AgentFrame, ConversationId, ErrorCode, ServerFrame, VisitorFrame, decode, encode,
};

use common::{
    Agent, DEADLINE, Relay, Result, SignedIn, Ws, greet_visitor, ms, own_cpu, percentile,
    read_texts, settle, sign_in_agents, thousands,
};

/// Visitor sockets, unless `VISITORS_VAR` asks for fewer.
const VISITORS: usize = 5_000;
const VISITORS_VAR: &str = "WARMLINE_BENCH_VISITORS";
const AGENTS: usize = 40;
/// The open-loop phases: visitor messages a second, each for `FIXED_FOR`.
const RATES: [usize; 2] = [1_000, 5_000];
const FIXED_FOR: Duration = Duration::from_secs(8);
/// The closed loop: this many visitors, each with one message in flight.
const CLOSED_LOOP_VISITORS: usize = 1_000;
const CLOSED_FOR: Duration = Duration::from_secs(8);

/// How long after a phase's last send its answers and deliveries may take:
/// an open-loop phase the relay cannot keep up with leaves a backlog (one
/// relay on PostgreSQL took 43 s to work off the 5,000 msgs/s phase's).
const DRAIN: Duration = Duration::from_secs(90);
/// How long the relays must stay quiet after setup steps and phases.
const QUIET: Duration = Duration::from_millis(300);
/// The shop whose pages the visitors are on: every relay allows it, so a
/// visitor may connect to any relay (each relay's own origin would do for
/// one, but the second relay's demo seed would replace the first's).
const HOST_PAGE: &str = "http://shop.bench.test";
/// An ordinary question: no shouting, not asking for a person.
const TEXT: &str = "Hello, my order from last week has not arrived yet. Could you look into it?";
/// The client id of each visitor's first message, which starts their
/// conversation; the measured ones are `m<number>`.
const OPENING: &str = "hi";

/// Far above what the benchmark sends, so no message is refused: the
/// visitors' message limits for the closed loop, the site's for 5,000 a
/// second, and new visitors and conversations so that starting 5,000
/// conversations takes seconds, not the 8 minutes the defaults allow.
const LIMITS: [(&str, &str); 5] = [
    ("WARMLINE_VISITOR_MESSAGE_LIMIT", "10000/s burst 1000"),
    ("WARMLINE_ADDRESS_MESSAGE_LIMIT", "10000/s burst 1000"),
    ("WARMLINE_SITE_MESSAGE_LIMIT", "1000000/s burst 100000"),
    ("WARMLINE_SITE_NEW_VISITOR_LIMIT", "1000000/s burst 100000"),
    (
        "WARMLINE_SITE_NEW_CONVERSATION_LIMIT",
        "1000000/s burst 100000",
    ),
];

// The targets, printed beside the figures (not asserted).
const TARGET_CLOSED_LOOP: f64 = 10_000.0;
const TARGET_DELIVERY_P99: Duration = Duration::from_millis(10);
const TARGET_CPU: Duration = Duration::from_micros(15);
const TARGET_RSS: f64 = 8.0 * 1024.0;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(binary) = args.first().map(PathBuf::from) else {
        eprintln!("usage: relay_bench <relay binary> [<postgres url> <nats url>]");
        return ExitCode::from(2);
    };
    let services = match (args.get(1), args.get(2)) {
        (Some(postgres), Some(nats)) => Some((postgres.as_str(), nats.as_str())),
        _ => None,
    };
    match run(&binary, services).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("relay bench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// One way of running the relay.
struct Setup {
    name: &'static str,
    relays: usize,
    /// PostgreSQL (a server URL; each setup gets a database of its own)
    /// and NATS, or the embedded store and in-process fan-out.
    services: Option<(String, String)>,
}

async fn run(binary: &Path, services: Option<(&str, &str)>) -> Result {
    let began = Instant::now();
    let visitors = visitor_count()?;
    let services = services.map(|(pg, nats)| (pg.to_owned(), nats.to_owned()));
    let mut setups = vec![Setup {
        name: "sqlite",
        relays: 1,
        services: None,
    }];
    if services.is_some() {
        setups.push(Setup {
            name: "pg+nats, 1 relay",
            relays: 1,
            services: services.clone(),
        });
        setups.push(Setup {
            name: "pg+nats, 2 relays",
            relays: 2,
            services,
        });
    } else {
        println!("no PostgreSQL and NATS given: the SQLite setup only");
    }
    println!(
        "{} visitors, {AGENTS} agents; phases: {} and {} msgs/s for {} s each (open loop), \
         then {} visitors in a closed loop for {} s\n(phases are {} s, not 10, so that three \
         setups with their setup and draining fit in about 4 minutes on a 2-core machine)",
        thousands(visitors),
        thousands(RATES[0]),
        thousands(RATES[1]),
        FIXED_FOR.as_secs(),
        thousands(CLOSED_LOOP_VISITORS.min(visitors)),
        CLOSED_FOR.as_secs(),
        FIXED_FOR.as_secs()
    );

    let mut results = Vec::new();
    let mut failed = Vec::new();
    for (n, setup) in setups.iter().enumerate() {
        println!("\n== {} ==", setup.name);
        match run_setup(binary, setup, n, visitors).await {
            Ok(result) => results.push(result),
            Err(e) => {
                eprintln!("setup {}: {e}", setup.name);
                failed.push(format!("{}: {e}", setup.name));
            }
        }
    }

    print_table(&results);
    print_targets(&results, visitors);
    println!("\ntotal run time: {:.0} s", began.elapsed().as_secs_f64());
    let wrong: u64 = results
        .iter()
        .flat_map(|r| &r.phases)
        .map(|p| p.lost + p.duplicated + p.unanswered)
        .sum();
    if wrong > 0 {
        failed.push(format!(
            "{wrong} messages lost, duplicated or never answered"
        ));
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(failed.join("; "))
    }
}

fn visitor_count() -> Result<usize> {
    match std::env::var(VISITORS_VAR) {
        Err(_) => Ok(VISITORS),
        Ok(value) => value
            .parse::<usize>()
            .ok()
            .filter(|&n| n > 0)
            .map(|n| n.min(VISITORS))
            .ok_or_else(|| format!("{VISITORS_VAR}={value:?} is not a number of visitors")),
    }
}

// ---------------------------------------------------------------- one setup

/// What one setup measured.
struct SetupResult {
    name: &'static str,
    /// Bytes of relay memory per idle visitor socket.
    rss_per_visitor: f64,
    phases: Vec<PhaseResult>,
}

async fn run_setup(binary: &Path, setup: &Setup, n: usize, visitors: usize) -> Result<SetupResult> {
    let started = Instant::now();
    let relays = start_relays(binary, setup, n).await?;
    let ledger = Arc::new(Ledger::default());
    let counts = Arc::new(FrameCounts::default());
    let mut agents = open_consoles(&relays, &ledger, &counts).await?;

    let rss_before = rss(&relays)?;
    let mut visitors = connect_visitors(&relays, visitors, &ledger).await?;
    settle_all(&relays).await?;
    let rss_per_visitor = rss(&relays)?.saturating_sub(rss_before) as f64 / visitors.len() as f64;
    println!(
        "{} visitor sockets open (hello, welcome): relay memory {:.1} KiB per idle visitor socket",
        thousands(visitors.len()),
        rss_per_visitor / 1024.0
    );

    start_conversations(&mut visitors, &mut agents, &counts).await?;
    settle_all(&relays).await?;
    println!(
        "setup took {:.0} s; visitor i's conversation is taken and opened by {}",
        started.elapsed().as_secs_f64(),
        if relays.len() > 1 {
            "an agent on the other relay (visitors and agents alternate between the relays), \
             so every delivery crosses relays"
        } else {
            "agent i mod 40"
        }
    );

    let mut phases = Vec::new();
    for rate in RATES {
        let name = format!("{} msgs/s", thousands(rate));
        let load = Load::Fixed { rate };
        let phase = measure(&name, &relays, &mut visitors, &ledger, &counts, load).await?;
        phases.push(phase);
    }
    let looping = CLOSED_LOOP_VISITORS.min(visitors.len());
    let load = Load::Closed { visitors: looping };
    let phase = measure(
        "closed loop",
        &relays,
        &mut visitors,
        &ledger,
        &counts,
        load,
    )
    .await?;
    phases.push(phase);
    Ok(SetupResult {
        name: setup.name,
        rss_per_visitor,
        phases,
    })
}

/// The setup's relays, the first up (migrated, the demo seeded) before the
/// next starts on the same database.
async fn start_relays(binary: &Path, setup: &Setup, n: usize) -> Result<Vec<Relay>> {
    let mut env: Vec<(&str, String)> = LIMITS.iter().map(|&(k, v)| (k, v.to_owned())).collect();
    env.push(("WARMLINE_DEMO_ORIGINS", HOST_PAGE.into()));
    if let Some((postgres, nats)) = &setup.services {
        env.push(("WARMLINE_DATABASE_URL", fresh_database(postgres, n).await?));
        env.push(("WARMLINE_FANOUT_URL", nats.clone()));
    }
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut relays = Vec::new();
    for _ in 0..setup.relays {
        let relay = Relay::start(binary, &env)?;
        println!("relay {} (pid {})", relay.url, relay.pid());
        relays.push(relay);
    }
    Ok(relays)
}

/// A new database on the PostgreSQL server `url` names, so each setup
/// starts empty; returns its URL.
async fn fresh_database(url: &str, n: usize) -> Result<String> {
    use sqlx::{Connection, Executor};
    let name = format!("warmline_bench_{}_{n}", std::process::id());
    let mut server = sqlx::PgConnection::connect(url)
        .await
        .map_err(|e| format!("connecting to {url}: {e}"))?;
    server
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .map_err(|e| format!("creating database {name}: {e}"))?;
    let _ = server.close().await;
    let (server_url, _) = url
        .rsplit_once('/')
        .ok_or_else(|| format!("{url} names no database"))?;
    Ok(format!("{server_url}/{name}"))
}

fn rss(relays: &[Relay]) -> Result<u64> {
    relays.iter().map(Relay::rss).sum()
}

fn cpu(relays: &[Relay]) -> Result<Duration> {
    relays.iter().map(Relay::cpu).sum()
}

async fn settle_all(relays: &[Relay]) -> Result {
    for relay in relays {
        settle(relay, QUIET).await?;
    }
    Ok(())
}

/// Which relay agent `index` uses: agents are spread over the relays.
fn relay_of_agent(index: usize, relays: usize) -> usize {
    index % relays
}

/// The agent who takes visitor `index`'s conversation. With one relay,
/// visitors go round the agents; with several, visitor `i` is on relay
/// `i mod relays` and their agent on the next relay, so every delivery
/// crosses from one relay to another, the case several relays add.
fn agent_of_visitor(index: usize, relays: usize) -> usize {
    let relay = (index % relays + 1) % relays;
    let per_relay = AGENTS / relays;
    relay + relays * ((index / relays) % per_relay)
}

// ---------------------------------------------------------------- phases

enum Load {
    /// Messages a second, round-robin over all visitors, on a schedule.
    Fixed { rate: usize },
    /// This many visitors, each writing again once answered.
    Closed { visitors: usize },
}

/// What one phase measured.
struct PhaseResult {
    name: String,
    sent: usize,
    acked: usize,
    refused: usize,
    unanswered: u64,
    lost: u64,
    duplicated: u64,
    ack: Vec<Duration>,
    delivery: Vec<Duration>,
    /// Acknowledged messages over the time from the first send to the last ack.
    throughput: f64,
    /// Relay CPU (all relays) over the phase, until they were quiet again.
    cpu: Duration,
    /// The benchmark's own CPU and the time over which both were measured.
    bench_cpu: Duration,
    wall: Duration,
    /// Frames agents' sockets received during the phase, by kind.
    frames: FrameTally,
}

impl PhaseResult {
    fn cpu_per_message(&self) -> Duration {
        self.cpu / self.acked.max(1) as u32
    }

    fn frames_per_agent_message(&self) -> f64 {
        self.frames.total() as f64 / self.acked.max(1) as f64 / AGENTS as f64
    }

    fn print(&self) {
        println!(
            "  {}: {} sent, {} acked ({:.0} msgs/s), {} refused",
            self.name,
            thousands(self.sent),
            thousands(self.acked),
            self.throughput,
            self.refused
        );
        println!(
            "    ack latency p50 {} ms, p99 {} ms; delivery to the agent p50 {} ms, p99 {} ms",
            ms(percentile(&self.ack, 50)),
            ms(percentile(&self.ack, 99)),
            ms(percentile(&self.delivery, 50)),
            ms(percentile(&self.delivery, 99))
        );
        let f = &self.frames;
        println!(
            "    relay CPU {:.1} µs per message; agent frames per message per agent {:.2} \
             (in all: {} message, {} conversation, {} desk, {} other)",
            self.cpu_per_message().as_secs_f64() * 1e6,
            self.frames_per_agent_message(),
            f.message,
            f.conversation,
            f.desk,
            f.other
        );
        println!(
            "    lost {}, duplicated {}, never answered {}; over {:.1} s the relays used {:.2} cores, \
             the benchmark {:.2}",
            self.lost,
            self.duplicated,
            self.unanswered,
            self.wall.as_secs_f64(),
            self.cpu.as_secs_f64() / self.wall.as_secs_f64(),
            self.bench_cpu.as_secs_f64() / self.wall.as_secs_f64()
        );
    }
}

/// Runs one phase and waits for its every answer and delivery, then for the
/// relays to be quiet, so the CPU measured is all the phase caused.
async fn measure(
    name: &str,
    relays: &[Relay],
    visitors: &mut Vec<Visitor>,
    ledger: &Arc<Ledger>,
    counts: &FrameCounts,
    load: Load,
) -> Result<PhaseResult> {
    let cpu_before = cpu(relays)?;
    let bench_before = own_cpu()?;
    let frames_before = counts.tally();
    let first = ledger.len();
    let began = Instant::now();
    match load {
        Load::Fixed { rate } => fixed_rate(visitors, ledger, rate).await?,
        Load::Closed { visitors: n } => closed_loop(visitors, ledger, n).await?,
    }
    let sent = first..ledger.len();
    if !ledger.wait_done(sent.clone()).await {
        eprintln!("  {name}: not every message was answered and delivered within {DRAIN:?}");
    }
    settle_all(relays).await?;
    let closed = counts.closed.load(Ordering::Relaxed);
    if closed > 0 {
        return Err(format!("{closed} agent consoles were closed by the relay"));
    }
    let phase = ledger.figures(name, sent, began, cpu(relays)? - cpu_before);
    let phase = PhaseResult {
        frames: counts.tally().since(&frames_before),
        bench_cpu: own_cpu()? - bench_before,
        wall: began.elapsed(),
        ..phase
    };
    phase.print();
    Ok(phase)
}

/// Sends `rate` messages a second for `FIXED_FOR`, going round the
/// visitors. Every millisecond it sends what the schedule says is due, so a
/// late tick sends more and the rate holds on average.
async fn fixed_rate(visitors: &mut [Visitor], ledger: &Ledger, rate: usize) -> Result {
    let total = rate * FIXED_FOR.as_secs() as usize;
    let began = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_millis(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut sent = 0;
    while sent < total {
        tick.tick().await;
        let due = ((began.elapsed().as_secs_f64() * rate as f64) as usize).min(total);
        while sent < due {
            let n = visitors.len();
            visitors[sent % n].send(ledger).await?;
            sent += 1;
        }
    }
    Ok(())
}

/// The first `n` visitors each send, wait for the answer, and send again,
/// for `CLOSED_FOR`.
async fn closed_loop(visitors: &mut Vec<Visitor>, ledger: &Arc<Ledger>, n: usize) -> Result {
    let rest = visitors.split_off(n);
    let deadline = Instant::now() + CLOSED_FOR;
    let loops: Vec<_> = visitors
        .drain(..)
        .map(|mut visitor| {
            let ledger = ledger.clone();
            tokio::spawn(async move {
                while Instant::now() < deadline {
                    let id = visitor.send(&ledger).await?;
                    visitor.answer_to(Some(id)).await?;
                }
                Ok::<_, String>(visitor)
            })
        })
        .collect();
    for looped in loops {
        visitors.push(looped.await.map_err(|e| e.to_string())??);
    }
    visitors.extend(rest);
    Ok(())
}

// ---------------------------------------------------------------- the ledger

/// Every measured message: when it was sent, answered and delivered.
/// Messages are numbered in the order sent; the number is in the client
/// id (`m<number>`), so acks and deliveries find their entry.
#[derive(Default)]
struct Ledger {
    entries: Mutex<Vec<Entry>>,
}

struct Entry {
    /// The agent whose socket must deliver it (the one who opened its
    /// conversation).
    agent: usize,
    sent: Instant,
    acked: Option<Instant>,
    refused: bool,
    /// The first delivery to that agent, and how many there were.
    delivered: Option<Instant>,
    deliveries: u32,
    /// Deliveries to any other agent's socket.
    strays: u32,
}

impl Ledger {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Entry>> {
        // A reader task that panicked holding the lock left whole entries.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn len(&self) -> usize {
        self.lock().len()
    }

    /// A new message to `agent`, sent now; its number.
    fn sent(&self, agent: usize) -> u64 {
        let mut entries = self.lock();
        entries.push(Entry {
            agent,
            sent: Instant::now(),
            acked: None,
            refused: false,
            delivered: None,
            deliveries: 0,
            strays: 0,
        });
        entries.len() as u64 - 1
    }

    fn answered(&self, id: u64, at: Instant, stored: bool) {
        if let Some(entry) = self.lock().get_mut(id as usize) {
            if stored {
                entry.acked.get_or_insert(at);
            } else {
                entry.refused = true;
            }
        }
    }

    fn delivered(&self, id: u64, agent: usize, at: Instant) {
        if let Some(entry) = self.lock().get_mut(id as usize) {
            if entry.agent == agent {
                entry.deliveries += 1;
                entry.delivered.get_or_insert(at);
            } else {
                entry.strays += 1;
            }
        }
    }

    /// Waits until every message in `range` was answered and each stored
    /// one delivered, for at most `DRAIN`; whether they all were.
    async fn wait_done(&self, range: Range<usize>) -> bool {
        let deadline = Instant::now() + DRAIN;
        loop {
            let pending = self.lock()[range.clone()]
                .iter()
                .filter(|e| {
                    (e.acked.is_none() && !e.refused) || (e.acked.is_some() && e.deliveries == 0)
                })
                .count();
            if pending == 0 {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The figures of the messages in `range`, sent from `began`; the
    /// frames are filled in by the caller.
    fn figures(
        &self,
        name: &str,
        range: Range<usize>,
        began: Instant,
        cpu: Duration,
    ) -> PhaseResult {
        let entries = self.lock();
        let entries = &entries[range];
        let mut phase = PhaseResult {
            name: name.to_owned(),
            sent: entries.len(),
            acked: 0,
            refused: 0,
            unanswered: 0,
            lost: 0,
            duplicated: 0,
            ack: Vec::with_capacity(entries.len()),
            delivery: Vec::with_capacity(entries.len()),
            throughput: 0.0,
            cpu,
            bench_cpu: Duration::ZERO,
            wall: Duration::ZERO,
            frames: FrameTally::default(),
        };
        let mut last_ack = began;
        for entry in entries {
            phase.duplicated += u64::from(entry.deliveries.saturating_sub(1) + entry.strays);
            if entry.refused {
                phase.refused += 1;
            }
            let Some(acked) = entry.acked else {
                phase.unanswered += u64::from(!entry.refused);
                continue;
            };
            phase.acked += 1;
            phase.ack.push(acked - entry.sent);
            last_ack = last_ack.max(acked);
            match entry.delivered {
                Some(at) => phase.delivery.push(at - entry.sent),
                None => phase.lost += 1,
            }
        }
        phase.throughput = phase.acked as f64 / (last_ack - began).as_secs_f64().max(1e-9);
        phase
    }
}

/// Frames the agents' sockets received, by kind, counted as they come.
#[derive(Default)]
struct FrameCounts {
    message: AtomicU64,
    conversation: AtomicU64,
    desk: AtomicU64,
    other: AtomicU64,
    /// Conversations an agent has opened: its opening message came.
    opened: AtomicU64,
    /// Consoles the relay closed (their reader ended).
    closed: AtomicU64,
}

#[derive(Default, Clone, Copy)]
struct FrameTally {
    message: u64,
    conversation: u64,
    desk: u64,
    other: u64,
}

impl FrameCounts {
    fn tally(&self) -> FrameTally {
        let read = |n: &AtomicU64| n.load(Ordering::Relaxed);
        FrameTally {
            message: read(&self.message),
            conversation: read(&self.conversation),
            desk: read(&self.desk),
            other: read(&self.other),
        }
    }

    /// Counts one frame by how it starts (serde writes the tag first), so
    /// only the messages the benchmark times need decoding.
    fn count(&self, text: &str) {
        let kind = if text.starts_with(r#"{"type":"message""#) {
            &self.message
        } else if text.starts_with(r#"{"type":"conversation""#) {
            &self.conversation
        } else if text.starts_with(r#"{"type":"desk""#) {
            &self.desk
        } else {
            &self.other
        };
        kind.fetch_add(1, Ordering::Relaxed);
    }
}

impl FrameTally {
    fn since(&self, before: &FrameTally) -> FrameTally {
        FrameTally {
            message: self.message - before.message,
            conversation: self.conversation - before.conversation,
            desk: self.desk - before.desk,
            other: self.other - before.other,
        }
    }

    fn total(&self) -> u64 {
        self.message + self.conversation + self.desk + self.other
    }
}

/// The measured message number in a client id, if it is one.
fn message_number(client_id: &str) -> Option<u64> {
    client_id.strip_prefix('m')?.parse().ok()
}

// ---------------------------------------------------------------- agents

/// Adds the agents to the demo site, signs each in and opens their console
/// on their relay.
async fn open_consoles(
    relays: &[Relay],
    ledger: &Arc<Ledger>,
    counts: &Arc<FrameCounts>,
) -> Result<Vec<Agent>> {
    let relay_of = |i: usize| &relays[relay_of_agent(i, relays.len())];
    let signed = sign_in_agents(&relays[0], AGENTS, relay_of).await?;
    futures::stream::iter(signed.into_iter().enumerate())
        .map(|(i, signed)| open_console(relay_of(i), i, signed, ledger.clone(), counts.clone()))
        .buffered(8)
        .try_collect()
        .await
}

async fn open_console(
    relay: &Relay,
    index: usize,
    signed: SignedIn,
    ledger: Arc<Ledger>,
    counts: Arc<FrameCounts>,
) -> Result<Agent> {
    let (agent, stream) = common::open_console(relay, index, &signed).await?;
    tokio::spawn(read_console(index, stream, ledger, counts));
    Ok(agent)
}

/// Reads one console: counts every frame, and stamps the delivery of each
/// measured message. An error frame means the benchmark did something the
/// relay refused, which spoils what is measured: it is shown.
async fn read_console(
    agent: usize,
    stream: SplitStream<Ws>,
    ledger: Arc<Ledger>,
    counts: Arc<FrameCounts>,
) {
    read_texts(stream, |text, at| {
        counts.count(text);
        let decodes =
            text.starts_with(r#"{"type":"message""#) || text.starts_with(r#"{"type":"error""#);
        if !decodes {
            return ControlFlow::Continue(());
        }
        match decode::<ServerFrame>(text) {
            Ok(ServerFrame::Message { message }) => {
                if let Some(id) = message_number(&message.client_id) {
                    ledger.delivered(id, agent, at);
                } else if message.client_id == OPENING {
                    counts.opened.fetch_add(1, Ordering::Relaxed);
                }
            }
            Ok(ServerFrame::Error { code, message, .. }) => {
                eprintln!("agent {agent} was refused ({code:?}): {message}");
            }
            _ => {}
        }
        ControlFlow::Continue(())
    })
    .await;
    // Said only if it happens while measuring: at the end every relay stops.
    counts.closed.fetch_add(1, Ordering::Relaxed);
}

// ---------------------------------------------------------------- visitors

/// A visitor's widget socket, the sending half; a task reads the other.
struct Visitor {
    index: usize,
    /// The agent who opened their conversation.
    agent: usize,
    sink: SplitSink<Ws, Message>,
    /// The relay's latest answer to one of their messages.
    answers: watch::Receiver<Option<Answer>>,
}

/// An ack or a refusal of the message numbered `message` (`None`: the
/// opening message).
#[derive(Debug, Clone, Copy)]
struct Answer {
    message: Option<u64>,
    /// The conversation it was stored in (`None`: refused).
    conversation: Option<ConversationId>,
    refused: Option<ErrorCode>,
}

impl Visitor {
    async fn send_frame(&mut self, client_id: String) -> Result {
        let frame = VisitorFrame::Send {
            client_id,
            text: TEXT.into(),
            attachment: None,
        };
        self.sink
            .send(Message::Text(encode(&frame).into()))
            .await
            .map_err(|e| format!("visitor {}: {e}", self.index))
    }

    /// Sends a measured message; its number.
    async fn send(&mut self, ledger: &Ledger) -> Result<u64> {
        let id = ledger.sent(self.agent);
        self.send_frame(format!("m{id}")).await?;
        Ok(id)
    }

    /// Waits for the answer to message `message` (`None`: the opening one).
    async fn answer_to(&mut self, message: Option<u64>) -> Result<Answer> {
        let index = self.index;
        let answer = tokio::time::timeout(
            DEADLINE,
            self.answers
                .wait_for(|a| a.is_some_and(|a| a.message == message)),
        )
        .await
        .map_err(|_| format!("visitor {index}: no answer to message {message:?}"))?
        .map_err(|_| format!("visitor {index}: socket closed"))?;
        (*answer).ok_or_else(|| "matched as answered".into())
    }
}

/// Connects the visitors (visitor `i` to relay `i mod relays`), a few at a
/// time.
async fn connect_visitors(
    relays: &[Relay],
    count: usize,
    ledger: &Arc<Ledger>,
) -> Result<Vec<Visitor>> {
    futures::stream::iter(0..count)
        .map(|i| connect_visitor(relays, i, ledger.clone()))
        .buffered(32)
        .try_collect()
        .await
}

async fn connect_visitor(relays: &[Relay], index: usize, ledger: Arc<Ledger>) -> Result<Visitor> {
    let relay = &relays[index % relays.len()];
    let (sink, stream) = greet_visitor(relay, index, HOST_PAGE).await?;
    let (answers_tx, answers) = watch::channel(None);
    tokio::spawn(read_visitor(stream, answers_tx, ledger));
    Ok(Visitor {
        index,
        agent: agent_of_visitor(index, relays.len()),
        sink,
        answers,
    })
}

/// Reads one widget socket: stamps the answers to its messages. The echo
/// of each message (the widget shows what is stored) is not decoded.
async fn read_visitor(
    stream: SplitStream<Ws>,
    answers: watch::Sender<Option<Answer>>,
    ledger: Arc<Ledger>,
) {
    read_texts(stream, |text, at| {
        let answer = if text.starts_with(r#"{"type":"ack""#) {
            match decode::<ServerFrame>(text) {
                Ok(ServerFrame::Ack {
                    client_id,
                    conversation_id,
                    ..
                }) => Some((client_id, Some(conversation_id), None)),
                _ => None,
            }
        } else if text.starts_with(r#"{"type":"error""#) {
            match decode::<ServerFrame>(text) {
                Ok(ServerFrame::Error {
                    code,
                    client_id: Some(client_id),
                    ..
                }) => Some((client_id, None, Some(code))),
                _ => None,
            }
        } else {
            None
        };
        if let Some((client_id, conversation, refused)) = answer {
            let message = message_number(&client_id);
            if let Some(id) = message {
                ledger.answered(id, at, refused.is_none());
            }
            answers.send_replace(Some(Answer {
                message,
                conversation,
                refused,
            }));
        }
        ControlFlow::Continue(())
    })
    .await;
}

/// Each visitor writes once, which starts their conversation; their agent
/// takes it (`accept`) and opens it (`open`), as the console does when an
/// agent takes a chat. The console then watches only the chat on screen
/// and learns of the others' new messages from the inbox's `conversation`
/// frames, which every agent gets; here each agent keeps all its chats
/// open, so every message has exactly one socket that must deliver it.
async fn start_conversations(
    visitors: &mut [Visitor],
    agents: &mut [Agent],
    counts: &FrameCounts,
) -> Result {
    let began = Instant::now();
    let opened: Vec<(usize, ConversationId)> = futures::stream::iter(visitors.iter_mut())
        .map(|visitor| async move {
            visitor.send_frame(OPENING.into()).await?;
            let answer = visitor.answer_to(None).await?;
            let conversation = answer.conversation.ok_or_else(|| {
                format!(
                    "visitor {}: the opening message was refused ({:?})",
                    visitor.index, answer.refused
                )
            })?;
            Ok::<_, String>((visitor.agent, conversation))
        })
        .buffer_unordered(32)
        .try_collect()
        .await?;
    println!(
        "{} conversations started: {:.1} s",
        thousands(opened.len()),
        began.elapsed().as_secs_f64()
    );
    let began = Instant::now();
    for (agent, conversation_id) in &opened {
        let agent = &mut agents[*agent];
        agent
            .send(AgentFrame::Accept {
                conversation_id: *conversation_id,
            })
            .await?;
        agent
            .send(AgentFrame::Open {
                conversation_id: *conversation_id,
                last_seq: 0,
            })
            .await?;
    }
    // Each open sends the conversation so far, the opening message in it.
    let deadline = Instant::now() + DRAIN;
    while counts.opened.load(Ordering::Relaxed) < opened.len() as u64 {
        if Instant::now() > deadline {
            return Err(format!(
                "only {} of {} conversations were opened within {DRAIN:?}",
                counts.opened.load(Ordering::Relaxed),
                opened.len()
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    println!(
        "{} conversations taken and opened by their agents: {:.1} s",
        thousands(opened.len()),
        began.elapsed().as_secs_f64()
    );
    Ok(())
}

// ---------------------------------------------------------------- the table

fn print_table(results: &[SetupResult]) {
    println!(
        "\n{:<18} {:<12} {:>8} {:>8} {:>9} {:>9} {:>9} {:>8} {:>11} {:>5} {:>5} {:>9}",
        "setup",
        "phase",
        "ack p50",
        "ack p99",
        "deliv p50",
        "deliv p99",
        "acked/s",
        "CPU/msg",
        "frames/msg",
        "lost",
        "dup",
        "RSS/idle"
    );
    println!(
        "{:<18} {:<12} {:>8} {:>8} {:>9} {:>9} {:>9} {:>8} {:>11} {:>5} {:>5} {:>9}",
        "", "", "ms", "ms", "ms", "ms", "msgs/s", "µs", "per agent", "", "", "visitor"
    );
    for result in results {
        for (i, p) in result.phases.iter().enumerate() {
            let rss = if i == 0 {
                format!("{:.1} KiB", result.rss_per_visitor / 1024.0)
            } else {
                String::new()
            };
            println!(
                "{:<18} {:<12} {:>8} {:>8} {:>9} {:>9} {:>9.0} {:>8.1} {:>11.2} {:>5} {:>5} {:>9}",
                result.name,
                p.name,
                ms(percentile(&p.ack, 50)),
                ms(percentile(&p.ack, 99)),
                ms(percentile(&p.delivery, 50)),
                ms(percentile(&p.delivery, 99)),
                p.throughput,
                p.cpu_per_message().as_secs_f64() * 1e6,
                p.frames_per_agent_message(),
                p.lost,
                p.duplicated,
                rss
            );
        }
    }
    println!(
        "(fixed-rate phases {} s each, closed loop {} s. Latencies are from just before the \
         visitor's send; acked/s is over the first send to the last ack. CPU is every relay \
         process's user + system time from the phase's start until the relays are quiet after \
         it, over the messages acked; PostgreSQL's and NATS's own CPU is not in it. \
         frames/msg: frames all agent sockets received ÷ messages ÷ {AGENTS} agents.)",
        FIXED_FOR.as_secs(),
        CLOSED_FOR.as_secs()
    );
}

/// Each target beside what each setup measured.
fn print_targets(results: &[SetupResult], visitors: usize) {
    let verdict = |met: bool| if met { "met" } else { "missed" };
    println!("\ntargets (printed for comparison, not asserted):");
    if let Some(sqlite) = results.iter().find(|r| r.name == "sqlite")
        && let Some(closed) = sqlite.phases.last()
    {
        println!(
            "  one relay, SQLite, closed loop ≥ {} persisted msgs/s: {:.0} msgs/s, {}",
            thousands(TARGET_CLOSED_LOOP as usize),
            closed.throughput,
            verdict(closed.throughput >= TARGET_CLOSED_LOOP)
        );
    }
    println!(
        "  p99 visitor → agent ≤ {} ms at {} msgs/s with {} visitors{}:",
        TARGET_DELIVERY_P99.as_millis(),
        thousands(RATES[1]),
        thousands(VISITORS),
        if visitors < VISITORS {
            format!(" (this run: {} visitors)", thousands(visitors))
        } else {
            String::new()
        }
    );
    for result in results {
        if let Some(phase) = result.phases.get(1) {
            let p99 = percentile(&phase.delivery, 99);
            println!(
                "    {}: {} ms, {}",
                result.name,
                ms(p99),
                verdict(p99 <= TARGET_DELIVERY_P99)
            );
        }
    }
    println!(
        "  ≤ {} µs relay CPU per relayed persisted message:",
        TARGET_CPU.as_micros()
    );
    for result in results {
        let each: Vec<String> = result
            .phases
            .iter()
            .map(|p| {
                let cpu = p.cpu_per_message();
                format!(
                    "{} {:.1} µs ({})",
                    p.name,
                    cpu.as_secs_f64() * 1e6,
                    verdict(cpu <= TARGET_CPU)
                )
            })
            .collect();
        println!("    {}: {}", result.name, each.join(", "));
    }
    println!(
        "  ≤ {} KiB relay memory per idle visitor socket:",
        TARGET_RSS / 1024.0
    );
    for result in results {
        println!(
            "    {}: {:.1} KiB, {}",
            result.name,
            result.rss_per_visitor / 1024.0,
            verdict(result.rss_per_visitor <= TARGET_RSS)
        );
    }
}
