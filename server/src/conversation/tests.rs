use std::time::Duration;

use futures::StreamExt;
use warmline_shared::{Author, ErrorCode, SiteId};

use super::*;
use crate::fanout::{Subscription, Topic};
use crate::state::{AppState, for_tests};
use crate::store::Role;

async fn visitor(state: &AppState, token: &str) -> Visitor {
    state
        .store
        .create_visitor(&SiteId::new("s"), token, 0)
        .await
        .unwrap()
        .unwrap()
}

async fn agent_of(state: &AppState, site: &str) -> Agent {
    let site_id = SiteId::new(site);
    if state.store.site(&site_id).await.unwrap().is_none() {
        let site = crate::store::Site {
            id: site_id.clone(),
            name: site.into(),
            allowed_origins: vec![],
            settings: Default::default(),
        };
        state.store.upsert_site(&site, 0).await.unwrap();
    }
    let email = format!("agent@{site}.test");
    state
        .store
        .upsert_agent(&site_id, &email, "Nino", Role::Agent, "hash", 0)
        .await
        .unwrap()
}

fn say(
    conversation_id: ConversationId,
    client_id: &str,
    text: &str,
    author: &Participant,
) -> NewPost {
    NewPost {
        conversation_id,
        client_id: client_id.into(),
        text: text.into(),
        author: author.clone(),
        attachment: None,
        articles: Vec::new(),
        wants_person: false,
        options: Vec::new(),
        picked: None,
    }
}

async fn next(events: &mut Subscription) -> Event {
    let item = tokio::time::timeout(Duration::from_secs(5), events.next())
        .await
        .expect("an event in time")
        .expect("the stream is open")
        .expect("no lag");
    (*item).clone()
}

#[tokio::test]
async fn a_post_is_stored_once_and_announced_once() {
    let (_dir, state) = for_tests().await;
    let mut events = state.events.listen();
    let ana = visitor(&state, "t1").await;
    let me = Participant::Visitor(ana.clone());
    let conversation = state
        .conversations
        .start(&ana, Some("/pricing"), "en")
        .await
        .unwrap();
    let id = conversation.id();
    assert!(matches!(
        next(&mut events).await,
        Event::ConversationChanged {
            change: Change::Started,
            ..
        }
    ));

    let first = state
        .conversations
        .post(say(id, "c1", " hello ", &me))
        .await
        .unwrap();
    assert_eq!((first.message.seq, first.new), (1, true));
    match next(&mut events).await {
        Event::MessageStored { message, site_id } => {
            assert_eq!((message.seq, message.text.as_str()), (1, "hello"));
            assert_eq!(message.author, Author::Visitor);
            assert_eq!(site_id, SiteId::new("s"));
        }
        other => panic!("expected the message, got {other:?}"),
    }
    match next(&mut events).await {
        Event::ConversationChanged {
            conversation,
            change: Change::Message,
            ..
        } => {
            assert_eq!(conversation.last_text.as_deref(), Some("hello"));
            assert_eq!(conversation.last_seq, 1);
        }
        other => panic!("expected the inbox change, got {other:?}"),
    }

    // A resend answers with the original and announces nothing.
    let again = state
        .conversations
        .post(say(id, "c1", "hello", &me))
        .await
        .unwrap();
    assert_eq!((again.message.seq, again.new), (1, false));
    state
        .conversations
        .post(say(id, "c2", "second", &me))
        .await
        .unwrap();
    assert!(
        matches!(next(&mut events).await, Event::MessageStored { message, .. } if message.seq == 2)
    );
}

#[tokio::test]
async fn participants_write_only_where_they_belong() {
    let (_dir, state) = for_tests().await;
    let ana = visitor(&state, "t1").await;
    let ben = visitor(&state, "t2").await;
    let id = state
        .conversations
        .start(&ana, None, "en")
        .await
        .unwrap()
        .id();
    let ben = Participant::Visitor(ben);
    let outsider = Participant::Agent(agent_of(&state, "other").await);
    let colleague = Participant::Agent(agent_of(&state, "s").await);

    for stranger in [&ben, &outsider] {
        let error = state
            .conversations
            .post(say(id, "x", "hi", stranger))
            .await
            .unwrap_err();
        assert_eq!(error.code(), ErrorCode::UnknownConversation);
        assert!(state.conversations.visible_to(stranger, id).await.is_err());
    }
    let unknown = ConversationId::new(999);
    let error = state
        .conversations
        .post(say(unknown, "x", "hi", &colleague))
        .await
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::UnknownConversation);

    for (client_id, text, code) in [
        ("e", "   ", ErrorCode::EmptyMessage),
        ("has space", "hi", ErrorCode::BadClientId),
    ] {
        let error = state
            .conversations
            .post(say(id, client_id, text, &colleague))
            .await
            .unwrap_err();
        assert_eq!(error.code(), code);
    }
    let posted = state
        .conversations
        .post(say(id, "a1", "Hi Ana", &colleague))
        .await
        .unwrap();
    assert_eq!(posted.message.seq, 1, "refusals stored nothing");
}

