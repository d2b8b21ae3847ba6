//! The knowledge base over HTTP and the visitor socket: imports that report
//! bad files and update rather than duplicate, search in Georgian and
//! Armenian with typos and capitals, media with ranges, sanitised articles,
//! owners' signals, and the bot's one round of suggestions.

use std::path::Path;

use serde_json::{Value, json};
use warmline_server::Config;
use warmline_shared::{Author, ServerFrame, VisitorFrame};

use crate::helpers::*;

const PASSWORD_KA: &str = "+++\nslug = \"password-reset\"\nlang = \"ka\"\ntitle = \"დამავიწყდა პაროლი\"\ntags = [\"პაროლი\", \"შესვლა\"]\norder = 10\n+++\n\nშესვლის გვერდზე დააჭირეთ „დაგავიწყდათ პაროლი?“ და მიჰყევით ბმულს.\n";
const PASSWORD_EN: &str = "+++\nslug = \"password-reset\"\nlang = \"en\"\ntitle = \"I forgot my password\"\ntags = [\"password\", \"sign in\"]\norder = 10\nrelated = [\"email-not-arriving\"]\n+++\n\nPress **Forgot password?** on the sign-in page and follow the link we email you.\n";
const EMAIL_HY: &str = "+++\nslug = \"email-not-arriving\"\nlang = \"hy\"\ntitle = \"Ինչո՞ւ չի գալիս նամակը\"\ntags = [\"նամակ\"]\norder = 20\n+++\n\nՍպասեք հինգ րոպե և ստուգեք «Սպամ» թղթապանակը։\n";
const EMAIL_EN: &str = "+++\nslug = \"email-not-arriving\"\nlang = \"en\"\ntitle = \"The email did not arrive\"\ntags = [\"email\", \"spam\"]\norder = 20\n+++\n\nWait five minutes and look in the Spam folder.\n";

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A folder of four good articles.
fn knowledge_base() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "ka/password-reset.md", PASSWORD_KA);
    write(dir.path(), "en/password-reset.md", PASSWORD_EN);
    write(dir.path(), "hy/email-not-arriving.md", EMAIL_HY);
    write(dir.path(), "en/email-not-arriving.md", EMAIL_EN);
    write(dir.path(), "README.md", "# Not an article\n");
    dir
}

/// A request to the owners' API, signed in with `cookie`.
fn as_owner(relay: &TestRelay, cookie: &str, method: &str, path: &str) -> reqwest::RequestBuilder {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    relay
        .http()
        .request(method, format!("{}{path}", relay.url))
        .header("cookie", cookie)
}

/// A relay whose demo site starts with the articles of `dir`.
async fn relay_with(dir: &Path) -> TestRelay {
    let dir = dir.to_owned();
    TestRelay::spawn_with(move |config: &mut Config| config.demo_kb = Some(dir)).await
}

async fn help(relay: &TestRelay, path: &str, query: &[(&str, &str)]) -> reqwest::Response {
    relay
        .http()
        .get(format!("{}/api/help/demo{path}", relay.url))
        .query(query)
        .header("origin", &relay.url)
        .send()
        .await
        .unwrap()
}

