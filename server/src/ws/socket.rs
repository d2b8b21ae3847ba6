//! What visitor and agent sockets have in common: buffer sizes, reading and
//! writing frames, and delivering a conversation's messages exactly once and
//! in order. Written over any `Sink`/`Stream` of WebSocket messages so tests
//! can drive it without a network.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::{Instant, Sleep};

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade, close_code};
use axum::response::Response;
use futures::stream::{SplitSink, SplitStream};
use futures::{Sink, SinkExt, Stream, StreamExt};
use serde::de::DeserializeOwned;
use warmline_shared::{
    ChatMessage, ConversationId, ErrorCode, FrameError, MAX_FRAME_BYTES, Seq, ServerFrame, decode,
    encode,
};

use crate::conversation::{DomainError, NewPost, Posted};
use crate::events::Event;
use crate::fanout::Lagged;
use crate::handoff::triage::Recent;
use crate::state::AppState;
use crate::store::{Conversation, Store, StoreError};

/// Frames larger than this close the socket (WebSocket close code 1009);
/// between `MAX_FRAME_BYTES` and this they get a `too_large` error frame and
/// the socket stays open.
const HARD_FRAME_LIMIT: usize = 4 * MAX_FRAME_BYTES;

/// Chat frames are small and there are many sockets: the 128 KiB default
/// buffers would cost far more memory per idle visitor than the chat does.
/// The read buffer is filled (and so paid for) whole on every read; a
/// larger frame grows it as needed.
pub fn configure(ws: WebSocketUpgrade) -> WebSocketUpgrade {
    ws.read_buffer_size(1024)
        .write_buffer_size(4 * 1024)
        .max_write_buffer_size(HARD_FRAME_LIMIT * 4)
        .max_message_size(HARD_FRAME_LIMIT)
        .max_frame_size(HARD_FRAME_LIMIT)
}

/// Upgrades the connection and runs `run` on its two halves, tracked so the
/// relay's shutdown waits for it.
pub fn accept<F, Fut>(ws: WebSocketUpgrade, state: &AppState, run: F) -> Response
where
    F: FnOnce(SplitSink<WebSocket, Message>, SplitStream<WebSocket>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let sockets = state.sockets.clone();
    configure(ws).on_upgrade(move |socket| {
        let (sink, stream) = socket.split();
        sockets.track_future(run(sink, stream))
    })
}