#[tokio::test]
async fn a_closed_conversation_takes_no_more_messages_but_still_acknowledges_resends() {
    let (_dir, state) = for_tests().await;
    let ana = visitor(&state, "t1").await;
    let me = Participant::Visitor(ana.clone());
    let agent = agent_of(&state, "s").await;
    let id = state
        .conversations
        .start(&ana, None, "en")
        .await
        .unwrap()
        .id();
    state
        .conversations
        .post(say(id, "c1", "hello", &me))
        .await
        .unwrap();

    let mut inbox = state.events.subscribe(Topic::Site(SiteId::new("s"))).await;
    let assigned = state.conversations.take(&agent, id).await.unwrap();
    assert_eq!(assigned.assigned_to, Some(agent.id));
    assert!(matches!(
        next(&mut inbox).await,
        Event::ConversationChanged { change: Change::Assigned { agent_id: a }, .. } if a == agent.id
    ));
    let closed = state
        .conversations
        .close(&Participant::Agent(agent.clone()), id, Some("solved"))
        .await
        .unwrap();
    assert_eq!(closed.status, Status::Closed);
    assert!(matches!(
        next(&mut inbox).await,
        Event::ConversationChanged {
            change: Change::Closed,
            ..
        }
    ));

    let error = state
        .conversations
        .post(say(id, "c2", "anyone?", &me))
        .await
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::ConversationClosed);
    let resend = state
        .conversations
        .post(say(id, "c1", "hello", &me))
        .await
        .unwrap();
    assert_eq!((resend.message.seq, resend.new), (1, false));
    assert!(
        state
            .conversations
            .current_of(&ana)
            .await
            .unwrap()
            .is_none()
    );
    let next_one = state.conversations.start(&ana, None, "en").await.unwrap();
    assert_ne!(
        next_one.id(),
        id,
        "the next message starts a new conversation"
    );
}

/// The seam the bot, routing and reports use: listen to events, act through
/// the domain. No socket is involved.
#[tokio::test]
async fn an_in_process_participant_can_answer_without_socket_code() {
    let (_dir, state) = for_tests().await;
    let bot = {
        let state = state.clone();
        let mut events = state.events.listen();
        tokio::spawn(async move {
            while let Some(Ok(event)) = events.next().await {
                if let Event::MessageStored { site_id, message } = &*event
                    && message.author == Author::Visitor
                {
                    let reply = NewPost {
                        conversation_id: message.conversation_id,
                        client_id: format!("bot-{}", message.seq),
                        text: format!("You said: {}", message.text),
                        author: Participant::Bot {
                            site_id: site_id.clone(),
                            name: "Helper".into(),
                        },
                        attachment: None,
                        articles: Vec::new(),
                        wants_person: false,
                        options: Vec::new(),
                        picked: None,
                    };
                    state.conversations.post(reply).await.unwrap();
                }
            }
        })
    };
    let ana = visitor(&state, "t1").await;
    let id = state
        .conversations
        .start(&ana, None, "en")
        .await
        .unwrap()
        .id();
    let mut watching = state.events.subscribe(Topic::Conversation(id)).await;
    let me = Participant::Visitor(ana);
    state
        .conversations
        .post(say(id, "c1", "where is my order?", &me))
        .await
        .unwrap();

    let mut messages = Vec::new();
    while messages.len() < 2 {
        if let Event::MessageStored { message, .. } = next(&mut watching).await {
            messages.push((message.seq, message.author, message.text));
        }
    }
    assert_eq!(
        messages,
        [
            (1, Author::Visitor, "where is my order?".to_owned()),
            (
                2,
                Author::Bot {
                    name: "Helper".into()
                },
                "You said: where is my order?".to_owned()
            ),
        ]
    );
    bot.abort();
}
