use warmline_shared::{AgentFrame, Author, ErrorCode, ServerFrame};

use crate::helpers::{TestRelay, say};

#[tokio::test]
async fn an_agent_sees_a_visitor_live_and_the_visitor_sees_the_reply() {
    let relay = TestRelay::spawn().await;
    let mut agent = relay.agent().await;
    let (mut visitor, _) = relay.new_visitor().await;

    visitor.send_visitor(say("v1", "hello")).await;
    visitor.recv_ack("v1").await;

    // The inbox announces the new conversation without the agent asking.
    let (frame, _) = agent
        .recv_until(|f| matches!(f, ServerFrame::Conversation { .. }))
        .await;
    let ServerFrame::Conversation { conversation } = frame else {
        unreachable!()
    };
    assert_eq!(conversation.last_text.as_deref(), Some("hello"));
    assert_eq!(conversation.page.as_deref(), Some("/demo/"));

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
        .send_agent(AgentFrame::Send {
            conversation_id: conversation.id,
            client_id: "a1".into(),
            text: "Hi! How can I help?".into(),
        })
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
            conversation_id: 999,
            last_seq: 0,
        })
        .await;
    assert_eq!(agent.recv_error().await, ErrorCode::UnknownConversation);
    agent
        .send_agent(AgentFrame::Send {
            conversation_id: 999,
            client_id: "x".into(),
            text: "hi".into(),
        })
        .await;
    assert_eq!(agent.recv_error().await, ErrorCode::UnknownConversation);
    // A visitor's frame on the agent socket is not an agent frame.
    agent
        .send_text(r#"{"type":"hello","site":"demo"}"#.into())
        .await;
    assert_eq!(agent.recv_error().await, ErrorCode::UnknownType);
}
