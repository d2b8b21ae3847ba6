//! Faults, bounded: the relay killed mid-burst, a storm of reconnects, and a
//! reader that stops reading. Loopback only; every loop is bounded in count
//! and time and waits on conditions, never on fixed sleeps.
//!
//! The tests here take a shared lock so they run one after another: they are
//! heavy for two cores, and the slow-reader test measures this process's
//! memory, which the others would disturb.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt, stream};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use warmline_shared::{ChatMessage, ConversationId, ErrorCode, Seq, ServerFrame, VisitorFrame};

use crate::helpers::{
    Client, RelayProcess, TestRelay, hello, is_routing, loose_limits, reply, say,
};

/// One fault test at a time (see the module's doc).
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// How long one expected frame, start or step may take before the test fails.
const DEADLINE: Duration = Duration::from_secs(10);

/// Replies one agent socket sends before the next takes over, so several
/// sockets post in parallel.
const AGENT_BURST: usize = 20;

/// A frame of a type no endpoint knows. The relay answers it with an
/// `unknown_type` error after everything it sent before, so the error marks
/// the end of a backlog without waiting for silence.
const FENCE: &str = r#"{"type":"fence"}"#;

// ---------------------------------------------------------------------------
// 1. SIGKILL mid-burst
// ---------------------------------------------------------------------------

/// Visitors this test runs, and how many acks (in total, per cycle) each kill
/// waits for before it lands; each cycle is one kill and one restart.
const BURST_VISITORS: usize = 40;
const KILL_AFTER_ACKS: [usize; 3] = [60, 150, 250];
/// The relay believes the address each test connection forwards, so the
/// visitors come from many addresses, as real ones do, and each is held
/// only to its own limits.
const BEHIND_PROXY: &[&str] = &["--trusted-proxies", "127.0.0.1"];

