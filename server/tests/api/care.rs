//! Visitor care at the relay: choices the visitor picks once, feedback after
//! close with the site's thank-you and the owner's answer on return, and the
//! context panel holding only what the owner collects.

use serde_json::{Value, json};
use warmline_shared::care::{FeedbackReport, OptionCount, PageView, Reward, VisitorContext};
use warmline_shared::{
    AgentFrame, ChatMessage, ConversationId, ErrorCode, ServerFrame, VisitorFrame,
};

use crate::helpers::*;

/// The agent answers (which takes the conversation) and closes it.
async fn take_and_close(agent: &mut Client, id: ConversationId) {
    agent
        .send_agent(reply(id, "a1", "A new parcel is on its way."))
        .await;
    agent.recv_ack("a1").await;
    agent
        .send_agent(AgentFrame::Resolve {
            conversation_id: id,
            resolution: "replacement".into(),
        })
        .await;
}

/// The next stored message the client receives that matches.
async fn message_where(client: &mut Client, test: impl Fn(&ChatMessage) -> bool) -> ChatMessage {
    let (frame, _) = client
        .recv_until(|f| matches!(f, ServerFrame::Message { message } if test(message)))
        .await;
    let ServerFrame::Message { message } = frame else {
        unreachable!()
    };
    message
}

fn offer(id: ConversationId, client_id: &str, options: &[&str]) -> AgentFrame {
    AgentFrame::Send {
        conversation_id: id,
        client_id: client_id.into(),
        text: "How would you like us to make this right?".into(),
        options: options.iter().map(|o| (*o).to_owned()).collect(),
    }
}

fn pick(client_id: &str, seq: i64, option: u32) -> VisitorFrame {
    VisitorFrame::Pick {
        client_id: client_id.into(),
        seq,
        option,
    }
}

#[tokio::test]
async fn the_visitor_picks_one_choice_once_both_see_it_and_owners_count_it() {
    let relay = TestRelay::spawn_with(loose_limits).await;
    let (mut visitor, _, id) = relay.writing_visitor("my parcel came broken").await;
    let mut agent = relay.agent().await;
    // One choice, or two the same, is no choice.
    agent.send_agent(offer(id, "bad1", &["Refund"])).await;
    assert_eq!(agent.recv_answer("bad1").await, Err(ErrorCode::BadOptions));
    agent
        .send_agent(offer(id, "bad2", &["Refund", " refund "]))
        .await;
    assert_eq!(agent.recv_answer("bad2").await, Err(ErrorCode::BadOptions));

    let choices = ["Refund", "Replacement", "Store credit"];
    agent.send_agent(offer(id, "a1", &choices)).await;
    let seq = agent.recv_ack("a1").await;
    let offered = message_where(&mut visitor, |m| m.seq == seq).await;
    assert_eq!(offered.options, choices);

    // A choice that does not exist is refused, by id; nothing is stored.
    visitor.send_visitor(pick("p0", seq, 3)).await;
    assert_eq!(visitor.recv_answer("p0").await, Err(ErrorCode::BadOptions));
    visitor.send_visitor(pick("p1", seq, 1)).await;
    let picked_seq = visitor.recv_ack("p1").await;
    let picked = message_where(&mut visitor, |m| m.seq == picked_seq).await;
    assert_eq!(
        (picked.text.as_str(), picked.picked),
        ("Replacement", Some(seq))
    );
    // The agent sees the pick as the visitor's message.
    agent
        .send_agent(AgentFrame::Open {
            conversation_id: id,
            last_seq: seq,
        })
        .await;
    let seen = message_where(&mut agent, |m| m.seq == picked_seq).await;
    assert_eq!(seen.picked, Some(seq));

    // A resend is the same pick; another pick of the same offer is refused.
    visitor.send_visitor(pick("p1", seq, 1)).await;
    assert_eq!(visitor.recv_ack("p1").await, picked_seq);
    visitor.send_visitor(pick("p2", seq, 0)).await;
    assert_eq!(
        visitor.recv_answer("p2").await,
        Err(ErrorCode::AlreadyAnswered)
    );
    // Only an agent's message with choices can be picked from.
    visitor.send_visitor(pick("p3", 1, 0)).await;
    assert_eq!(visitor.recv_answer("p3").await, Err(ErrorCode::BadOptions));

    let owner = relay.sign_in().await;
    let counts: Vec<OptionCount> = relay.get_json(&owner, "/api/reports/options").await;
    let count = |name: &str| {
        let c = counts.iter().find(|c| c.option == name).unwrap();
        (c.offered, c.picked)
    };
    assert_eq!(count("Replacement"), (1, 1));
    assert_eq!(count("Refund"), (1, 0));
    assert_eq!(counts[0].option, "Replacement", "the most picked first");
}

