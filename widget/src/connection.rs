//! The widget's side of the relay connection: say hello with the visitor's
//! token, keep the token the relay issues, and feed the relay's frames into
//! the transcript. Reconnecting and resending is `warmline_client::run`.

use leptos::prelude::*;
use warmline_client::{End, Link, Outcome, Side};
use warmline_shared::transcript::Transcript;
use warmline_shared::{Author, ErrorCode, ToVisitor, VisitorFrame};

use crate::browser;
use crate::chat::{Chat, Status};

pub struct Visitor {
    chat: Chat,
    site: String,
    /// The panel element: hidden while the visitor has the chat closed, and
    /// where the loader listens for our events.
    panel: web_sys::HtmlElement,
    /// The token the latest hello carried.
    sent_token: Option<String>,
}

impl Visitor {
    pub fn new(chat: Chat, site: String, panel: web_sys::HtmlElement) -> Self {
        Self {
            chat,
            site,
            panel,
            sent_token: None,
        }
    }

    fn token_key(&self) -> String {
        format!("warmline.{}.token", self.site)
    }
}

impl Side for Visitor {
    type Frame = VisitorFrame;
    type Inbound = ToVisitor;

    fn link(&self) -> Link<VisitorFrame> {
        self.chat.link
    }

    fn greeting(&mut self) -> Vec<VisitorFrame> {
        self.sent_token = browser::load(&self.token_key());
        vec![VisitorFrame::Hello {
            site: self.site.clone(),
            token: self.sent_token.clone(),
            last_seq: self.chat.transcript.with_untracked(|t| t.last_seq()),
            page: browser::page(),
        }]
    }

    fn receive(&mut self, frame: ToVisitor) -> Outcome<VisitorFrame> {
        let chat = self.chat;
        match frame {
            ToVisitor::Welcome { token, .. } => {
                browser::save(&self.token_key(), &token);
                let sent_token = self.sent_token.as_deref();
                let resend = chat
                    .transcript
                    .try_update(|t| welcome(t, sent_token, &token))
                    .unwrap_or_default();
                chat.status.set(Status::Online);
                return Outcome::Ready(resend);
            }
            ToVisitor::Message { message } => {
                let from_their_side =
                    matches!(message.author, Author::Agent { .. } | Author::Bot { .. });
                let new = chat
                    .transcript
                    .try_update(|t| t.apply_message(message))
                    .unwrap_or(false);
                if new && from_their_side && self.panel.hidden() {
                    browser::notify(&self.panel, "warmline:unread");
                }
            }
            ToVisitor::Ack { client_id, seq, .. } => {
                chat.transcript.update(|t| t.apply_ack(&client_id, seq));
            }
            ToVisitor::Error {
                client_id: Some(client_id),
                code,
                ..
            } => {
                chat.transcript
                    .update(|t| t.apply_refusal(&client_id, code));
            }
            ToVisitor::Error {
                code: ErrorCode::BadToken,
                ..
            } => {
                browser::forget(&self.token_key());
                chat.transcript.update(|t| t.restart());
                // Without a token there is nothing the relay can refuse this
                // way; if it still does, back off rather than spin.
                return Outcome::End(if self.sent_token.is_some() {
                    End::Again
                } else {
                    End::Lost
                });
            }
            ToVisitor::Error {
                code: code @ (ErrorCode::UnknownSite | ErrorCode::OriginNotAllowed),
                ..
            } => {
                chat.status.set(Status::Unavailable(code));
                return Outcome::End(End::Stop);
            }
            ToVisitor::Error { code, message, .. } => {
                leptos::logging::warn!("warmline: relay error {code:?}: {message}");
            }
            ToVisitor::Other => {}
        }
        Outcome::Continue
    }

    async fn lost(&self) -> bool {
        self.chat.status.set(Status::Reconnecting);
        true
    }
}

/// What the relay's `Welcome` means for the transcript: every message not
/// acknowledged yet goes out again, and if the relay now knows this browser
/// as a different visitor, the history held here is not theirs.
fn welcome(
    transcript: &mut Transcript,
    sent_token: Option<&str>,
    token: &str,
) -> Vec<VisitorFrame> {
    if sent_token.is_some_and(|sent| sent != token) {
        transcript.restart();
    }
    transcript
        .to_resend()
        .map(|pending| VisitorFrame::Send {
            client_id: pending.client_id.clone(),
            text: pending.text.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use warmline_shared::{ChatMessage, ConversationId};

    use super::*;

    /// A history with one stored message, one acknowledged but not seen
    /// stored, and one not acknowledged.
    fn history() -> Transcript {
        let mut t = Transcript::new();
        t.apply_message(ChatMessage {
            conversation_id: ConversationId::new(1),
            seq: 1,
            client_id: "old".into(),
            author: Author::Visitor,
            text: "hello".into(),
            sent_at: 1_700_000_000_000,
        });
        t.queue("acked", "anyone there?");
        t.apply_ack("acked", 2);
        t.queue("waiting", "hello?");
        t
    }

    fn send(client_id: &str, text: &str) -> VisitorFrame {
        VisitorFrame::Send {
            client_id: client_id.into(),
            text: text.into(),
        }
    }

    #[test]
    fn a_returning_visitor_resends_only_what_was_not_acknowledged() {
        let mut t = history();
        assert_eq!(
            welcome(&mut t, Some("tok"), "tok"),
            [send("waiting", "hello?")]
        );
        assert_eq!(t.last_seq(), 1);
    }

    #[test]
    fn a_new_token_starts_over_and_resends_everything_not_seen_stored() {
        let mut t = history();
        assert_eq!(
            welcome(&mut t, Some("expired"), "new"),
            [send("acked", "anyone there?"), send("waiting", "hello?")]
        );
        assert_eq!(t.last_seq(), 0);
    }

    #[test]
    fn a_first_welcome_sends_what_was_typed_while_connecting() {
        let mut t = Transcript::new();
        t.queue("early", "hi");
        assert_eq!(welcome(&mut t, None, "issued"), [send("early", "hi")]);
    }
}
