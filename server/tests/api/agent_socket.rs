use warmline_shared::{AgentFrame, Author, ConversationId, ErrorCode, ServerFrame};

use crate::helpers::{TestRelay, hello_from, loose_limits, reply, say};

#[tokio::test]
async fn an_agent_sees_a_visitor_live_and_the_visitor_sees_the_reply() {
    let relay = TestRelay::spawn().await;
    let mut agent = relay.agent().await;
    let mut visitor = relay.visitor().await;
    let page = format!("{}/demo/", relay.url);
    visitor.send_visitor(hello_from(&page)).await;
    assert!(matches!(visitor.recv().await, ServerFrame::Welcome { .. }));

    visitor.send_visitor(say("v1", "hello")).await;
    visitor.recv_ack("v1").await;

    // The inbox announces the new conversation without the agent asking.
    let conversation = agent.recv_conversation().await;
    assert_eq!(conversation.last_text.as_deref(), Some("hello"));
    assert_eq!(conversation.page, Some(page));

    agent
        .send_agent(AgentFrame::Open {
            conversation_id: conversation.id,
            last_seq: 0,
        })
        .await;
    let (frame, _) = agent
        .recv_until(|f| matches!(f, ServerFrame::Message { .. }))
        .await;
    let ServerFrame::Message { message } = frame else {
        unreachable!()
    };
    assert_eq!((message.seq, message.text.as_str()), (1, "hello"));

    agent
        .send_agent(reply(conversation.id, "a1", "Hi! How can I help?"))
        .await;
    assert_eq!(agent.recv_ack("a1").await, 2);

    let (frame, _) = visitor
        .recv_until(|f| matches!(f, ServerFrame::Message { message } if message.seq == 2))
        .await;
    let ServerFrame::Message { message } = frame else {
        unreachable!()
    };
    assert_eq!(message.text, "Hi! How can I help?");
    assert_eq!(
        message.author,
        Author::Agent {
            name: "Nino".into()
        }
    );
}

#[tokio::test]
async fn an_agent_cannot_open_or_write_to_unknown_conversations() {
    let relay = TestRelay::spawn().await;
    let mut agent = relay.agent().await;
    agent
        .send_agent(AgentFrame::Open {
            conversation_id: ConversationId::new(999),
            last_seq: 0,
        })
        .await;
    assert_eq!(agent.recv_error().await, ErrorCode::UnknownConversation);
    agent
        .send_agent(reply(ConversationId::new(999), "x", "hi"))
        .await;
    assert_eq!(agent.recv_error().await, ErrorCode::UnknownConversation);
    // A visitor's frame on the agent socket is not an agent frame.
    agent
        .send_text(r#"{"type":"hello","site":"demo"}"#.into())
        .await;
    assert_eq!(agent.recv_error().await, ErrorCode::UnknownType);
}

#[tokio::test]
async fn signing_out_in_one_tab_closes_the_sockets_of_every_tab_of_that_session() {
    let relay = TestRelay::spawn().await;
    let cookie = relay.sign_in().await;
    let mut tabs = Vec::new();
    for _ in 0..2 {
        let mut tab = relay.agent_request(Some(&cookie)).await.unwrap();
        assert!(matches!(tab.recv().await, ServerFrame::Inbox { .. }));
        tabs.push(tab);
    }
    // Another browser of the same agent has a session of its own.
    let mut elsewhere = relay.agent().await;

    let logout = relay
        .http()
        .post(format!("{}/api/agent/logout", relay.url))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 204);
    for tab in &mut tabs {
        assert_eq!(tab.close_code().await, Some(1008), "policy: session ended");
    }

    // The other browser still works.
    let (mut visitor, _) = relay.new_visitor().await;
    visitor.send_visitor(say("v1", "anyone there?")).await;
    visitor.recv_ack("v1").await;
    let conversation = elsewhere.recv_conversation().await;
    elsewhere
        .send_agent(reply(conversation.id, "a1", "Yes, hello!"))
        .await;
    assert_eq!(elsewhere.recv_ack("a1").await, 2);
}

#[tokio::test]
async fn shutting_down_closes_open_sockets_before_serve_returns() {
    let mut relay = TestRelay::spawn().await;
    let (mut visitor, _) = relay.new_visitor().await;
    let mut agent = relay.agent().await;
    relay.begin_stop();
    assert_eq!(visitor.close_code().await, Some(1001), "going away");
    assert_eq!(agent.close_code().await, Some(1001));
    relay.stop().await;
}

