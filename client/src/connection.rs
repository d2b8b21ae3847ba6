//! The one WebSocket to the relay, for either app: open it, send the opening
//! frames, then hand the relay's frames to the app and the view's frames to
//! the relay; after a drop, reconnect with backoff. What differs between the
//! visitor and the agent is the app's `Side`.

use std::future::Future;

use futures::future::{Either, select};
use futures::{SinkExt, StreamExt};
use gloo_net::websocket::Message;
use gloo_timers::future::TimeoutFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;
use warmline_shared::encode;

use crate::backoff::jitter;
use crate::course::{Course, End, Next, Outcome, Step};
use crate::link::Link;
use crate::socket::{open, parse};

/// One app's part in the conversation with the relay.
pub trait Side: 'static {
    /// What this app sends (`VisitorFrame` or `AgentFrame`).
    type Frame: Serialize + 'static;
    /// What this app reads of the relay's frames (`ToVisitor`, `ServerFrame`).
    type Inbound: DeserializeOwned;

    /// Where the app's view posts; each connection's queue is attached here.
    fn link(&self) -> Link<Self::Frame>;

    /// The frames every connection starts with.
    fn greeting(&mut self) -> Vec<Self::Frame>;

    /// Applies one frame from the relay. The app answers `Ready` with
    /// everything to resend and resume, once the relay is ready for it.
    fn receive(&mut self, frame: Self::Inbound) -> Outcome<Self::Frame>;

    /// Whether this loop still owns the state it writes to. Once it does not
    /// (the agent signed out), it ends at its next step without touching it.
    fn is_current(&self) -> bool {
        true
    }

    /// After a connection was lost, before waiting to reconnect: shows that
    /// the client is offline and says whether reconnecting can help.
    fn lost(&self) -> impl Future<Output = bool>;
}

/// Runs until the side stops it.
pub async fn run<S: Side>(mut side: S, url: String) {
    let link = side.link();
    let mut course = Course::default();
    loop {
        let end = connect(&mut side, &url, &mut course).await;
        // The link may belong to a newer loop by now.
        if !side.is_current() {
            return;
        }
        link.detach();
        match course.ended(end) {
            Next::Never => return,
            Next::Now => {}
            Next::After(delay_ms) => {
                if !side.lost().await {
                    return;
                }
                TimeoutFuture::new(jitter(delay_ms, js_sys::Math::random())).await;
                if !side.is_current() {
                    return;
                }
            }
        }
    }
}

async fn connect<S: Side>(side: &mut S, url: &str, course: &mut Course) -> End {
    let Some(socket) = open(url).await else {
        return End::Lost;
    };
    if !side.is_current() {
        return End::Stop;
    }
    let (mut sink, mut incoming) = socket.split();
    let link = side.link();
    let mut outgoing = link.attach();
    // The greeting goes out like any later step's frames.
    let mut step = Step::Send(side.greeting());
    loop {
        let frames = match step {
            Step::Wait => Vec::new(),
            Step::Send(frames) => frames,
            // What the view posts from now on waits in the queue, which is
            // read only after these.
            Step::Ready(frames) => {
                link.ready();
                frames
            }
            Step::End(end) => return end,
        };
        for frame in frames {
            if sink.send(Message::Text(encode(&frame))).await.is_err() {
                return End::Lost;
            }
        }
        let event = select(incoming.next(), outgoing.next()).await;
        if !side.is_current() {
            return End::Stop;
        }
        step = match event {
            Either::Left((Some(Ok(Message::Text(text))), _)) => match parse(&text) {
                Ok(frame) => course.received(side.receive(frame)),
                Err(_) => Step::Wait,
            },
            // Binary frames are not part of the protocol; error events are
            // followed by the close, which ends the stream.
            Either::Left((Some(_), _)) => Step::Wait,
            Either::Left((None, _)) => Step::End(End::Lost),
            Either::Right((posted, _)) => Course::posted(posted),
        };
    }
}
