//! The handoff benchmark (`cargo xtask bench handoff`): the time from a
//! visitor's handoff to the `offer` frame reaching an agent's socket, with
//! 100 agents online and 1,000 visitors connected, then with 1,000 visitors
//! waiting, and the relay's CPU per round. The target is p99 ≤ 50 ms.
//!
//! Usage: `handoff_bench <path to the release relay binary>`.
//!
//! The relay runs as a process of its own so that its CPU time can be read
//! from `/proc/<pid>/stat`. Every socket is read by a task of its own, which
//! stamps the frames that matter as they arrive and passes them on through
//! channels: the measuring loop never has a socket to drain, and a frame's
//! time is when it came, not when the loop looked. Rounds run one after
//! another (closed loop), so each times one handoff alone.
//!
//! Limits. Each visitor and agent comes from an address of its own, told
//! to the relay in `X-Forwarded-For` with 127.0.0.1 as a trusted proxy (as
//! behind a reverse proxy in production), so the limits per address (sign-
//! ins, new visitors, new conversations) see 1,100 clients, not one. The
//! limits per site have no setting: 300 new conversations at once, then 10
//! a second. Queueing 1,000 visitors is paced by that, and a refused
//! handoff is retried after a pause, its timing started again.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use futures::stream::{SplitSink, SplitStream};
use futures::{SinkExt, StreamExt, TryStreamExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use warmline_shared::handoff::{Availability, ConversationState};
use warmline_shared::{
    AgentFrame, AgentId, ConversationId, ErrorCode, Place, ServerFrame, VisitorFrame, decode,
    encode,
};

const AGENTS: usize = 100;
const VISITORS: usize = 1_000;
/// Chats each agent takes at once in part A.
const CAPACITY: u32 = 3;
const ROUNDS_ONLINE: usize = 300;
const ROUNDS_WAITING: usize = 200;
const ROUNDS_FRUSTRATED: usize = 50;
const TARGET_P99: Duration = Duration::from_millis(50);

/// The longest any one expected frame may take: a guard against hanging
/// that names the round, not a wait (every step goes on as soon as its
/// frame comes).
const DEADLINE: Duration = Duration::from_secs(10);
/// After a handoff the site's limit refused: a little over the 100 ms in
/// which the limit allows one more.
const RETRY_PAUSE: Duration = Duration::from_millis(105);
const MAX_RETRIES: u32 = 50;
/// How long the relay must stay quiet after setup steps.
const QUIET: Duration = Duration::from_millis(300);

const OWNER: &str = "agent@demo.test";
/// The demo owner's and every agent's password.
const PASSWORD: &str = "benchmark password";
/// Shouting and "!!!": frustrated, which puts a visitor first in the queue.
const FRUSTRATED: &str = "THIS IS THE THIRD TIME I ASK!!!";
/// How a desk frame starts (serde writes the tag first).
const DESK: &str = r#"{"type":"desk""#;

type Result<T = ()> = std::result::Result<T, String>;
type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

#[tokio::main]
async fn main() -> ExitCode {
    let Some(binary) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: handoff_bench <path to the relay binary>");
        return ExitCode::from(2);
    };
    match run(&binary).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("handoff bench: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(binary: &Path) -> Result {
    let began = Instant::now();
    let relay = Relay::start(binary)?;
    println!("relay: {} (pid {})", binary.display(), relay.child.id());

    let setup = Instant::now();
    let (mut agents, mut events) = open_consoles(&relay).await?;
    let mut visitors = connect_visitors(&relay, 0..VISITORS).await?;
    for agent in &mut agents {
        agent
            .send(availability(Availability::Online, CAPACITY))
            .await?;
    }
    settle(&relay, QUIET).await?;
    println!(
        "setup: {AGENTS} agents signed in with a console open, online with capacity {CAPACITY}; \
         {} visitor sockets connected (hello, welcome): {:.1} s",
        thousands(VISITORS),
        setup.elapsed().as_secs_f64()
    );

    let online = online_rounds(&relay, &mut agents, &mut events, &mut visitors).await?;
    online.print(
        &format!(
            "A. handoff → offer: {AGENTS} agents online, {} visitors connected, queue empty",
            thousands(VISITORS)
        ),
        &["`person` sent by a visitor → `offer` at the agent routing picks"],
        "handoff (person, offer, accept, resolve)",
    );
    println!(
        "    (rounds back to back: each starts once the last one's resolve reached its agent)"
    );

    let (fill_time, mut waiting, fill_retries) =
        fill_queue(&relay, &mut agents, &mut events, &mut visitors).await?;
    println!(
        "\nqueueing {} visitors with every agent away took {:.1} s \
         (paced by the relay's per-site limit on new conversations, 300 at once then 10 a second; {fill_retries} refusals retried)",
        thousands(VISITORS),
        fill_time.as_secs_f64()
    );
    let queued = waiting_rounds(
        &relay,
        &mut agents,
        &mut events,
        &mut visitors,
        &mut waiting,
    )
    .await?;
    queued.print(
        &format!(
            "B. {} waiting, every agent away; each round one agent comes online with capacity 1",
            thousands(VISITORS)
        ),
        &["`availability` online sent → `offer` of the queue's head at that agent"],
        "round (online, offer, accept, away, resolve, that visitor back in the queue)",
    );
    println!("    (each round starts once the relay is quiet: the last round's fan-out is over)");

    let mut extra = connect_visitors(&relay, VISITORS..VISITORS + 1 + ROUNDS_FRUSTRATED).await?;
    let frustrated = frustrated_rounds(&relay, &mut agents, &mut events, &mut extra).await?;
    frustrated.print(
        &format!(
            "C. a frustrated visitor (\"{FRUSTRATED}\") with {} waiting and one agent online, busy at capacity 1",
            thousands(VISITORS)
        ),
        &[
            "message sent → the visitor told they are first in the queue",
            "the agent resolves its chat (a slot frees) → `offer` of the frustrated visitor, ahead of the 1,000",
        ],
        "round (message, queue, resolve, offer, accept)",
    );
    println!(
        "    (routing offers the queue's head as soon as an agent has room, so with 1,000 waiting no agent\n     \
         is ever free when a visitor hands off: the slot frees after, and C times both steps; the slot\n     \
         frees once the relay is quiet again, the 1,000 others having been told they moved back)"
    );

    println!("\ntarget: p99 ≤ {} ms", TARGET_P99.as_millis());
    for (name, phase) in [("A", &online), ("B", &queued), ("C", &frustrated)] {
        for ((what, offer), samples) in phase.timings.iter().zip(&phase.samples) {
            if !offer {
                println!("    {name}, {what}: not an offer (no target)");
                continue;
            }
            let p99 = percentile(samples, 99);
            let verdict = if p99 <= TARGET_P99 { "met" } else { "MISSED" };
            println!("    {name}, {what}: p99 {} ms, {verdict}", ms(p99));
        }
    }
    println!("total run time: {:.0} s", began.elapsed().as_secs_f64());
    Ok(())
}

// ---------------------------------------------------------------- phases

/// What one part measured: one list of samples per timing, and the relay's
/// CPU time over its rounds.
struct Phase {
    /// A short name for each timing, and whether it ends at an offer (the
    /// target is for those).
    timings: Vec<(&'static str, bool)>,
    samples: Vec<Vec<Duration>>,
    cpu: Duration,
    rounds: usize,
    retries: u32,
}

impl Phase {
    fn print(&self, title: &str, timings: &[&str], round: &str) {
        println!("\n{title}");
        for (what, samples) in timings.iter().zip(&self.samples) {
            println!("    {what}:");
            println!(
                "        p50 {} ms, p99 {} ms, max {} ms ({} rounds)",
                ms(percentile(samples, 50)),
                ms(percentile(samples, 99)),
                ms(samples.iter().copied().max().unwrap_or_default()),
                samples.len()
            );
        }
        println!(
            "    relay CPU (user + system) per {round}: {} ms",
            ms(self.cpu / self.rounds.max(1) as u32)
        );
        if self.retries > 0 {
            println!(
                "    ({} handoffs refused by the site's limit were retried; only the accepted send is timed)",
                self.retries
            );
        }
    }
}

/// A: each round one connected visitor asks for a person. Timed from just
/// before the `person` frame goes to the `offer` reaching whichever agent
/// routing picks, who accepts and resolves it at once (freeing the slot).
async fn online_rounds(
    relay: &Relay,
    agents: &mut [Agent],
    events: &mut AgentEvents,
    visitors: &mut [Visitor],
) -> Result<Phase> {
    let cpu_before = relay.cpu()?;
    let mut samples = Vec::with_capacity(ROUNDS_ONLINE);
    let mut retries = 0;
    for (round, visitor) in visitors.iter_mut().take(ROUNDS_ONLINE).enumerate() {
        let fail = |e: String| format!("part A, round {round}: {e}");
        let handed = visitor.hand_off(None).await.map_err(fail)?;
        retries += handed.retries;
        let (agent, at) = events.offer_of(handed.conversation).await.map_err(fail)?;
        samples.push(at - handed.sent_at);
        let agent = &mut agents[agent];
        agent
            .send(accept(handed.conversation))
            .await
            .map_err(fail)?;
        agent
            .send(resolve(handed.conversation))
            .await
            .map_err(fail)?;
        events
            .closed(agent.index, handed.conversation)
            .await
            .map_err(fail)?;
    }
    Ok(Phase {
        timings: vec![("person → offer", true)],
        samples: vec![samples],
        cpu: relay.cpu()? - cpu_before,
        rounds: ROUNDS_ONLINE,
        retries,
    })
}

/// Every agent goes away, then every visitor asks for a person: 1,000
/// waiting and nobody offered any. Returns how long it took, which visitor
/// waits in which conversation, and how many refusals were retried.
async fn fill_queue(
    relay: &Relay,
    agents: &mut [Agent],
    events: &mut AgentEvents,
    visitors: &mut [Visitor],
) -> Result<(Duration, HashMap<ConversationId, usize>, u32)> {
    for agent in agents.iter_mut() {
        agent.send(availability(Availability::Away, 1)).await?;
    }
    // Each console applies its own frames in order; once the relay is
    // quiet, every agent is away.
    settle(relay, QUIET).await?;
    let began = Instant::now();
    let mut waiting = HashMap::new();
    let mut retries = 0;
    let mut last = None;
    for (i, visitor) in visitors.iter_mut().enumerate() {
        let handed = visitor
            .hand_off(None)
            .await
            .map_err(|e| format!("queueing visitor {i}: {e}"))?;
        retries += handed.retries;
        waiting.insert(handed.conversation, i);
        last = Some(handed.conversation);
        if (i + 1) % 250 == 0 {
            eprintln!(
                "    {} visitors waiting ({:.0} s)",
                thousands(i + 1),
                began.elapsed().as_secs_f64()
            );
        }
    }
    // The last one is told its place once routing has looked at the queue.
    let want = u32::try_from(VISITORS).map_err(|e| e.to_string())?;
    let visitor = visitors.last_mut().ok_or("no visitors")?;
    visitor
        .wait_place(&format!("position {want} in the queue"), |p| {
            Some(p.conversation) == last && p.place.position == Some(want)
        })
        .await?;
    let elapsed = began.elapsed();
    settle(relay, QUIET).await?;
    let stray = events.stray_offers();
    if stray > 0 {
        return Err(format!(
            "{stray} offers were made while every agent was away"
        ));
    }
    Ok((elapsed, waiting, retries))
}

/// B: with 1,000 waiting and every agent away, one agent (a different one
/// each round) comes online with capacity 1 and is offered the queue's
/// head: timed from the `availability` frame to the `offer`. The agent
/// accepts, goes away again and resolves; that visitor then asks again and
/// goes to the back, so every round starts with 1,000 waiting.
async fn waiting_rounds(
    relay: &Relay,
    agents: &mut [Agent],
    events: &mut AgentEvents,
    visitors: &mut [Visitor],
    waiting: &mut HashMap<ConversationId, usize>,
) -> Result<Phase> {
    let cpu_before = relay.cpu()?;
    let mut samples = Vec::with_capacity(ROUNDS_WAITING);
    let mut retries = 0;
    let full = u32::try_from(VISITORS).map_err(|e| e.to_string())?;
    for round in 0..ROUNDS_WAITING {
        let fail = |e: String| format!("part B, round {round}: {e}");
        // The last round's fan-out (999 visitors told they moved up) is
        // over before this one starts: each round times one offer alone.
        settle(relay, Duration::from_millis(100))
            .await
            .map_err(fail)?;
        let agent = &mut agents[round % AGENTS];
        let sent_at = Instant::now();
        agent
            .send(availability(Availability::Online, 1))
            .await
            .map_err(fail)?;
        let (conversation, at) = events.offer_to(agent.index).await.map_err(fail)?;
        samples.push(at - sent_at);
        // One socket's frames are applied in order: once the resolve shows,
        // the agent is away again and cannot be offered the next head.
        agent.send(accept(conversation)).await.map_err(fail)?;
        agent
            .send(availability(Availability::Away, 1))
            .await
            .map_err(fail)?;
        agent.send(resolve(conversation)).await.map_err(fail)?;
        events
            .closed(agent.index, conversation)
            .await
            .map_err(fail)?;

        let index = waiting
            .remove(&conversation)
            .ok_or_else(|| fail(format!("offered {conversation:?}, which nobody queued")))?;
        let visitor = &mut visitors[index];
        visitor
            .wait_place("their conversation closed", |p| {
                p.conversation == conversation && p.place.state == ConversationState::Closed
            })
            .await
            .map_err(fail)?;
        let handed = visitor.hand_off(None).await.map_err(fail)?;
        retries += handed.retries;
        visitor
            .wait_place("back in the queue, last of 1,000", |p| {
                p.conversation == handed.conversation && p.place.position == Some(full)
            })
            .await
            .map_err(fail)?;
        waiting.insert(handed.conversation, index);
    }
    Ok(Phase {
        timings: vec![("online → offer", true)],
        samples: vec![samples],
        cpu: relay.cpu()? - cpu_before,
        rounds: ROUNDS_WAITING,
        retries,
    })
}

/// C: 1,000 waiting; one agent online with capacity 1, busy with a chat
/// (so routing cannot offer it anything). A new visitor writes
/// frustrated: timed to being told they are first in the queue. Then the
/// agent resolves its chat: timed to the offer, which must be that
/// visitor's, not the old head's. The agent takes it, and it is the chat
/// resolved in the next round. `extra` is one visitor to give the agent
/// its first chat, then one per round.
async fn frustrated_rounds(
    relay: &Relay,
    agents: &mut [Agent],
    events: &mut AgentEvents,
    extra: &mut [Visitor],
) -> Result<Phase> {
    let (holder, frustrated) = extra.split_first_mut().ok_or("no extra visitors")?;
    let agent = &mut agents[0];
    // The agent takes this visitor's conversation straight from the queue
    // while away, then comes online already full: nothing to offer.
    let held = holder.hand_off(None).await?;
    holder
        .wait_place("waiting", |p| {
            p.conversation == held.conversation && p.place.state == ConversationState::Waiting
        })
        .await?;
    agent.send(accept(held.conversation)).await?;
    events.assigned(agent.index, held.conversation).await?;
    agent.send(availability(Availability::Online, 1)).await?;
    settle(relay, QUIET).await?;
    if events.stray_offers() > 0 {
        return Err("part C: the busy agent was offered a chat".into());
    }

    let cpu_before = relay.cpu()?;
    let mut to_head = Vec::with_capacity(ROUNDS_FRUSTRATED);
    let mut to_offer = Vec::with_capacity(ROUNDS_FRUSTRATED);
    let mut retries = held.retries;
    let mut held = held.conversation;
    for (round, visitor) in frustrated.iter_mut().enumerate() {
        let fail = |e: String| format!("part C, round {round}: {e}");
        let handed = visitor.hand_off(Some(FRUSTRATED)).await.map_err(fail)?;
        retries += handed.retries;
        let first = visitor
            .wait_place("first in the queue", |p| {
                p.conversation == handed.conversation && p.place.position == Some(1)
            })
            .await
            .map_err(fail)?;
        to_head.push(first.at - handed.sent_at);
        // The other 1,000 visitors are told they moved back one place; let
        // that fan-out finish, so the offer is timed alone, as in B.
        settle(relay, Duration::from_millis(100))
            .await
            .map_err(fail)?;

        let freed_at = Instant::now();
        agent.send(resolve(held)).await.map_err(fail)?;
        let (offered, at) = events.offer_to(agent.index).await.map_err(fail)?;
        if offered != handed.conversation {
            return Err(fail(format!(
                "offered {offered:?}, not the frustrated visitor's {:?}",
                handed.conversation
            )));
        }
        to_offer.push(at - freed_at);
        agent.send(accept(offered)).await.map_err(fail)?;
        events.closed(agent.index, held).await.map_err(fail)?;
        events.assigned(agent.index, offered).await.map_err(fail)?;
        held = offered;
    }
    let cpu = relay.cpu()? - cpu_before;
    agent.send(availability(Availability::Away, 1)).await?;
    agent.send(resolve(held)).await?;
    events.closed(agent.index, held).await?;
    Ok(Phase {
        timings: vec![
            ("frustrated → first in queue", false),
            ("slot freed → offer", true),
        ],
        samples: vec![to_head, to_offer],
        cpu,
        rounds: ROUNDS_FRUSTRATED,
        retries,
    })
}

// ---------------------------------------------------------------- the relay

/// The relay binary as a child process on a fresh data directory, with the
/// demo site. Killed when dropped.
struct Relay {
    child: Child,
    /// `http://127.0.0.1:PORT`, which is also the origin its pages have.
    url: String,
    ws: String,
    clock_ticks: u64,
    _data: tempfile::TempDir,
}

impl Relay {
    fn start(binary: &Path) -> Result<Self> {
        let data = tempfile::tempdir().map_err(|e| format!("no temporary directory: {e}"))?;
        let mut child = Command::new(binary)
            .env("WARMLINE_ADDR", "127.0.0.1:0")
            .env("WARMLINE_DATA_DIR", data.path())
            .env("WARMLINE_DEMO", "1")
            .env("WARMLINE_DEMO_PASSWORD", PASSWORD)
            // The benchmark is the reverse proxy: it says which address
            // each visitor and agent comes from (see the top of this file).
            .env("WARMLINE_TRUSTED_PROXIES", "127.0.0.1")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
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
                eprintln!("[relay] {line}");
            }
        });
        let url = url_rx
            .recv_timeout(DEADLINE)
            .map_err(|_| "the relay did not say where it listens".to_owned())?;
        Ok(Self {
            ws: url.replacen("http://", "ws://", 1),
            url,
            child,
            clock_ticks: clock_ticks(),
            _data: data,
        })
    }

    /// The CPU time (user + system, every thread) the relay has used so far.
    fn cpu(&self) -> Result<Duration> {
        let path = format!("/proc/{}/stat", self.child.id());
        let stat = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
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
        Ok(Duration::from_secs_f64(
            total as f64 / self.clock_ticks as f64,
        ))
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Clock ticks per second, the unit of `/proc/<pid>/stat`'s times.
fn clock_ticks() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100)
}

