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
//! limits per site keep their defaults here: 300 new conversations at
//! once, then 10 a second. Queueing 1,000 visitors is paced by that, and a
//! refused handoff is retried after a pause, its timing started again.

#[path = "common/mod.rs"]
mod common;

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use futures::stream::{SplitSink, SplitStream};
use futures::{SinkExt, StreamExt, TryStreamExt};
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::Message;
use warmline_shared::handoff::{Availability, ConversationState};
use warmline_shared::{
    AgentFrame, AgentId, ConversationId, ErrorCode, Place, ServerFrame, VisitorFrame, decode,
    encode,
};

use common::{
    Agent, DEADLINE, MAX_RETRIES, Relay, Result, SignedIn, Ws, greet_visitor, ms, percentile,
    read_texts, settle, sign_in_agents, thousands,
};

const AGENTS: usize = 100;
const VISITORS: usize = 1_000;
/// Chats each agent takes at once in part A.
const CAPACITY: u32 = 3;
const ROUNDS_ONLINE: usize = 300;
const ROUNDS_WAITING: usize = 200;
const ROUNDS_FRUSTRATED: usize = 50;
const TARGET_P99: Duration = Duration::from_millis(50);

/// After a handoff the site's limit refused: a little over the 100 ms in
/// which the limit allows one more.
const RETRY_PAUSE: Duration = Duration::from_millis(105);
/// How long the relay must stay quiet after setup steps.
const QUIET: Duration = Duration::from_millis(300);

/// Shouting and "!!!": frustrated, which puts a visitor first in the queue.
const FRUSTRATED: &str = "THIS IS THE THIRD TIME I ASK!!!";
/// How a desk frame starts (serde writes the tag first).
const DESK: &str = r#"{"type":"desk""#;

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
    let relay = Relay::start(binary, &[])?;
    println!("relay: {} (pid {})", binary.display(), relay.pid());

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

// ---------------------------------------------------------------- agents

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
    let signed = sign_in_agents(relay, AGENTS, |_| relay).await?;
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

async fn open_console(
    relay: &Relay,
    index: usize,
    signed: SignedIn,
    events: mpsc::UnboundedSender<AgentEvent>,
) -> Result<Agent> {
    let (agent, stream) = common::open_console(relay, index, &signed).await?;
    tokio::spawn(read_console(index, signed.id, stream, events));
    Ok(agent)
}

/// Reads one console: stamps offers as they come, and passes on when a
/// conversation offered to or taken by this agent is assigned or closed.
async fn read_console(
    agent: usize,
    me: AgentId,
    stream: SplitStream<Ws>,
    events: mpsc::UnboundedSender<AgentEvent>,
) {
    // The state last passed on for each of this agent's conversations.
    let mut mine: HashMap<ConversationId, ConversationState> = HashMap::new();
    read_texts(stream, |text, at| {
        // The desk (the whole team, sent to every console on any change of
        // availability or load) is the largest frame and is not needed
        // here: not decoding it keeps the benchmark's share of the cores,
        // which the relay needs too, small.
        if text.starts_with(DESK) {
            return ControlFlow::Continue(());
        }
        let event = match decode::<ServerFrame>(text) {
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
                    return ControlFlow::Continue(());
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
                    _ => return ControlFlow::Continue(()),
                }
            }
            Ok(ServerFrame::Error { code, message, .. }) => AgentEvent::Refused {
                agent,
                code,
                message,
            },
            _ => return ControlFlow::Continue(()),
        };
        match events.send(event) {
            Ok(()) => ControlFlow::Continue(()),
            Err(_) => ControlFlow::Break(()),
        }
    })
    .await;
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
    let (sink, stream) = greet_visitor(relay, index, &relay.url).await?;
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
    stream: SplitStream<Ws>,
    replies: mpsc::UnboundedSender<Reply>,
    place: watch::Sender<Option<Placed>>,
) {
    read_texts(stream, |text, at| {
        match decode::<ServerFrame>(text) {
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
        ControlFlow::Continue(())
    })
    .await;
}
