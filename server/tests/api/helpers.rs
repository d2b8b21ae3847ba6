use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use warmline_server::limits::{LimitRates, Rate};
use warmline_server::{Config, Relay, Secret};
use warmline_shared::{
    AgentFrame, ChatMessage, ConversationId, ConversationSummary, ErrorCode, Seq, ServerFrame,
    VisitorFrame,
};

pub const PASSWORD: &str = "correct horse battery";

/// How long any single expected frame may take before the test fails. A
/// guard against hanging, not a wait: tests proceed as soon as a frame comes.
const FRAME_DEADLINE: Duration = Duration::from_secs(10);

pub struct TestRelay {
    pub url: String,
    pub data_dir: PathBuf,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
    _dir: Option<tempfile::TempDir>,
}

impl TestRelay {
    pub async fn spawn() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut relay = Self::spawn_in(dir.path().to_owned()).await;
        relay._dir = Some(dir);
        relay
    }

    /// A relay on an existing data directory, as after a restart.
    pub async fn spawn_in(data_dir: PathBuf) -> Self {
        Self::spawn_configured(data_dir, |_| {}).await
    }

    /// A relay whose configuration the test adjusts (for example its limits).
    pub async fn spawn_with(configure: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut relay = Self::spawn_configured(dir.path().to_owned(), configure).await;
        relay._dir = Some(dir);
        relay
    }

    pub async fn spawn_configured(data_dir: PathBuf, configure: impl FnOnce(&mut Config)) -> Self {
        let mut config = Config {
            addr: "127.0.0.1:0".into(),
            data_dir: data_dir.clone(),
            demo: true,
            demo_password: Some(Secret::new(PASSWORD)),
            ..Config::default()
        };
        configure(&mut config);
        let relay = Relay::bind(config).await.expect("relay starts");
        let url = relay.url.clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            relay
                .serve(async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        Self {
            url,
            data_dir,
            stop: Some(stop),
            task,
            _dir: None,
        }
    }

    /// Stops the relay and waits until it has. The data directory stays.
    pub async fn stop(mut self) -> Option<tempfile::TempDir> {
        self.begin_stop();
        (&mut self.task).await.unwrap();
        self._dir.take()
    }

    /// Tells the relay to shut down, without waiting.
    pub fn begin_stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    fn ws_url(&self, path: &str) -> String {
        format!("{}{path}", self.url.replacen("http://", "ws://", 1))
    }

    pub async fn visitor(&self) -> Client {
        self.visitor_from(Some(&self.url)).await
    }

    pub async fn visitor_from(&self, origin: Option<&str>) -> Client {
        let headers: Vec<_> = origin.map(|o| ("origin", o)).into_iter().collect();
        self.visitor_with(&headers).await
    }

    /// A visitor socket whose upgrade request carries these headers.
    pub async fn visitor_with(&self, headers: &[(&'static str, &str)]) -> Client {
        let mut request = self.ws_url("/ws/visitor").into_client_request().unwrap();
        for (name, value) in headers {
            request
                .headers_mut()
                .insert(*name, HeaderValue::from_str(value).unwrap());
        }
        let (ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
        Client { ws }
    }

    /// `GET path` as the signed-in person with this session cookie, read as JSON.
    pub async fn get_json<T: serde::de::DeserializeOwned>(&self, cookie: &str, path: &str) -> T {
        self.http()
            .get(format!("{}{path}", self.url))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Saves one of the demo site's settings as its `owner` (a session
    /// cookie); the relay's answer.
    pub async fn save_setting(
        &self,
        owner: &str,
        key: &str,
        value: serde_json::Value,
    ) -> reqwest::Response {
        let url = format!("{}/api/site/settings", self.url);
        let mut settings: serde_json::Value = self.get_json(owner, "/api/site/settings").await;
        settings[key] = value;
        self.http()
            .put(&url)
            .header("cookie", owner)
            .json(&settings)
            .send()
            .await
            .unwrap()
    }

    /// A new visitor who has written `text`: their socket (past the stored
    /// message), their token, and the conversation it started.
    pub async fn writing_visitor(&self, text: &str) -> (Client, String, ConversationId) {
        let (mut visitor, token) = self.new_visitor().await;
        visitor.send_visitor(say("c1", text)).await;
        visitor.recv_ack("c1").await;
        let (frame, _) = visitor
            .recv_until(|f| matches!(f, ServerFrame::Message { .. }))
            .await;
        let ServerFrame::Message { message } = frame else {
            unreachable!()
        };
        (visitor, token, message.conversation_id)
    }

    /// A new visitor on the demo site: says hello and returns its token.
    pub async fn new_visitor(&self) -> (Client, String) {
        let mut client = self.visitor().await;
        client.send_visitor(hello(None, 0)).await;
        match client.recv().await {
            ServerFrame::Welcome { token, .. } => (client, token),
            other => panic!("expected welcome, got {other:?}"),
        }
    }

    pub fn http(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap()
    }

    /// A sign-in attempt as anyone, with the relay's answer as it is.
    pub async fn try_sign_in(&self, email: &str, password: &str) -> reqwest::Response {
        self.http()
            .post(format!("{}/api/agent/login", self.url))
            .json(&serde_json::json!({ "email": email, "password": password }))
            .send()
            .await
            .unwrap()
    }

    /// Signs in as the demo agent and returns the session cookie (`name=value`).
    pub async fn sign_in(&self) -> String {
        let response = self
            .http()
            .post(format!("{}/api/agent/login", self.url))
            .json(&serde_json::json!({ "email": "agent@demo.test", "password": PASSWORD }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let cookie = response.headers()["set-cookie"].to_str().unwrap();
        cookie.split(';').next().unwrap().to_owned()
    }

    pub async fn agent_request(&self, cookie: Option<&str>) -> Result<Client, WsError> {
        let mut request = self.ws_url("/ws/agent").into_client_request().unwrap();
        request
            .headers_mut()
            .insert("origin", HeaderValue::from_str(&self.url).unwrap());
        if let Some(cookie) = cookie {
            request
                .headers_mut()
                .insert("cookie", HeaderValue::from_str(cookie).unwrap());
        }
        let (ws, _) = tokio_tungstenite::connect_async(request).await?;
        Ok(Client { ws })
    }

    /// A signed-in agent socket, past its initial inbox.
    pub async fn agent(&self) -> Client {
        let cookie = self.sign_in().await;
        let mut client = self.agent_request(Some(&cookie)).await.unwrap();
        assert!(matches!(client.recv().await, ServerFrame::Inbox { .. }));
        client
    }
}

pub fn hello(token: Option<&str>, last_seq: Seq) -> VisitorFrame {
    VisitorFrame::Hello {
        site: "demo".into(),
        token: token.map(str::to_owned),
        last_seq,
        page: None,
        identity: None,
        name: None,
        lang: None,
    }
}

/// A new visitor's hello from the given host page.
pub fn hello_from(page: &str) -> VisitorFrame {
    VisitorFrame::Hello {
        site: "demo".into(),
        token: None,
        last_seq: 0,
        page: Some(page.into()),
        identity: None,
        name: None,
        lang: None,
    }
}

/// An agent's reply in a conversation.
pub fn reply(conversation_id: ConversationId, client_id: &str, text: &str) -> AgentFrame {
    AgentFrame::Send {
        conversation_id,
        client_id: client_id.into(),
        text: text.into(),
        options: Vec::new(),
    }
}

pub fn say(client_id: &str, text: &str) -> VisitorFrame {
    VisitorFrame::Send {
        client_id: client_id.into(),
        text: text.into(),
        attachment: None,
    }
}

impl TestRelay {
    /// Adds an agent to the demo site and returns their session cookie.
    pub async fn colleague(&self, name: &str) -> String {
        let owner = self.sign_in().await;
        let email = format!("{}@demo.test", name.to_lowercase());
        let added = self
            .http()
            .post(format!("{}/api/site/members", self.url))
            .header("cookie", &owner)
            .json(
                &serde_json::json!({"email": email, "name": name, "password": "a long password", "role": "agent"}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(added.status(), 204);
        let response = self.try_sign_in(&email, "a long password").await;
        assert_eq!(response.status(), 200);
        let cookie = response.headers()["set-cookie"].to_str().unwrap();
        cookie.split(';').next().unwrap().to_owned()
    }
}

/// Frames about the handoff (the queue, offers, the desk), which come
/// whenever routing acts, whatever else a test is doing.
pub fn is_routing(frame: &ServerFrame) -> bool {
    matches!(
        frame,
        ServerFrame::Handoff { .. }
            | ServerFrame::Desk { .. }
            | ServerFrame::Offer { .. }
            | ServerFrame::OfferEnded { .. }
    )
}

pub struct Client {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl Client {
    pub async fn send_text(&mut self, text: String) {
        self.ws.send(Message::Text(text.into())).await.unwrap();
    }

    /// A frame as it goes on the wire, unchecked (to send what no proper
    /// client would).
    pub async fn send_raw(
        &mut self,
        frame: tokio_tungstenite::tungstenite::protocol::frame::Frame,
    ) {
        self.ws.send(Message::Frame(frame)).await.unwrap();
    }

    pub async fn send_visitor(&mut self, frame: VisitorFrame) {
        self.send_text(warmline_shared::encode(&frame)).await;
    }

    pub async fn send_agent(&mut self, frame: AgentFrame) {
        self.send_text(warmline_shared::encode(&frame)).await;
    }

    /// The next frame from the relay; fails the test if none comes in time.
    /// The next frame, past those about the handoff (the queue, offers, the
    /// desk), which come whenever routing acts: tests of the handoff read
    /// them with `recv_until` or `recv_any`.
    pub async fn recv(&mut self) -> ServerFrame {
        loop {
            let frame = self.recv_any().await;
            if !is_routing(&frame) {
                return frame;
            }
        }
    }

    /// The next frame, whatever it is.
    pub async fn recv_any(&mut self) -> ServerFrame {
        loop {
            let message = tokio::time::timeout(FRAME_DEADLINE, self.ws.next())
                .await
                .expect("a frame within the deadline")
                .expect("socket open")
                .expect("socket healthy");
            match message {
                Message::Text(text) => return warmline_shared::decode(text.as_str()).unwrap(),
                Message::Ping(_) | Message::Pong(_) => continue,
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    /// Frames until one matches, returning it; the skipped ones are returned too.
    pub async fn recv_until(
        &mut self,
        mut wanted: impl FnMut(&ServerFrame) -> bool,
    ) -> (ServerFrame, Vec<ServerFrame>) {
        let mut skipped = Vec::new();
        loop {
            let frame = self.recv_any().await;
            if wanted(&frame) {
                return (frame, skipped);
            }
            if !is_routing(&frame) {
                skipped.push(frame);
            }
        }
    }

    pub async fn recv_message(&mut self) -> ChatMessage {
        match self.recv().await {
            ServerFrame::Message { message } => message,
            other => panic!("expected a message, got {other:?}"),
        }
    }

    pub async fn recv_ack(&mut self, client_id: &str) -> Seq {
        match self.recv_answer(client_id).await {
            Ok(seq) => seq,
            Err(code) => panic!("expected an ack for {client_id}, got {code:?}"),
        }
    }

    /// The relay's answer to the message `client_id`: stored as a seq, or refused.
    pub async fn recv_answer(&mut self, client_id: &str) -> Result<Seq, ErrorCode> {
        let (frame, _) = self
            .recv_until(|f| matches!(f, ServerFrame::Ack { client_id: c, .. } | ServerFrame::Error { client_id: Some(c), .. } if c == client_id))
            .await;
        match frame {
            ServerFrame::Ack { seq, .. } => Ok(seq),
            ServerFrame::Error { code, .. } => Err(code),
            _ => unreachable!(),
        }
    }

    /// The next inbox line the relay announces (agents only).
    pub async fn recv_conversation(&mut self) -> ConversationSummary {
        let (frame, _) = self
            .recv_until(|f| matches!(f, ServerFrame::Conversation { .. }))
            .await;
        match frame {
            ServerFrame::Conversation { conversation } => conversation,
            _ => unreachable!(),
        }
    }

    /// The next error, past any presence announcements (agents come and go
    /// whatever a test does).
    pub async fn recv_error(&mut self) -> ErrorCode {
        loop {
            match self.recv().await {
                ServerFrame::Error { code, .. } => return code,
                ServerFrame::Presence { .. } => continue,
                other => panic!("expected an error, got {other:?}"),
            }
        }
    }

    /// Waits for the relay to close the socket; returns the close code it gave.
    pub async fn close_code(&mut self) -> Option<u16> {
        loop {
            match tokio::time::timeout(FRAME_DEADLINE, self.ws.next())
                .await
                .expect("closed within the deadline")
            {
                Some(Ok(Message::Close(frame))) => return frame.map(|f| f.code.into()),
                None | Some(Err(_)) => return None,
                Some(Ok(_)) => continue,
            }
        }
    }

    /// Waits for the relay to close the socket.
    pub async fn closed(&mut self) {
        loop {
            match tokio::time::timeout(FRAME_DEADLINE, self.ws.next())
                .await
                .expect("closed within the deadline")
            {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                Some(Ok(_)) => continue,
            }
        }
    }

    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}

/// The relay binary as a child process, for what an in-process relay
/// cannot show: its memory, and being killed. Killed (SIGKILL) when dropped.
pub struct RelayProcess {
    child: Child,
    pub url: String,
}

impl RelayProcess {
    /// Started with the demo's flags and `flags`.
    pub async fn start_with(data_dir: &Path, flags: &[&str]) -> Self {
        Self::start_on("127.0.0.1:0", data_dir, flags).await
    }

    /// Started listening on `addr`.
    pub async fn start_on(addr: &str, data_dir: &Path, flags: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_warmline"))
            .args(["--demo", "--addr", addr, "--demo-password", PASSWORD])
            .arg("--data-dir")
            .arg(data_dir)
            .args(flags)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the relay binary starts");
        let (url_tx, url_rx) = tokio::sync::oneshot::channel();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        // Reads the address, then keeps draining so the relay never blocks on
        // a full pipe; ends when the process does.
        std::thread::spawn(move || {
            let mut url_tx = Some(url_tx);
            for line in stdout.lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("Warmline relay listening on ")
                    && let Some(tx) = url_tx.take()
                {
                    let _ = tx.send(url.to_owned());
                }
            }
        });
        let stderr = BufReader::new(child.stderr.take().unwrap());
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                eprintln!("[relay] {line}");
            }
        });
        let url = tokio::time::timeout(FRAME_DEADLINE, url_rx)
            .await
            .expect("the relay says where it listens in time")
            .expect("the relay says where it listens before exiting");
        Self { child, url }
    }

    /// The process's peak resident memory so far, in KiB (Linux `VmHWM`).
    pub fn peak_rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM in /proc/PID/status")
    }

    /// SIGKILL: no shutdown, no flush, no goodbye.
    pub fn kill(&mut self) {
        use std::os::unix::process::ExitStatusExt;
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!("the relay had already exited: {status}");
        }
        self.child.kill().expect("SIGKILL delivered");
        let status = self.child.wait().unwrap();
        assert_eq!(status.signal(), Some(9), "{status}");
    }
}

impl Drop for RelayProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Limits far above anything a test sends, for tests of delivery rather
/// than of limits (which have tests of their own).
pub fn loose_limits(config: &mut Config) {
    let loose = Rate {
        burst: 1_000_000,
        every: Duration::from_micros(1),
    };
    config.limits = LimitRates {
        visitor_messages: loose,
        address_messages: loose,
        site_messages: loose,
        agent_messages: loose,
        address_new_visitors: loose,
        site_new_visitors: loose,
        address_new_conversations: loose,
        site_new_conversations: loose,
        address_help: loose,
    };
}

/// A new, empty database on the run's PostgreSQL, if it has one:
/// `cargo xtask test` starts one and names it in `WARMLINE_TEST_POSTGRES`.
/// A plain `cargo test` without it runs the SQLite cases only and says so.
pub async fn fresh_postgres() -> Option<String> {
    use sqlx::Connection;
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let Ok(server) = std::env::var("WARMLINE_TEST_POSTGRES") else {
        eprintln!(
            "WARMLINE_TEST_POSTGRES is not set: skipping PostgreSQL (cargo xtask test sets it)"
        );
        return None;
    };
    // Test binaries run in parallel against the one server: the process id
    // keeps their names apart.
    let name = format!(
        "t{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let mut admin = sqlx::PgConnection::connect(&server)
        .await
        .expect("the test PostgreSQL takes connections");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let (base, _) = server.rsplit_once('/').expect("a URL with a database");
    Some(format!("{base}/{name}"))
}

/// A throwaway `nats-server` on a free loopback port, stopped when dropped.
pub struct Nats {
    port: u16,
    child: tokio::process::Child,
}

impl Nats {
    pub async fn start() -> Self {
        Self::start_on(free_port()).await
    }

    pub async fn start_on(port: u16) -> Self {
        let child = tokio::process::Command::new("nats-server")
            .args(["-a", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("nats-server (Debian's nats-server; `cargo xtask setup` installs it)");
        // Ready when it takes connections.
        tokio::time::timeout(Duration::from_secs(10), async {
            while tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_err()
            {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await
        .expect("nats-server takes connections");
        Self { port, child }
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    pub async fn stop(mut self) -> u16 {
        self.child.kill().await.unwrap();
        self.port
    }
}

/// A loopback port nothing listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