/// Waits until the relay is quiet (under 10 % of a core over `window`):
/// the fan-out of what was just done is finished before anything is timed.
async fn settle(relay: &Relay, window: Duration) -> Result {
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

// ---------------------------------------------------------------- agents

/// An agent's console socket, the sending half; a task reads the other.
struct Agent {
    index: usize,
    sink: SplitSink<Ws, Message>,
}

impl Agent {
    async fn send(&mut self, frame: AgentFrame) -> Result {
        self.sink
            .send(Message::Text(encode(&frame).into()))
            .await
            .map_err(|e| format!("agent {}: {e}", self.index))
    }
}

fn availability(availability: Availability, capacity: u32) -> AgentFrame {
    AgentFrame::Availability {
        availability,
        capacity,
    }
}

fn accept(conversation_id: ConversationId) -> AgentFrame {
    AgentFrame::Accept { conversation_id }
}

fn resolve(conversation_id: ConversationId) -> AgentFrame {
    AgentFrame::Resolve {
        conversation_id,
        resolution: "solved".into(),
    }
}

/// What the console readers pass on, with the agent's index.
#[derive(Debug)]
enum AgentEvent {
    Offer {
        agent: usize,
        conversation: ConversationId,
        at: Instant,
    },
    Assigned {
        agent: usize,
        conversation: ConversationId,
    },
    Closed {
        agent: usize,
        conversation: ConversationId,
    },
    Refused {
        agent: usize,
        code: ErrorCode,
        message: String,
    },
    Gone {
        agent: usize,
    },
}

impl AgentEvent {
    fn conversation(&self) -> Option<ConversationId> {
        match self {
            Self::Offer { conversation, .. }
            | Self::Assigned { conversation, .. }
            | Self::Closed { conversation, .. } => Some(*conversation),
            _ => None,
        }
    }
}

/// Every console's events in one queue; those that come before anyone
/// asks for them are kept until asked for.
struct AgentEvents {
    rx: mpsc::UnboundedReceiver<AgentEvent>,
    unclaimed: Vec<AgentEvent>,
}

impl AgentEvents {
    /// The first event `wanted` accepts, within the deadline. Any refusal
    /// or closed console fails the run: nothing here should cause one.
    async fn wait(
        &mut self,
        what: &str,
        wanted: impl Fn(&AgentEvent) -> bool,
    ) -> Result<AgentEvent> {
        if let Some(i) = self.unclaimed.iter().position(&wanted) {
            return Ok(self.unclaimed.remove(i));
        }
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            let event = match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Err(_) => return Err(format!("no {what} within {} s", DEADLINE.as_secs())),
                Ok(None) => return Err("every console closed".into()),
                Ok(Some(event)) => event,
            };
            match event {
                AgentEvent::Refused {
                    agent,
                    code,
                    message,
                } => return Err(format!("agent {agent} was refused ({code:?}): {message}")),
                AgentEvent::Gone { agent } => {
                    return Err(format!("agent {agent}'s console closed"));
                }
                event if wanted(&event) => return Ok(event),
                event => self.unclaimed.push(event),
            }
        }
    }

    /// Who was offered the conversation, and when the offer came.
    async fn offer_of(&mut self, id: ConversationId) -> Result<(usize, Instant)> {
        let event = self
            .wait(
                &format!("offer of {id:?}"),
                |e| matches!(e, AgentEvent::Offer { conversation, .. } if *conversation == id),
            )
            .await?;
        match event {
            AgentEvent::Offer { agent, at, .. } => Ok((agent, at)),
            _ => unreachable!("matched as an offer"),
        }
    }

    /// The next conversation offered to `agent`, and when the offer came.
    async fn offer_to(&mut self, agent: usize) -> Result<(ConversationId, Instant)> {
        let event = self
            .wait(
                &format!("offer to agent {agent}"),
                |e| matches!(e, AgentEvent::Offer { agent: a, .. } if *a == agent),
            )
            .await?;
        match event {
            AgentEvent::Offer {
                conversation, at, ..
            } => Ok((conversation, at)),
            _ => unreachable!("matched as an offer"),
        }
    }

    async fn assigned(&mut self, agent: usize, id: ConversationId) -> Result {
        self.wait(&format!("{id:?} assigned to agent {agent}"), |e| {
            matches!(e, AgentEvent::Assigned { agent: a, conversation } if *a == agent && *conversation == id)
        })
        .await
        .map(drop)
    }

    /// Waits for the conversation to show closed at `agent`, and forgets
    /// what else was kept about it.
    async fn closed(&mut self, agent: usize, id: ConversationId) -> Result {
        self.wait(&format!("{id:?} closed at agent {agent}"), |e| {
            matches!(e, AgentEvent::Closed { agent: a, conversation } if *a == agent && *conversation == id)
        })
        .await?;
        self.unclaimed.retain(|e| e.conversation() != Some(id));
        Ok(())
    }

    /// How many offers came that nobody asked for.
    fn stray_offers(&mut self) -> usize {
        while let Ok(event) = self.rx.try_recv() {
            self.unclaimed.push(event);
        }
        self.unclaimed
            .iter()
            .filter(|e| matches!(e, AgentEvent::Offer { .. }))
            .count()
    }
}

