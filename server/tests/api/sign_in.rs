use crate::helpers::{PASSWORD, TestRelay};
use tokio_tungstenite::tungstenite::Error as WsError;

#[tokio::test]
async fn the_right_password_signs_in_with_an_http_only_same_site_cookie() {
    let relay = TestRelay::spawn().await;
    let http = relay.http();
    let response = http
        .post(format!("{}/api/agent/login", relay.url))
        .json(&serde_json::json!({ "email": "agent@demo.test", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    let me: serde_json::Value = http
        .get(format!("{}/api/agent/me", relay.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], "agent@demo.test");

    let logout = http
        .post(format!("{}/api/agent/logout", relay.url))
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 204);
    let after = http
        .get(format!("{}/api/agent/me", relay.url))
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 401);
}

#[tokio::test]
async fn a_wrong_password_or_unknown_email_is_refused_alike() {
    let relay = TestRelay::spawn().await;
    for (email, password) in [("agent@demo.test", "wrong"), ("nobody@demo.test", PASSWORD)] {
        let response = relay
            .http()
            .post(format!("{}/api/agent/login", relay.url))
            .json(&serde_json::json!({ "email": email, "password": password }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
        assert!(response.headers().get("set-cookie").is_none());
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"], "Wrong email or password.");
    }
}

#[tokio::test]
async fn malformed_sign_in_requests_get_a_clear_json_error() {
    let relay = TestRelay::spawn().await;
    let response = relay
        .http()
        .post(format!("{}/api/agent/login", relay.url))
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("JSON"), "{body}");
}

#[tokio::test]
async fn without_a_session_cookie_the_agent_api_and_socket_are_closed() {
    let relay = TestRelay::spawn().await;
    let me = relay
        .http()
        .get(format!("{}/api/agent/me", relay.url))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 401);

    for cookie in [None, Some("warmline_session=forged")] {
        match relay.agent_request(cookie).await {
            Err(WsError::Http(response)) => assert_eq!(response.status(), 401),
            Err(other) => panic!("expected 401, got {other}"),
            Ok(_) => panic!("agent socket opened without a valid session"),
        }
    }
}
