//! The socket loops driven over in-memory channels: no network, no server.

use std::time::Duration;

use axum::extract::ws::{Message, close_code};
use futures::StreamExt;
use futures::channel::mpsc::{self, UnboundedReceiver, UnboundedSender};
use warmline_shared::{
    AgentFrame, ConversationId, ServerFrame, SiteId, VisitorFrame, decode, encode,
};

use super::{agent, visitor};
use crate::events::Event;
use crate::state::{AppState, for_tests, now_ms};
use crate::store::{Role, Session};

/// The client's ends of a socket whose loop runs in a task.
struct Peer {
    to_loop: UnboundedSender<Result<Message, axum::Error>>,
    from_loop: UnboundedReceiver<Message>,
}

type LoopEnds = (
    UnboundedSender<Message>,
    UnboundedReceiver<Result<Message, axum::Error>>,
);

fn pair() -> (Peer, LoopEnds) {
    let (to_loop, loop_in) = mpsc::unbounded();
    let (loop_out, from_loop) = mpsc::unbounded();
    (Peer { to_loop, from_loop }, (loop_out, loop_in))
}

impl Peer {
    fn send(&self, frame: &impl serde::Serialize) {
        let text = encode(frame);
        self.to_loop
            .unbounded_send(Ok(Message::Text(text.into())))
            .unwrap();
    }

    async fn next(&mut self) -> Message {
        tokio::time::timeout(Duration::from_secs(5), self.from_loop.next())
            .await
            .expect("the loop answers in time")
            .expect("the loop has not ended")
    }

    async fn frame(&mut self) -> ServerFrame {
        match self.next().await {
            Message::Text(text) => decode(text.as_str()).unwrap(),
            other => panic!("expected a frame, got {other:?}"),
        }
    }

    /// The close code the loop ended the socket with.
    async fn close_code(&mut self) -> u16 {
        loop {
            match self.next().await {
                Message::Close(Some(frame)) => return frame.code,
                Message::Close(None) => panic!("closed without a code"),
                _ => continue,
            }
        }
    }
}

fn spawn_visitor(state: &AppState) -> Peer {
    let (peer, (sink, stream)) = pair();
    let address = std::net::Ipv4Addr::LOCALHOST.into();
    let client = visitor::Client {
        origin: None,
        address,
        user_agent: None,
    };
    tokio::spawn(visitor::run(state.clone(), client, sink, stream));
    peer
}

fn hello() -> VisitorFrame {
    VisitorFrame::Hello {
        site: "s".into(),
        token: None,
        last_seq: 0,
        page: None,
        identity: None,
        name: None,
        lang: None,
    }
}

#[tokio::test]
async fn a_visitor_loop_welcomes_stores_acknowledges_and_echoes() {
    let (_dir, state) = for_tests().await;
    let mut visitor = spawn_visitor(&state);
    visitor.send(&hello());
    assert!(matches!(
        visitor.frame().await,
        ServerFrame::Welcome {
            conversation_id: None,
            ..
        }
    ));
    visitor.send(&VisitorFrame::Send {
        client_id: "c1".into(),
        text: "hello".into(),
        attachment: None,
    });
    let mut got = [visitor.frame().await, visitor.frame().await];
    // The ack and the echo of the stored message may come in either order.
    got.sort_by_key(|f| matches!(f, ServerFrame::Message { .. }));
    assert!(matches!(&got[0], ServerFrame::Ack { client_id, seq: 1, .. } if client_id == "c1"));
    assert!(matches!(&got[1], ServerFrame::Message { message } if message.text == "hello"));
    visitor.send(&"not a frame");
    assert!(matches!(visitor.frame().await, ServerFrame::Error { .. }));
}

#[tokio::test]
async fn shutdown_closes_open_visitor_sockets_with_going_away() {
    let (_dir, state) = for_tests().await;
    let mut visitor = spawn_visitor(&state);
    visitor.send(&hello());
    visitor.frame().await;
    state.shutdown.cancel();
    assert_eq!(visitor.close_code().await, close_code::AWAY);
}

