//! Files visitors send: checked by content, stored whole, shown only to the
//! visitor who sent them and to agents.

use serde_json::{Value, json};
use warmline_shared::{ErrorCode, ServerFrame, VisitorFrame};

use crate::helpers::*;

/// A PNG's signature, then anything: the type is read from the content.
fn png(size: usize) -> Vec<u8> {
    let mut bytes = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    bytes.resize(size, 7);
    bytes
}

async fn upload(relay: &TestRelay, token: &str, name: &str, body: Vec<u8>) -> reqwest::Response {
    relay
        .http()
        .post(format!("{}/api/attachments", relay.url))
        .query(&[("site", "demo"), ("name", name)])
        .header("authorization", format!("Bearer {token}"))
        .header("origin", &relay.url)
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn fetch(relay: &TestRelay, id: &str, auth: Option<(&str, String)>) -> reqwest::Response {
    let mut request = relay
        .http()
        .get(format!("{}/api/attachments/{id}", relay.url));
    if let Some((header, value)) = auth {
        request = request.header(header, value);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn a_picture_is_sent_and_only_its_visitor_and_agents_can_fetch_it() {
    let relay = TestRelay::spawn().await;
    let (mut visitor, token) = relay.new_visitor().await;
    let response = upload(&relay, &token, "photo of the parcel.png", png(2048)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        relay.url.as_str()
    );
    let attachment: Value = response.json().await.unwrap();
    assert_eq!(attachment["mime"], "image/png");
    assert_eq!(attachment["size"], 2048);
    let id = attachment["id"].as_str().unwrap().to_owned();

    visitor
        .send_visitor(VisitorFrame::Send {
            client_id: "f1".into(),
            text: "photo of the parcel.png".into(),
            attachment: Some(id.clone()),
        })
        .await;
    visitor.recv_ack("f1").await;
    let (message, _) = visitor
        .recv_until(|f| matches!(f, ServerFrame::Message { .. }))
        .await;
    let ServerFrame::Message { message } = message else {
        unreachable!()
    };
    let sent = message.attachment.expect("the message carries the file");
    assert_eq!(
        (sent.id.as_str(), sent.mime.as_str()),
        (id.as_str(), "image/png")
    );

    let mine = fetch(
        &relay,
        &id,
        Some(("authorization", format!("Bearer {token}"))),
    )
    .await;
    assert_eq!(mine.status(), 200);
    assert!(
        mine.headers()["vary"]
            .to_str()
            .unwrap()
            .contains("authorization"),
        "caches keep answers apart per asker"
    );
    assert_eq!(mine.headers()["content-type"], "image/png");
    assert_eq!(mine.bytes().await.unwrap().to_vec(), png(2048));

    let (_, stranger) = relay.new_visitor().await;
    let theirs = fetch(
        &relay,
        &id,
        Some(("authorization", format!("Bearer {stranger}"))),
    )
    .await;
    assert_eq!(theirs.status(), 404);
    assert_eq!(fetch(&relay, &id, None).await.status(), 404);
    let cookie = relay.sign_in().await;
    let agent = fetch(&relay, &id, Some(("cookie", cookie))).await;
    assert_eq!(agent.status(), 200);

    // Another visitor cannot send someone else's file as theirs.
    let mut other = relay.visitor().await;
    other.send_visitor(hello(Some(&stranger), 0)).await;
    other.recv().await;
    other
        .send_visitor(VisitorFrame::Send {
            client_id: "x1".into(),
            text: "not mine".into(),
            attachment: Some(id),
        })
        .await;
    assert_eq!(
        other.recv_answer("x1").await,
        Err(ErrorCode::UnknownAttachment)
    );
}

#[tokio::test]
async fn disguised_and_oversized_files_are_refused_and_nothing_is_kept() {
    let relay = TestRelay::spawn().await;
    let (_, token) = relay.new_visitor().await;
    // A Windows program named like a picture.
    let mut exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00".to_vec();
    exe.resize(4096, 0);
    let response = upload(&relay, &token, "cute-cat.png", exe).await;
    assert_eq!(response.status(), 415);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "file_type");

    let cookie = relay.sign_in().await;
    let mut settings: Value = relay
        .http()
        .get(format!("{}/api/site/settings", relay.url))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    settings["attachment_max_mb"] = json!(1);
    let saved = relay
        .http()
        .put(format!("{}/api/site/settings", relay.url))
        .header("cookie", &cookie)
        .json(&settings)
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 200);
    let response = upload(&relay, &token, "big.png", png(1024 * 1024 + 1)).await;
    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "file_too_large");

    let wrong_token = upload(&relay, &"f".repeat(63), "x.png", png(100)).await;
    assert_eq!(wrong_token.status(), 401);

    let files = relay.data_dir.join("files");
    let kept = std::fs::read_dir(&files).map(|d| d.count()).unwrap_or(0);
    assert_eq!(kept, 0, "nothing of a refused file is stored");
}

#[tokio::test]
async fn uploads_count_against_the_visitors_message_limit() {
    let relay = TestRelay::spawn_with(|config| {
        config.limits.visitor_messages = warmline_server::limits::Rate {
            burst: 2,
            every: std::time::Duration::from_secs(3600),
        };
    })
    .await;
    let (_, token) = relay.new_visitor().await;
    for _ in 0..2 {
        assert_eq!(upload(&relay, &token, "a.png", png(64)).await.status(), 200);
    }
    let refused = upload(&relay, &token, "b.png", png(64)).await;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
}
