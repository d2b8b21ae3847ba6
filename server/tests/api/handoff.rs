//! The handoff: the bot's conversations go to the queue on the triggers,
//! the queue is ordered by frustration then wait, offers go round-robin and
//! move on, two agents accepting at once end with one owner, transfers keep
//! their note from the visitor, and a message left while nobody answers is
//! answered by email through a real SMTP conversation on loopback.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use warmline_shared::handoff::{Availability, ConversationState, HandoffReason};
use warmline_shared::{AgentFrame, ConversationId, ErrorCode, Place, ServerFrame, VisitorFrame};

use crate::helpers::*;

/// An agent socket under `cookie`, past its inbox.
async fn console(relay: &TestRelay, cookie: &str) -> Client {
    let mut client = relay.agent_request(Some(cookie)).await.unwrap();
    assert!(matches!(client.recv().await, ServerFrame::Inbox { .. }));
    client
}

/// The agent's id, as the relay knows it.
async fn id_of(relay: &TestRelay, cookie: &str) -> warmline_shared::AgentId {
    let me: Value = relay
        .http()
        .get(format!("{}/api/agent/me", relay.url))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    warmline_shared::AgentId::new(me["id"].as_i64().unwrap())
}

/// A new visitor who writes `text`; returns them and their conversation.
async fn visitor_saying(relay: &TestRelay, text: &str) -> (Client, ConversationId) {
    let (mut visitor, _) = relay.new_visitor().await;
    visitor.send_visitor(say("c1", text)).await;
    visitor.recv_ack("c1").await;
    let (frame, _) = visitor
        .recv_until(|f| matches!(f, ServerFrame::Message { .. }))
        .await;
    let ServerFrame::Message { message } = frame else {
        unreachable!()
    };
    (visitor, message.conversation_id)
}

/// The next place in the queue the visitor is told, past other frames.
async fn place(visitor: &mut Client) -> Place {
    let (frame, _) = visitor
        .recv_until(|f| matches!(f, ServerFrame::Handoff { .. }))
        .await;
    let ServerFrame::Handoff { place, .. } = frame else {
        unreachable!()
    };
    place
}

/// Places until one matches.
async fn place_until(visitor: &mut Client, wanted: impl Fn(&Place) -> bool) -> Place {
    loop {
        let place = place(visitor).await;
        if wanted(&place) {
            return place;
        }
    }
}

/// The next offer the agent gets.
async fn offer(agent: &mut Client) -> ConversationId {
    let (frame, _) = agent
        .recv_until(|f| matches!(f, ServerFrame::Offer { .. }))
        .await;
    let ServerFrame::Offer { conversation, .. } = frame else {
        unreachable!()
    };
    conversation.id
}

async fn history(relay: &TestRelay, cookie: &str, id: ConversationId) -> Vec<Value> {
    relay
        .get_json(cookie, &format!("/api/conversations/{id}/history"))
        .await
}

/// Saves the demo site's handoff settings (as its owner); the relay's answer.
async fn save_handoff(relay: &TestRelay, handoff: Value) -> reqwest::Response {
    let owner = relay.sign_in().await;
    relay.save_setting(&owner, "handoff", handoff).await
}

/// Sets the demo site's handoff settings.
async fn handoff_settings(relay: &TestRelay, handoff: Value) {
    let saved = save_handoff(relay, handoff).await;
    assert_eq!(saved.status(), 200, "{}", saved.text().await.unwrap());
}