async fn signed_in(state: &AppState) -> Session {
    let agent = state
        .store
        .upsert_agent(
            &SiteId::new("s"),
            "a@s.test",
            "Nino",
            Role::Agent,
            "hash",
            0,
        )
        .await
        .unwrap();
    let expires_at = now_ms() + 60_000;
    state
        .store
        .create_session("h1", agent.id, &agent.site_id, expires_at)
        .await
        .unwrap();
    state.store.session("h1", now_ms()).await.unwrap().unwrap()
}

#[tokio::test]
async fn an_agent_loop_closes_when_its_session_ends_and_not_for_another() {
    let (_dir, state) = for_tests().await;
    let session = signed_in(&state).await;
    let agent_id = session.agent.id;
    let (mut agent, (sink, stream)) = pair();
    tokio::spawn(agent::run(state.clone(), session, sink, stream));
    assert!(matches!(agent.frame().await, ServerFrame::Inbox { .. }));
    assert!(matches!(agent.frame().await, ServerFrame::Desk { .. }));

    // Another session of the same agent ends: this socket stays.
    let ended = |session: &str| Event::SessionEnded {
        agent_id,
        session: session.into(),
    };
    state.events.publish(ended("another")).await;
    agent.send(&AgentFrame::Open {
        conversation_id: ConversationId::new(404),
        last_seq: 0,
    });
    assert!(matches!(agent.frame().await, ServerFrame::Error { .. }));

    state.store.delete_session("h1").await.unwrap();
    state.events.publish(ended("h1")).await;
    assert_eq!(agent.close_code().await, close_code::POLICY);
}

#[tokio::test]
async fn an_agent_loop_ends_when_its_session_expires() {
    let (_dir, state) = for_tests().await;
    let mut session = signed_in(&state).await;
    session.expires_at = now_ms() + 200;
    let (mut agent, (sink, stream)) = pair();
    tokio::spawn(agent::run(state.clone(), session, sink, stream));
    assert_eq!(agent.close_code().await, close_code::POLICY);
}

fn with_quick_pings(mut state: AppState) -> AppState {
    state.ping_every = Duration::from_millis(150);
    state
}

#[tokio::test]
async fn a_client_that_stops_answering_is_closed_and_counted() {
    let (_dir, state) = for_tests().await;
    let state = with_quick_pings(state);
    let mut visitor = spawn_visitor(&state);
    visitor.send(&hello());
    visitor.frame().await;
    // Pings come, nobody answers, and the relay gives up on the socket.
    assert!(matches!(visitor.next().await, Message::Ping(_)));
    while let Ok(Some(_)) =
        tokio::time::timeout(Duration::from_secs(5), visitor.from_loop.next()).await
    {}
    assert_eq!(
        state
            .unresponsive
            .load(std::sync::atomic::Ordering::Relaxed),
        1
    );
}

#[tokio::test]
async fn a_client_that_answers_pings_stays_connected() {
    let (_dir, state) = for_tests().await;
    let state = with_quick_pings(state);
    let mut visitor = spawn_visitor(&state);
    visitor.send(&hello());
    visitor.frame().await;
    // Five beats answered: well past the two a silent client gets.
    for _ in 0..5 {
        assert!(matches!(visitor.next().await, Message::Ping(_)));
        let pong = Message::Pong(Default::default());
        visitor.to_loop.unbounded_send(Ok(pong)).unwrap();
    }
    visitor.send(&VisitorFrame::Send {
        client_id: "c1".into(),
        text: "still here".into(),
        attachment: None,
    });
    // The write may take longer than two beats on a busy machine, so the
    // client keeps answering while it waits, as a browser does.
    let frame = loop {
        match visitor.next().await {
            Message::Text(text) => break decode::<ServerFrame>(text.as_str()).unwrap(),
            Message::Ping(_) => {
                let pong = Message::Pong(Default::default());
                visitor.to_loop.unbounded_send(Ok(pong)).unwrap();
            }
            _ => {}
        }
    };
    assert!(matches!(
        frame,
        ServerFrame::Ack { .. } | ServerFrame::Message { .. }
    ));
    assert_eq!(
        state
            .unresponsive
            .load(std::sync::atomic::Ordering::Relaxed),
        0
    );
}