async fn search(relay: &TestRelay, q: &str, lang: &str) -> Vec<String> {
    let found: Value = help(relay, "/search", &[("q", q), ("lang", lang)])
        .await
        .json()
        .await
        .unwrap();
    found
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn an_import_reports_each_bad_file_by_line_imports_the_rest_and_updates_on_reimport() {
    let dir = knowledge_base();
    write(
        dir.path(),
        "en/broken.md",
        "+++\nlang = \"en\"\ntitle = \"Broken\"\norder = ten\n+++\nbody\n",
    );
    write(
        dir.path(),
        "en/no-title.md",
        "+++\nlang = \"en\"\n+++\nbody\n",
    );
    let relay = TestRelay::spawn().await;
    let config = Config {
        data_dir: relay.data_dir.clone(),
        ..Config::default()
    };
    // The running relay indexes its (empty) help first.
    assert!(search(&relay, "password", "en").await.is_empty());
    let report = warmline_server::import_kb(&config, "demo", dir.path())
        .await
        .unwrap();
    assert_eq!((report.created, report.updated), (4, 0), "{report}");
    let failed: Vec<String> = report
        .failed
        .iter()
        .map(|(path, e)| format!("{} {}", path.file_name().unwrap().to_string_lossy(), e.line))
        .collect();
    assert_eq!(failed, ["broken.md 4", "no-title.md 2"], "{report}");
    assert!(report.to_string().contains("broken.md: line 4"), "{report}");
    // It sees the import without a restart.
    assert_eq!(
        search(&relay, "password", "en").await,
        ["I forgot my password"]
    );

    // Again, with one title changed: updated in place, nothing added.
    write(
        dir.path(),
        "en/email-not-arriving.md",
        &EMAIL_EN.replace("did not arrive", "never came"),
    );
    let again = warmline_server::import_kb(&config, "demo", dir.path())
        .await
        .unwrap();
    assert_eq!((again.created, again.updated), (0, 4), "{again}");
    let cookie = relay.sign_in().await;
    let articles: Vec<Value> = as_owner(&relay, &cookie, "GET", "/api/kb/articles")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(articles.len(), 4);
    assert!(
        articles
            .iter()
            .any(|a| a["title"] == "The email never came")
    );
    assert!(matches!(
        warmline_server::import_kb(&config, "no-such-site", dir.path()).await,
        Err(warmline_server::StartError::UnknownSite(_))
    ));
    relay.stop().await;
}

#[tokio::test]
async fn search_finds_georgian_and_armenian_with_typos_capitals_and_marks() {
    let dir = knowledge_base();
    let relay = relay_with(dir.path()).await;
    let password_ka = "დამავიწყდა პაროლი";
    // A partial word, as typed so far.
    assert_eq!(
        search(&relay, "პაროლ", "ka")
            .await
            .first()
            .map(String::as_str),
        Some(password_ka)
    );
    // One wrong letter, and a case ending.
    assert_eq!(
        search(&relay, "პარილის ", "ka")
            .await
            .first()
            .map(String::as_str),
        Some(password_ka)
    );
    // Mtavruli capitals.
    assert_eq!(
        search(&relay, "ᲞᲐᲠᲝᲚᲘ", "ka")
            .await
            .first()
            .map(String::as_str),
        Some(password_ka)
    );
    // Armenian with ՞ inside a word, and the English article for English.
    assert_eq!(
        search(&relay, "ինչո՞ւ չի գալիս նամակս", "hy")
            .await
            .first()
            .map(String::as_str),
        Some("Ինչո՞ւ չի գալիս նամակը")
    );
    assert_eq!(
        search(&relay, "pasword", "en")
            .await
            .first()
            .map(String::as_str),
        Some("I forgot my password")
    );
    // The common questions are in the visitor's language, English otherwise.
    let common: Value = help(&relay, "/common", &[("lang", "ka")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(common[0]["title"], password_ka);
    let fallback: Value = help(&relay, "/common", &[("lang", "xx")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(fallback[0]["title"], "I forgot my password");
    // Another site's page may not ask.
    let foreign = relay
        .http()
        .get(format!("{}/api/help/demo/search?q=x", relay.url))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 403);
    assert_eq!(help(&relay, "/articles/999", &[]).await.status(), 404);
    relay.stop().await;
}

#[tokio::test]
async fn owners_see_views_answers_and_questions_without_an_article() {
    let dir = knowledge_base();
    let relay = relay_with(dir.path()).await;
    // Typed letter by letter, then a real question nobody answered.
    for q in ["gift wr", "gift wrap", "gift wrapping"] {
        assert!(search(&relay, q, "en").await.is_empty());
    }
    assert!(search(&relay, "gift wrapping", "en").await.is_empty());
    let found: Value = help(&relay, "/search", &[("q", "password"), ("lang", "en")])
        .await
        .json()
        .await
        .unwrap();
    let id = found[0]["id"].as_i64().unwrap();
    let page: Value = help(&relay, &format!("/articles/{id}"), &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(
        page["html"]
            .as_str()
            .unwrap()
            .contains("<strong>Forgot password?</strong>")
    );
    assert_eq!(page["related"][0]["title"], "The email did not arrive");
    let no = relay
        .http()
        .post(format!(
            "{}/api/help/demo/articles/{id}/feedback?helpful=false",
            relay.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(no.status(), 204);

    let cookie = relay.sign_in().await;
    let get = |path: &'static str| {
        let (relay, cookie) = (&relay, cookie.clone());
        async move {
            as_owner(relay, &cookie, "GET", path)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let misses = get("/api/kb/misses").await;
    assert_eq!(
        misses,
        json!([{"query": "gift wrapping", "lang": "en", "count": 2, "last_at": misses[0]["last_at"]}])
    );
    let articles = get("/api/kb/articles").await;
    let read = articles
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
        .unwrap();
    assert_eq!(
        (read["views"].as_i64(), read["unhelpful"].as_i64()),
        (Some(1), Some(1))
    );
    relay.stop().await;
}

#[tokio::test]
async fn articles_are_sanitised_drafts_stay_hidden_and_media_serve_ranges() {
    let relay = TestRelay::spawn().await;
    let cookie = relay.sign_in().await;
    let http = relay.http();
    // A JPEG poster: its bytes, then a range of them.
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0];
    jpeg.extend((0..200u32).map(|i| i as u8));
    let media: Value = as_owner(&relay, &cookie, "POST", "/api/kb/media")
        .body(jpeg.clone())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(media["mime"], "image/jpeg");
    let sha = media["sha256"].as_str().unwrap();
    let range = http
        .get(format!("{}/api/kb/media/{sha}", relay.url))
        .header("range", "bytes=10-19")
        .send()
        .await
        .unwrap();
    assert_eq!(range.status(), 206);
    assert_eq!(range.headers()["access-control-allow-origin"], "*");
    assert_eq!(
        range.headers()["content-range"],
        format!("bytes 10-19/{}", jpeg.len())
    );
    assert_eq!(range.bytes().await.unwrap().as_ref(), &jpeg[10..20]);
    let not_media = as_owner(&relay, &cookie, "POST", "/api/kb/media")
        .body("<svg onload=alert(1)>")
        .send()
        .await
        .unwrap();
    assert_eq!(not_media.status(), 400);

    let hostile = json!({
        "slug": "hostile", "lang": "en", "title": "Hostile", "published": true,
        "body": "Hi <script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[click](javascript:alert(1))",
        "video": {"kind": "file", "media": sha, "poster": sha},
    });
    let created = as_owner(&relay, &cookie, "POST", "/api/kb/articles")
        .json(&hostile)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let article: Value = created.json().await.unwrap();
    let page: Value = help(&relay, &format!("/articles/{}", article["id"]), &[])
        .await
        .json()
        .await
        .unwrap();
    let html = page["html"].as_str().unwrap();
    for bad in ["<script", "<img", "href=\"javascript"] {
        assert!(!html.contains(bad), "{bad} in {html}");
    }
    assert!(html.contains(&format!("/api/kb/media/{sha}")), "{html}");
    // The same slug and language again is refused; a bad one explains itself.
    let twice = as_owner(&relay, &cookie, "POST", "/api/kb/articles")
        .json(&hostile)
        .send()
        .await
        .unwrap();
    assert_eq!(twice.status(), 409);
    let bad = as_owner(&relay, &cookie, "POST", "/api/kb/articles")
        .json(&json!({"slug": "Bad Slug", "lang": "en", "title": "t", "body": "b"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    // A draft is not shown to visitors.
    let draft = json!({"slug": "hostile", "lang": "en", "title": "Hostile", "body": "b", "published": false});
    let saved = as_owner(
        &relay,
        &cookie,
        "PUT",
        &format!("/api/kb/articles/{}", article["id"]),
    )
    .json(&draft)
    .send()
    .await
    .unwrap();
    assert_eq!(saved.status(), 200);
    assert_eq!(
        help(&relay, &format!("/articles/{}", article["id"]), &[])
            .await
            .status(),
        404
    );
    relay.stop().await;
}

/// The next message frame, skipping acks.
async fn next_message(client: &mut Client) -> warmline_shared::ChatMessage {
    loop {
        if let ServerFrame::Message { message } = client.recv().await {
            return message;
        }
    }
}

#[tokio::test]
async fn the_bot_suggests_articles_once_and_hands_over_to_a_person() {
    let dir = knowledge_base();
    let relay = relay_with(dir.path()).await;
    let mut visitor = relay.visitor().await;
    let mut georgian = hello(None, 0);
    if let VisitorFrame::Hello { lang, .. } = &mut georgian {
        *lang = Some("ka".into());
    }
    visitor.send_visitor(georgian).await;
    let _welcome = visitor.recv().await;
    visitor
        .send_visitor(say("q1", "პაროლი დამავიწყდა, ვერ შევდივარ"))
        .await;
    let mine = next_message(&mut visitor).await;
    assert_eq!(mine.author, Author::Visitor);
    let bot = next_message(&mut visitor).await;
    assert!(
        matches!(bot.author, Author::Bot { ref name } if name == "ასისტენტი"),
        "{bot:?}"
    );
    assert_eq!(bot.client_id, format!("bot-{}", mine.seq));
    assert_eq!(bot.articles[0].title, "დამავიწყდა პაროლი");
    assert!(bot.text.contains("სტატიებში"), "{}", bot.text);

    // "No, talk to a person", after reading the article.
    let article = bot.articles[0].id;
    visitor
        .send_visitor(VisitorFrame::Person {
            client_id: "p1".into(),
            article: Some(article),
            declined: false,
        })
        .await;
    let asked = next_message(&mut visitor).await;
    assert!(asked.wants_person);
    assert_eq!(asked.author, Author::Visitor);
    assert_eq!(asked.text, "მსურს ადამიანთან საუბარი.");
    assert_eq!(asked.articles[0].id, article);
    let handoff = next_message(&mut visitor).await;
    assert!(matches!(handoff.author, Author::Bot { .. }));
    assert!(handoff.articles.is_empty());

    // Once a person was asked for, the bot stays silent.
    visitor
        .send_visitor(say("q2", "პაროლი ისევ არ მუშაობს"))
        .await;
    let q2 = next_message(&mut visitor).await;
    visitor.send_visitor(say("q3", "გამარჯობა?")).await;
    let q3 = next_message(&mut visitor).await;
    assert_eq!((q2.client_id.as_str(), q3.client_id.as_str()), ("q2", "q3"));
    relay.stop().await;
}

#[tokio::test]
async fn the_bot_does_not_repeat_itself_and_notes_questions_it_cannot_answer() {
    let dir = knowledge_base();
    let relay = relay_with(dir.path()).await;
    let (mut visitor, _) = relay.new_visitor().await;
    visitor.send_visitor(say("a", "I forgot my password")).await;
    let _ = next_message(&mut visitor).await;
    let bot = next_message(&mut visitor).await;
    assert_eq!(bot.articles[0].title, "I forgot my password");
    // The same question again: nothing new to offer, so no second round;
    // an unanswerable one is noted for the owners instead.
    visitor
        .send_visitor(say("b", "forgot my password again"))
        .await;
    let b = next_message(&mut visitor).await;
    visitor
        .send_visitor(say("c", "do you sell green tea in bulk"))
        .await;
    let c = next_message(&mut visitor).await;
    assert_eq!((b.client_id.as_str(), c.client_id.as_str()), ("b", "c"));
    let cookie = relay.sign_in().await;
    let misses = as_owner(&relay, &cookie, "GET", "/api/kb/misses")
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert!(
        misses
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["query"] == "do you sell green tea in bulk"),
        "{misses}"
    );
    relay.stop().await;
}
