//! The console's side of the relay connection: the inbox and the selected
//! conversation come in, replies go out. Each inbox is followed by the frames
//! that re-open the selected conversation from the last seq seen and resend
//! unacknowledged replies; reconnecting is `warmline_client::run`.

use leptos::prelude::*;
use warmline_client::{Link, Outcome, Side};
use warmline_shared::{AgentFrame, Author, ErrorCode, ServerFrame};

use crate::api::{self, ApiError};
use crate::browser;
use crate::desk::{Desk, Status};

/// Runs until `desk.stop()` or until the relay no longer accepts the
/// session, in which case `on_signed_out` is called.
pub async fn run(desk: Desk, on_signed_out: impl Fn() + 'static) {
    let Some(url) = browser::agent_socket_url() else {
        return;
    };
    let agent = Agent {
        desk,
        generation: desk.generation(),
        on_signed_out,
    };
    warmline_client::run(agent, url).await;
}

struct Agent<F> {
    desk: Desk,
    /// The desk's generation this loop was started under.
    generation: u32,
    on_signed_out: F,
}

impl<F: Fn() + 'static> Side for Agent<F> {
    type Frame = AgentFrame;
    type Inbound = ServerFrame;

    fn encode(frame: &AgentFrame) -> String {
        warmline_shared::encode(frame)
    }

    fn decode(text: &str) -> Option<ServerFrame> {
        serde_json::from_str(text).ok()
    }

    fn link(&self) -> Link<AgentFrame> {
        self.desk.link
    }

    /// The relay speaks first, with the inbox.
    fn greeting(&mut self) -> Vec<AgentFrame> {
        Vec::new()
    }

    fn receive(&mut self, frame: ServerFrame) -> Outcome<AgentFrame> {
        let desk = self.desk;
        match frame {
            ServerFrame::Inbox {
                conversations,
                more,
            } => {
                let selected = desk.selected.get_untracked();
                let listed = |id| conversations.iter().any(|c| c.id == id);
                if !more && selected.is_some_and(|id| !listed(id)) {
                    // Closed while we were away (or a stale link).
                    desk.deselect();
                }
                desk.set_inbox(conversations, more);
                let resume = desk.resume_frames();
                desk.status.set(Status::Online);
                return Outcome::Ready(resume);
            }
            ServerFrame::Conversation { conversation } => desk.upsert(conversation),
            ServerFrame::Offer {
                conversation,
                expires_at,
            } => {
                browser::announce_offer(&crate::text::offer_title(&conversation));
                desk.offered(conversation, expires_at);
            }
            ServerFrame::OfferEnded { conversation_id } => desk.offer_ended(conversation_id),
            ServerFrame::Desk { desk: news } => desk.team.set(news),
            ServerFrame::Note { note } => desk.noted(note),
            // Only visitors hear of their feedback; agents see the rating on
            // the conversation.
            ServerFrame::Feedback { .. } => {}
            ServerFrame::InboxPage {
                conversations,
                more,
            } => desk.add_page(conversations, more),
            ServerFrame::Message { message } => {
                if message.author == Author::Visitor {
                    desk.typing.set(None);
                }
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
                desk.acknowledged(&client_id);
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
            ServerFrame::Error { code, .. } => {
                if code == ErrorCode::UnknownConversation {
                    desk.deselect();
                }
                desk.notice.set(Some(code));
            }
            ServerFrame::Typing {
                conversation_id,
                author: Author::Visitor,
            } => {
                let until = js_sys::Date::now() + warmline_client::TYPING_SHOWN_MS;
                desk.typing.set(Some((conversation_id, until)));
                set_timeout(
                    move || {
                        desk.typing
                            .update(|t| *t = t.filter(|&(_, shown)| shown != until));
                    },
                    std::time::Duration::from_millis(warmline_client::TYPING_SHOWN_MS as u64),
                );
            }
            // Visitor-only, or another agent typing.
            ServerFrame::Welcome { .. }
            | ServerFrame::Presence { .. }
            | ServerFrame::Handoff { .. }
            | ServerFrame::Read { .. }
            | ServerFrame::Typing { .. } => {}
        }
        Outcome::Continue
    }

    fn is_current(&self) -> bool {
        self.desk.generation() == self.generation
    }

    async fn lost(&self) -> bool {
        self.desk.status.set(Status::Reconnecting);
        // The socket cannot say why it was refused; a lapsed session is the
        // one reason that retrying will not fix.
        if let Err(ApiError::Unauthorized(_)) = api::me().await {
            if self.is_current() {
                (self.on_signed_out)();
            }
            return false;
        }
        true
    }
}
