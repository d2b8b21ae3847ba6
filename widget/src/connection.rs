//! The widget's side of the relay connection: say hello with the visitor's
//! token, keep the token the relay issues, and feed the relay's frames into
//! the transcript. Reconnecting and resending is `warmline_client::run`.

use leptos::prelude::*;
use warmline_client::{End, Link, Outcome, Side};
use warmline_shared::transcript::Transcript;
use warmline_shared::{Author, ChatMessage, ErrorCode, ToVisitor, VisitorFrame};

use crate::browser;
use crate::chat::{Chat, Status, View};
use crate::text::Words;
use crate::visit;
use crate::wire;

pub struct Visitor {
    chat: Chat,
    /// The panel element, where the loader listens for our events.
    panel: web_sys::HtmlElement,
    words: Words,
    /// The token the latest hello carried.
    sent_token: Option<String>,
}

impl Visitor {
    pub fn new(chat: Chat, panel: web_sys::HtmlElement, words: Words) -> Self {
        Self {
            chat,
            panel,
            words,
            sent_token: None,
        }
    }

    /// A new message from the other side: counted while the panel is closed,
    /// announced to screen readers, and passed to the page's listeners.
    fn arrived(&self, message: &ChatMessage) {
        let (from, name) = match &message.author {
            Author::Agent { name } => ("agent", name.as_str()),
            Author::Bot { name } => ("bot", name.as_str()),
            Author::System => ("system", ""),
            Author::Visitor => return,
        };
        let chat = self.chat;
        let announced = (!name.is_empty()).then(|| {
            let mut line = self.words.fill("new_message", "name", name);
            line.push_str(": ");
            line.push_str(&message.text);
            line
        });
        let unread = {
            let mut s = chat.state.write();
            if let Some(line) = announced {
                s.typing = None;
                s.announcement = line;
            }
            if !s.open {
                s.unread += 1;
            }
            (!s.open).then_some(s.unread)
        };
        if let Some(unread) = unread {
            browser::notify(&self.panel, "warmline:unread", unread.into());
        }
        browser::notify(
            &self.panel,
            "warmline:message",
            browser::object(&[("text", &message.text), ("from", from), ("name", name)]),
        );
    }
}

impl Side for Visitor {
    type Frame = VisitorFrame;
    type Inbound = ToVisitor;

    fn encode(frame: &VisitorFrame) -> String {
        wire::encode(frame)
    }

    fn decode(text: &str) -> Option<ToVisitor> {
        wire::parse(text)
    }

    fn link(&self) -> Link<VisitorFrame> {
        self.chat.link
    }

    fn greeting(&mut self) -> Vec<VisitorFrame> {
        let chat = self.chat;
        self.sent_token = browser::load(&chat.key("token"));
        vec![VisitorFrame::Hello {
            site: chat.site(),
            token: self.sent_token.clone(),
            last_seq: chat.transcript.read_untracked().last_seq(),
            page: browser::page(),
            identity: chat.identity(),
            name: chat.given_name(),
            lang: Some(self.words.get("lang")),
        }]
    }

    fn receive(&mut self, frame: ToVisitor) -> Outcome<VisitorFrame> {
        let chat = self.chat;
        match frame {
            ToVisitor::Welcome {
                token,
                visitor,
                conversation_id,
            } => {
                browser::save(&chat.key("token"), &token);
                let sent_token = self.sent_token.as_deref();
                let mut resend = welcome(&mut chat.transcript.write(), sent_token, &token);
                for frame in &mut resend {
                    if let VisitorFrame::Send {
                        client_id, text, ..
                    } = frame
                    {
                        *frame = chat.frame_of(std::mem::take(client_id), std::mem::take(text));
                    }
                }
                chat.show(|s| {
                    // Someone with a conversation going comes back to it.
                    if s.returning.is_none() && visitor.returning && s.view == View::Home {
                        s.view = View::Chat;
                    }
                    s.returning.get_or_insert(visitor.returning);
                    s.presence = visitor.presence;
                    s.conversation = conversation_id.or(s.conversation);
                    s.me = visitor;
                    s.status = Status::Online;
                });
                resend.extend(chat.unanswered_rating());
                resend.extend(visit::frame(chat));
                return Outcome::Ready(resend);
            }
            ToVisitor::Message { message } => {
                let new = chat.transcript.write().apply_message(message.clone());
                if new {
                    self.arrived(&message);
                }
            }
            ToVisitor::Ack { client_id, seq, .. } => {
                chat.transcript.write().apply_ack(&client_id, seq);
            }
            ToVisitor::Presence { presence } => chat.show(|s| s.presence = presence),
            ToVisitor::Handoff {
                place,
                conversation_id,
            } => chat.show(|s| {
                if s.conversation != Some(conversation_id) {
                    // Another conversation: its rating is yet to be given.
                    s.rating = 0;
                    s.feedback = None;
                }
                s.conversation = Some(conversation_id);
                s.place = place;
            }),
            ToVisitor::Feedback { feedback } => chat.rated(feedback),
            ToVisitor::Read { seq, .. } => chat.show(|s| s.read = s.read.max(seq)),
            ToVisitor::Typing {
                author: Author::Agent { name },
                ..
            } => {
                let until = js_sys::Date::now() + warmline_client::TYPING_SHOWN_MS;
                chat.show(|s| s.typing = Some((name, until)));
                set_timeout(
                    move || {
                        chat.show(|s| {
                            if s.typing.as_ref().is_some_and(|(_, shown)| *shown == until) {
                                s.typing = None;
                            }
                        });
                    },
                    std::time::Duration::from_millis(warmline_client::TYPING_SHOWN_MS as u64),
                );
            }
            ToVisitor::Typing { .. } => {}
            ToVisitor::Error {
                client_id: Some(client_id),
                code: ErrorCode::RateLimited,
                ..
            } => chat.resend_later(client_id),
            ToVisitor::Error {
                client_id: Some(client_id),
                code,
                ..
            } => {
                chat.transcript.write().apply_refusal(&client_id, code);
                // Blocked: nothing more can be sent from here.
                if code == ErrorCode::Blocked {
                    chat.show(|s| s.status = Status::Unavailable(code));
                    return Outcome::End(End::Stop);
                }
            }
            ToVisitor::Error {
                code: ErrorCode::BadToken,
                ..
            } => {
                browser::forget(&chat.key("token"));
                chat.transcript.write().restart();
                // Without a token there is nothing the relay can refuse this
                // way; if it still does, back off rather than spin.
                return Outcome::End(if self.sent_token.is_some() {
                    End::Again
                } else {
                    End::Lost
                });
            }
            ToVisitor::Error {
                code:
                    code @ (ErrorCode::UnknownSite | ErrorCode::OriginNotAllowed | ErrorCode::Blocked),
                ..
            } => {
                chat.show(|s| s.status = Status::Unavailable(code));
                return Outcome::End(End::Stop);
            }
            ToVisitor::Error { code, message, .. } => {
                leptos::logging::warn!("warmline: relay error {}: {message}", code.name());
            }
            ToVisitor::Other => {}
        }
        Outcome::Continue
    }

    async fn lost(&self) -> bool {
        self.chat.show(|s| s.status = Status::Reconnecting);
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
            attachment: None,
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
            attachment: None,
            articles: Vec::new(),
            wants_person: false,
            options: Vec::new(),
            picked: None,
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
            attachment: None,
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