#[tokio::test]
async fn each_trigger_hands_off_with_its_reason_and_plain_questions_stay_with_the_bot() {
    let relay = TestRelay::spawn().await;
    handoff_settings(
        &relay,
        json!({"sensitive": {"en": ["refund dispute"], "ka": ["საჩივარი"]}}),
    )
    .await;
    let owner = relay.sign_in().await;
    let cases = [
        ("I want to talk to a person", Some(HandoffReason::Phrase)),
        ("მინდა ოპერატორთან საუბარი", Some(HandoffReason::Phrase)),
        ("Ուզում եմ խոսել օպերատորի հետ", Some(HandoffReason::Phrase)),
        (
            "I have a refund dispute about order 7",
            Some(HandoffReason::Sensitive),
        ),
        ("მაქვს საჩივარი", Some(HandoffReason::Sensitive)),
        (
            "WHERE IS MY ORDER??? THIS IS RIDICULOUS",
            Some(HandoffReason::Frustration),
        ),
        ("How long does delivery take?", None),
    ];
    for (text, reason) in cases {
        let (mut visitor, id) = visitor_saying(&relay, text).await;
        match reason {
            Some(reason) => {
                let waiting = place(&mut visitor).await;
                assert_eq!(waiting.state, ConversationState::Waiting, "{text}");
                let events = history(&relay, &owner, id).await;
                assert_eq!(events[0]["kind"], "handed_off", "{text}");
                assert_eq!(events[0]["reason"], reason.name(), "{text}");
            }
            None => {
                // The bot answers (or stays silent); the conversation stays its.
                visitor.send_visitor(say("c2", "thanks")).await;
                visitor.recv_ack("c2").await;
                assert!(history(&relay, &owner, id).await.is_empty(), "{text}");
            }
        }
    }
    // The widget's button, and "No" under an article.
    let (mut asked, _) = relay.new_visitor().await;
    asked
        .send_visitor(VisitorFrame::Person {
            client_id: "p1".into(),
            article: None,
            declined: false,
        })
        .await;
    asked.recv_ack("p1").await;
    assert_eq!(place(&mut asked).await.state, ConversationState::Waiting);
    let (mut declined, _) = relay.new_visitor().await;
    declined
        .send_visitor(VisitorFrame::Person {
            client_id: "p2".into(),
            article: None,
            declined: true,
        })
        .await;
    declined.recv_ack("p2").await;
    let (frame, _) = declined
        .recv_until(|f| matches!(f, ServerFrame::Message { .. }))
        .await;
    let ServerFrame::Message { message } = frame else {
        unreachable!()
    };
    // The message is stored first; the handoff follows it.
    assert_eq!(place(&mut declined).await.state, ConversationState::Waiting);
    let events = history(&relay, &owner, message.conversation_id).await;
    assert_eq!(events[0]["reason"], "self_help_failed");
}

#[tokio::test]
async fn a_site_can_send_everyone_straight_to_a_person() {
    let relay = TestRelay::spawn().await;
    handoff_settings(&relay, json!({"direct": true})).await;
    let (mut visitor, id) = visitor_saying(&relay, "How long does delivery take?").await;
    assert_eq!(place(&mut visitor).await.state, ConversationState::Waiting);
    let owner = relay.sign_in().await;
    assert_eq!(history(&relay, &owner, id).await[0]["reason"], "direct");
}

#[tokio::test]
async fn the_queue_puts_the_frustrated_first_and_positions_move_as_agents_take() {
    let relay = TestRelay::spawn().await;
    let (mut calm, calm_id) = visitor_saying(&relay, "Can I talk to a human please").await;
    assert_eq!(place(&mut calm).await.position, Some(1));
    let (mut angry, angry_id) = visitor_saying(&relay, "THIS IS THE THIRD TIME I ASK!!!").await;
    // The frustrated visitor goes ahead, and the calm one is told they moved.
    assert_eq!(place(&mut angry).await.position, Some(1));
    assert_eq!(
        place_until(&mut calm, |p| p.position == Some(2))
            .await
            .state,
        ConversationState::Waiting
    );

    // An agent sees the queue in that order, with the signals.
    let cookie = relay.sign_in().await;
    let mut agent = console(&relay, &cookie).await;
    let first = offer(&mut agent).await;
    assert_eq!(first, angry_id, "the frustrated visitor is offered first");
    agent
        .send_agent(AgentFrame::Accept {
            conversation_id: angry_id,
        })
        .await;
    assert_eq!(
        place_until(&mut angry, |p| p.state != ConversationState::Waiting)
            .await
            .state,
        ConversationState::Assigned
    );
    assert_eq!(
        place_until(&mut calm, |p| p.position == Some(1))
            .await
            .position,
        Some(1)
    );
    let (frame, _) = agent
        .recv_until(|f| matches!(f, ServerFrame::Conversation { conversation } if conversation.id == angry_id && conversation.state == ConversationState::Assigned))
        .await;
    let ServerFrame::Conversation { conversation } = frame else {
        unreachable!()
    };
    assert!(conversation.frustration.score >= 2);
    assert!(!conversation.frustration.signals.is_empty());
    let _ = calm_id;
}