/// A visitor sends at most this many messages per cycle (a bound, not a goal).
const MAX_SENDS_PER_CYCLE: usize = 2_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigkill_mid_burst_loses_and_doubles_nothing_acknowledged() {
    let _serial = SERIAL.lock().await;
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();

    let mut relay = RelayProcess::start_with(dir.path(), BEHIND_PROXY).await;
    let mut visitors = Vec::new();
    for v in 0..BURST_VISITORS {
        let mut socket = Wire::visitor(&relay.url).await.expect("relay reachable");
        socket.send_visitor(&hello(None, 0)).await.unwrap();
        let token = match socket.next().await {
            Some(ServerFrame::Welcome { token, .. }) => token,
            other => panic!("expected welcome, got {other:?}"),
        };
        socket.close().await;
        visitors.push(BurstVisitor::new(v, token));
    }

    let (mut total_stored_unacked, mut total_resent) = (0, 0);
    for (cycle, kill_after) in KILL_AFTER_ACKS.into_iter().enumerate() {
        let acks = Arc::new(AtomicUsize::new(0));
        let acked = Arc::new(Notify::new());
        let bursts: Vec<_> = visitors
            .drain(..)
            .map(|visitor| {
                tokio::spawn(visitor.burst(relay.url.clone(), cycle, acks.clone(), acked.clone()))
            })
            .collect();

        // Kill as soon as enough acks have come back; the bursts are still going.
        let deadline = tokio::time::Instant::now() + DEADLINE;
        while acks.load(Ordering::SeqCst) < kill_after {
            tokio::time::timeout_at(deadline, acked.notified())
                .await
                .unwrap_or_else(|_| {
                    panic!(
                        "only {} of {kill_after} acks in cycle {cycle}",
                        acks.load(Ordering::SeqCst)
                    )
                });
        }
        let acks_at_kill = acks.load(Ordering::SeqCst);
        relay.kill();
        for burst in bursts {
            let visitor = tokio::time::timeout(DEADLINE, burst)
                .await
                .expect("a visitor notices the kill")
                .expect("the burst task does not panic");
            visitors.push(visitor);
        }
        let acked_this_cycle = acks.load(Ordering::SeqCst);
        let in_flight = visitors.iter().filter(|v| v.in_flight.is_some()).count();

        // Restart on the same data; each visitor reads its whole history.
        let restart = Instant::now();
        relay = RelayProcess::start_with(dir.path(), BEHIND_PROXY).await;
        let restarted_in = restart.elapsed();
        let (mut stored_unacked, mut lost, mut duplicated) = (0, 0, 0);
        for visitor in &mut visitors {
            let mut socket = Wire::visitor(&relay.url).await.expect("relay reachable");
            let history = socket.history(&visitor.token).await;
            let check = visitor.check(&history);
            lost += check.lost;
            duplicated += check.duplicated;
            assert_eq!(check.lost, 0, "visitor {}: {check:?}", visitor.id);
            assert_eq!(check.duplicated, 0, "visitor {}: {check:?}", visitor.id);
            assert!(check.gapless, "visitor {}: {check:?}", visitor.id);
            assert!(
                check.unexpected.is_empty(),
                "visitor {}: {check:?}",
                visitor.id
            );
            if check.in_flight_stored.is_some() {
                stored_unacked += 1;
            }
            // Resend what was in flight, under its own id: stored once, acked.
            if let Some((client_id, text)) = visitor.in_flight.take() {
                socket.send_visitor(&say(&client_id, &text)).await.unwrap();
                let seq = socket.ack(&client_id).await.expect("an ack for the resend");
                let expected = check.in_flight_stored.unwrap_or(history.len() as Seq + 1);
                assert_eq!(seq, expected, "visitor {}: resent {client_id}", visitor.id);
                visitor.acked.push((client_id, seq));
                total_resent += 1;
            }
            socket.close().await;
        }
        total_stored_unacked += stored_unacked;
        eprintln!(
            "sigkill cycle {}: killed after {acks_at_kill} acks (kill threshold {kill_after}); \
             {acked_this_cycle} acked this cycle, {} acked in all so far (counting this cycle's resends); {in_flight} in flight at the \
             kill, {stored_unacked} of them stored but unacknowledged; lost {lost}, duplicated \
             {duplicated}; restart took {restarted_in:?}",
            cycle + 1,
            visitors.iter().map(|v| v.acked.len()).sum::<usize>(),
        );
    }

    // After the resends, each history is exactly what was acknowledged.
    for visitor in &visitors {
        let mut socket = Wire::visitor(&relay.url).await.expect("relay reachable");
        let history = socket.history(&visitor.token).await;
        let stored: Vec<_> = history
            .iter()
            .map(|m| (m.client_id.clone(), m.seq))
            .collect();
        let mut acked = visitor.acked.clone();
        acked.sort_by_key(|(_, seq)| *seq);
        assert_eq!(stored, acked, "visitor {}", visitor.id);
        socket.close().await;
    }
    relay.kill();
    eprintln!(
        "sigkill: {} cycles, {} messages acknowledged in all, 0 lost, 0 duplicated; {} resent \
         after restarts ({total_stored_unacked} of them had been stored before the kill); {:?}",
        KILL_AFTER_ACKS.len(),
        visitors.iter().map(|v| v.acked.len()).sum::<usize>(),
        total_resent,
        started.elapsed(),
    );
}

/// One visitor of the kill test: what the relay acknowledged, and the message
/// sent but not (yet) acknowledged.
pub(crate) struct BurstVisitor {
    pub(crate) id: usize,
    pub(crate) token: String,
    pub(crate) acked: Vec<(String, Seq)>,
    pub(crate) in_flight: Option<(String, String)>,
    pub(crate) sent: usize,
}

#[derive(Debug)]
pub(crate) struct HistoryCheck {
    /// Acknowledged messages missing, or stored under another seq or text.
    pub(crate) lost: usize,
    /// Client ids stored more than once.
    pub(crate) duplicated: usize,
    /// Seqs are exactly 1..=n.
    pub(crate) gapless: bool,
    /// The seq of the in-flight message, if the relay stored it before dying.
    pub(crate) in_flight_stored: Option<Seq>,
    /// Stored messages that are neither acknowledged nor in flight.
    pub(crate) unexpected: Vec<String>,
}

impl BurstVisitor {
    pub(crate) fn new(id: usize, token: String) -> Self {
        Self {
            id,
            token,
            acked: Vec::new(),
            in_flight: None,
            sent: 0,
        }
    }