pub enum Inbound<T> {
    Frame(T),
    Invalid(FrameError),
    /// A ping or pong: nothing to act on, but the client is alive.
    Alive,
    /// Something no client may send (a frame over the hard limit, text that
    /// is not UTF-8): the socket ends with this close code and reason.
    Broken(u16, &'static str),
    Closed,
}

/// The next thing the client sent.
pub async fn read_frame<T, R>(stream: &mut R) -> Inbound<T>
where
    T: DeserializeOwned,
    R: Stream<Item = Result<Message, axum::Error>> + Unpin,
{
    {
        match stream.next().await {
            Some(Ok(Message::Text(text))) => match decode(text.as_str()) {
                Ok(frame) => Inbound::Frame(frame),
                Err(e) => Inbound::Invalid(e),
            },
            Some(Ok(Message::Binary(_))) => Inbound::Invalid(FrameError {
                code: ErrorCode::Malformed,
                detail: "(frames are JSON text; binary frames are not accepted)".into(),
            }),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => Inbound::Alive,
            Some(Err(error)) => match violation(error) {
                Some((code, reason)) => Inbound::Broken(code, reason),
                None => Inbound::Closed,
            },
            Some(Ok(Message::Close(_))) | None => Inbound::Closed,
        }
    }
}

/// What every loop does first with what the client sent: notes that the
/// client is alive, answers an invalid frame, and ends on a close or a broken
/// protocol. `Some` is a frame for the loop to act on.
pub async fn received<T, S>(
    inbound: Inbound<T>,
    heartbeat: &mut Heartbeat,
    out: &mut Outbound<S>,
) -> Result<Option<T>, Stop>
where
    S: Sink<Message> + Unpin,
{
    heartbeat.heard();
    match inbound {
        Inbound::Frame(frame) => Ok(Some(frame)),
        Inbound::Alive => Ok(None),
        Inbound::Invalid(e) => {
            out.send(&e.to_frame()).await?;
            Ok(None)
        }
        Inbound::Broken(code, reason) => Err(Stop::Broken(code, reason)),
        Inbound::Closed => Err(Stop::PeerGone),
    }
}

/// The close code for a frame that could not be read because the client
/// broke the protocol; `None` when the connection simply failed.
fn violation(error: axum::Error) -> Option<(u16, &'static str)> {
    use tungstenite::Error;
    match *error.into_inner().downcast::<Error>().ok()? {
        Error::Capacity(_) => Some((close_code::SIZE, "The frame is larger than allowed.")),
        Error::Utf8(_) => Some((close_code::INVALID, "Text frames must be UTF-8.")),
        Error::Protocol(_) => Some((close_code::PROTOCOL, "The frame breaks the protocol.")),
        _ => None,
    }
}

/// Pings the client on a schedule and notices when it has stopped answering:
/// a phone that lost its network leaves no close behind, only silence.
pub struct Heartbeat {
    ticks: tokio::time::Interval,
    every: Duration,
    last_heard: Instant,
}

impl Heartbeat {
    pub fn new(every: Duration) -> Self {
        let mut ticks = tokio::time::interval_at(Instant::now() + every, every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        Self {
            ticks,
            every,
            last_heard: Instant::now(),
        }
    }

    /// The client sent something (any frame, a pong included).
    pub fn heard(&mut self) {
        self.last_heard = Instant::now();
    }

    pub async fn tick(&mut self) {
        self.ticks.tick().await;
    }

    /// On each tick: a client silent for two beats is gone; otherwise ping it.
    pub async fn beat<S>(&mut self, out: &mut Outbound<S>) -> Result<(), Stop>
    where
        S: Sink<Message> + Unpin,
    {
        if self.last_heard.elapsed() >= 2 * self.every {
            return Err(Stop::Unresponsive);
        }
        Ok(out.ping().await?)
    }
}

/// The writing half. A failed write means the peer is gone; callers stop.
pub struct Outbound<S> {
    sink: S,
    /// When frames sent "soon" must be written, if some wait.
    due: Option<Pin<Box<Sleep>>>,
}

/// How long a frame sent "soon" may wait for others to go out with it: a
/// busy site's inbox changes reach each console in a few writes a second
/// instead of one write each, and no one sees 20 ms.
const SOON: Duration = Duration::from_millis(20);

#[derive(Debug)]
pub struct PeerGone;

impl<S> Outbound<S>
where
    S: Sink<Message> + Unpin,
{
    pub fn new(sink: S) -> Self {
        Self { sink, due: None }
    }

    /// Writes the frame now, with any that were waiting before it.
    pub async fn send(&mut self, frame: &ServerFrame) -> Result<(), PeerGone> {
        self.write(Message::Text(encode(frame).into())).await
    }

    /// Queues the encoded frame to go out in the same write as the next
    /// frame sent now: the caller sends one right after.
    async fn feed(&mut self, frame: Utf8Bytes) -> Result<(), PeerGone> {
        self.sink
            .feed(Message::Text(frame))
            .await
            .map_err(|_| PeerGone)
    }

    /// Queues the encoded frame to be written within [`SOON`], by
    /// [`Outbound::write_when_due`] or the next [`Outbound::send`].
    pub async fn send_soon(&mut self, frame: Utf8Bytes) -> Result<(), PeerGone> {
        self.feed(frame).await?;
        self.due
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(SOON)));
        Ok(())
    }

    /// Whether frames sent soon wait to be written.
    pub fn has_waiting(&self) -> bool {
        self.due.is_some()
    }

    /// Completes once frames sent soon are due, having written them; never
    /// while none wait.
    pub async fn write_when_due(&mut self) -> Result<(), PeerGone> {
        match &mut self.due {
            Some(due) => due.await,
            None => std::future::pending().await,
        }
        self.due = None;
        self.sink.flush().await.map_err(|_| PeerGone)
    }

    pub async fn ping(&mut self) -> Result<(), PeerGone> {
        self.write(Message::Ping(Default::default())).await
    }

    async fn write(&mut self, message: Message) -> Result<(), PeerGone> {
        self.due = None;
        self.sink.send(message).await.map_err(|_| PeerGone)
    }

    pub async fn error(
        &mut self,
        code: ErrorCode,
        client_id: Option<&str>,
    ) -> Result<(), PeerGone> {
        self.send(&ServerFrame::Error {
            code,
            message: code.describe().to_owned(),
            client_id: client_id.map(str::to_owned),
        })
        .await
    }

