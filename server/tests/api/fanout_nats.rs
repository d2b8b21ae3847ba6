//! Fan-out through NATS, as two relays use it: what one publishes, the
//! other's subscribers get; while NATS is away nothing is acknowledged on its
//! strength, and when it returns every subscription is told it lagged, so it
//! catches up from the store.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use warmline_server::events::Event;
use warmline_server::fanout::{FanOut, Lagged, NatsFanOut, Subscription, Topic};
use warmline_shared::{AgentId, ConversationId};

use crate::helpers::*;

fn ended(session: &str) -> Arc<Event> {
    Arc::new(Event::SessionEnded {
        agent_id: AgentId::new(7),
        session: session.into(),
    })
}

const WAIT: Duration = Duration::from_secs(10);

/// A subscription is in place once the server has it: `a` publishes until
/// it hears; then the warm-ups still coming are read away. The first heard.
async fn warm_up(
    a: &NatsFanOut,
    topic: &Topic,
    subscription: &mut Subscription,
) -> Result<Arc<Event>, Lagged> {
    let first = tokio::time::timeout(WAIT, async {
        loop {
            a.publish(topic, ended("warm-up")).await;
            if let Ok(Some(item)) =
                tokio::time::timeout(Duration::from_millis(50), subscription.next()).await
            {
                return item;
            }
        }
    })
    .await
    .unwrap();
    while let Ok(Some(_)) =
        tokio::time::timeout(Duration::from_millis(100), subscription.next()).await
    {}
    first
}

#[tokio::test]
async fn what_one_relay_publishes_reaches_the_subscribers_of_another() {
    let nats = Nats::start().await;
    let a = NatsFanOut::connect(&nats.url()).await.unwrap();
    let b = NatsFanOut::connect(&nats.url()).await.unwrap();
    let topic = Topic::Conversation(ConversationId::new(12));
    let mut on_b = b.subscribe(topic.clone()).await;
    let mut elsewhere = b.subscribe(Topic::Agent(AgentId::new(7))).await;
    assert_eq!(warm_up(&a, &topic, &mut on_b).await, Ok(ended("warm-up")));

    a.publish(&topic, ended("one")).await;
    a.publish(&topic, ended("two")).await;
    let got = tokio::time::timeout(WAIT, on_b.by_ref().take(2).collect::<Vec<_>>())
        .await
        .unwrap();
    assert_eq!(
        got,
        [Ok(ended("one")), Ok(ended("two"))],
        "in publishing order"
    );
    // Another topic heard nothing of it.
    assert!(
        tokio::time::timeout(Duration::from_millis(200), elsewhere.next())
            .await
            .is_err()
    );
}

/// Many sockets of one relay follow one topic through one NATS
/// subscription: each gets every event once, in order, and one leaving
/// does not end it for the others.
#[tokio::test]
async fn followers_on_one_relay_share_the_subject_and_each_get_everything_once() {
    let nats = Nats::start().await;
    let a = NatsFanOut::connect(&nats.url()).await.unwrap();
    let b = NatsFanOut::connect(&nats.url()).await.unwrap();
    let topic = Topic::Conversation(ConversationId::new(13));
    let mut first = b.subscribe(topic.clone()).await;
    let mut second = b.subscribe(topic.clone()).await;
    let leaving = b.subscribe(topic.clone()).await;
    assert_eq!(warm_up(&a, &topic, &mut first).await, Ok(ended("warm-up")));
    drop(leaving);
    while let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(100), second.next()).await {}

    for n in ["one", "two", "three"] {
        a.publish(&topic, ended(n)).await;
    }
    let expected = [Ok(ended("one")), Ok(ended("two")), Ok(ended("three"))];
    for follower in [&mut first, &mut second] {
        let got = tokio::time::timeout(WAIT, follower.by_ref().take(3).collect::<Vec<_>>())
            .await
            .unwrap();
        assert_eq!(got, expected);
        assert!(
            tokio::time::timeout(Duration::from_millis(200), follower.next())
                .await
                .is_err(),
            "each event once"
        );
    }
}

#[tokio::test]
async fn when_nats_comes_back_every_subscription_is_told_it_lagged() {
    let nats = Nats::start().await;
    let url = nats.url();
    let a = NatsFanOut::connect(&url).await.unwrap();
    let b = NatsFanOut::connect(&url).await.unwrap();
    let topic = Topic::Agent(AgentId::new(7));
    let mut on_b = b.subscribe(topic.clone()).await;

    let port = nats.stop().await;
    // Published while NATS is away: lost for the fan-out, not for the store.
    a.publish(&topic, ended("while away")).await;
    let _back = Nats::start_on(port).await;
    let told = tokio::time::timeout(WAIT, async {
        loop {
            match on_b.next().await {
                Some(Err(Lagged)) => return,
                Some(Ok(_)) => continue,
                None => panic!("the subscription ended"),
            }
        }
    })
    .await;
    assert!(told.is_ok(), "the subscriber was told it lagged");
    // And it hears new events again.
    let heard = tokio::time::timeout(WAIT, async {
        loop {
            a.publish(&topic, ended("after")).await;
            if let Ok(Some(Ok(event))) =
                tokio::time::timeout(Duration::from_millis(100), on_b.next()).await
                && event == ended("after")
            {
                return;
            }
        }
    })
    .await;
    assert!(heard.is_ok());
}

#[tokio::test]
async fn a_visitor_on_one_relay_and_an_agent_on_another_talk_live() {
    let nats = Nats::start().await;
    let dir = tempfile::tempdir().unwrap();
    let url = nats.url();
    let on_nats = |config: &mut warmline_server::config::Config| {
        config.fanout_url = Some(url.clone());
        // Each relay seeds the demo with its own address; both must be allowed.
        config.demo_origins = vec!["*".into()];
    };
    let a = TestRelay::spawn_configured(dir.path().to_owned(), on_nats).await;
    let b = TestRelay::spawn_configured(dir.path().to_owned(), on_nats).await;

    let mut agent = b.agent().await;
    let (mut visitor, _) = a.new_visitor().await;
    visitor.send_visitor(say("c1", "hello from relay A")).await;
    visitor.recv_ack("c1").await;
    // Relay B hears of it through NATS.
    let conversation = agent.recv_conversation().await;
    assert_eq!(
        conversation.last_text.as_deref(),
        Some("hello from relay A")
    );
    agent
        .send_agent(warmline_shared::AgentFrame::Open {
            conversation_id: conversation.id,
            last_seq: 0,
        })
        .await;
    agent
        .send_agent(reply(conversation.id, "a1", "hello from relay B"))
        .await;
    agent.recv_ack("a1").await;
    let (frame, _) = visitor
        .recv_until(|f| matches!(f, warmline_shared::ServerFrame::Message { message } if message.text == "hello from relay B"))
        .await;
    assert!(matches!(
        frame,
        warmline_shared::ServerFrame::Message { .. }
    ));
}
