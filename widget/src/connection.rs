//! The one WebSocket to the relay: say hello, keep the visitor token, feed
//! incoming frames into the transcript, and after any drop reconnect with
//! backoff, resume from the last seq seen and resend what was never
//! acknowledged.

use futures::channel::mpsc;
use futures::future::{Either, select};
use futures::{SinkExt, StreamExt};
use gloo_net::websocket::Message;
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use warmline_shared::{Author, ErrorCode, ServerFrame, VisitorFrame, encode};

use crate::browser;
use crate::chat::{Chat, Status};
use warmline_client::{Backoff, open, parse};

/// Everything one connection attempt needs.
pub struct Visitor {
    pub chat: Chat,
    pub site: String,
    pub url: String,
    /// The panel element: hidden while the visitor has the chat closed, and
    /// where the loader listens for our events.
    pub panel: web_sys::HtmlElement,
}

/// Why a connection ended, which decides what happens next.
enum End {
    /// Dropped or never opened: try again after a delay.
    Lost,
    /// The relay did not know our token: start over as a new visitor, now.
    NewVisitor,
    /// The relay will never serve this site here.
    Refused,
}

impl Visitor {
    fn token_key(&self) -> String {
        format!("warmline.{}.token", self.site)
    }

    pub async fn run(self) {
        let mut backoff = Backoff::default();
        loop {
            let end = self.connect(&mut backoff).await;
            self.chat.detach();
            match end {
                End::NewVisitor => {}
                End::Refused => return,
                End::Lost => {
                    self.chat.status.set(Status::Reconnecting);
                    TimeoutFuture::new(backoff.next_delay()).await;
                }
            }
        }
    }

    async fn connect(&self, backoff: &mut Backoff) -> End {
        let Some(socket) = open(&self.url).await else {
            return End::Lost;
        };
        let (mut sink, mut incoming) = socket.split();

        let token = browser::load(&self.token_key());
        let hello = VisitorFrame::Hello {
            site: self.site.clone(),
            token: token.clone(),
            last_seq: self.chat.transcript.with_untracked(|t| t.last_seq()),
            page: browser::page(),
        };
        if sink.send(Message::Text(encode(&hello))).await.is_err() {
            return End::Lost;
        }

        let (outbox, mut outgoing) = mpsc::unbounded::<String>();
        loop {
            match select(incoming.next(), outgoing.next()).await {
                Either::Left((Some(Ok(Message::Text(text))), _)) => {
                    let Ok(frame) = parse(&text) else {
                        continue;
                    };
                    if let Some(end) = self.handle(frame, token.as_deref(), &outbox, backoff) {
                        return end;
                    }
                }
                // Binary frames are not part of the protocol; error events are
                // followed by the close, which ends the stream.
                Either::Left((Some(_), _)) => {}
                Either::Left((None, _)) => return End::Lost,
                Either::Right((Some(text), _)) => {
                    if sink.send(Message::Text(text)).await.is_err() {
                        return End::Lost;
                    }
                }
                // We hold a sender, so the queue cannot end.
                Either::Right((None, _)) => return End::Lost,
            }
        }
    }

    fn handle(
        &self,
        frame: ServerFrame,
        sent_token: Option<&str>,
        outbox: &mpsc::UnboundedSender<String>,
        backoff: &mut Backoff,
    ) -> Option<End> {
        let chat = self.chat;
        match frame {
            ServerFrame::Welcome { token, .. } => {
                if sent_token.is_some_and(|sent| sent != token) {
                    // A different visitor now: the history we hold is not theirs.
                    chat.transcript.update(|t| t.restart());
                }
                browser::save(&self.token_key(), &token);
                backoff.reset();
                // Resend before handing the queue to the view, so that what was
                // typed earlier goes out first.
                chat.transcript.with_untracked(|t| {
                    for pending in t.to_resend() {
                        let frame = VisitorFrame::Send {
                            client_id: pending.client_id.clone(),
                            text: pending.text.clone(),
                        };
                        let _ = outbox.unbounded_send(encode(&frame));
                    }
                });
                chat.attach(outbox.clone());
                chat.status.set(Status::Online);
            }
            ServerFrame::Message { message } => {
                let from_agent = matches!(message.author, Author::Agent { .. });
                let new = chat
                    .transcript
                    .try_update(|t| t.apply_message(message))
                    .unwrap_or(false);
                if new && from_agent && self.panel.hidden() {
                    browser::notify(&self.panel, "warmline:unread");
                }
            }
            ServerFrame::Ack { client_id, seq, .. } => {
                chat.transcript.update(|t| t.apply_ack(&client_id, seq));
            }
            ServerFrame::Error {
                client_id: Some(client_id),
                code,
                ..
            } => {
                chat.transcript
                    .update(|t| t.apply_refusal(&client_id, code));
            }
            ServerFrame::Error {
                code: ErrorCode::BadToken,
                ..
            } => {
                browser::forget(&self.token_key());
                chat.transcript.update(|t| t.restart());
                // Without a token there is nothing the relay can refuse this
                // way; if it still does, back off rather than spin.
                return Some(if sent_token.is_some() {
                    End::NewVisitor
                } else {
                    End::Lost
                });
            }
            ServerFrame::Error {
                code: code @ (ErrorCode::UnknownSite | ErrorCode::OriginNotAllowed),
                ..
            } => {
                chat.status.set(Status::Unavailable(code));
                return Some(End::Refused);
            }
            ServerFrame::Error { code, message, .. } => {
                leptos::logging::warn!("warmline: relay error {code:?}: {message}");
            }
            // Agent-only frames.
            ServerFrame::Inbox { .. } | ServerFrame::Conversation { .. } => {}
        }
        None
    }
}
