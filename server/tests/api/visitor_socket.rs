use warmline_shared::{Author, ErrorCode, MAX_FRAME_BYTES, ServerFrame, VisitorFrame};

use crate::helpers::{TestRelay, hello, loose_limits, reply, say};

#[tokio::test]
async fn an_acknowledged_message_survives_a_restart_of_the_relay() {
    let relay = TestRelay::spawn().await;
    let (mut visitor, token) = relay.new_visitor().await;
    visitor.send_visitor(say("c1", "hello")).await;
    assert_eq!(visitor.recv_ack("c1").await, 1);
    // Stop the relay right after the ack: what was acknowledged must be on disk.
    let data_dir = relay.data_dir.clone();
    let dir = relay.stop().await;

    let relay = TestRelay::spawn_in(data_dir).await;
    let mut visitor = relay.visitor().await;
    visitor.send_visitor(hello(Some(&token), 0)).await;
    assert!(matches!(
        visitor.recv().await,
        ServerFrame::Welcome {
            conversation_id: Some(_),
            ..
        }
    ));
    let message = visitor.recv_message().await;
    assert_eq!((message.seq, message.text.as_str()), (1, "hello"));
    assert_eq!(message.author, Author::Visitor);
    relay.stop().await;
    drop(dir);
}

#[tokio::test]
async fn a_resent_client_id_is_stored_once_and_acknowledged_again() {
    let relay = TestRelay::spawn().await;
    let (mut visitor, token) = relay.new_visitor().await;
    visitor.send_visitor(say("same", "only once")).await;
    assert_eq!(visitor.recv_ack("same").await, 1);
    // The resend after a lost ack, from a new connection as after a reconnect.
    visitor.close().await;
    let mut visitor = relay.visitor().await;
    visitor.send_visitor(hello(Some(&token), 1)).await;
    assert!(matches!(visitor.recv().await, ServerFrame::Welcome { .. }));
    visitor.send_visitor(say("same", "only once")).await;
    assert_eq!(visitor.recv_ack("same").await, 1);
    visitor.send_visitor(say("next", "second")).await;
    assert_eq!(visitor.recv_ack("next").await, 2);

    let mut fresh = relay.visitor().await;
    fresh.send_visitor(hello(Some(&token), 0)).await;
    fresh.recv().await;
    let texts = [fresh.recv_message().await, fresh.recv_message().await].map(|m| (m.seq, m.text));
    assert_eq!(texts, [(1, "only once".into()), (2, "second".into())]);
}

#[tokio::test]
async fn a_reconnect_with_the_last_seen_seq_gets_exactly_the_missed_messages_in_order() {
    let relay = TestRelay::spawn().await;
    let (mut visitor, token) = relay.new_visitor().await;
    for i in 1..=3 {
        visitor
            .send_visitor(say(&format!("v{i}"), &format!("visitor {i}")))
            .await;
        assert_eq!(visitor.recv_ack(&format!("v{i}")).await, i);
    }
    let conversation_id = match visitor
        .recv_until(|f| matches!(f, ServerFrame::Message { .. }))
        .await
        .0
    {
        ServerFrame::Message { message } => message.conversation_id,
        _ => unreachable!(),
    };
    visitor.close().await;

    // While the visitor is away, the agent answers three times.
    let mut agent = relay.agent().await;
    for i in 4..=6 {
        agent
            .send_agent(reply(
                conversation_id,
                &format!("a{i}"),
                &format!("agent {i}"),
            ))
            .await;
        assert_eq!(agent.recv_ack(&format!("a{i}")).await, i);
    }

    let mut visitor = relay.visitor().await;
    visitor.send_visitor(hello(Some(&token), 3)).await;
    assert!(matches!(visitor.recv().await, ServerFrame::Welcome { .. }));
    let missed: Vec<_> = [
        visitor.recv_message().await,
        visitor.recv_message().await,
        visitor.recv_message().await,
    ]
    .into_iter()
    .map(|m| (m.seq, m.text, m.author))
    .collect();
    let nino = || Author::Agent {
        name: "Nino".into(),
    };
    assert_eq!(
        missed,
        vec![
            (4, "agent 4".into(), nino()),
            (5, "agent 5".into(), nino()),
            (6, "agent 6".into(), nino()),
        ]
    );
    // And nothing more: the next frame is the answer to something new.
    visitor.send_visitor(say("v7", "still here")).await;
    let (_, skipped) = visitor
        .recv_until(|f| matches!(f, ServerFrame::Ack { .. }))
        .await;
    assert!(
        skipped
            .iter()
            .all(|f| matches!(f, ServerFrame::Message { message } if message.seq == 7)),
        "{skipped:?}"
    );
}