    pub(crate) fn text_of(client_id: &str) -> String {
        format!("burst message {client_id}")
    }

    /// Sends one message at a time, the next as soon as the last is acked,
    /// until the relay goes away. A rate-limited message was not stored: the
    /// visitor backs off as the widget does and sends it again.
    pub(crate) async fn burst(
        mut self,
        url: String,
        cycle: usize,
        acks: Arc<AtomicUsize>,
        acked: Arc<Notify>,
    ) -> Self {
        let deadline = Instant::now() + 3 * DEADLINE;
        let mut socket = None;
        while self.sent < MAX_SENDS_PER_CYCLE && Instant::now() < deadline {
            let live = match &mut socket {
                Some(live) => live,
                None => {
                    let last_seq = self.acked.last().map_or(0, |(_, seq)| *seq);
                    let Some(live) = Wire::resume(&url, &self.token, last_seq).await else {
                        break; // the relay is gone
                    };
                    socket.insert(live)
                }
            };
            let (client_id, text) = self
                .in_flight
                .get_or_insert_with(|| {
                    let client_id = format!("v{}-c{cycle}-m{}", self.id, self.sent);
                    let text = Self::text_of(&client_id);
                    (client_id, text)
                })
                .clone();
            self.sent += 1;
            if live.send_visitor(&say(&client_id, &text)).await.is_err() {
                break;
            }
            match live.answer(&client_id).await {
                Some(Ok(seq)) => {
                    self.acked.push((client_id, seq));
                    self.in_flight = None;
                    acks.fetch_add(1, Ordering::SeqCst);
                    acked.notify_one();
                }
                Some(Err(ErrorCode::RateLimited)) => {
                    // Not stored; the same message goes again once the
                    // visitor's allowance has grown back (one a second).
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                Some(Err(code)) => panic!("visitor {}: {client_id} refused: {code:?}", self.id),
                None => break, // killed before the answer
            }
        }
        self
    }

    /// Compares a history read after a restart with what was acknowledged.
    pub(crate) fn check(&self, history: &[ChatMessage]) -> HistoryCheck {
        let mut stored: HashMap<&str, (Seq, &str)> = HashMap::new();
        let mut duplicated = 0;
        for message in history {
            if stored
                .insert(&message.client_id, (message.seq, &message.text))
                .is_some()
            {
                duplicated += 1;
            }
        }
        let lost = self
            .acked
            .iter()
            .filter(|(client_id, seq)| {
                stored.get(client_id.as_str()) != Some(&(*seq, Self::text_of(client_id).as_str()))
            })
            .count();
        let gapless = history
            .iter()
            .enumerate()
            .all(|(i, message)| message.seq == i as Seq + 1);
        let in_flight_stored = self.in_flight.as_ref().and_then(|(client_id, text)| {
            stored
                .get(client_id.as_str())
                .filter(|(_, stored_text)| stored_text == text)
                .map(|(seq, _)| *seq)
        });
        let known: HashSet<&str> = self
            .acked
            .iter()
            .map(|(id, _)| id.as_str())
            .chain(self.in_flight.as_ref().map(|(id, _)| id.as_str()))
            .collect();
        let unexpected = history
            .iter()
            .filter(|m| !known.contains(m.client_id.as_str()))
            .map(|m| m.client_id.clone())
            .collect();
        HistoryCheck {
            lost,
            duplicated,
            gapless,
            in_flight_stored,
            unexpected,
        }
    }
}

/// A new address for each connection, in a range reserved for documentation.
fn next_address() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("198.18.{}.{}", (n / 250) % 250, n % 250 + 1)
}

/// A visitor socket to a relay that may vanish at any moment: every call
/// reports a gone relay instead of failing the test (a silent relay still
/// fails it, after `DEADLINE`).
pub(crate) struct Wire {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl Wire {
    pub(crate) async fn visitor(url: &str) -> Option<Self> {
        Self::connect(url, "/ws/visitor", None).await
    }