#[tokio::test]
async fn a_rating_after_close_brings_the_reward_and_the_answer_comes_back_later() {
    let relay = TestRelay::spawn_with(loose_limits).await;
    let owner = relay.sign_in().await;
    let reward = json!({"kind": "code", "code": "THANKS15", "label": "15% off"});
    let saved = relay.save_setting(&owner, "reward", reward).await;
    assert_eq!(saved.status(), 200);
    for bad in [
        json!({"kind": "code", "code": "has space", "label": ""}),
        json!({"kind": "link", "url": "javascript:alert(1)", "label": ""}),
    ] {
        assert_eq!(
            relay.save_setting(&owner, "reward", bad).await.status(),
            400
        );
    }
    let (mut visitor, token, id) = relay.writing_visitor("my parcel came broken").await;
    let rate = |rating: u8| VisitorFrame::Rate {
        conversation_id: id,
        rating,
        comment: "Quick, but the parcel was still late.".into(),
    };
    // Not before it is over.
    visitor.send_visitor(rate(4)).await;
    assert_eq!(visitor.recv_error().await, ErrorCode::Malformed);

    let mut agent = relay.agent().await;
    take_and_close(&mut agent, id).await;
    visitor
        .recv_until(
            |f| matches!(f, ServerFrame::Handoff { place, .. } if place.state.name() == "closed"),
        )
        .await;

    visitor.send_visitor(rate(9)).await;
    assert_eq!(visitor.recv_error().await, ErrorCode::Malformed);
    visitor.send_visitor(rate(4)).await;
    let (frame, _) = visitor
        .recv_until(|f| matches!(f, ServerFrame::Feedback { .. }))
        .await;
    let ServerFrame::Feedback { feedback } = frame else {
        unreachable!()
    };
    assert_eq!(feedback.rating, 4);
    assert_eq!(
        feedback.reward,
        Some(Reward::Code {
            code: "THANKS15".into(),
            label: "15% off".into()
        })
    );
    // Agents see the rating on the conversation.
    let (frame, _) = agent
        .recv_until(|f| matches!(f, ServerFrame::Conversation { conversation } if conversation.rating.is_some()))
        .await;
    assert!(
        matches!(frame, ServerFrame::Conversation { conversation } if conversation.rating == Some(4))
    );
    // A second rating is not a second one: the stored one is the answer.
    visitor.send_visitor(rate(1)).await;
    let (frame, _) = visitor
        .recv_until(|f| matches!(f, ServerFrame::Feedback { .. }))
        .await;
    assert!(matches!(frame, ServerFrame::Feedback { feedback } if feedback.rating == 4));

    // Only owners answer, and only feedback there is.
    let url = format!("{}/api/conversations/{id}/feedback/answer", relay.url);
    let colleague = relay.colleague("Levan").await;
    let answer = json!({"answer": "We now ship with a tracked courier."});
    let put = |cookie: String, body: Value, url: String| {
        let http = relay.http();
        async move {
            http.put(url)
                .header("cookie", cookie)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(
        put(colleague, answer.clone(), url.clone()).await.status(),
        403
    );
    let owner = relay.sign_in().await;
    assert_eq!(
        put(owner.clone(), json!({"answer": " "}), url.clone())
            .await
            .status(),
        400
    );
    let elsewhere = format!("{}/api/conversations/999999/feedback/answer", relay.url);
    assert_eq!(
        put(owner.clone(), answer.clone(), elsewhere).await.status(),
        404
    );
    assert_eq!(put(owner.clone(), answer, url).await.status(), 200);

    // Coming back, the visitor hears what was done.
    visitor.close().await;
    let mut back = relay.visitor().await;
    back.send_visitor(hello(Some(&token), 0)).await;
    let (frame, _) = back
        .recv_until(|f| matches!(f, ServerFrame::Feedback { .. }))
        .await;
    let ServerFrame::Feedback { feedback } = frame else {
        unreachable!()
    };
    assert_eq!(
        feedback.answer.as_deref(),
        Some("We now ship with a tracked courier.")
    );
    assert_eq!(feedback.comment, "Quick, but the parcel was still late.");

    let report: FeedbackReport = relay.get_json(&owner, "/api/reports/feedback").await;
    assert_eq!(report.counts, [0, 0, 0, 1, 0]);
    assert_eq!(report.comments.len(), 1);
}

const FIREFOX_WINDOWS: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0";

fn visit() -> VisitorFrame {
    VisitorFrame::Visit {
        pages: vec![
            PageView {
                url: "https://shop.example/teas".into(),
                title: "Our teas".into(),
                at: 1_000,
            },
            PageView {
                url: "https://shop.example/orders/1024".into(),
                title: "Order 1024".into(),
                at: 2_000,
            },
        ],
        referrer: Some("https://search.example/".into()),
        time_zone: Some("Asia/Tbilisi".into()),
        articles: vec![1],
    }
}

async fn context(relay: &TestRelay, owner: &str, id: ConversationId) -> VisitorContext {
    relay
        .get_json(owner, &format!("/api/conversations/{id}/context"))
        .await
}

#[tokio::test]
async fn the_context_panel_holds_what_the_site_collects_and_nothing_else() {
    let relay = TestRelay::spawn_with(loose_limits).await;
    let owner = relay.sign_in().await;
    // The demo collects everything.
    let mut visitor = relay
        .visitor_with(&[("origin", &relay.url), ("user-agent", FIREFOX_WINDOWS)])
        .await;
    visitor.send_visitor(hello(None, 0)).await;
    let ServerFrame::Welcome {
        visitor: welcomed, ..
    } = visitor.recv().await
    else {
        panic!("expected welcome")
    };
    assert!(welcomed.collect.pages && welcomed.collect.device);
    // Reported before the first message, kept once they write.
    visitor.send_visitor(visit()).await;
    visitor.send_visitor(say("c1", "where is my order?")).await;
    visitor.recv_ack("c1").await;
    let id = visitor.recv_message().await.conversation_id;
    let seen = context(&relay, &owner, id).await;
    let pages: Vec<&str> = seen.pages.iter().map(|p| p.title.as_str()).collect();
    assert_eq!(pages, ["Order 1024", "Our teas"], "newest first");
    assert_eq!(seen.referrer.as_deref(), Some("https://search.example/"));
    assert_eq!(seen.time_zone.as_deref(), Some("Asia/Tbilisi"));
    assert_eq!(seen.device.as_deref(), Some("Desktop"));
    assert!(
        seen.browser
            .as_deref()
            .unwrap()
            .starts_with("Firefox 121 on Windows")
    );
    assert!(seen.earlier.is_empty());
    // An unknown conversation is not found; other sites' are not shown.
    let missing = relay
        .http()
        .get(format!("{}/api/conversations/999999/context", relay.url))
        .header("cookie", &owner)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);

    // Turned off, nothing more is kept, and what was kept is no longer shown.
    let off = json!({"pages": false, "device": false, "local_time": false, "articles": false});
    assert_eq!(
        relay.save_setting(&owner, "context", off).await.status(),
        200
    );
    let hidden = context(&relay, &owner, id).await;
    assert!(hidden.pages.is_empty() && hidden.referrer.is_none());
    assert!(hidden.device.is_none() && hidden.browser.is_none() && hidden.time_zone.is_none());
    assert!(hidden.articles_read.is_empty());
    let mut quiet = relay
        .visitor_with(&[("origin", &relay.url), ("user-agent", FIREFOX_WINDOWS)])
        .await;
    quiet.send_visitor(hello(None, 0)).await;
    let ServerFrame::Welcome {
        visitor: welcomed, ..
    } = quiet.recv().await
    else {
        panic!("expected welcome")
    };
    assert!(!welcomed.collect.any());
    quiet.send_visitor(visit()).await;
    quiet.send_visitor(say("c1", "hello")).await;
    quiet.recv_ack("c1").await;
    let quiet_id = quiet.recv_message().await.conversation_id;
    assert_eq!(
        relay
            .save_setting(&owner, "context", json!({"pages": true, "device": true}))
            .await
            .status(),
        200
    );
    let never = context(&relay, &owner, quiet_id).await;
    assert!(
        never.pages.is_empty() && never.device.is_none(),
        "{never:?}"
    );
}

#[tokio::test]
async fn a_visitor_away_when_the_chat_closed_is_asked_to_rate_on_return() {
    let relay = TestRelay::spawn_with(loose_limits).await;
    let (visitor, token, id) = relay.writing_visitor("my parcel came broken").await;
    visitor.close().await;
    let mut agent = relay.agent().await;
    take_and_close(&mut agent, id).await;
    agent
        .recv_until(|f| matches!(f, ServerFrame::Conversation { conversation } if conversation.state.name() == "closed"))
        .await;

    let mut back = relay.visitor().await;
    back.send_visitor(hello(Some(&token), 0)).await;
    let (frame, _) = back
        .recv_until(|f| matches!(f, ServerFrame::Handoff { .. }))
        .await;
    assert!(
        matches!(frame, ServerFrame::Handoff { conversation_id, place } if conversation_id == id && place.state.name() == "closed")
    );
    back.send_visitor(VisitorFrame::Rate {
        conversation_id: id,
        rating: 5,
        comment: String::new(),
    })
    .await;
    back.recv_until(|f| matches!(f, ServerFrame::Feedback { .. }))
        .await;

    // Rated, it is not asked again.
    back.close().await;
    let mut again = relay.visitor().await;
    again.send_visitor(hello(Some(&token), 0)).await;
    assert!(matches!(again.recv().await, ServerFrame::Welcome { .. }));
    again.send_visitor(say("c2", "one more question")).await;
    let (_, before) = again
        .recv_until(|f| matches!(f, ServerFrame::Ack { .. }))
        .await;
    assert!(
        !before.iter().any(
            |f| matches!(f, ServerFrame::Handoff { place, .. } if place.state.name() == "closed")
        ),
        "{before:?}"
    );
}