#[tokio::test]
async fn offers_go_round_robin_and_an_unanswered_one_moves_on() {
    let relay = TestRelay::spawn().await;
    handoff_settings(&relay, json!({"offer_seconds": 5})).await;
    let nino = relay.sign_in().await;
    let levan = relay.colleague("Levan").await;
    let mut first = console(&relay, &nino).await;
    let mut second = console(&relay, &levan).await;

    let (_a, a) = visitor_saying(&relay, "I want to talk to an agent").await;
    let (_b, b) = visitor_saying(&relay, "I want to talk to an agent").await;
    // One each: neither agent gets both while the other has none.
    let to_first = offer(&mut first).await;
    let to_second = offer(&mut second).await;
    let mut offered = [to_first, to_second];
    offered.sort();
    let mut expected = [a, b];
    expected.sort();
    assert_eq!(offered, expected);

    // The first agent declines: it goes to the one who has not seen it...
    // who already holds an offer, so it waits; once they accept theirs it
    // comes to them.
    first
        .send_agent(AgentFrame::Decline {
            conversation_id: to_first,
        })
        .await;
    second
        .send_agent(AgentFrame::Accept {
            conversation_id: to_second,
        })
        .await;
    assert_eq!(offer(&mut second).await, to_first);
    // Unanswered, it moves on after the offer time; the first agent passed
    // on it already, so it stays in the queue for anyone to take.
    let (ended, _) = second
        .recv_until(|f| matches!(f, ServerFrame::OfferEnded { .. }))
        .await;
    assert_eq!(
        ended,
        ServerFrame::OfferEnded {
            conversation_id: to_first
        }
    );
    let events = history(&relay, &nino, to_first).await;
    let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["handed_off", "offered", "declined", "offered", "expired"]
    );
    // Anyone may still take it.
    first
        .send_agent(AgentFrame::Accept {
            conversation_id: to_first,
        })
        .await;
    let (frame, _) = first
        .recv_until(|f| matches!(f, ServerFrame::Conversation { conversation } if conversation.id == to_first && conversation.state == ConversationState::Assigned))
        .await;
    assert!(matches!(frame, ServerFrame::Conversation { .. }));
}

#[tokio::test]
async fn two_agents_accepting_at_once_end_with_exactly_one_owner() {
    let relay = TestRelay::spawn().await;
    let nino = relay.sign_in().await;
    let levan = relay.colleague("Levan").await;
    let ids = [id_of(&relay, &nino).await, id_of(&relay, &levan).await];
    let mut first = console(&relay, &nino).await;
    let mut second = console(&relay, &levan).await;
    // Away, so routing offers nothing: both take it straight from the queue.
    for agent in [&mut first, &mut second] {
        agent
            .send_agent(AgentFrame::Availability {
                availability: Availability::Away,
                capacity: 3,
            })
            .await;
    }
    for round in 0..10 {
        let (_visitor, id) = visitor_saying(&relay, "operator please").await;
        let race = || {
            [
                AgentFrame::Accept {
                    conversation_id: id,
                },
                // Answered after the accept: its messages mark where the
                // accept's answer, if any, has been read.
                AgentFrame::Open {
                    conversation_id: id,
                    last_seq: 0,
                },
            ]
            .map(|frame| warmline_shared::encode(&frame))
            .into_iter()
            .collect::<Vec<_>>()
        };
        let (a, b) = (race(), race());
        tokio::join!(
            async {
                for text in a {
                    first.send_text(text).await;
                }
            },
            async {
                for text in b {
                    second.send_text(text).await;
                }
            }
        );
        let mut refused = Vec::new();
        for agent in [&mut first, &mut second] {
            let (_, before) = agent
                .recv_until(|f| matches!(f, ServerFrame::Message { message } if message.conversation_id == id))
                .await;
            refused.push(before.iter().any(|f| {
                matches!(
                    f,
                    ServerFrame::Error {
                        code: ErrorCode::AlreadyTaken,
                        ..
                    }
                )
            }));
            agent
                .send_agent(AgentFrame::Close {
                    conversation_id: id,
                })
                .await;
        }
        assert_eq!(
            refused.iter().filter(|r| **r).count(),
            1,
            "round {round}: exactly one is refused"
        );
        let winner = ids[refused.iter().position(|r| !r).unwrap()];
        let events = history(&relay, &nino, id).await;
        let assigned: Vec<&Value> = events.iter().filter(|e| e["kind"] == "assigned").collect();
        assert_eq!(assigned.len(), 1, "round {round}: {events:?}");
        assert_eq!(assigned[0]["agent_id"], winner.get());
    }
}

