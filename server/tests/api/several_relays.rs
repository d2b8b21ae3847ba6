//! Several relays on one PostgreSQL and one NATS, as deployed behind a load
//! balancer: a visitor on one relay and an agent on another talk live and see
//! each other at their consoles; a relay killed mid-burst loses nothing its
//! visitors were told was stored, and they carry on at another; NATS going
//! away for a while loses nothing either, because every socket catches up
//! from the store when it returns.
//!
//! These need the run's PostgreSQL (`cargo xtask test` starts one); without
//! it they say so and pass without running.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Notify;
use warmline_server::Config;
use warmline_shared::{AgentFrame, ChatMessage, ServerFrame};

use crate::faults::{BurstVisitor, Wire};
use crate::helpers::*;

const DEADLINE: Duration = Duration::from_secs(20);

/// A relay's settings for the shared database and NATS.
fn shared(database: &str, nats: &str) -> impl Fn(&mut Config) {
    let (database, nats) = (database.to_owned(), nats.to_owned());
    move |config: &mut Config| {
        config.database_url = Some(database.clone());
        config.fanout_url = Some(nats.clone());
        // Each relay seeds the demo with its own address; both must be allowed.
        config.demo_origins = vec!["*".into()];
        loose_limits(config);
    }
}

/// Two in-process relays on a fresh database and a NATS of their own.
async fn two_relays() -> Option<(Nats, TestRelay, TestRelay)> {
    let database = fresh_postgres().await?;
    let nats = Nats::start().await;
    let nats_url = nats.url();
    let settings = shared(&database, &nats_url);
    let a = TestRelay::spawn_with(&settings).await;
    let b = TestRelay::spawn_with(&settings).await;
    Some((nats, a, b))
}

fn text_of(frame: &ServerFrame) -> Option<&str> {
    match frame {
        ServerFrame::Message { message } => Some(&message.text),
        _ => None,
    }
}

#[tokio::test]
async fn a_visitor_on_one_relay_and_an_agent_on_another_serve_one_demo() {
    let Some((_nats, a, b)) = two_relays().await else {
        return;
    };
    // The agent's console is on B; A counts it as open: its visitors are
    // told someone is there.
    let mut agent = b.agent().await;
    let mut visitor = a.visitor().await;
    visitor.send_visitor(hello(None, 0)).await;
    let ServerFrame::Welcome {
        visitor: welcomed, ..
    } = visitor.recv().await
    else {
        panic!("expected a welcome");
    };
    assert_eq!(welcomed.presence.online, 1, "relay A sees B's console");

    visitor.send_visitor(say("v1", "hello from relay A")).await;
    visitor.recv_ack("v1").await;
    let conversation = agent.recv_conversation().await;
    assert_eq!(
        conversation.last_text.as_deref(),
        Some("hello from relay A")
    );
    agent
        .send_agent(AgentFrame::Open {
            conversation_id: conversation.id,
            last_seq: 0,
        })
        .await;
    let (_, _) = agent
        .recv_until(|f| text_of(f) == Some("hello from relay A"))
        .await;
    agent
        .send_agent(reply(conversation.id, "a1", "hello from relay B"))
        .await;
    agent.recv_ack("a1").await;
    visitor
        .recv_until(|f| text_of(f) == Some("hello from relay B"))
        .await;
    // And on: each side hears the other's next message live.
    visitor.send_visitor(say("v2", "thanks")).await;
    visitor.recv_ack("v2").await;
    agent.recv_until(|f| text_of(f) == Some("thanks")).await;
}

#[tokio::test]
async fn when_nats_is_away_for_a_while_both_sides_catch_up_from_the_store() {
    let Some((nats, a, b)) = two_relays().await else {
        return;
    };
    let mut agent = b.agent().await;
    let (mut visitor, _, conversation) = a.writing_visitor("before").await;
    agent
        .send_agent(AgentFrame::Open {
            conversation_id: conversation,
            last_seq: 0,
        })
        .await;
    agent.recv_until(|f| text_of(f) == Some("before")).await;

    // NATS stops. Messages are still stored and acknowledged (the store is
    // the source of truth), but their news cannot cross between relays.
    let port = nats.stop().await;
    for i in 0..3 {
        let id = format!("away-v{i}");
        visitor
            .send_visitor(say(&id, &format!("visitor {i}")))
            .await;
        visitor.recv_ack(&id).await;
    }
    for i in 0..2 {
        let id = format!("away-a{i}");
        agent
            .send_agent(reply(conversation, &id, &format!("agent {i}")))
            .await;
        agent.recv_ack(&id).await;
    }

    // NATS returns: each relay's subscriptions are told they lagged, and each
    // socket reads what it missed from the store, in order.
    let _nats = Nats::start_on(port).await;
    let mut heard = Vec::new();
    while heard.len() < 3 {
        let (frame, _) = agent
            .recv_until(|f| text_of(f).is_some_and(|t| t.starts_with("visitor ")))
            .await;
        heard.push(text_of(&frame).unwrap().to_owned());
    }
    assert_eq!(heard, ["visitor 0", "visitor 1", "visitor 2"]);
    let mut heard = Vec::new();
    while heard.len() < 2 {
        let (frame, _) = visitor
            .recv_until(|f| text_of(f).is_some_and(|t| t.starts_with("agent ")))
            .await;
        heard.push(text_of(&frame).unwrap().to_owned());
    }
    assert_eq!(heard, ["agent 0", "agent 1"]);
}

