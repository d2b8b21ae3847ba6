//! The visitor's conversation as the panel sees it: reactive state plus the
//! way out to the relay. The connection task fills it; the view reads it and
//! calls `send` and `retry`.

use futures::channel::mpsc::UnboundedSender;
use leptos::prelude::*;
use warmline_shared::transcript::Transcript;
use warmline_shared::{ErrorCode, VisitorFrame, encode};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The first connection is being made.
    Connecting,
    Online,
    /// The connection dropped; messages typed now are sent on reconnect.
    Reconnecting,
    /// The relay refuses this site or page for good; retrying cannot help.
    Unavailable(ErrorCode),
}

#[derive(Clone, Copy)]
pub struct Chat {
    pub transcript: RwSignal<Transcript>,
    pub status: RwSignal<Status>,
    /// The live connection's outgoing queue, present only between the relay's
    /// `Welcome` and the connection's end. Messages typed while it is absent
    /// wait in the transcript and go out with the resend after `Welcome`.
    outbox: StoredValue<Option<UnboundedSender<String>>, LocalStorage>,
}

impl Chat {
    pub fn new() -> Self {
        Self {
            transcript: RwSignal::new(Transcript::new()),
            status: RwSignal::new(Status::Connecting),
            outbox: StoredValue::new_local(None),
        }
    }

    /// Queues a message the visitor typed (already validated) and sends it
    /// now if connected.
    pub fn send(&self, text: String) {
        let client_id = warmline_client::client_id();
        self.transcript
            .update(|t| t.queue(client_id.clone(), text.clone()));
        self.post(&VisitorFrame::Send { client_id, text });
    }

    /// Sends a message the relay refused once more, under its original id.
    pub fn retry(&self, client_id: String) {
        let text = self
            .transcript
            .try_update(|t| t.retry(&client_id))
            .flatten();
        if let Some(text) = text {
            self.post(&VisitorFrame::Send { client_id, text });
        }
    }

    pub(crate) fn attach(&self, outbox: UnboundedSender<String>) {
        self.outbox.set_value(Some(outbox));
    }

    pub(crate) fn detach(&self) {
        self.outbox.set_value(None);
    }

    fn post(&self, frame: &VisitorFrame) {
        self.outbox.with_value(|outbox| {
            if let Some(outbox) = outbox {
                // A closed queue means the connection just ended; the message
                // stays pending and is resent on the next one.
                let _ = outbox.unbounded_send(encode(frame));
            }
        });
    }
}
