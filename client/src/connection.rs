//! The one WebSocket to the relay, for either app: open it, send the opening
//! frames, then hand the relay's frames to the app and the view's frames to
//! the relay; after a drop, reconnect with backoff. What differs between the
//! visitor and the agent is the app's `Side`.

use std::future::Future;

use futures::StreamExt;
use futures::future::{Either, select};
use gloo_timers::future::TimeoutFuture;

use crate::backoff::jitter;
use crate::course::{Course, End, Next, Outcome, Step};
use crate::link::Link;
use crate::socket::open;

/// One app's part in the conversation with the relay.
pub trait Side: 'static {
    /// What this app sends (`VisitorFrame` or `AgentFrame`).
    type Frame: 'static;
    /// What this app reads of the relay's frames (`ToVisitor`, `ServerFrame`).
    type Inbound;

    /// Writes a frame as JSON text. Each app brings its own codec: the
    /// console uses serde, the widget a smaller one (see `widget/src/wire.rs`).
    fn encode(frame: &Self::Frame) -> String;

    /// Reads one frame of the relay's text; `None` skips text the app cannot
    /// read.
    fn decode(text: &str) -> Option<Self::Inbound>;

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
    let mut socket = socket;
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
            if !socket.send(&S::encode(&frame)) {
                return End::Lost;
            }
        }
        let event = select(Box::pin(socket.next()), outgoing.next()).await;
        if !side.is_current() {
            return End::Stop;
        }
        step = match event {
            Either::Left((Some(text), _)) => match S::decode(&text) {
                Some(frame) => course.received(side.receive(frame)),
                None => Step::Wait,
            },
            Either::Left((None, _)) => Step::End(End::Lost),
            Either::Right((posted, _)) => Course::posted(posted),
        };
    }
}