    /// A socket to `path`, from the relay's own origin, with an agent's
    /// session cookie if given; `None` if the relay refuses or is gone.
    pub(crate) async fn connect(url: &str, path: &str, cookie: Option<&str>) -> Option<Self> {
        let ws_url = format!("{}{path}", url.replacen("http://", "ws://", 1));
        let mut request = ws_url.into_client_request().unwrap();
        let headers = request.headers_mut();
        headers.insert("origin", HeaderValue::from_str(url).unwrap());
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_str(&next_address()).unwrap(),
        );
        if let Some(cookie) = cookie {
            headers.insert("cookie", HeaderValue::from_str(cookie).unwrap());
        }
        let connect = tokio_tungstenite::connect_async(request);
        let (ws, _) = tokio::time::timeout(DEADLINE, connect)
            .await
            .expect("connected or refused in time")
            .ok()?;
        Some(Self { ws })
    }

    /// Connects and says hello as a known visitor, past the welcome and the
    /// backlog after `last_seq`.
    pub(crate) async fn resume(url: &str, token: &str, last_seq: Seq) -> Option<Self> {
        let mut wire = Self::visitor(url).await?;
        wire.send_visitor(&hello(Some(token), last_seq))
            .await
            .ok()?;
        match wire.next().await? {
            ServerFrame::Welcome { .. } => Some(wire),
            other => panic!("expected welcome, got {other:?}"),
        }
    }

    pub(crate) async fn send_text(&mut self, text: String) {
        self.ws.send(Message::Text(text.into())).await.unwrap();
    }

    pub(crate) async fn send_visitor(&mut self, frame: &VisitorFrame) -> Result<(), ()> {
        let text = warmline_shared::encode(frame);
        self.ws.send(Message::Text(text.into())).await.map_err(drop)
    }

    /// The next frame, or `None` once the relay has gone.
    pub(crate) async fn next(&mut self) -> Option<ServerFrame> {
        loop {
            let message = tokio::time::timeout(DEADLINE, self.ws.next())
                .await
                .expect("a frame (or the end of the connection) within the deadline");
            match message? {
                // As the browser apps read frames: the 16 KiB limit of
                // `warmline_shared::decode` is for what clients send, and an
                // agent's inbox can be larger.
                Ok(Message::Text(text)) => {
                    let frame = serde_json::from_str(&text).unwrap();
                    if !is_routing(&frame) {
                        return Some(frame);
                    }
                }
                Ok(Message::Ping(_) | Message::Pong(_)) => continue,
                Ok(_) | Err(_) => return None,
            }
        }
    }

    /// The relay's answer to `client_id`: its seq, or the error code.
    pub(crate) async fn answer(&mut self, client_id: &str) -> Option<Result<Seq, ErrorCode>> {
        loop {
            match self.next().await? {
                ServerFrame::Ack {
                    client_id: c, seq, ..
                } if c == client_id => {
                    return Some(Ok(seq));
                }
                ServerFrame::Error {
                    client_id: Some(c),
                    code,
                    ..
                } if c == client_id => return Some(Err(code)),
                ServerFrame::Message { .. }
                | ServerFrame::Conversation { .. }
                | ServerFrame::Inbox { .. } => {}
                other => panic!("unexpected while waiting for {client_id}: {other:?}"),
            }
        }
    }

    pub(crate) async fn ack(&mut self, client_id: &str) -> Option<Seq> {
        match self.answer(client_id).await? {
            Ok(seq) => Some(seq),
            Err(code) => panic!("{client_id} refused: {code:?}"),
        }
    }

    /// Says hello with `last_seq` 0 and returns the whole stored history.
    pub(crate) async fn history(&mut self, token: &str) -> Vec<ChatMessage> {
        self.send_visitor(&hello(Some(token), 0)).await.unwrap();
        assert!(matches!(
            self.next().await,
            Some(ServerFrame::Welcome { .. })
        ));
        self.send_text(FENCE.into()).await;
        let mut history = Vec::new();
        loop {
            match self.next().await.expect("the relay stays up") {
                ServerFrame::Message { message } => history.push(message),
                ServerFrame::Error {
                    code: ErrorCode::UnknownType,
                    ..
                } => return history,
                other => panic!("unexpected in a history: {other:?}"),
            }
        }
    }

    pub(crate) async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}

// ---------------------------------------------------------------------------
// 2. Reconnect storm
// ---------------------------------------------------------------------------

