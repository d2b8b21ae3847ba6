//! Typing, "Seen", and whether agents are there: signals never stored.

use warmline_shared::{AgentFrame, Author, ServerFrame, VisitorFrame};

use crate::helpers::*;

#[tokio::test]
async fn typing_and_reading_reach_the_other_side_and_presence_follows_agents() {
    let relay = TestRelay::spawn().await;
    let (mut visitor, _) = relay.new_visitor().await;
    visitor.send_visitor(say("c1", "hello?")).await;
    visitor.recv_ack("c1").await;
    let (message, _) = visitor
        .recv_until(|f| matches!(f, ServerFrame::Message { .. }))
        .await;
    let ServerFrame::Message { message } = message else {
        unreachable!()
    };
    let id = message.conversation_id;

    let mut agent = relay.agent().await;
    let (presence, _) = visitor
        .recv_until(|f| matches!(f, ServerFrame::Presence { .. }))
        .await;
    assert!(matches!(presence, ServerFrame::Presence { presence } if presence.online == 1));

    agent
        .send_agent(AgentFrame::Open {
            conversation_id: id,
            last_seq: 0,
        })
        .await;
    assert_eq!(agent.recv_message().await.text, "hello?");
    visitor.send_visitor(VisitorFrame::Typing).await;
    let (typing, _) = agent
        .recv_until(|f| matches!(f, ServerFrame::Typing { .. }))
        .await;
    assert_eq!(
        typing,
        ServerFrame::Typing {
            conversation_id: id,
            author: Author::Visitor
        }
    );

    agent
        .send_agent(AgentFrame::Typing {
            conversation_id: id,
        })
        .await;
    let (typing, _) = visitor
        .recv_until(|f| matches!(f, ServerFrame::Typing { .. }))
        .await;
    assert_eq!(
        typing,
        ServerFrame::Typing {
            conversation_id: id,
            author: Author::Agent {
                name: "Nino".into()
            }
        }
    );
    // A read past the end counts as read to the end.
    agent
        .send_agent(AgentFrame::Read {
            conversation_id: id,
            seq: 99,
        })
        .await;
    let (read, _) = visitor
        .recv_until(|f| matches!(f, ServerFrame::Read { .. }))
        .await;
    assert_eq!(
        read,
        ServerFrame::Read {
            conversation_id: id,
            seq: 1
        }
    );

    agent.close().await;
    let (presence, _) = visitor
        .recv_until(|f| matches!(f, ServerFrame::Presence { .. }))
        .await;
    assert!(matches!(presence, ServerFrame::Presence { presence } if presence.online == 0));
}

#[tokio::test]
async fn typing_in_someone_elses_conversation_is_refused() {
    let relay = TestRelay::spawn().await;
    let mut agent = relay.agent().await;
    agent
        .send_agent(AgentFrame::Typing {
            conversation_id: warmline_shared::ConversationId::new(999),
        })
        .await;
    assert_eq!(
        agent.recv_error().await,
        warmline_shared::ErrorCode::UnknownConversation
    );
}