#[tokio::test]
async fn an_agent_opening_past_the_end_is_told_and_still_gets_new_messages() {
    let relay = TestRelay::spawn().await;
    let mut agent = relay.agent().await;
    let (mut visitor, _) = relay.new_visitor().await;
    visitor.send_visitor(say("v1", "hello")).await;
    visitor.recv_ack("v1").await;
    let conversation = agent.recv_conversation().await;
    agent
        .send_agent(AgentFrame::Open {
            conversation_id: conversation.id,
            last_seq: 40,
        })
        .await;
    assert_eq!(agent.recv_error().await, ErrorCode::SeqAhead);
    visitor.send_visitor(say("v2", "anyone?")).await;
    let (frame, _) = agent
        .recv_until(|f| matches!(f, ServerFrame::Message { .. }))
        .await;
    assert!(matches!(frame, ServerFrame::Message { message } if message.seq == 2));
}

#[tokio::test]
async fn opening_a_conversation_twice_sends_its_history_once() {
    let relay = TestRelay::spawn().await;
    let mut agent = relay.agent().await;
    let (mut visitor, _) = relay.new_visitor().await;
    visitor.send_visitor(say("v1", "hello")).await;
    visitor.recv_ack("v1").await;
    let conversation = agent.recv_conversation().await;
    let open = AgentFrame::Open {
        conversation_id: conversation.id,
        last_seq: 0,
    };
    agent.send_agent(open.clone()).await;
    agent.send_agent(open).await;
    // A reply marks the end of whatever the two opens sent.
    agent.send_agent(reply(conversation.id, "a1", "Hi")).await;
    let (_, before) = agent
        .recv_until(|f| matches!(f, ServerFrame::Ack { .. }))
        .await;
    let hellos = before
        .iter()
        .filter(|f| matches!(f, ServerFrame::Message { message } if message.seq == 1))
        .count();
    assert_eq!(hellos, 1, "{before:?}");
}

#[tokio::test]
async fn only_short_pages_of_the_sites_own_origins_reach_the_agent() {
    let relay = TestRelay::spawn().await;
    let mut agent = relay.agent().await;
    let long = format!("{}/demo/{}", relay.url, "x".repeat(4 * 1024));
    let cases = [
        (format!("{}/demo/pricing", relay.url), true),
        ("https://evil.example/phish".to_owned(), false),
        ("javascript:alert(1)".to_owned(), false),
        (long, false),
    ];
    for (i, (page, kept)) in cases.into_iter().enumerate() {
        let mut visitor = relay.visitor().await;
        visitor.send_visitor(hello_from(&page)).await;
        assert!(matches!(visitor.recv().await, ServerFrame::Welcome { .. }));
        visitor.send_visitor(say(&format!("v{i}"), "hi")).await;
        visitor.recv_ack(&format!("v{i}")).await;
        let conversation = agent.recv_conversation().await;
        assert_eq!(conversation.page.is_some(), kept, "{page:.60}");
    }
}

#[tokio::test]
async fn the_inbox_pages_through_any_number_of_conversations() {
    let relay = TestRelay::spawn_with(loose_limits).await;
    for i in 0..60 {
        let (mut visitor, _) = relay.new_visitor().await;
        visitor.send_visitor(say(&format!("v{i}"), "hi")).await;
        visitor.recv_ack(&format!("v{i}")).await;
    }
    let cookie = relay.sign_in().await;
    let mut agent = relay.agent_request(Some(&cookie)).await.unwrap();
    let ServerFrame::Inbox {
        conversations: first,
        more: true,
    } = agent.recv().await
    else {
        panic!("expected a first page with more to come")
    };
    assert_eq!(first.len(), 50);
    agent
        .send_agent(AgentFrame::MoreInbox {
            after: first.last().unwrap().cursor(),
        })
        .await;
    let ServerFrame::InboxPage {
        conversations: rest,
        more: false,
    } = agent.recv().await
    else {
        panic!("expected the last page")
    };
    assert_eq!(rest.len(), 10);
    let mut ids: Vec<_> = first.iter().chain(&rest).map(|c| c.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 60, "every conversation exactly once");
}