/// Adds the agents to the demo site, signs each in and opens their
/// console (which puts them online).
async fn open_consoles(relay: &Relay) -> Result<(Vec<Agent>, AgentEvents)> {
    let http = reqwest::Client::new();
    let owner = sign_in(&http, relay, OWNER, "10.1.255.1".into()).await?;
    let emails: Vec<String> = (0..AGENTS)
        .map(|i| format!("agent{i}@bench.test"))
        .collect();
    // Hashing a password takes a core, and the relay refuses a request that
    // waits long for a turn: two at a time, one per core.
    futures::stream::iter(emails.iter().enumerate())
        .map(|(i, email)| add_member(&http, relay, &owner.cookie, i, email))
        .buffer_unordered(2)
        .try_collect::<Vec<()>>()
        .await?;
    let signed: Vec<SignedIn> = futures::stream::iter(emails.iter().enumerate())
        .map(|(i, email)| sign_in(&http, relay, email, agent_address(i)))
        .buffered(2)
        .try_collect()
        .await?;
    let (tx, rx) = mpsc::unbounded_channel();
    let agents = futures::stream::iter(signed.into_iter().enumerate())
        .map(|(i, signed)| open_console(relay, i, signed, tx.clone()))
        .buffered(8)
        .try_collect()
        .await?;
    let events = AgentEvents {
        rx,
        unclaimed: Vec::new(),
    };
    Ok((agents, events))
}

