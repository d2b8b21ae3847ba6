use crate::helpers::{PASSWORD, RelayProcess, TestRelay};
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

    let long = format!("{}@x.test", "a".repeat(400));
    let response = relay
        .http()
        .post(format!("{}/api/agent/login", relay.url))
        .json(&serde_json::json!({ "email": long, "password": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
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

/// Each Argon2 check takes 19 MiB; unbounded, a flood of wrong passwords
/// (no account needed) took the relay to gigabytes.
#[tokio::test]
async fn a_flood_of_wrong_passwords_does_not_exhaust_memory() {
    let dir = tempfile::tempdir().unwrap();
    // Each attempt from its own address, through a trusted proxy, so that
    // throttling (tested below) does not spare the hashing this checks.
    let relay = RelayProcess::start_with(dir.path(), &["--trusted-proxies", "127.0.0.1"]).await;
    let http = reqwest::Client::new();
    let attempt = |i: usize| {
        let http = http.clone();
        let url = format!("{}/api/agent/login", relay.url);
        async move {
            let body =
                serde_json::json!({ "email": format!("nobody{i}@x.test"), "password": "wrong" });
            let from = format!("198.51.100.{i}");
            let request = http.post(url).header("x-forwarded-for", from).json(&body);
            request.send().await.unwrap().status().as_u16()
        }
    };
    let before = relay.peak_rss_kib();
    let statuses = futures::future::join_all((0..64).map(attempt)).await;
    let peak = relay.peak_rss_kib();
    eprintln!(
        "64 concurrent wrong sign-ins: peak RSS {} MiB before, {} MiB after; answers {:?}",
        before / 1024,
        peak / 1024,
        count(&statuses)
    );
    assert!(
        statuses.iter().all(|s| *s == 401 || *s == 429),
        "{statuses:?}"
    );
    assert!(
        peak - before < 160 * 1024,
        "grew by {} MiB",
        (peak - before) / 1024
    );
}

fn count(statuses: &[u16]) -> std::collections::BTreeMap<u16, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for s in statuses {
        *counts.entry(*s).or_default() += 1;
    }
    counts
}

#[tokio::test]
async fn repeated_wrong_passwords_are_throttled_even_for_the_right_one() {
    let relay = TestRelay::spawn().await;
    let login = |password| relay.try_sign_in("agent@demo.test", password);
    for _ in 0..5 {
        assert_eq!(login("guess").await.status(), 401);
    }
    let throttled = login("guess").await;
    assert_eq!(throttled.status(), 429);
    let wait: u64 = throttled.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=13).contains(&wait), "{wait}");
    let body: serde_json::Value = throttled.json().await.unwrap();
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("Too many sign-in attempts")
    );
    // Guessing right during the wait does not help.
    assert_eq!(login(PASSWORD).await.status(), 429);
}

#[tokio::test]
async fn the_real_agent_is_told_of_failed_attempts_at_their_next_sign_in() {
    let relay = TestRelay::spawn().await;
    let login = |password| relay.try_sign_in("agent@demo.test", password);
    for guess in ["letmein", "hunter2"] {
        assert_eq!(login(guess).await.status(), 401);
    }
    let me: serde_json::Value = login(PASSWORD).await.json().await.unwrap();
    assert_eq!(me["failed_sign_ins"], 2);
    let again: serde_json::Value = login(PASSWORD).await.json().await.unwrap();
    assert!(again.get("failed_sign_ins").is_none(), "told once: {again}");
}