const STORM_VISITORS: usize = 1_000;
/// Sockets opened at once while the visitors are created, and in the storm.
const CREATE_CONCURRENCY: usize = 50;
const STORM_CONCURRENCY: usize = 200;

/// One storm visitor: what it has seen, and what the agent wrote since.
struct StormVisitor {
    token: String,
    conversation_id: ConversationId,
    /// Its resume point: 1 (it saw its own message), or 0 for every tenth,
    /// as a widget whose storage was cleared.
    last_seq: Seq,
    /// (client id, seq) of every stored message, its own first.
    stored: Vec<(String, Seq)>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconnect_storm_gets_each_visitor_exactly_what_it_missed() {
    let _serial = SERIAL.lock().await;
    let relay = TestRelay::spawn_with(loose_limits).await;
    let open_files = open_file_limit();
    // Each open socket costs two descriptors here (client and relay are both
    // in this process); under a low limit, close each as soon as it is made.
    let keep_open = open_files.is_none_or(|limit| limit > 4 * STORM_VISITORS as u64 + 256);

    // 1000 visitors, one message each.
    let created = Instant::now();
    let made: Vec<(Option<Client>, StormVisitor)> = stream::iter(0..STORM_VISITORS)
        .map(|i| {
            let relay = &relay;
            async move {
                let (mut client, token) = relay.new_visitor().await;
                let client_id = format!("s{i}");
                client
                    .send_visitor(say(&client_id, "hello from the storm"))
                    .await;
                let (ack, _) = client
                    .recv_until(|f| matches!(f, ServerFrame::Ack { .. }))
                    .await;
                let ServerFrame::Ack {
                    conversation_id,
                    seq,
                    ..
                } = ack
                else {
                    unreachable!()
                };
                assert_eq!(seq, 1);
                let visitor = StormVisitor {
                    token,
                    conversation_id,
                    last_seq: if i % 10 == 0 { 0 } else { 1 },
                    stored: vec![(client_id, 1)],
                };
                if keep_open {
                    (Some(client), visitor)
                } else {
                    client.close().await;
                    (None, visitor)
                }
            }
        })
        .buffer_unordered(CREATE_CONCURRENCY)
        .collect()
        .await;
    let created_in = created.elapsed();
    let (sockets, mut visitors): (Vec<_>, Vec<_>) = made.into_iter().unzip();
    // Everyone drops off at once.
    drop(sockets);

    // While they are away, the agent answers every third visitor, once or twice.
    let replied = Instant::now();
    let by_conversation: HashMap<ConversationId, usize> = visitors
        .iter()
        .enumerate()
        .map(|(i, v)| (v.conversation_id, i))
        .collect();
    let posts: Vec<_> = visitors
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 3 == 0)
        .flat_map(|(i, v)| {
            (0..1 + i % 2)
                .map(move |r| (v.conversation_id, format!("a{i}-{r}"), format!("reply {r}")))
        })
        .collect();
    let reply_count = posts.len();
    let cookie = relay.sign_in().await;
    for (conversation_id, client_id, seq) in agent_posts(&relay, &cookie, posts, 4).await {
        visitors[by_conversation[&conversation_id]]
            .stored
            .push((client_id, seq));
    }
    let replied_in = replied.elapsed();