/// Visitors bursting on the relay that is killed.
const BURST_VISITORS: usize = 20;
/// Acks before the kill lands, with the bursts still going.
const KILL_AFTER_ACKS: usize = 120;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_killed_mid_burst_loses_nothing_and_its_visitors_resume_on_another() {
    let Some(database) = fresh_postgres().await else {
        return;
    };
    let nats = Nats::start().await;
    let nats_url = nats.url();
    // Both relays serve one demo, as behind one load balancer: each allows
    // the pages of both.
    let (port_a, port_b) = (free_port(), free_port());
    let origins = format!("http://127.0.0.1:{port_a},http://127.0.0.1:{port_b}");
    let flags = [
        "--database-url",
        &database,
        "--fanout-url",
        &nats_url,
        "--demo-origins",
        &origins,
        // Visitors come from many addresses, as real ones do.
        "--trusted-proxies",
        "127.0.0.1",
    ];
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let addr = |port| format!("127.0.0.1:{port}");
    let mut a = RelayProcess::start_on(&addr(port_a), dir_a.path(), &flags).await;
    let b = RelayProcess::start_on(&addr(port_b), dir_b.path(), &flags).await;

    let mut visitors = Vec::new();
    for v in 0..BURST_VISITORS {
        let mut socket = Wire::visitor(&a.url).await.expect("relay A reachable");
        socket.send_visitor(&hello(None, 0)).await.unwrap();
        let token = match socket.next().await {
            Some(ServerFrame::Welcome { token, .. }) => token,
            other => panic!("expected welcome, got {other:?}"),
        };
        socket.close().await;
        visitors.push(BurstVisitor::new(v, token));
    }
    let acks = Arc::new(AtomicUsize::new(0));
    let acked = Arc::new(Notify::new());
    let bursts: Vec<_> = visitors
        .drain(..)
        .map(|visitor| tokio::spawn(visitor.burst(a.url.clone(), 0, acks.clone(), acked.clone())))
        .collect();
    let deadline = tokio::time::Instant::now() + DEADLINE;
    while acks.load(Ordering::SeqCst) < KILL_AFTER_ACKS {
        tokio::time::timeout_at(deadline, acked.notified())
            .await
            .expect("the burst is acknowledged");
    }
    a.kill();
    for burst in bursts {
        let visitor = tokio::time::timeout(DEADLINE, burst)
            .await
            .expect("a visitor notices the kill")
            .expect("the burst task does not panic");
        visitors.push(visitor);
    }

    // Every visitor goes on at relay B: its history there is exactly what A
    // acknowledged (plus the one in flight, if A stored it), in order; the
    // message in flight is sent again and stored once.
    let (mut acknowledged, mut resent) = (0, 0);
    for visitor in &mut visitors {
        let mut socket = Wire::visitor(&b.url).await.expect("relay B reachable");
        let history = socket.history(&visitor.token).await;
        let check = visitor.check(&history);
        assert_eq!(check.lost, 0, "visitor {}: {check:?}", visitor.id);
        assert_eq!(check.duplicated, 0, "visitor {}: {check:?}", visitor.id);
        assert!(check.gapless, "visitor {}: {check:?}", visitor.id);
        assert!(
            check.unexpected.is_empty(),
            "visitor {}: {check:?}",
            visitor.id
        );
        if let Some((client_id, text)) = visitor.in_flight.take() {
            socket.send_visitor(&say(&client_id, &text)).await.unwrap();
            let seq = socket.ack(&client_id).await.expect("relay B acknowledges");
            let expected = check.in_flight_stored.unwrap_or(history.len() as i64 + 1);
            assert_eq!(seq, expected, "visitor {}: resent {client_id}", visitor.id);
            visitor.acked.push((client_id, seq));
            resent += 1;
        }
        socket.close().await;
        let mut socket = Wire::visitor(&b.url).await.expect("relay B reachable");
        let history: Vec<ChatMessage> = socket.history(&visitor.token).await;
        let stored: Vec<_> = history
            .iter()
            .map(|m| (m.client_id.clone(), m.seq))
            .collect();
        assert_eq!(stored, visitor.acked, "visitor {}", visitor.id);
        acknowledged += visitor.acked.len();
        socket.close().await;
    }
    eprintln!(
        "relay A killed after {KILL_AFTER_ACKS}+ acks: {acknowledged} messages of \
         {BURST_VISITORS} visitors on relay B afterwards, {resent} resent there; 0 lost, 0 duplicated"
    );
}