fn agent_address(i: usize) -> String {
    format!("10.1.{}.{}", i / 250, i % 250 + 1)
}

struct SignedIn {
    /// `warmline_session=…`, as the console's requests send it.
    cookie: String,
    id: AgentId,
}

/// Signs in from `address`; retries while the relay says it is busy.
async fn sign_in(
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

async fn open_console(
    relay: &Relay,
    index: usize,
    signed: SignedIn,
    events: mpsc::UnboundedSender<AgentEvent>,
) -> Result<Agent> {
    let ws = connect(relay, "/ws/agent", &[("cookie", signed.cookie)]).await?;
    let (sink, mut stream) = ws.split();
    match first_frame(&mut stream).await? {
        ServerFrame::Inbox { .. } => {}
        other => return Err(format!("agent {index}: expected the inbox, got {other:?}")),
    }
    tokio::spawn(read_console(index, signed.id, stream, events));
    Ok(Agent { index, sink })
}

/// Reads one console: stamps offers as they come, and passes on when a
/// conversation offered to or taken by this agent is assigned or closed.
async fn read_console(
    agent: usize,
    me: AgentId,
    mut stream: SplitStream<Ws>,
    events: mpsc::UnboundedSender<AgentEvent>,
) {
    // The state last passed on for each of this agent's conversations.
    let mut mine: HashMap<ConversationId, ConversationState> = HashMap::new();
    while let Some(Ok(message)) = stream.next().await {
        let Message::Text(text) = message else {
            continue;
        };
        let at = Instant::now();
        // The desk (the whole team, sent to every console on any change of
        // availability or load) is the largest frame and is not needed
        // here: not decoding it keeps the benchmark's share of the cores,
        // which the relay needs too, small.
        if text.as_str().starts_with(DESK) {
            continue;
        }
        let event = match decode::<ServerFrame>(text.as_str()) {
            Ok(ServerFrame::Offer { conversation, .. }) => {
                mine.insert(conversation.id, ConversationState::Waiting);
                AgentEvent::Offer {
                    agent,
                    conversation: conversation.id,
                    at,
                }
            }
            Ok(ServerFrame::Conversation { conversation: c })
                if c.assigned_to == Some(me) || mine.contains_key(&c.id) =>
            {
                if mine.insert(c.id, c.state) == Some(c.state) {
                    continue;
                }
                match c.state {
                    ConversationState::Assigned => AgentEvent::Assigned {
                        agent,
                        conversation: c.id,
                    },
                    ConversationState::Closed => AgentEvent::Closed {
                        agent,
                        conversation: c.id,
                    },
                    _ => continue,
                }
            }
            Ok(ServerFrame::Error { code, message, .. }) => AgentEvent::Refused {
                agent,
                code,
                message,
            },
            _ => continue,
        };
        if events.send(event).is_err() {
            return;
        }
    }
    let _ = events.send(AgentEvent::Gone { agent });
}

// ---------------------------------------------------------------- visitors

/// A visitor's widget socket, the sending half; a task reads the other.
struct Visitor {
    index: usize,
    sink: SplitSink<Ws, Message>,
    /// Answers to this visitor's messages.
    replies: mpsc::UnboundedReceiver<Reply>,
    /// Where their conversation last was in the handoff, and when told.
    place: watch::Receiver<Option<Placed>>,
    sent: u32,
}

enum Reply {
    Stored {
        client_id: String,
        conversation: ConversationId,
    },
    Refused {
        client_id: String,
        code: ErrorCode,
    },
}

#[derive(Debug, Clone, Copy)]
struct Placed {
    conversation: ConversationId,
    place: Place,
    at: Instant,
}

/// A handoff the relay stored: when the accepted send left, in which
/// conversation, and how many earlier sends the site's limit refused.
struct HandedOff {
    sent_at: Instant,
    conversation: ConversationId,
    retries: u32,
}

impl Visitor {
    async fn send(&mut self, frame: &VisitorFrame) -> Result {
        self.sink
            .send(Message::Text(encode(frame).into()))
            .await
            .map_err(|e| format!("visitor {}: {e}", self.index))
    }

    /// Asks for a person (`text` None: the widget's button) or writes
    /// `text`, and waits for the relay to store it. A send the site's limit
    /// refuses is sent again after a pause; the time is that of the send
    /// that was stored.
    async fn hand_off(&mut self, text: Option<&str>) -> Result<HandedOff> {
        for retries in 0..MAX_RETRIES {
            self.sent += 1;
            let client_id = format!("m{}", self.sent);
            let frame = match text {
                None => VisitorFrame::Person {
                    client_id: client_id.clone(),
                    article: None,
                    declined: false,
                },
                Some(text) => VisitorFrame::Send {
                    client_id: client_id.clone(),
                    text: text.into(),
                    attachment: None,
                },
            };
            let sent_at = Instant::now();
            self.send(&frame).await?;
            match self.reply_to(&client_id).await? {
                Reply::Stored { conversation, .. } => {
                    return Ok(HandedOff {
                        sent_at,
                        conversation,
                        retries,
                    });
                }
                Reply::Refused {
                    code: ErrorCode::RateLimited,
                    ..
                } => tokio::time::sleep(RETRY_PAUSE).await,
                Reply::Refused { code, .. } => {
                    return Err(format!("visitor {}: refused ({code:?})", self.index));
                }
            }
        }
        Err(format!(
            "visitor {}: refused {MAX_RETRIES} times",
            self.index
        ))
    }

    async fn reply_to(&mut self, client_id: &str) -> Result<Reply> {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            let reply = tokio::time::timeout_at(deadline, self.replies.recv())
                .await
                .map_err(|_| format!("visitor {}: no answer to {client_id}", self.index))?
                .ok_or_else(|| format!("visitor {}: socket closed", self.index))?;
            let id = match &reply {
                Reply::Stored { client_id, .. } | Reply::Refused { client_id, .. } => client_id,
            };
            if id == client_id {
                return Ok(reply);
            }
        }
    }

    /// Waits until the visitor has been told a place `wanted` accepts.
    async fn wait_place(&mut self, what: &str, wanted: impl Fn(&Placed) -> bool) -> Result<Placed> {
        let seen = tokio::time::timeout(
            DEADLINE,
            self.place.wait_for(|p| p.as_ref().is_some_and(&wanted)),
        )
        .await
        .map_err(|_| format!("visitor {}: not told {what}", self.index))?
        .map_err(|_| format!("visitor {}: socket closed", self.index))?;
        (*seen).ok_or_else(|| "matched as told".into())
    }
}

