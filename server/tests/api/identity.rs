//! Visitors the host site vouches for, and those it only claims.

use warmline_server::Secret;
use warmline_server::identity::hash;
use warmline_shared::{
    ConversationSummary, Identity, NameSource, ServerFrame, VisitorFrame, Welcomed,
};

use crate::helpers::*;

const SECRET: &str = "a demo secret of some length";

async fn relay() -> TestRelay {
    TestRelay::spawn_with(|config| {
        config.demo_identity_secret = Some(Secret::new(SECRET));
    })
    .await
}

fn hello_as(token: Option<&str>, last_seq: i64, user_hash: &str) -> VisitorFrame {
    VisitorFrame::Hello {
        site: "demo".into(),
        token: token.map(str::to_owned),
        last_seq,
        page: None,
        identity: Some(Identity {
            user_id: "ana-1024".into(),
            name: Some("Ana".into()),
            email: Some("ana@demo.test".into()),
            user_hash: Some(user_hash.into()),
        }),
        name: None,
        lang: None,
    }
}

async fn welcome(client: &mut Client) -> (String, Welcomed) {
    match client.recv().await {
        ServerFrame::Welcome { token, visitor, .. } => (token, visitor),
        other => panic!("expected welcome, got {other:?}"),
    }
}

/// The inbox line of the newest conversation, as an agent sees it.
async fn inbox_line(relay: &TestRelay) -> ConversationSummary {
    let cookie = relay.sign_in().await;
    let mut agent = relay.agent_request(Some(&cookie)).await.unwrap();
    match agent.recv().await {
        ServerFrame::Inbox { conversations, .. } => conversations[0].clone(),
        other => panic!("expected the inbox, got {other:?}"),
    }
}

#[tokio::test]
async fn a_verified_visitor_is_named_and_finds_their_history_on_another_device() {
    let relay = relay().await;
    let user_hash = hash(SECRET, "ana-1024");
    let mut laptop = relay.visitor().await;
    laptop.send_visitor(hello_as(None, 0, &user_hash)).await;
    let (laptop_token, me) = welcome(&mut laptop).await;
    assert_eq!(me.name.as_deref(), Some("Ana"));
    assert!(me.verified);
    laptop.send_visitor(say("l1", "Where is my order?")).await;
    laptop.recv_ack("l1").await;

    let line = inbox_line(&relay).await;
    assert_eq!(
        (line.visitor.as_str(), line.name_source),
        ("Ana", NameSource::Verified)
    );

    // Another browser: no token, the same proven identity.
    let mut phone = relay.visitor().await;
    phone.send_visitor(hello_as(None, 0, &user_hash)).await;
    let (phone_token, me) = welcome(&mut phone).await;
    assert_ne!(phone_token, laptop_token, "each browser has its own token");
    assert!(me.returning && me.verified);
    assert_eq!(phone.recv_message().await.text, "Where is my order?");

    // A browser whose token was an anonymous visitor's becomes Ana's with a
    // new token: the anonymous history is not hers.
    let (mut shared, anonymous_token) = relay.new_visitor().await;
    shared.send_visitor(say("a1", "anonymous question")).await;
    shared.recv_ack("a1").await;
    let mut shared = relay.visitor().await;
    shared
        .send_visitor(hello_as(Some(&anonymous_token), 1, &user_hash))
        .await;
    let (token, _) = welcome(&mut shared).await;
    assert_ne!(token, anonymous_token);
}

#[tokio::test]
async fn a_wrong_hash_stays_anonymous_and_the_claimed_name_is_marked_unverified() {
    let relay = relay().await;
    for wrong in [
        hash("another secret", "ana-1024"),
        "0".repeat(64),
        "nonsense".into(),
    ] {
        let mut client = relay.visitor().await;
        client.send_visitor(hello_as(None, 0, &wrong)).await;
        let (_, me) = welcome(&mut client).await;
        assert!(!me.verified && !me.returning, "{wrong}");
        assert_eq!(me.name, None, "{wrong}");
    }
    let mut client = relay.visitor().await;
    client.send_visitor(hello_as(None, 0, "0")).await;
    welcome(&mut client).await;
    client.send_visitor(say("u1", "hi")).await;
    client.recv_ack("u1").await;
    let line = inbox_line(&relay).await;
    assert_eq!(
        (line.visitor.as_str(), line.name_source),
        ("Ana", NameSource::Unverified)
    );
}

#[tokio::test]
async fn a_name_the_visitor_gives_is_kept_and_shown_to_agents() {
    let relay = relay().await;
    let (mut client, token) = relay.new_visitor().await;
    client.send_visitor(say("n1", "hello")).await;
    client.recv_ack("n1").await;
    client
        .send_visitor(VisitorFrame::Name {
            name: "  Mariam ".into(),
        })
        .await;
    // Too long a name is refused, and the one given stays.
    client
        .send_visitor(VisitorFrame::Name {
            name: "x".repeat(61),
        })
        .await;
    let (refused, _) = client
        .recv_until(|f| matches!(f, ServerFrame::Error { .. }))
        .await;
    assert!(matches!(
        refused,
        ServerFrame::Error {
            code: warmline_shared::ErrorCode::TooLarge,
            ..
        }
    ));
    let line = inbox_line(&relay).await;
    assert_eq!(
        (line.visitor.as_str(), line.name_source),
        ("Mariam", NameSource::Given)
    );
    let mut again = relay.visitor().await;
    again.send_visitor(hello(Some(&token), 1)).await;
    let (_, me) = welcome(&mut again).await;
    assert_eq!(me.name.as_deref(), Some("Mariam"));
    assert!(me.returning && !me.verified);
}