    // The storm: everyone comes back at once with what it last saw.
    let storm = Instant::now();
    let outcomes: Vec<(usize, usize)> = stream::iter(&visitors)
        .map(|visitor| {
            let relay = &relay;
            async move {
                let mut client = relay.visitor().await;
                client
                    .send_visitor(hello(Some(&visitor.token), visitor.last_seq))
                    .await;
                match client.recv().await {
                    ServerFrame::Welcome {
                        conversation_id, ..
                    } => assert_eq!(conversation_id, Some(visitor.conversation_id)),
                    other => panic!("expected welcome, got {other:?}"),
                }
                client.send_text(FENCE.into()).await;
                let (_, received) = client
                    .recv_until(|f| {
                        matches!(
                            f,
                            ServerFrame::Error {
                                code: ErrorCode::UnknownType,
                                ..
                            }
                        )
                    })
                    .await;
                client.close().await;
                // Whether agents are there is announced whenever it changes.
                let received: Vec<_> = received
                    .into_iter()
                    .filter(|f| !matches!(f, ServerFrame::Presence { .. }))
                    .map(|f| match f {
                        ServerFrame::Message { message } => (message.client_id, message.seq),
                        other => panic!("unexpected on reconnect: {other:?}"),
                    })
                    .collect();
                let mut missed: Vec<_> = visitor
                    .stored
                    .iter()
                    .filter(|(_, seq)| *seq > visitor.last_seq)
                    .cloned()
                    .collect();
                missed.sort_by_key(|(_, seq)| *seq);
                assert_eq!(received, missed, "visitor {}", visitor.token);
                (received.len(), usize::from(visitor.last_seq == 0))
            }
        })
        .buffer_unordered(STORM_CONCURRENCY)
        .collect()
        .await;
    let storm_in = storm.elapsed();
    let delivered: usize = outcomes.iter().map(|(n, _)| n).sum();
    let from_scratch: usize = outcomes.iter().map(|(_, z)| z).sum();
    assert_eq!(outcomes.len(), STORM_VISITORS);
    eprintln!(
        "reconnect storm: {STORM_VISITORS} visitors created in {created_in:?} ({} open at once); \
         {reply_count} agent replies in {replied_in:?}; all reconnected ({STORM_CONCURRENCY} at \
         a time, {from_scratch} from seq 0) in {storm_in:?}, {delivered} missed messages \
         delivered, each exactly once; open-file limit {open_files:?}",
        if keep_open { STORM_VISITORS } else { 1 },
    );
    relay.stop().await;
}

/// The soft limit on open files of this process, from /proc/self/limits.
fn open_file_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// Posts each `(conversation, client id, text)` as the demo agent, at most
/// `AGENT_BURST` per socket, on `parallel` sockets at a time. Returns each post's conversation, client id and seq.
async fn agent_posts(
    relay: &TestRelay,
    cookie: &str,
    posts: Vec<(ConversationId, String, String)>,
    parallel: usize,
) -> Vec<(ConversationId, String, Seq)> {
    let chunks: Vec<Vec<_>> = posts.chunks(AGENT_BURST).map(<[_]>::to_vec).collect();
    let acked: Vec<Vec<_>> = stream::iter(chunks)
        .map(|chunk| async move {
            let mut agent = Wire::connect(&relay.url, "/ws/agent", Some(cookie))
                .await
                .expect("an agent socket");
            assert!(matches!(
                agent.next().await,
                Some(ServerFrame::Inbox { .. })
            ));
            for (conversation_id, client_id, text) in &chunk {
                let frame = reply(*conversation_id, client_id, text);
                agent.send_text(warmline_shared::encode(&frame)).await;
            }
            let mut acked = Vec::with_capacity(chunk.len());
            for (conversation_id, client_id, _) in chunk {
                let seq = agent.ack(&client_id).await.expect("the relay stays up");
                acked.push((conversation_id, client_id, seq));
            }
            agent.close().await;
            acked
        })
        .buffer_unordered(parallel)
        .collect()
        .await;
    acked.into_iter().flatten().collect()
}

// ---------------------------------------------------------------------------
// 3. Slow reader
// ---------------------------------------------------------------------------