/// Connects visitors `range` (each from an address of its own) and says
/// hello for each, a few at a time.
async fn connect_visitors(relay: &Relay, range: std::ops::Range<usize>) -> Result<Vec<Visitor>> {
    futures::stream::iter(range)
        .map(|i| connect_visitor(relay, i))
        .buffered(16)
        .try_collect()
        .await
}

async fn connect_visitor(relay: &Relay, index: usize) -> Result<Visitor> {
    let address = format!("10.2.{}.{}", index / 250, index % 250 + 1);
    let ws = connect(relay, "/ws/visitor", &[("x-forwarded-for", address)]).await?;
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
        ServerFrame::Welcome { .. } => {}
        other => return Err(format!("visitor {index}: expected welcome, got {other:?}")),
    }
    let (replies_tx, replies) = mpsc::unbounded_channel();
    let (place_tx, place) = watch::channel(None);
    tokio::spawn(read_visitor(stream, replies_tx, place_tx));
    Ok(Visitor {
        index,
        sink,
        replies,
        place,
        sent: 0,
    })
}

/// Reads one widget socket: answers to its messages, and its place in the
/// handoff (only the latest is kept: the queue's moves are many).
async fn read_visitor(
    mut stream: SplitStream<Ws>,
    replies: mpsc::UnboundedSender<Reply>,
    place: watch::Sender<Option<Placed>>,
) {
    while let Some(Ok(message)) = stream.next().await {
        let Message::Text(text) = message else {
            continue;
        };
        let at = Instant::now();
        match decode::<ServerFrame>(text.as_str()) {
            Ok(ServerFrame::Ack {
                client_id,
                conversation_id,
                ..
            }) => {
                let _ = replies.send(Reply::Stored {
                    client_id,
                    conversation: conversation_id,
                });
            }
            Ok(ServerFrame::Error {
                code,
                client_id: Some(client_id),
                ..
            }) => {
                let _ = replies.send(Reply::Refused { client_id, code });
            }
            Ok(ServerFrame::Handoff {
                conversation_id,
                place: told,
            }) => {
                place.send_replace(Some(Placed {
                    conversation: conversation_id,
                    place: told,
                    at,
                }));
            }
            _ => {}
        }
    }
}

