//! The visitor's conversation as the panel sees it: reactive state plus the
//! way out to the relay. The connection loop fills it; the view reads it and
//! calls `send` and `retry`.

use leptos::prelude::*;
use warmline_client::Link;
use warmline_shared::transcript::Transcript;
use warmline_shared::{ErrorCode, VisitorFrame};

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
    /// Open between the relay's `Welcome` and the connection's end.
    pub link: Link<VisitorFrame>,
}

impl Chat {
    pub fn new() -> Self {
        Self {
            transcript: RwSignal::new(Transcript::new()),
            status: RwSignal::new(Status::Connecting),
            link: Link::default(),
        }
    }

    /// Queues a message the visitor typed (already validated) and sends it
    /// now if connected.
    pub fn send(&self, text: String) {
        let client_id = warmline_client::client_id();
        self.transcript
            .update(|t| t.queue(client_id.clone(), text.clone()));
        self.link.post(VisitorFrame::Send { client_id, text });
    }

    /// Sends a message the relay refused once more, under its original id.
    pub fn retry(&self, client_id: String) {
        let text = self
            .transcript
            .try_update(|t| t.retry(&client_id))
            .flatten();
        if let Some(text) = text {
            self.link.post(VisitorFrame::Send { client_id, text });
        }
    }
}