const FLOOD_MESSAGES: usize = 2_000;
/// Big enough that the flood (about 6 MB) outgrows what loopback TCP buffers
/// hold (about 2.3 MB here with 1 KB texts, all of it), so the relay's writer
/// for the slow reader really blocks and its fan-out really lags.
const FLOOD_TEXT_BYTES: usize = 3_000;
/// How much this process may grow while the flood piles up behind a reader
/// that does not read. Generous: the allocator keeps what it once had.
const RSS_GROWTH_LIMIT_KIB: u64 = 64 * 1024;
/// How long a fresh visitor may wait for its ack while the flood goes on.
const PROBE_DEADLINE: Duration = Duration::from_secs(5);
const MAX_PROBES: usize = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_that_stops_reading_neither_stalls_the_relay_nor_grows_its_memory() {
    let _serial = SERIAL.lock().await;
    let relay = TestRelay::spawn_with(loose_limits).await;
    let (mut slow, _) = relay.new_visitor().await;
    slow.send_visitor(say("first", "I will stop reading now"))
        .await;
    let (ack, _) = slow
        .recv_until(|f| matches!(f, ServerFrame::Ack { .. }))
        .await;
    let ServerFrame::Ack {
        conversation_id, ..
    } = ack
    else {
        unreachable!()
    };
    let cookie = relay.sign_in().await;
    // Warm up what any first use allocates, so the growth measured is the flood's.
    probe(&relay, "warm").await;
    let rss_before = rss_kib("VmRSS");

    // The agent floods the conversation; the slow visitor reads nothing.
    let text = "x".repeat(FLOOD_TEXT_BYTES);
    let posts: Vec<_> = (0..FLOOD_MESSAGES)
        .map(|i| (conversation_id, format!("flood{i}"), text.clone()))
        .collect();
    let flood_started = Instant::now();
    let flood_done = AtomicBool::new(false);
    let flood = async {
        let acked = agent_posts(&relay, &cookie, posts, 4).await;
        flood_done.store(true, Ordering::SeqCst);
        acked
    };
    // Meanwhile fresh visitors keep writing, one after another, and must get
    // their acks promptly.
    let probes = async {
        let mut latencies = Vec::new();
        while !flood_done.load(Ordering::SeqCst) && latencies.len() < MAX_PROBES {
            let name = format!("during{}", latencies.len());
            latencies.push(probe(&relay, &name).await);
        }
        latencies
    };
    let (acked, mut latencies) = tokio::join!(flood, probes);
    let flood_in = flood_started.elapsed();
    assert_eq!(acked.len(), FLOOD_MESSAGES);
    // And once more with the flood stored and the slow reader still stuck.
    latencies.push(probe(&relay, "after").await);
    let rss_after = rss_kib("VmRSS");
    let queues = tcp_queues(&relay.url);
    let growth = rss_after.saturating_sub(rss_before);
    let flood_bytes = FLOOD_MESSAGES * flood_frame_bytes(conversation_id, &text);
    let worst = latencies.iter().max().copied().unwrap_or_default();
    eprintln!(
        "slow reader: {FLOOD_MESSAGES} agent messages of {FLOOD_TEXT_BYTES} bytes in \
         {flood_in:?}; {} probe visitors acked meanwhile, slowest {worst:?}; RSS {} KiB before, \
         {} KiB after (+{growth} KiB), peak {} KiB; the flood is about {flood_bytes} bytes of \
         frames for the slow reader, of which the kernel holds {} (relay send queue, client \
         receive queue); the rest waits in the store",
        latencies.len(),
        rss_before,
        rss_after,
        rss_kib("VmHWM"),
        queues.map_or("unknown".into(), |(tx, rx)| format!(
            "{} ({tx}, {rx})",
            tx + rx
        )),
    );
    assert!(worst < PROBE_DEADLINE, "a probe waited {worst:?}");
    assert!(
        growth < RSS_GROWTH_LIMIT_KIB,
        "RSS grew by {growth} KiB while a reader was stuck"
    );

    // When the reader reads again, it gets everything once, in order: what
    // did not fit in its socket it catches up on from the store.
    let drained = Instant::now();
    let mut seen = 0;
    let last = FLOOD_MESSAGES as Seq + 1;
    while seen < last {
        match slow.recv().await {
            ServerFrame::Message { message } => {
                assert_eq!(message.seq, seen + 1, "the slow reader's next message");
                seen = message.seq;
            }
            // Agents came and went meanwhile.
            ServerFrame::Ack { .. } | ServerFrame::Presence { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    eprintln!(
        "slow reader: drained {seen} messages in order in {:?}",
        drained.elapsed()
    );
    // Nothing doubled after the last one either.
    slow.send_text(FENCE.into()).await;
    assert_eq!(slow.recv_error().await, ErrorCode::UnknownType);
    relay.stop().await;
}

/// About how long one flood message is as a frame on the wire.
fn flood_frame_bytes(conversation_id: ConversationId, text: &str) -> usize {
    let frame = ServerFrame::Message {
        message: ChatMessage {
            conversation_id,
            seq: FLOOD_MESSAGES as Seq,
            client_id: format!("flood{FLOOD_MESSAGES}"),
            author: warmline_shared::Author::Agent {
                name: "Nino".into(),
            },
            text: text.to_owned(),
            sent_at: 1_700_000_000_000,
            attachment: None,
            articles: Vec::new(),
            wants_person: false,
            options: Vec::new(),
            picked: None,
        },
    };
    warmline_shared::encode(&frame).len() + 4
}

/// A fresh visitor says hello and writes once; returns how long the ack took.
async fn probe(relay: &TestRelay, name: &str) -> Duration {
    let started = Instant::now();
    let send = async {
        let (mut visitor, _) = relay.new_visitor().await;
        visitor.send_visitor(say(name, "are you there?")).await;
        assert_eq!(visitor.recv_ack(name).await, 1);
        visitor.close().await;
    };
    tokio::time::timeout(PROBE_DEADLINE, send)
        .await
        .unwrap_or_else(|_| panic!("probe {name} not acked within {PROBE_DEADLINE:?}"));
    started.elapsed()
}

/// A figure of this process's memory from /proc/self/status, in KiB.
fn rss_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{field} in /proc/self/status"))
}

/// The largest send queue of the relay's side and receive queue of a client's
/// side among loopback TCP connections to the relay's port (/proc/net/tcp),
/// in bytes: where the flood waits. For the report only.
fn tcp_queues(url: &str) -> Option<(u64, u64)> {
    let port: u16 = url.rsplit(':').next()?.trim_end_matches('/').parse().ok()?;
    let table = std::fs::read_to_string("/proc/net/tcp").ok()?;
    let port_of = |address: &str| {
        address
            .split(':')
            .nth(1)
            .and_then(|p| u16::from_str_radix(p, 16).ok())
    };
    let (mut relay_tx, mut client_rx) = (0, 0);
    for line in table.lines().skip(1) {
        let fields: Vec<_> = line.split_whitespace().collect();
        let [_, local, remote, _, queues, ..] = fields[..] else {
            continue;
        };
        let Some((tx, rx)) = queues.split_once(':') else {
            continue;
        };
        let tx = u64::from_str_radix(tx, 16).unwrap_or(0);
        let rx = u64::from_str_radix(rx, 16).unwrap_or(0);
        if port_of(local) == Some(port) {
            relay_tx = relay_tx.max(tx);
        }
        if port_of(remote) == Some(port) {
            client_rx = client_rx.max(rx);
        }
    }
    Some((relay_tx, client_rx))
}

// ---------------------------------------------------------------------------
// 4. Storage that takes no writes
// ---------------------------------------------------------------------------

/// The database stops taking writes (here: another process holds an
/// exclusive lock past the relay's busy timeout, as a full disk or a
/// read-only volume would make every write fail). Messages are refused with
/// a clear error, nothing unstored is acknowledged, and once writes work
/// again the same message goes in once.
#[tokio::test]
async fn a_database_that_takes_no_writes_refuses_clearly_and_recovers() {
    use sqlx::Connection;
    let _serial = SERIAL.lock().await;
    let relay = TestRelay::spawn().await;
    let (mut visitor, token) = relay.new_visitor().await;
    visitor.send_visitor(say("m1", "before")).await;
    assert_eq!(visitor.recv_ack("m1").await, 1);

    let db = relay.data_dir.join("warmline.db");
    let mut blocker = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    sqlx::query("BEGIN EXCLUSIVE")
        .execute(&mut blocker)
        .await
        .unwrap();

    visitor.send_visitor(say("m2", "during")).await;
    // Refused as not stored, never acknowledged.
    assert_eq!(visitor.recv_answer("m2").await, Err(ErrorCode::Internal));

    sqlx::query("ROLLBACK").execute(&mut blocker).await.unwrap();
    blocker.close().await.unwrap();
    // The widget retries under the same id; it goes in once, after m1.
    visitor.send_visitor(say("m2", "during")).await;
    assert_eq!(visitor.recv_ack("m2").await, 2);
    let mut reader = relay.visitor().await;
    reader.send_visitor(hello(Some(&token), 0)).await;
    reader.recv().await;
    let history = [reader.recv_message().await, reader.recv_message().await];
    let seen: Vec<_> = history
        .iter()
        .map(|m| (m.seq, m.client_id.as_str()))
        .collect();
    assert_eq!(seen, [(1, "m1"), (2, "m2")]);
}
