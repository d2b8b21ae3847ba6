//! The agent's tools: private notes stay with agents whatever anyone
//! sends, and the tone guard is counted per agent for the owner.

use warmline_shared::{AgentFrame, ErrorCode, ServerFrame};

use crate::helpers::*;

#[tokio::test]
async fn a_private_note_reaches_every_agent_and_never_the_visitor() {
    let relay = TestRelay::spawn().await;
    let (mut visitor, _, id) = relay.writing_visitor("my card was charged twice").await;

    let mut writer = relay.agent().await;
    let mut colleague = relay.agent().await;
    let secret = "refund approved by finance, ref FIN-7731";
    let note = AgentFrame::Note {
        conversation_id: id,
        client_id: "n1".into(),
        text: secret.into(),
    };
    writer.send_agent(note.clone()).await;
    let (frame, _) = colleague
        .recv_until(|f| matches!(f, ServerFrame::Note { .. }))
        .await;
    let ServerFrame::Note { note: shown } = frame else {
        unreachable!()
    };
    assert_eq!(
        (shown.text.as_str(), shown.author.as_str()),
        (secret, "Nino")
    );
    // A resend is the same note, not a second one.
    writer.send_agent(note).await;
    // Opening the conversation later brings its notes.
    let mut later = relay.agent().await;
    later
        .send_agent(AgentFrame::Open {
            conversation_id: id,
            last_seq: 0,
        })
        .await;
    let (_, before) = later
        .recv_until(|f| matches!(f, ServerFrame::Note { note } if note.client_id == "n1"))
        .await;
    assert!(
        before
            .iter()
            .all(|f| !matches!(f, ServerFrame::Note { .. }))
    );

    // A visitor cannot write one: there is no such frame for visitors.
    visitor
        .send_text(
            serde_json::json!({"type": "note", "conversation_id": id, "client_id": "x", "text": "hi"})
                .to_string(),
        )
        .await;
    let (refused, skipped) = visitor
        .recv_until(|f| matches!(f, ServerFrame::Error { .. }))
        .await;
    assert!(matches!(
        refused,
        ServerFrame::Error {
            code: ErrorCode::UnknownType,
            ..
        }
    ));
    // And everything the visitor's socket received holds nothing of the note.
    visitor.send_visitor(say("c2", "any news?")).await;
    let (_, more) = visitor
        .recv_until(|f| matches!(f, ServerFrame::Ack { client_id, .. } if client_id == "c2"))
        .await;
    for frame in skipped.iter().chain(&more) {
        let text = warmline_shared::encode(frame);
        assert!(!text.contains("FIN-7731"), "{text}");
    }
    // Notes are checked like messages: an empty one is refused, by id.
    writer
        .send_agent(AgentFrame::Note {
            conversation_id: id,
            client_id: "n2".into(),
            text: "  ".into(),
        })
        .await;
    assert_eq!(writer.recv_answer("n2").await, Err(ErrorCode::EmptyMessage));
}

#[tokio::test]
async fn the_tone_guard_counts_warnings_and_replies_sent_anyway_per_agent() {
    let relay = TestRelay::spawn().await;
    let (_visitor, _, id) = relay.writing_visitor("this is a disgrace").await;
    let mut agent = relay.agent().await;
    // The console tells the relay it warned, then the agent sends anyway.
    agent
        .send_agent(AgentFrame::ToneWarned {
            conversation_id: id,
        })
        .await;
    agent
        .send_agent(reply(id, "a1", "Please calm down, we will check."))
        .await;
    agent.recv_ack("a1").await;
    // A kind reply counts nothing.
    agent
        .send_agent(reply(
            id,
            "a2",
            "I understand, and I am sorry. Let me check.",
        ))
        .await;
    agent.recv_ack("a2").await;
    let owner = relay.sign_in().await;
    let report: serde_json::Value = relay.get_json(&owner, "/api/reports/tone").await;
    let nino = report
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Nino")
        .unwrap();
    assert_eq!(
        (nino["shown"].as_u64(), nino["overridden"].as_u64()),
        (Some(1), Some(1))
    );
}