#[tokio::test]
async fn a_transfer_moves_the_chat_and_its_note_never_reaches_the_visitor() {
    let relay = TestRelay::spawn().await;
    let nino = relay.sign_in().await;
    let levan = relay.colleague("Levan").await;
    let levan_id = id_of(&relay, &levan).await;
    let mut first = console(&relay, &nino).await;
    let mut second = console(&relay, &levan).await;
    let (mut visitor, id) = visitor_saying(&relay, "I need a human").await;
    let offered = offer(&mut first).await;
    assert_eq!(offered, id);
    first
        .send_agent(AgentFrame::Accept {
            conversation_id: id,
        })
        .await;
    let note = "VIP customer, promised a call back — secret-note-7f3";
    first
        .send_agent(AgentFrame::Transfer {
            conversation_id: id,
            to: levan_id,
            note: note.into(),
        })
        .await;
    let (frame, _) = second
        .recv_until(|f| matches!(f, ServerFrame::Conversation { conversation } if conversation.id == id && conversation.assigned_to == Some(levan_id)))
        .await;
    let ServerFrame::Conversation { conversation } = frame else {
        unreachable!()
    };
    assert_eq!(conversation.note.as_deref(), Some(note));
    // The visitor is told who has them now, and nothing else.
    let (told, skipped) = visitor
        .recv_until(
            |f| matches!(f, ServerFrame::Message { message } if message.text.contains("Levan")),
        )
        .await;
    for frame in skipped.iter().chain([&told]) {
        let text = warmline_shared::encode(frame);
        assert!(!text.contains("secret-note"), "{text}");
    }
    // Only the agent who has it may transfer it.
    first
        .send_agent(AgentFrame::Transfer {
            conversation_id: id,
            to: levan_id,
            note: String::new(),
        })
        .await;
    let (refused, _) = first
        .recv_until(|f| matches!(f, ServerFrame::Error { .. }))
        .await;
    assert!(matches!(
        refused,
        ServerFrame::Error {
            code: ErrorCode::NotYours,
            ..
        }
    ));
    // Closed with a resolution, by the agent who has it.
    second
        .send_agent(AgentFrame::Resolve {
            conversation_id: id,
            resolution: "refund".into(),
        })
        .await;
    let events = loop {
        let events = history(&relay, &nino, id).await;
        if events.iter().any(|e| e["kind"] == "closed") {
            break events;
        }
        tokio::task::yield_now().await;
    };
    let closed = events.iter().find(|e| e["kind"] == "closed").unwrap();
    assert_eq!(closed["reason"], "refund");
    // Every frame the visitor got, to the end, is free of the note.
    visitor.send_visitor(VisitorFrame::Typing).await;
    let (frame, skipped) = visitor
        .recv_until(|f| matches!(f, ServerFrame::Handoff { place, .. } if place.state == ConversationState::Closed))
        .await;
    for frame in skipped.iter().chain([&frame]) {
        assert!(!warmline_shared::encode(frame).contains("secret-note"));
    }
}

/// A one-connection SMTP server on loopback that hands each message's data
/// to the test: just enough of RFC 5321 for lettre to deliver.
async fn smtp_listener() -> (String, mpsc::UnboundedReceiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("smtp://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let tx = tx.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 test ESMTP\r\n").await;
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(body) = &mut data {
                        if line == "." {
                            let _ = tx.send(std::mem::take(body));
                            data = None;
                            let _ = write.write_all(b"250 queued\r\n").await;
                        } else {
                            body.push_str(&line);
                            body.push('\n');
                        }
                        continue;
                    }
                    let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                    let answer: &[u8] = match verb.as_str() {
                        "EHLO" => b"250-test\r\n250 8BITMIME\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 go ahead\r\n"
                        }
                        "QUIT" => {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            return;
                        }
                        _ => b"250 ok\r\n",
                    };
                    let _ = write.write_all(answer).await;
                }
            });
        }
    });
    (url, rx)
}

#[tokio::test]
async fn a_message_left_while_nobody_answers_gets_the_reply_by_email() {
    let (smtp, mut mail) = smtp_listener().await;
    let relay = TestRelay::spawn_with(|config| {
        config.smtp_url = Some(warmline_server::Secret::new(smtp));
        config.smtp_from = "Demo shop <help@shop.example>".into();
    })
    .await;
    // Nobody is online: the widget is told so and the visitor leaves a message.
    let (mut visitor, _) = relay.new_visitor().await;
    visitor
        .send_visitor(VisitorFrame::Leave {
            client_id: "l1".into(),
            name: "Mariam".into(),
            email: "not an address".into(),
            text: "Please call me back".into(),
        })
        .await;
    assert_eq!(visitor.recv_answer("l1").await, Err(ErrorCode::BadEmail));
    visitor
        .send_visitor(VisitorFrame::Leave {
            client_id: "l2".into(),
            name: "Mariam".into(),
            email: "mariam@example.am".into(),
            text: "Please call me back about order 12".into(),
        })
        .await;
    visitor.recv_ack("l2").await;
    let waiting = place(&mut visitor).await;
    assert_eq!(waiting.state, ConversationState::Waiting);

    // An agent comes online later and answers from the queue.
    let cookie = relay.sign_in().await;
    let mut agent = console(&relay, &cookie).await;
    let id = offer(&mut agent).await;
    agent
        .send_agent(reply(id, "a1", "Hi Mariam, calling you at 5 today."))
        .await;
    agent.recv_ack("a1").await;
    let email = tokio::time::timeout(Duration::from_secs(10), mail.recv())
        .await
        .expect("the reply is emailed")
        .unwrap();
    assert!(email.contains("To: Mariam <mariam@example.am>"), "{email}");
    assert!(
        email.contains("From: \"Demo shop\" <help@shop.example>"),
        "{email}"
    );
    assert!(email.contains("calling you at 5 today"), "{email}");
    assert!(email.contains("Nino"), "{email}");
}

