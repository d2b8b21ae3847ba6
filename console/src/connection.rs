//! The agent's WebSocket: receive the inbox and the selected conversation,
//! send replies; after a drop, reconnect with backoff, re-open the selected
//! conversation from the last seq seen and resend unacknowledged replies.

use futures::channel::mpsc;
use futures::future::{Either, select};
use futures::{SinkExt, StreamExt};
use gloo_net::websocket::Message;
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use warmline_shared::{ErrorCode, ServerFrame, encode};

use crate::api;
use crate::browser;
use crate::desk::{Desk, Outgoing, Status};
use warmline_client::{Backoff, open, parse};

enum End {
    /// Dropped or refused before the inbox: retry after a delay.
    Lost,
    /// Signed out here, or the session is gone: the task ends.
    Stopped,
}

/// Runs until `desk.stop()` or until the relay no longer accepts the
/// session, in which case `on_signed_out` is called.
pub async fn run(desk: Desk, on_signed_out: impl Fn() + 'static) {
    let generation = desk.generation();
    let current = move || desk.generation() == generation;
    let Some(url) = browser::agent_socket_url() else {
        return;
    };
    let mut backoff = Backoff::default();
    loop {
        let end = connect(desk, &url, &mut backoff, &current).await;
        if !current() {
            return;
        }
        desk.detach();
        if let End::Stopped = end {
            return;
        }
        desk.status.set(Status::Reconnecting);
        // The socket cannot say why it was refused; a lapsed session is
        // the one reason that retrying will not fix.
        if let Err(api::ApiError::Unauthorized(_)) = api::me().await {
            if current() {
                on_signed_out();
            }
            return;
        }
        TimeoutFuture::new(backoff.next_delay()).await;
        if !current() {
            return;
        }
    }
}

async fn connect(desk: Desk, url: &str, backoff: &mut Backoff, current: &impl Fn() -> bool) -> End {
    let Some(socket) = open(url).await else {
        return End::Lost;
    };
    let (mut sink, mut incoming) = socket.split();
    let (queue, mut outgoing) = mpsc::unbounded::<Outgoing>();
    desk.attach(queue);

    loop {
        let event = select(incoming.next(), outgoing.next()).await;
        if !current() {
            return End::Stopped;
        }
        match event {
            Either::Left((Some(Ok(Message::Text(text))), _)) => {
                let Ok(frame) = parse(&text) else {
                    continue;
                };
                if let ServerFrame::Inbox { .. } = frame {
                    backoff.reset();
                }
                let first_frames = handle(desk, frame);
                for frame in first_frames {
                    if sink.send(Message::Text(encode(&frame))).await.is_err() {
                        return End::Lost;
                    }
                }
            }
            Either::Left((Some(_), _)) => {}
            Either::Left((None, _)) => return End::Lost,
            Either::Right((Some(Outgoing::Frame(text)), _)) => {
                if sink.send(Message::Text(text)).await.is_err() {
                    return End::Lost;
                }
            }
            Either::Right((Some(Outgoing::Stop) | None, _)) => return End::Stopped,
        }
    }
}

/// Applies one frame; returns what must be sent before anything else (the
/// resume frames, right after the inbox).
fn handle(desk: Desk, frame: ServerFrame) -> Vec<warmline_shared::AgentFrame> {
    match frame {
        ServerFrame::Inbox { conversations } => {
            let selected = desk.selected.get_untracked();
            if selected.is_some_and(|id| !conversations.iter().any(|c| c.id == id)) {
                // Closed while we were away (or a stale link).
                desk.deselect();
            }
            desk.set_inbox(conversations);
            let frames = desk.resume_frames();
            desk.mark_ready();
            desk.status.set(Status::Online);
            return frames;
        }
        ServerFrame::Conversation { conversation } => desk.upsert(conversation),
        ServerFrame::Message { message } => {
            desk.transcripts.update(|all| {
                all.entry(message.conversation_id)
                    .or_default()
                    .apply_message(message);
            });
        }
        ServerFrame::Ack {
            conversation_id,
            client_id,
            seq,
        } => {
            desk.transcripts.update(|all| {
                if let Some(t) = all.get_mut(&conversation_id) {
                    t.apply_ack(&client_id, seq);
                }
            });
        }
        ServerFrame::Error {
            client_id: Some(client_id),
            code,
            ..
        } => {
            // Client ids are unique, so only the conversation that has it
            // pending changes.
            desk.transcripts.update(|all| {
                for t in all.values_mut() {
                    t.apply_refusal(&client_id, code);
                }
            });
        }
        ServerFrame::Error {
            code: ErrorCode::UnknownConversation,
            ..
        } => {
            desk.deselect();
            desk.notice
                .set(Some("That conversation is no longer open.".into()));
        }
        ServerFrame::Error { message, .. } => desk.notice.set(Some(message)),
        // Visitor-only.
        ServerFrame::Welcome { .. } => {}
    }
    Vec::new()
}
