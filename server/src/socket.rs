//! What visitor and agent sockets have in common: buffer sizes, reading and
//! writing frames, and delivering a conversation's messages exactly once and
//! in order. Written over any `Sink`/`Stream` of WebSocket messages so tests
//! can drive it without a network.

use axum::extract::ws::{Message, WebSocketUpgrade};
use futures::{Sink, SinkExt, Stream, StreamExt};
use serde::de::DeserializeOwned;
use warmline_shared::{
    ChatMessage, ConversationId, ErrorCode, FrameError, MAX_FRAME_BYTES, Seq, ServerFrame, decode,
    encode,
};

use crate::hub::{Frame, Lagged};
use crate::store::Store;

/// Frames larger than this close the socket (WebSocket close code 1009);
/// between `MAX_FRAME_BYTES` and this they get a `too_large` error frame and
/// the socket stays open.
const HARD_FRAME_LIMIT: usize = 4 * MAX_FRAME_BYTES;

/// Chat frames are small and there are many sockets: the 128 KiB default
/// buffers would cost far more memory per idle visitor than the chat does.
pub fn configure(ws: WebSocketUpgrade) -> WebSocketUpgrade {
    ws.read_buffer_size(4 * 1024)
        .write_buffer_size(4 * 1024)
        .max_write_buffer_size(HARD_FRAME_LIMIT * 4)
        .max_message_size(HARD_FRAME_LIMIT)
        .max_frame_size(HARD_FRAME_LIMIT)
}

pub enum Inbound<T> {
    Frame(T),
    Invalid(FrameError),
    Closed,
}

/// The next client frame, skipping control frames.
pub async fn read_frame<T, R>(stream: &mut R) -> Inbound<T>
where
    T: DeserializeOwned,
    R: Stream<Item = Result<Message, axum::Error>> + Unpin,
{
    loop {
        return match stream.next().await {
            Some(Ok(Message::Text(text))) => match decode(text.as_str()) {
                Ok(frame) => Inbound::Frame(frame),
                Err(e) => Inbound::Invalid(e),
            },
            Some(Ok(Message::Binary(_))) => Inbound::Invalid(FrameError {
                code: ErrorCode::Malformed,
                detail: "(frames are JSON text; binary frames are not accepted)".into(),
            }),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            Some(Ok(Message::Close(_))) | Some(Err(_)) | None => Inbound::Closed,
        };
    }
}

/// The writing half. A failed write means the peer is gone; callers stop.
pub struct Outbound<S> {
    sink: S,
}

#[derive(Debug)]
pub struct PeerGone;

impl<S> Outbound<S>
where
    S: Sink<Message> + Unpin,
{
    pub fn new(sink: S) -> Self {
        Self { sink }
    }

    pub async fn send(&mut self, frame: &ServerFrame) -> Result<(), PeerGone> {
        self.sink
            .send(Message::Text(encode(frame).into()))
            .await
            .map_err(|_| PeerGone)
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
    /// reported to the client as `internal`, then the socket is closed.
    pub async fn finish(mut self, result: Result<(), Stop>, who: &str) {
        if let Err(Stop::Store(error)) = result {
            tracing::error!(%error, "{who} socket ended by a store failure");
            let _ = self.error(ErrorCode::Internal, None).await;
        }
        let _ = self.sink.close().await;
    }
}

/// Messages sent per page when catching up; a long history goes in several.
const CATCH_UP_PAGE: i64 = 500;

/// Tracks the highest sequence number sent to one socket for one
/// conversation, so every message reaches it once and in order, whether it
/// comes from the store (backlog, catch-up after lag) or from fan-out.
pub struct Delivery {
    pub conversation_id: ConversationId,
    pub delivered: Seq,
}

impl Delivery {
    pub fn new(conversation_id: ConversationId, delivered: Seq) -> Self {
        Self {
            conversation_id,
            delivered,
        }
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

    /// Handles one item of the conversation's subscription.
    pub async fn forward<S>(
        &mut self,
        item: Result<Frame, Lagged>,
        store: &dyn Store,
        out: &mut Outbound<S>,
    ) -> Result<(), Stop>
    where
        S: Sink<Message> + Unpin,
    {
        match item {
            Ok(frame) => match &*frame {
                ServerFrame::Message { message } if message.seq <= self.delivered => Ok(()),
                ServerFrame::Message { message } if message.seq == self.delivered + 1 => {
                    self.send(message.clone(), out).await
                }
                // A gap: something was published before we subscribed or while
                // we lagged. The store has it all.
                ServerFrame::Message { .. } => self.catch_up(store, out).await,
                other => out.send(other).await.map_err(Stop::from),
            },
            Err(Lagged) => self.catch_up(store, out).await,
        }
    }

    async fn send<S>(&mut self, message: ChatMessage, out: &mut Outbound<S>) -> Result<(), Stop>
    where
        S: Sink<Message> + Unpin,
    {
        let seq = message.seq;
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
}

impl From<crate::store::StoreError> for Stop {
    fn from(e: crate::store::StoreError) -> Self {
        Stop::Store(e.to_string())
    }
}

impl From<PeerGone> for Stop {
    fn from(_: PeerGone) -> Self {
        Stop::PeerGone
    }
}