// ---------------------------------------------------------------- sockets

/// A WebSocket to the relay from its own origin, with `headers` besides.
async fn connect(relay: &Relay, path: &str, headers: &[(&'static str, String)]) -> Result<Ws> {
    let mut request = format!("{}{path}", relay.ws)
        .into_client_request()
        .map_err(|e| e.to_string())?;
    let value = |v: &str| HeaderValue::from_str(v).map_err(|e| e.to_string());
    request.headers_mut().insert("origin", value(&relay.url)?);
    for (name, v) in headers {
        request.headers_mut().insert(*name, value(v)?);
    }
    let (ws, _) = tokio::time::timeout(DEADLINE, tokio_tungstenite::connect_async(request))
        .await
        .map_err(|_| format!("connecting to {path} timed out"))?
        .map_err(|e| format!("connecting to {path}: {e}"))?;
    Ok(ws)
}

/// The first frame the relay sends on a new socket.
async fn first_frame(stream: &mut SplitStream<Ws>) -> Result<ServerFrame> {
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

// ---------------------------------------------------------------- figures

/// The nearest-rank percentile.
fn percentile(samples: &[Duration], p: usize) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted[rank.min(sorted.len()) - 1]
}

/// 1000 as "1,000".
fn thousands(n: usize) -> String {
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

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}
