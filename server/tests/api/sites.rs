//! Owners' settings, more sites, and the widget's configuration.

use serde_json::{Value, json};

use crate::helpers::*;

async fn settings(relay: &TestRelay, cookie: &str) -> reqwest::Response {
    relay
        .http()
        .get(format!("{}/api/site/settings", relay.url))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
}

async fn put_settings(relay: &TestRelay, cookie: &str, body: &Value) -> reqwest::Response {
    relay
        .http()
        .put(format!("{}/api/site/settings", relay.url))
        .header("cookie", cookie)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn widget_config(
    relay: &TestRelay,
    site: &str,
    locale: &str,
    origin: &str,
) -> reqwest::Response {
    relay
        .http()
        .get(format!("{}/api/widget/config", relay.url))
        .query(&[("site", site), ("locale", locale)])
        .header("origin", origin)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_owner_sets_the_widget_and_the_widget_reads_it() {
    let relay = TestRelay::spawn().await;
    let cookie = relay.sign_in().await;
    let response = settings(&relay, &cookie).await;
    assert_eq!(response.status(), 200);
    let mut body: Value = response.json().await.unwrap();
    let snippet = body["snippet"].as_str().unwrap();
    assert!(
        snippet.contains(&format!("{}/widget.js", relay.url)),
        "{snippet}"
    );
    assert!(snippet.contains(r#"data-site="demo""#), "{snippet}");
    assert_eq!(body["identity_secret_set"], true, "the demo has a secret");
    for lang in ["en", "ka", "hy"] {
        assert!(body["languages"].as_array().unwrap().contains(&json!(lang)));
    }

    body["accent"] = json!("#fde047");
    body["launcher_position"] = json!("left");
    body["launcher_label"] = json!("Ask us");
    body["greetings"] =
        json!({"ka": {"greeting_morning": "დილა მშვიდობისა, {name}! რით დაგეხმაროთ?"}});
    let saved = put_settings(&relay, &cookie, &body).await;
    assert_eq!(saved.status(), 200);

    let config: Value = widget_config(&relay, "demo", "ka-GE,en", &relay.url)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(config["site"]["accent"], "#fde047");
    assert_eq!(
        config["site"]["accent_text"], "#000000",
        "dark text on yellow"
    );
    assert_eq!(config["site"]["position"], "left");
    assert_eq!(config["site"]["launcher_label"], "Ask us");
    assert_eq!(config["locale"]["lang"], "ka");
    assert_eq!(
        config["locale"]["greeting_morning"],
        "დილა მშვიდობისა, {name}! რით დაგეხმაროთ?"
    );
    let js = config["app"]["js"].as_str().unwrap();
    assert!(js.starts_with("/widget/warmline_widget.js?v="), "{js}");
}

#[tokio::test]
async fn bad_settings_are_refused_by_name_and_change_nothing() {
    let relay = TestRelay::spawn().await;
    let cookie = relay.sign_in().await;
    let good: Value = settings(&relay, &cookie).await.json().await.unwrap();
    for (field, value, says) in [
        ("accent", json!("orange"), "#rrggbb"),
        ("allowed_origins", json!(["shop.example"]), "shop.example"),
        ("launcher_position", json!("top"), "left or the right"),
        ("attachment_max_mb", json!(0), "1 to 25"),
        ("greetings", json!({"xx": {"greeting_morning": "hi"}}), "xx"),
        ("greetings", json!({"en": {"title": "hi"}}), "title"),
    ] {
        let mut body = good.clone();
        body[field] = value;
        let response = put_settings(&relay, &cookie, &body).await;
        assert_eq!(response.status(), 400, "{field}");
        let refusal: Value = response.json().await.unwrap();
        assert!(
            refusal["error"].as_str().unwrap().contains(says),
            "{field}: {refusal}"
        );
    }
    let after: Value = settings(&relay, &cookie).await.json().await.unwrap();
    assert_eq!(after, good);
}

#[tokio::test]
async fn agents_cannot_reach_settings() {
    let relay = TestRelay::spawn().await;
    let owner = relay.sign_in().await;
    let added = relay
        .http()
        .post(format!("{}/api/site/members", relay.url))
        .header("cookie", &owner)
        .json(&json!({"email": "levan@demo.test", "name": "Levan", "password": "a long password", "role": "agent"}))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 204);
    let response = relay
        .try_sign_in("levan@demo.test", "a long password")
        .await;
    assert_eq!(response.status(), 200);
    let cookie = cookie_of(response.headers()["set-cookie"].to_str().unwrap());
    let me: Value = response.json().await.unwrap();
    assert_eq!(me["site"]["role"], "agent");
    assert_eq!(settings(&relay, &cookie).await.status(), 403);
    let body: Value = settings(&relay, &owner).await.json().await.unwrap();
    assert_eq!(put_settings(&relay, &cookie, &body).await.status(), 403);
    let rotate = relay
        .http()
        .post(format!("{}/api/site/identity-secret", relay.url))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(rotate.status(), 403);
}

fn cookie_of(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_owned()
}

#[tokio::test]
async fn an_owner_makes_another_site_with_its_own_inbox_and_snippet() {
    let relay = TestRelay::spawn().await;
    let cookie = relay.sign_in().await;
    // Something in the demo site's inbox.
    let (mut visitor, _) = relay.new_visitor().await;
    visitor.send_visitor(say("c1", "hello demo")).await;
    visitor.recv_ack("c1").await;

    let created = relay
        .http()
        .post(format!("{}/api/sites", relay.url))
        .header("cookie", &cookie)
        .json(&json!({"id": "second-shop", "name": "Second shop"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 200);
    let me: Value = created.json().await.unwrap();
    assert_eq!(me["site"]["id"], "second-shop");
    assert_eq!(me["site"]["role"], "owner");
    assert_eq!(me["sites"].as_array().unwrap().len(), 2);

    let body: Value = settings(&relay, &cookie).await.json().await.unwrap();
    assert!(
        body["snippet"]
            .as_str()
            .unwrap()
            .contains(r#"data-site="second-shop""#)
    );
    let mut agent = relay.agent_request(Some(&cookie)).await.unwrap();
    match agent.recv().await {
        warmline_shared::ServerFrame::Inbox { conversations, .. } => {
            assert!(conversations.is_empty(), "{conversations:?}")
        }
        other => panic!("expected the inbox, got {other:?}"),
    }
    // The same id twice is refused.
    let again = relay
        .http()
        .post(format!("{}/api/sites", relay.url))
        .header("cookie", &cookie)
        .json(&json!({"id": "second-shop", "name": "Again"}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 400);
    // Switching back shows the demo inbox again.
    let back = relay
        .http()
        .post(format!("{}/api/agent/site", relay.url))
        .header("cookie", &cookie)
        .json(&json!({"site_id": "demo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(back.status(), 200);
    let unknown = relay
        .http()
        .post(format!("{}/api/agent/site", relay.url))
        .header("cookie", &cookie)
        .json(&json!({"site_id": "not-mine"}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn the_widget_config_names_why_it_is_refused() {
    let relay = TestRelay::spawn().await;
    let unknown = widget_config(&relay, "no-such-site", "en", &relay.url).await;
    assert_eq!(unknown.status(), 404);
    let body: Value = unknown.json().await.unwrap();
    assert_eq!(body["code"], "unknown_site");
    let elsewhere = widget_config(&relay, "demo", "en", "https://evil.example").await;
    assert_eq!(elsewhere.status(), 403);
    assert_eq!(
        elsewhere.headers()["access-control-allow-origin"],
        "*",
        "the loader can read why"
    );
    let body: Value = elsewhere.json().await.unwrap();
    assert_eq!(body["code"], "origin_not_allowed");
    let armenian: Value = widget_config(&relay, "demo", "hy-AM", &relay.url)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(armenian["locale"]["lang"], "hy");
    let other: Value = widget_config(&relay, "demo", "fr-FR,de", &relay.url)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(other["locale"]["lang"], "en");
}