#[tokio::test]
async fn owners_keep_canned_replies_that_every_agent_reads() {
    let relay = TestRelay::spawn().await;
    let owner = relay.sign_in().await;
    let url = format!("{}/api/canned", relay.url);
    let post = |body: serde_json::Value| {
        relay
            .http()
            .post(&url)
            .header("cookie", &owner)
            .json(&body)
            .send()
    };
    let made = post(serde_json::json!({"shortcut": "/greet", "lang": "en", "text": "Hi {name}, I'm {agent} from {site}."}))
        .await
        .unwrap();
    assert_eq!(made.status(), 201);
    let made: serde_json::Value = made.json().await.unwrap();
    assert_eq!(
        made["shortcut"], "greet",
        "the slash is not part of the shortcut"
    );
    // The same shortcut in another language is another reply; in the same one it is taken.
    let ka =
        post(serde_json::json!({"shortcut": "greet", "lang": "ka", "text": "გამარჯობა {name}!"}))
            .await
            .unwrap();
    assert_eq!(ka.status(), 201);
    let taken = post(serde_json::json!({"shortcut": "greet", "lang": "en", "text": "again"}))
        .await
        .unwrap();
    assert_eq!(taken.status(), 409);
    for bad in [
        serde_json::json!({"shortcut": "Has Space", "lang": "en", "text": "x"}),
        serde_json::json!({"shortcut": "ok", "lang": "xx", "text": "x"}),
        serde_json::json!({"shortcut": "ok", "lang": "en", "text": "  "}),
    ] {
        assert_eq!(post(bad).await.unwrap().status(), 400);
    }
    // Agents read them and may not write them.
    let agent = relay.colleague("Levan").await;
    let list: Vec<serde_json::Value> = relay
        .http()
        .get(&url)
        .header("cookie", &agent)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list.len(), 2);
    let refused = relay
        .http()
        .post(&url)
        .header("cookie", &agent)
        .json(&serde_json::json!({"shortcut": "x", "lang": "en", "text": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let id = made["id"].as_i64().unwrap();
    let deleted = relay
        .http()
        .delete(format!("{url}/{id}"))
        .header("cookie", &owner)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    let again = relay
        .http()
        .delete(format!("{url}/{id}"))
        .header("cookie", &owner)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 404);
}

#[tokio::test]
async fn a_blocked_visitor_cannot_start_again_from_any_browser_until_an_owner_lifts_it() {
    let relay = TestRelay::spawn().await;
    let (mut visitor, token, id) = relay.writing_visitor("you are all idiots").await;
    let mut agent = relay.agent().await;
    // A reason is required.
    agent
        .send_agent(AgentFrame::Block {
            conversation_id: id,
            reason: " ".into(),
            hours: 24,
        })
        .await;
    let (refused, _) = agent
        .recv_until(|f| matches!(f, ServerFrame::Error { .. }))
        .await;
    assert!(matches!(
        refused,
        ServerFrame::Error {
            code: ErrorCode::Malformed,
            ..
        }
    ));
    agent
        .send_agent(AgentFrame::Block {
            conversation_id: id,
            reason: "insults".into(),
            hours: 24,
        })
        .await;
    // The visitor is told politely, and the conversation is over.
    let (notice, _) = visitor
        .recv_until(|f| matches!(f, ServerFrame::Message { message } if message.text.contains("closed by our team")))
        .await;
    assert!(matches!(notice, ServerFrame::Message { .. }));
    visitor
        .recv_until(|f| matches!(f, ServerFrame::Handoff { place, .. } if place.state == warmline_shared::handoff::ConversationState::Closed))
        .await;
    visitor.send_visitor(say("c2", "hello?")).await;
    assert_eq!(visitor.recv_answer("c2").await, Err(ErrorCode::Blocked));
    // Coming back with the same token, or as a new browser from the same address: refused.
    for token in [Some(token.as_str()), None] {
        let mut again = relay.visitor().await;
        again.send_visitor(hello(token, 0)).await;
        let (refused, _) = again
            .recv_until(|f| matches!(f, ServerFrame::Error { .. }))
            .await;
        assert!(matches!(
            refused,
            ServerFrame::Error {
                code: ErrorCode::Blocked,
                ..
            }
        ));
    }
    // Owners see the block and lift it; then the visitor may write again.
    let owner = relay.sign_in().await;
    let blocks: Vec<serde_json::Value> = relay
        .http()
        .get(format!("{}/api/blocks", relay.url))
        .header("cookie", &owner)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(blocks.len(), 1);
    assert_eq!(blocks[0]["reason"], "insults");
    assert_eq!(blocks[0]["by"], "Nino");
    let lifted = relay
        .http()
        .delete(format!("{}/api/blocks/{}", relay.url, blocks[0]["id"]))
        .header("cookie", &owner)
        .send()
        .await
        .unwrap();
    assert_eq!(lifted.status(), 204);
    let mut back = relay.visitor().await;
    back.send_visitor(hello(Some(&token), 0)).await;
    let (welcome, _) = back
        .recv_until(|f| matches!(f, ServerFrame::Welcome { .. } | ServerFrame::Error { .. }))
        .await;
    assert!(
        matches!(welcome, ServerFrame::Welcome { .. }),
        "{welcome:?}"
    );
}