#[tokio::test]
async fn bad_frames_get_error_frames_and_the_connection_keeps_working() {
    let relay = TestRelay::spawn().await;
    let (mut visitor, _) = relay.new_visitor().await;
    visitor.send_visitor(say("ok1", "before")).await;
    assert_eq!(visitor.recv_ack("ok1").await, 1);

    let oversized = format!(
        r#"{{"type":"send","client_id":"big","text":"{}"}}"#,
        "x".repeat(MAX_FRAME_BYTES)
    );
    let cases = [
        ("not json".to_owned(), ErrorCode::Malformed),
        (r#"{"type":"teleport"}"#.to_owned(), ErrorCode::UnknownType),
        (
            r#"{"type":"send","text":"no id"}"#.to_owned(),
            ErrorCode::Malformed,
        ),
        (oversized, ErrorCode::TooLarge),
        (
            r#"{"type":"send","client_id":"e","text":"   "}"#.to_owned(),
            ErrorCode::EmptyMessage,
        ),
        (
            r#"{"type":"send","client_id":"z","text":"\u200b\u2060\ufeff"}"#.to_owned(),
            ErrorCode::EmptyMessage,
        ),
        (
            r#"{"type":"send","client_id":"has space","text":"x"}"#.to_owned(),
            ErrorCode::BadClientId,
        ),
    ];
    for (text, expected) in cases {
        visitor.send_text(text.clone()).await;
        let (frame, _) = visitor
            .recv_until(|f| matches!(f, ServerFrame::Error { .. }))
            .await;
        match frame {
            ServerFrame::Error { code, message, .. } => {
                assert_eq!(code, expected, "{text:.60}");
                assert!(!message.is_empty());
            }
            _ => unreachable!(),
        }
    }
    visitor.send_visitor(say("ok2", "after")).await;
    assert_eq!(
        visitor.recv_ack("ok2").await,
        2,
        "earlier messages are untouched"
    );
}

#[tokio::test]
async fn hello_is_checked_for_site_token_and_origin() {
    let relay = TestRelay::spawn().await;

    let mut first = relay.visitor().await;
    first.send_visitor(say("c", "no hello")).await;
    assert_eq!(first.recv_error().await, ErrorCode::HelloRequired);
    first.closed().await;

    let mut unknown_site = relay.visitor().await;
    unknown_site
        .send_visitor(VisitorFrame::Hello {
            site: "nope".into(),
            token: None,
            last_seq: 0,
            page: None,
            identity: None,
            name: None,
            lang: None,
        })
        .await;
    assert_eq!(unknown_site.recv_error().await, ErrorCode::UnknownSite);

    let mut forged = relay.visitor().await;
    forged.send_visitor(hello(Some("not-a-token"), 0)).await;
    assert_eq!(forged.recv_error().await, ErrorCode::BadToken);

    let mut elsewhere = relay.visitor_from(Some("https://evil.example")).await;
    elsewhere.send_visitor(hello(None, 0)).await;
    assert_eq!(elsewhere.recv_error().await, ErrorCode::OriginNotAllowed);
}

#[tokio::test]
async fn a_flood_is_rate_limited_without_losing_what_was_accepted() {
    let relay = TestRelay::spawn().await;
    let (mut visitor, token) = relay.new_visitor().await;
    for i in 0..30 {
        visitor
            .send_visitor(say(&format!("f{i}"), &format!("flood {i}")))
            .await;
    }
    let mut accepted = Vec::new();
    let mut limited = 0;
    while accepted.len() + limited < 30 {
        match visitor.recv().await {
            ServerFrame::Ack { client_id, seq, .. } => accepted.push((client_id, seq)),
            ServerFrame::Error {
                code: ErrorCode::RateLimited,
                ..
            } => limited += 1,
            ServerFrame::Message { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(limited > 0, "30 messages at once must hit the limit");
    assert!(accepted.len() >= 8, "the burst passes: {accepted:?}");

    let mut reader = relay.visitor().await;
    reader.send_visitor(hello(Some(&token), 0)).await;
    reader.recv().await;
    for (client_id, seq) in accepted {
        let message = reader.recv_message().await;
        assert_eq!((message.client_id, message.seq), (client_id, seq));
    }
}

#[tokio::test]
async fn a_resume_point_past_the_end_is_clamped_and_live_messages_still_arrive() {
    let relay = TestRelay::spawn().await;
    let (mut visitor, token) = relay.new_visitor().await;
    for i in 1..=2 {
        visitor.send_visitor(say(&format!("v{i}"), "hi")).await;
        visitor.recv_ack(&format!("v{i}")).await;
    }
    visitor.close().await;

    // A client that claims to have seen far more than was ever stored.
    let mut visitor = relay.visitor().await;
    visitor.send_visitor(hello(Some(&token), 50)).await;
    assert!(matches!(visitor.recv().await, ServerFrame::Welcome { .. }));
    assert_eq!(visitor.recv_error().await, ErrorCode::SeqAhead);
    visitor.send_visitor(say("v3", "still there?")).await;
    let (frame, _) = visitor
        .recv_until(|f| matches!(f, ServerFrame::Message { .. }))
        .await;
    assert!(matches!(frame, ServerFrame::Message { message } if message.seq == 3));
}

#[tokio::test]
async fn a_frame_far_over_the_limit_closes_with_message_too_big() {
    let relay = TestRelay::spawn().await;
    let (mut visitor, _) = relay.new_visitor().await;
    let huge = format!(
        r#"{{"type":"send","client_id":"big","text":"{}"}}"#,
        "x".repeat(70 * 1024)
    );
    visitor.send_text(huge).await;
    assert_eq!(visitor.close_code().await, Some(1009));
}

#[tokio::test]
async fn text_that_is_not_utf8_closes_with_invalid_payload() {
    use tokio_tungstenite::tungstenite::protocol::frame::Frame;
    use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
    let relay = TestRelay::spawn().await;
    let (mut visitor, _) = relay.new_visitor().await;
    let broken = Frame::message(vec![b'{', 0xC3, 0x28, b'}'], OpCode::Data(Data::Text), true);
    visitor.send_raw(broken).await;
    assert_eq!(visitor.close_code().await, Some(1007));
}

/// Limits follow the visitor, not the socket: reconnecting or opening more
/// sockets with the same token buys nothing.
#[tokio::test]
async fn twenty_sockets_sharing_a_token_share_one_allowance() {
    const SOCKETS: usize = 20;
    const WINDOW: std::time::Duration = std::time::Duration::from_secs(10);
    let relay = TestRelay::spawn().await;
    let (first, token) = relay.new_visitor().await;
    first.close().await;
    let started = std::time::Instant::now();
    let senders = (0..SOCKETS).map(|s| {
        let relay = &relay;
        let token = token.clone();
        async move {
            let mut socket = relay.visitor().await;
            socket.send_visitor(hello(Some(&token), 0)).await;
            socket
                .recv_until(|f| matches!(f, ServerFrame::Welcome { .. }))
                .await;
            let mut stored = 0;
            let mut sent = 0;
            while started.elapsed() < WINDOW {
                let client_id = format!("s{s}-{sent}");
                sent += 1;
                socket.send_visitor(say(&client_id, "flood")).await;
                if socket.recv_answer(&client_id).await.is_ok() {
                    stored += 1;
                }
            }
            stored
        }
    });
    let stored: usize = futures::future::join_all(senders).await.into_iter().sum();
    let elapsed = started.elapsed().as_secs_f64();
    eprintln!("{SOCKETS} sockets sharing one token stored {stored} messages in {elapsed:.1} s");
    // A burst of 8, then one a second, however many sockets ask.
    assert!(
        stored as f64 <= 8.0 + elapsed.ceil() + 1.0,
        "{stored} in {elapsed:.1} s"
    );
}

/// A visitor row is written only when a visitor first writes: connections
/// that only say hello leave nothing behind.
#[tokio::test]
async fn hello_only_connections_store_no_visitors() {
    use futures::StreamExt;
    const CONNECTIONS: usize = 2_000;
    let relay = TestRelay::spawn().await;
    futures::stream::iter(0..CONNECTIONS)
        .for_each_concurrent(100, |_| async {
            let mut visitor = relay.visitor().await;
            visitor.send_visitor(hello(None, 0)).await;
            assert!(matches!(visitor.recv().await, ServerFrame::Welcome { .. }));
            visitor.close().await;
        })
        .await;
    let (mut writer, _) = relay.new_visitor().await;
    writer.send_visitor(say("w1", "a real question")).await;
    writer.recv_ack("w1").await;

    let db = relay.data_dir.join("warmline.db");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=ro", db.display()))
        .await
        .unwrap();
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM visitors")
        .fetch_one(&pool)
        .await
        .unwrap();
    eprintln!("{CONNECTIONS} hello-only connections and one writer: {rows} visitor rows");
    assert_eq!(rows, 1);
}

#[tokio::test]
async fn one_address_can_bring_only_so_many_new_visitors_at_once() {
    let relay = TestRelay::spawn().await;
    let mut stored = 0;
    for i in 0..30 {
        let (mut visitor, _) = relay.new_visitor().await;
        let client_id = format!("n{i}");
        visitor.send_visitor(say(&client_id, "hi")).await;
        match visitor.recv_answer(&client_id).await {
            Ok(_) => stored += 1,
            Err(code) => assert_eq!(code, ErrorCode::RateLimited),
        }
    }
    assert_eq!(stored, 20, "the burst of new visitors per address");
}

/// The visitor's own message goes out with its ack when nothing comes
/// before it, and through the subscription when something does: either
/// way each message reaches the visitor once, in order, with no gap.
#[tokio::test]
async fn the_visitor_gets_each_message_once_in_order_while_both_sides_write() {
    let relay = TestRelay::spawn_with(loose_limits).await;
    let (mut visitor, _, conversation_id) = relay.writing_visitor("hello").await;
    let mut agent = relay.agent().await;
    for i in 1..=20 {
        agent
            .send_agent(reply(conversation_id, &format!("a{i}"), "from the agent"))
            .await;
        visitor
            .send_visitor(say(&format!("v{i}"), "from the visitor"))
            .await;
    }
    visitor.send_visitor(say("last", "the last one")).await;
    let mut seqs = Vec::new();
    let (mut last_acked, mut last_seen) = (None, None);
    while last_acked.is_none() || last_seen.is_none() {
        match visitor.recv().await {
            ServerFrame::Message { message } => {
                if message.client_id == "last" {
                    last_seen = Some(message.seq);
                }
                seqs.push(message.seq);
            }
            ServerFrame::Ack { client_id, seq, .. } if client_id == "last" => {
                last_acked = Some(seq);
            }
            _ => {}
        }
    }
    assert_eq!(last_acked, last_seen);
    let end = last_seen.unwrap();
    // After "hello" (seq 1): the visitor's 21, and whichever of the
    // agent's and the bot's came before the last one, each once.
    assert!(end >= 22, "{end}");
    assert_eq!(
        seqs,
        (2..=end).collect::<Vec<_>>(),
        "each once, in order, no gap"
    );
}