    /// Ends the socket the way every loop ends: a store failure is logged and
    /// reported to the client as `internal`; a shutdown or an ended session
    /// says so in the close frame, so clients know to come back or sign in.
    pub async fn finish(mut self, result: Result<(), Stop>, who: &str) {
        let close = match result {
            Ok(()) | Err(Stop::PeerGone) => None,
            Err(Stop::Unresponsive) => {
                tracing::info!("closed a {who} socket that stopped answering pings");
                None
            }
            Err(Stop::Store(error)) => {
                tracing::error!(%error, "{who} socket ended by a store failure");
                let _ = self.error(ErrorCode::Internal, None).await;
                None
            }
            Err(Stop::Shutdown) => Some((close_code::AWAY, "The relay is shutting down.")),
            Err(Stop::SessionEnded) => Some((close_code::POLICY, "The session has ended.")),
            Err(Stop::Broken(code, reason)) => Some((code, reason)),
        };
        if let Some((code, reason)) = close {
            let frame = CloseFrame {
                code,
                reason: reason.into(),
            };
            let _ = self.sink.send(Message::Close(Some(frame))).await;
        }
        let _ = self.sink.close().await;
    }
}

/// Posts through the domain and answers the client: `ack` once stored, or
/// an error naming the refused message. `Some` is what was stored, `None` a
/// refusal already sent back as an error frame. With the socket's
/// `delivery` of the conversation, the message itself goes out with its
/// `ack` (see [`acknowledge`]).
pub async fn post<S>(
    state: &AppState,
    post: NewPost,
    delivery: Option<&mut Delivery>,
    out: &mut Outbound<S>,
) -> Result<Option<Posted>, Stop>
where
    S: Sink<Message> + Unpin,
{
    let (conversation_id, client_id) = (post.conversation_id, post.client_id.clone());
    let result = state.conversations.post(post).await;
    acknowledge(result, conversation_id, client_id, delivery, out).await
}

/// Answers a message the domain stored or refused (see `post`). A store
/// failure is logged here; the client learns only that nothing was stored,
/// and the socket carries on.
///
/// Given the socket's `delivery` of the conversation, a stored message that
/// is the next one to deliver goes out in the same write as its `ack`: one
/// write instead of two for the sender's own copy, which the subscription
/// then brings as already delivered. A message with others before it still
/// to deliver waits for the subscription, so order holds.
pub async fn acknowledge<S>(
    result: crate::conversation::Result<Posted>,
    conversation_id: ConversationId,
    client_id: String,
    delivery: Option<&mut Delivery>,
    out: &mut Outbound<S>,
) -> Result<Option<Posted>, Stop>
where
    S: Sink<Message> + Unpin,
{
    match result {
        Ok(posted) => {
            let ack = ServerFrame::Ack {
                conversation_id,
                client_id,
                seq: posted.message.seq,
            };
            match delivery {
                Some(delivery) if delivery.is_next(&posted.message) => {
                    out.feed(encode(&ack).into()).await?;
                    delivery.send(posted.message.clone(), out).await?;
                }
                _ => out.send(&ack).await?,
            }
            Ok(Some(posted))
        }
        Err(error) => {
            if let DomainError::Store(e) = &error {
                tracing::error!(error = %e, "store failed");
            }
            out.error(error.code(), Some(&client_id)).await?;
            Ok(None)
        }
    }
}

/// Answers a request that has no reply of its own (typing, read): nothing
/// when it went through, an error frame when the domain refused it. Only a
/// store failure ends the socket.
pub async fn answer<S>(
    result: crate::conversation::Result<()>,
    out: &mut Outbound<S>,
) -> Result<(), Stop>
where
    S: Sink<Message> + Unpin,
{
    match result {
        Ok(()) => Ok(()),
        Err(DomainError::Store(e)) => Err(e.into()),
        Err(refused) => Ok(out.error(refused.code(), None).await?),
    }
}

/// How often a socket passes "typing" on, whatever its client sends.
const TYPING_AT_MOST_EVERY: Duration = Duration::from_secs(1);

/// Keeps one socket's typing notices to at most one per second: they are
/// fanned out to the other side, and a client that sends them in a loop
/// must not turn that into a flood.
#[derive(Default)]
pub struct Typing {
    last: Option<Instant>,
}