#[tokio::test]
async fn outside_business_hours_visitors_are_told_when_the_site_opens_again() {
    const DAY_MS: i64 = 86_400_000;
    let relay = TestRelay::spawn().await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    // 1970-01-01 was a Thursday: day 3 of a week that starts on Monday.
    let today = now / DAY_MS;
    let weekday = ((today + 3) % 7) as usize;
    let mut days = vec![Vec::<[u16; 2]>::new(); 7];
    days[(weekday + 2) % 7] = vec![[0, 1440]];
    handoff_settings(&relay, json!({"hours": {"time_zone": "UTC", "days": days}})).await;
    // An agent is online, but it is not business hours.
    let cookie = relay.sign_in().await;
    let _agent = console(&relay, &cookie).await;
    let mut visitor = relay.visitor().await;
    visitor.send_visitor(hello(None, 0)).await;
    let (frame, _) = visitor
        .recv_until(|f| matches!(f, ServerFrame::Welcome { .. }))
        .await;
    let ServerFrame::Welcome {
        visitor: welcomed, ..
    } = frame
    else {
        unreachable!()
    };
    let presence = welcomed.presence;
    assert!(presence.closed);
    assert!(!presence.answering());
    assert_eq!(presence.opens_at, Some((today + 2) * DAY_MS));

    // Hours that do not hold together are refused with the reason.
    let closed_week = vec![Vec::<[u16; 2]>::new(); 7];
    let refused = save_handoff(
        &relay,
        json!({"hours": {"time_zone": "Mars/Olympus", "days": closed_week}}),
    )
    .await;
    assert_eq!(refused.status(), 400);
    assert!(refused.text().await.unwrap().contains("Mars/Olympus"));
}

/// Desk frames until the agent has `availability`.
async fn until_availability(
    watcher: &mut Client,
    agent: warmline_shared::AgentId,
    availability: Availability,
) {
    watcher
        .recv_until(|f| {
            matches!(f, ServerFrame::Desk { desk } if desk.team.iter().any(|t| t.id == agent && t.availability == availability))
        })
        .await;
}

#[tokio::test]
async fn agents_go_away_when_their_last_console_closes_and_keep_a_chosen_away() {
    let relay = TestRelay::spawn().await;
    let nino = relay.sign_in().await;
    let levan = relay.colleague("Levan").await;
    let nino_id = id_of(&relay, &nino).await;
    let mut watcher = console(&relay, &levan).await;

    // Two consoles: closing one keeps Nino online, closing both sets him away.
    let first = console(&relay, &nino).await;
    until_availability(&mut watcher, nino_id, Availability::Online).await;
    let second = console(&relay, &nino).await;
    first.close().await;
    second.close().await;
    until_availability(&mut watcher, nino_id, Availability::Away).await;
    // Back online when he opens the console again.
    let mut again = console(&relay, &nino).await;
    until_availability(&mut watcher, nino_id, Availability::Online).await;

    // Away by choice stays away across a reconnect, with the capacity set.
    again
        .send_agent(AgentFrame::Availability {
            availability: Availability::Away,
            capacity: 5,
        })
        .await;
    until_availability(&mut watcher, nino_id, Availability::Away).await;
    again.close().await;
    watcher
        .recv_until(|f| matches!(f, ServerFrame::Desk { desk } if desk.team.iter().any(|t| t.id == nino_id && !t.connected)))
        .await;
    let _back = console(&relay, &nino).await;
    let (frame, _) = watcher
        .recv_until(|f| matches!(f, ServerFrame::Desk { desk } if desk.team.iter().any(|t| t.id == nino_id && t.connected)))
        .await;
    let ServerFrame::Desk { desk } = frame else {
        unreachable!()
    };
    let me = desk.team.iter().find(|t| t.id == nino_id).unwrap();
    assert_eq!((me.availability, me.capacity), (Availability::Away, 5));
}
