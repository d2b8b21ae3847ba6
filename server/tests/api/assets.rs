use crate::helpers::TestRelay;

#[tokio::test]
async fn the_loader_and_widget_files_may_be_loaded_from_any_site() {
    let relay = TestRelay::spawn().await;
    let http = relay.http();
    let loader = http
        .get(format!("{}/widget.js", relay.url))
        .send()
        .await
        .unwrap();
    assert_eq!(loader.status(), 200);
    assert!(
        loader.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert_eq!(
        loader.headers()["cross-origin-resource-policy"],
        "cross-origin"
    );

    // Whether or not the wasm is built into this relay, the answer carries
    // the CORS header a host page on another origin needs.
    let module = http
        .get(format!("{}/widget/warmline_widget.js", relay.url))
        .header("origin", "https://shop.example")
        .send()
        .await
        .unwrap();
    assert_eq!(module.headers()["access-control-allow-origin"], "*");
}

#[tokio::test]
async fn built_files_are_served_compressed_when_the_browser_accepts_it() {
    let relay = TestRelay::spawn().await;
    let http = reqwest::Client::new();
    let plain = http
        .get(format!("{}/widget/warmline_widget_bg.wasm", relay.url))
        .send()
        .await
        .unwrap();
    if plain.status() == 503 {
        // Built without `cargo xtask build`: nothing embedded to compress.
        return;
    }
    assert_eq!(plain.status(), 200);
    assert_eq!(plain.headers()["content-type"], "application/wasm");
    let plain_len = plain.bytes().await.unwrap().len();
    let brotli = http
        .get(format!("{}/widget/warmline_widget_bg.wasm", relay.url))
        .header("accept-encoding", "gzip, br")
        .send()
        .await
        .unwrap();
    assert_eq!(brotli.headers()["content-encoding"], "br");
    assert!(brotli.bytes().await.unwrap().len() < plain_len);
}

#[tokio::test]
async fn unknown_files_are_not_found() {
    let relay = TestRelay::spawn().await;
    for path in [
        "/widget/nope.js",
        "/widget/secret.txt",
        "/console/../Cargo.toml",
    ] {
        let response = relay
            .http()
            .get(format!("{}{path}", relay.url))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{path}");
    }
}