impl Typing {
    pub fn allows(&mut self) -> bool {
        let now = Instant::now();
        if self
            .last
            .is_some_and(|last| now - last < TYPING_AT_MOST_EVERY)
        {
            return false;
        }
        self.last = Some(now);
        true
    }
}

/// Messages sent per page when catching up; a long history goes in several.
const CATCH_UP_PAGE: i64 = 500;

/// Tracks the highest sequence number sent to one socket for one
/// conversation, so every message reaches it once and in order, whether it
/// comes from the store (backlog, catch-up after lag) or from fan-out.
pub struct Delivery {
    pub conversation_id: ConversationId,
    delivered: Seq,
    /// The latest messages delivered, kept on a visitor's socket (see
    /// [`Delivery::keeping_recent`]).
    pub recent: Option<Recent>,
}

impl Delivery {
    /// Resumes after `last_seq`, the last message the client says it saw.
    /// A number past the conversation's end would drop every later message
    /// as already delivered, so it is clamped to the end; the `bool` says
    /// whether it was, for the client to be told.
    pub fn resume(conversation: &Conversation, last_seq: Seq) -> (Self, bool) {
        let end = conversation.summary.last_seq;
        let delivery = Self {
            conversation_id: conversation.id(),
            delivered: last_seq.min(end).max(0),
            recent: None,
        };
        (delivery, last_seq > end)
    }

    /// Keeps the latest messages as they are delivered, to judge the
    /// visitor's frustration without reading them back. Delivering from
    /// the start, every message passes here; resumed later, the earlier
    /// ones must be loaded first (`recent` stays `None` until then).
    pub fn keeping_recent(mut self) -> Self {
        if self.delivered == 0 {
            self.recent = Some(Recent::default());
        }
        self
    }

    /// Whether `message` is the next of this conversation to deliver.
    fn is_next(&self, message: &ChatMessage) -> bool {
        message.conversation_id == self.conversation_id && message.seq == self.delivered + 1
    }

    /// Sends everything stored after what was delivered.
    pub async fn catch_up<S>(
        &mut self,
        store: &dyn Store,
        out: &mut Outbound<S>,
    ) -> Result<(), Stop>
    where
        S: Sink<Message> + Unpin,
    {
        loop {
            let page = store
                .messages_after(self.conversation_id, self.delivered, CATCH_UP_PAGE)
                .await?;
            let full = page.len() as i64 == CATCH_UP_PAGE;
            for message in page {
                self.send(message, out).await?;
            }
            if !full {
                return Ok(());
            }
        }
    }

    /// Handles one item of the conversation's subscription: stored messages
    /// are delivered in order; any other event is handed back to the caller.
    pub async fn forward<S>(
        &mut self,
        item: Result<Arc<Event>, Lagged>,
        store: &dyn Store,
        out: &mut Outbound<S>,
    ) -> Result<Option<Arc<Event>>, Stop>
    where
        S: Sink<Message> + Unpin,
    {
        let event = match item {
            Ok(event) => event,
            Err(Lagged) => {
                self.catch_up(store, out).await?;
                return Ok(None);
            }
        };
        let Event::MessageStored { message, .. } = &*event else {
            return Ok(Some(event));
        };
        if self.is_next(message) {
            self.send(message.clone(), out).await?;
        } else if message.seq > self.delivered {
            // A gap: something was published before we subscribed or while
            // we lagged. The store has it all.
            self.catch_up(store, out).await?;
        }
        Ok(None)
    }

    async fn send<S>(&mut self, message: ChatMessage, out: &mut Outbound<S>) -> Result<(), Stop>
    where
        S: Sink<Message> + Unpin,
    {
        let seq = message.seq;
        if let Some(recent) = &mut self.recent {
            recent.record(&message);
        }
        out.send(&ServerFrame::Message { message }).await?;
        self.delivered = seq;
        Ok(())
    }
}

/// Why a socket loop ends.
#[derive(Debug)]
pub enum Stop {
    PeerGone,
    Store(String),
    /// The relay is shutting down.
    Shutdown,
    /// The agent's session was ended (signed out, expired).
    SessionEnded,
    /// The client stopped answering pings.
    Unresponsive,
    /// The client broke the protocol; close with this code and reason.
    Broken(u16, &'static str),
}

impl From<StoreError> for Stop {
    fn from(e: StoreError) -> Self {
        Stop::Store(e.to_string())
    }
}

impl From<PeerGone> for Stop {
    fn from(_: PeerGone) -> Self {
        Stop::PeerGone
    }
}
