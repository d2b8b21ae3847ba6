//! The signed-in agent's state: the inbox, a transcript per conversation
//! they have opened, which one is selected, and the way out to the relay.
//! The connection task fills it; the views read it and call its methods.

use std::collections::HashMap;

use leptos::prelude::*;
use warmline_client::Link;
use warmline_shared::api::Canned;
use warmline_shared::handoff::{Availability, ConversationState};
use warmline_shared::transcript::Transcript;
use warmline_shared::{
    AgentFrame, AgentId, ConversationId, ConversationSummary, ErrorCode, Note, Seq,
};

use crate::browser;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Connecting,
    Online,
    Reconnecting,
}

/// The inbox's views.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Handed to people and not taken yet, in the queue's order.
    Waiting,
    /// Assigned to the signed-in agent.
    Mine,
    /// Every open conversation, the bot's too, newest first.
    Open,
    Closed,
}

/// A conversation offered to this agent, until when (ms since the epoch).
#[derive(Debug, Clone, PartialEq)]
pub struct Offer {
    pub conversation: ConversationSummary,
    pub expires_at: f64,
}

#[derive(Clone, Copy)]
pub struct Desk {
    /// Open conversations, newest first: the pages loaded so far, and the
    /// whole queue.
    pub conversations: RwSignal<Vec<ConversationSummary>>,
    /// Closed conversations, newest first, as loaded for the closed view
    /// and as they close.
    pub closed: RwSignal<Vec<ConversationSummary>>,
    /// The site's people and counts.
    pub team: RwSignal<warmline_shared::Desk>,
    /// Conversations offered to this agent now.
    pub offers: RwSignal<Vec<Offer>>,
    pub view: RwSignal<View>,
    /// The signed-in agent.
    pub me: RwSignal<Option<AgentId>>,
    /// Private notes per conversation, oldest first, as the relay has them.
    pub notes: RwSignal<HashMap<ConversationId, Vec<Note>>>,
    /// The site's canned replies, and the site's name for `{site}`.
    pub canned: RwSignal<Vec<Canned>>,
    pub site_name: RwSignal<String>,
    /// Whether older open conversations exist beyond those loaded.
    pub more: RwSignal<bool>,
    pub transcripts: RwSignal<HashMap<ConversationId, Transcript>>,
    pub selected: RwSignal<Option<ConversationId>>,
    /// Per conversation, the last seq the agent has had on screen; a
    /// conversation whose summary is past it is unread.
    seen: RwSignal<HashMap<ConversationId, Seq>>,
    /// Per conversation, the reply being written, kept while switching.
    pub drafts: RwSignal<HashMap<ConversationId, String>>,
    pub status: RwSignal<Status>,
    /// The relay's latest complaint that is not about one message.
    pub notice: RwSignal<Option<ErrorCode>>,
    /// A visitor who is typing, and until when (ms) to say so.
    pub typing: RwSignal<Option<(ConversationId, f64)>>,
    /// When this agent last told the relay they were typing (ms).
    typing_sent: StoredValue<f64>,
    /// The choices offered with replies not stored yet, by client id, so a
    /// resend offers them again.
    offered: StoredValue<HashMap<String, Vec<String>>>,
    /// Open from the relay's `Inbox` to the connection's end.
    pub link: Link<AgentFrame>,
    /// Bumped by `stop`: a connection task started under an older value
    /// ends at its next step instead of touching the state.
    generation: StoredValue<u32>,
    /// Whether the first inbox of this sign-in has arrived: it sets what
    /// counts as already read.
    inbox_seen: StoredValue<bool>,
}

impl Desk {
    pub fn new() -> Self {
        Self {
            conversations: RwSignal::new(Vec::new()),
            closed: RwSignal::new(Vec::new()),
            team: RwSignal::new(warmline_shared::Desk::default()),
            offers: RwSignal::new(Vec::new()),
            view: RwSignal::new(View::Open),
            me: RwSignal::new(None),
            notes: RwSignal::new(HashMap::new()),
            canned: RwSignal::new(Vec::new()),
            site_name: RwSignal::new(String::new()),
            more: RwSignal::new(false),
            transcripts: RwSignal::new(HashMap::new()),
            selected: RwSignal::new(None),
            seen: RwSignal::new(HashMap::new()),
            drafts: RwSignal::new(HashMap::new()),
            status: RwSignal::new(Status::Connecting),
            notice: RwSignal::new(None),
            typing: RwSignal::new(None),
            typing_sent: StoredValue::new(0.0),
            offered: StoredValue::new(HashMap::new()),
            link: Link::default(),
            generation: StoredValue::new(0),
            inbox_seen: StoredValue::new(false),
        }
    }

    pub fn generation(&self) -> u32 {
        self.generation.get_value()
    }

    /// Ends the current connection task and forgets everything of the
    /// signed-in agent.
    pub fn stop(&self) {
        self.generation.update_value(|g| *g += 1);
        self.link.stop();
        self.conversations.set(Vec::new());
        self.closed.set(Vec::new());
        self.offers.set(Vec::new());
        self.more.set(false);
        self.transcripts.set(HashMap::new());
        self.selected.set(None);
        self.seen.set(HashMap::new());
        self.drafts.set(HashMap::new());
        self.status.set(Status::Connecting);
        self.notice.set(None);
        self.inbox_seen.set_value(false);
    }

    /// Replaces the inbox with its first page (on every connection).
    pub(crate) fn set_inbox(&self, mut conversations: Vec<ConversationSummary>, more: bool) {
        // Offers are sent again on the new connection if they still stand.
        self.offers.set(Vec::new());
        self.more.set(more);
        newest_first(&mut conversations);
        if !self.inbox_seen.get_value() {
            // What was there when the agent signed in is not "new".
            self.inbox_seen.set_value(true);
            self.seen.update(|seen| {
                for c in &conversations {
                    seen.entry(c.id).or_insert(c.last_seq);
                }
            });
        }
        self.conversations.set(conversations);
        self.mark_selected_seen();
    }

    /// Adds an older page of the inbox. Like the first page, what it holds
    /// is not news to the agent.
    pub(crate) fn add_page(&self, page: Vec<ConversationSummary>, more: bool) {
        self.seen.update(|seen| {
            for c in &page {
                seen.entry(c.id).or_insert(c.last_seq);
            }
        });
        self.conversations.update(|list| {
            for c in page {
                if !list.iter().any(|known| known.id == c.id) {
                    list.push(c);
                }
            }
            newest_first(list);
        });
        self.more.set(more);
    }

    /// Asks for the page of the inbox after the oldest conversation loaded.
    pub fn load_more(&self) {
        let last = self
            .conversations
            .with_untracked(|list| list.last().map(ConversationSummary::cursor));
        if let Some(after) = last {
            self.link.post(AgentFrame::MoreInbox { after });
        }
    }

    /// A conversation was created or has news.
    pub(crate) fn upsert(&self, conversation: ConversationSummary) {
        let closed = conversation.state == ConversationState::Closed;
        self.conversations.update(|list| {
            list.retain(|c| c.id != conversation.id);
            if !closed {
                list.push(conversation.clone());
                newest_first(list);
            }
        });
        if closed {
            self.closed.update(|list| {
                list.retain(|c| c.id != conversation.id);
                list.insert(0, conversation.clone());
            });
        }
        // An offer of a conversation someone else took is over.
        if conversation.offered_to != self.me.get_untracked() {
            self.offers
                .update(|o| o.retain(|offer| offer.conversation.id != conversation.id));
        }
        self.mark_selected_seen();
    }

    /// A conversation's line, open or closed.
    pub fn summary(&self, id: ConversationId) -> Option<ConversationSummary> {
        let find = |list: &Vec<ConversationSummary>| list.iter().find(|c| c.id == id).cloned();
        self.conversations
            .with(find)
            .or_else(|| self.closed.with(find))
    }

    /// The conversations of a view, in its order.
    pub fn listed(&self, view: View) -> Vec<ConversationSummary> {
        let me = self.me.get();
        if view == View::Closed {
            return self.closed.get();
        }
        let mut list: Vec<ConversationSummary> = self.conversations.with(|all| {
            all.iter()
                .filter(|c| match view {
                    View::Waiting => c.state == ConversationState::Waiting,
                    View::Mine => {
                        c.state == ConversationState::Assigned
                            && c.assigned_to == me
                            && me.is_some()
                    }
                    View::Open | View::Closed => true,
                })
                .cloned()
                .collect()
        });
        if view == View::Waiting {
            list.sort_by_key(ConversationSummary::queue_key);
        }
        list
    }

    /// The relay offers this agent a conversation.
    pub(crate) fn offered(&self, conversation: ConversationSummary, expires_at: i64) {
        self.upsert(conversation.clone());
        self.offers.update(|o| {
            o.retain(|offer| offer.conversation.id != conversation.id);
            o.push(Offer {
                conversation,
                expires_at: expires_at as f64,
            });
        });
    }

    pub(crate) fn offer_ended(&self, id: ConversationId) {
        self.offers
            .update(|o| o.retain(|offer| offer.conversation.id != id));
    }

    /// Takes a conversation (an offer, or any that waits) and opens it.
    pub fn take(&self, id: ConversationId) {
        self.offer_ended(id);
        self.link.post(AgentFrame::Accept {
            conversation_id: id,
        });
        self.select(id);
    }

    pub fn decline(&self, id: ConversationId) {
        self.offer_ended(id);
        self.link.post(AgentFrame::Decline {
            conversation_id: id,
        });
    }

    pub fn transfer(&self, id: ConversationId, to: AgentId, note: String) {
        self.link.post(AgentFrame::Transfer {
            conversation_id: id,
            to,
            note,
        });
    }

    pub fn resolve(&self, id: ConversationId, resolution: String) {
        self.link.post(AgentFrame::Resolve {
            conversation_id: id,
            resolution,
        });
    }

    /// A note the relay stored (or sent again when the conversation opened).
    pub(crate) fn noted(&self, note: Note) {
        self.notes.update(|all| {
            let list = all.entry(note.conversation_id).or_default();
            if !list.iter().any(|n| n.client_id == note.client_id) {
                list.push(note);
                list.sort_by_key(|n| n.at);
            }
        });
    }

    /// Loads the site's canned replies (on signing in, and after an owner
    /// changed them).
    pub fn load_canned(&self) {
        let canned = self.canned;
        leptos::task::spawn_local(async move {
            if let Ok(list) = crate::api::get::<Vec<Canned>>("/api/canned").await {
                canned.set(list);
            }
        });
    }

    /// Blocks the conversation's visitor (see the relay's `blocks`).
    pub fn block(&self, conversation_id: ConversationId, reason: String, hours: u32) {
        self.link.post(AgentFrame::Block {
            conversation_id,
            reason,
            hours,
        });
    }

    /// Tells the relay the tone guard warned about a draft (for reports).
    pub fn tone_warned(&self, conversation_id: ConversationId) {
        self.link.post(AgentFrame::ToneWarned { conversation_id });
    }

    /// Adds a private note to a conversation (already validated).
    pub fn note(&self, conversation_id: ConversationId, text: String) {
        self.link.post(AgentFrame::Note {
            conversation_id,
            client_id: warmline_client::client_id(),
            text,
        });
    }

    pub fn set_availability(&self, availability: Availability, capacity: u32) {
        self.link.post(AgentFrame::Availability {
            availability,
            capacity,
        });
    }

    /// The signed-in agent as the team lists them.
    pub fn myself(&self) -> Option<warmline_shared::Teammate> {
        let me = self.me.get()?;
        self.team
            .with(|d| d.team.iter().find(|t| t.id == me).cloned())
    }

    pub fn is_unread(&self, id: ConversationId) -> bool {
        let selected = self.selected.get();
        let seen = self.seen.with(|seen| seen.get(&id).copied().unwrap_or(0));
        self.conversations.with(|list| {
            list.iter()
                .any(|c| c.id == id && is_unread(c, seen, selected))
        })
    }

    pub fn unread_count(&self) -> usize {
        let selected = self.selected.get();
        let seen = self.seen.get();
        self.conversations.with(|list| {
            list.iter()
                .filter(|c| is_unread(c, seen.get(&c.id).copied().unwrap_or(0), selected))
                .count()
        })
    }

    fn mark_selected_seen(&self) {
        let Some(id) = self.selected.get_untracked() else {
            return;
        };
        let last_seq = self
            .conversations
            .with_untracked(|list| list.iter().find(|c| c.id == id).map(|c| c.last_seq));
        if let Some(last_seq) = last_seq {
            let newer = self.seen.try_update(|seen| {
                seen.insert(id, last_seq)
                    .is_none_or(|before| before < last_seq)
            });
            if newer == Some(true) {
                // The visitor sees "Seen" under their message.
                self.link.post(AgentFrame::Read {
                    conversation_id: id,
                    seq: last_seq,
                });
            }
        }
    }

    /// The agent typed in the reply box: tells the visitor, at most every
    /// few seconds.
    pub fn typed(&self, conversation_id: ConversationId) {
        let now = js_sys::Date::now();
        if now - self.typing_sent.get_value() >= warmline_client::TYPING_EVERY_MS {
            self.typing_sent.set_value(now);
            self.link.post(AgentFrame::Typing { conversation_id });
        }
    }

    /// Shows a conversation: stop watching the previous one, start watching
    /// this one from the last message already here.
    pub fn select(&self, id: ConversationId) {
        let previous = self.selected.get_untracked();
        if previous == Some(id) {
            return;
        }
        if let Some(previous) = previous {
            self.link.post(AgentFrame::Close {
                conversation_id: previous,
            });
        }
        self.selected.set(Some(id));
        self.notice.set(None);
        self.mark_selected_seen();
        browser::show_conversation_in_address(Some(id));
        self.link.post(AgentFrame::Open {
            conversation_id: id,
            last_seq: self.last_seq(id),
        });
        // Opening a conversation reads it, even one already counted as read
        // when the agent signed in: the visitor sees "Seen".
        let last_seq = self
            .conversations
            .with_untracked(|list| list.iter().find(|c| c.id == id).map(|c| c.last_seq));
        if let Some(seq) = last_seq.filter(|&seq| seq > 0) {
            self.link.post(AgentFrame::Read {
                conversation_id: id,
                seq,
            });
        }
    }

    /// The selection the address asked for before the inbox arrived.
    pub(crate) fn preselect(&self, id: ConversationId) {
        self.selected.set(Some(id));
    }

    /// Goes back to the list (on narrow screens, where only one shows).
    pub fn close_selected(&self) {
        if let Some(id) = self.selected.get_untracked() {
            self.link.post(AgentFrame::Close {
                conversation_id: id,
            });
        }
        self.deselect();
    }

    pub(crate) fn deselect(&self) {
        self.selected.set(None);
        browser::show_conversation_in_address(None);
    }

    pub(crate) fn last_seq(&self, id: ConversationId) -> Seq {
        self.transcripts
            .with_untracked(|t| t.get(&id).map_or(0, |t| t.last_seq()))
    }

    /// Queues a reply (already validated), with the choices it offers if
    /// any, and sends it if connected.
    pub fn send(&self, conversation_id: ConversationId, text: String, options: Vec<String>) {
        let client_id = warmline_client::client_id();
        self.transcripts.update(|all| {
            all.entry(conversation_id)
                .or_default()
                .queue(client_id.clone(), text.clone());
        });
        if !options.is_empty() {
            self.offered
                .update_value(|o| drop(o.insert(client_id.clone(), options.clone())));
        }
        self.link.post(AgentFrame::Send {
            conversation_id,
            client_id,
            text,
            options,
        });
    }

    /// The reply `client_id` is stored: its choices need not be kept.
    pub(crate) fn acknowledged(&self, client_id: &str) {
        self.offered.update_value(|o| drop(o.remove(client_id)));
    }

    /// The choices the reply `client_id` offers, if any.
    fn options_of(&self, client_id: &str) -> Vec<String> {
        self.offered
            .with_value(|o| o.get(client_id).cloned().unwrap_or_default())
    }

    /// Sends a refused reply once more, under its original id.
    pub fn retry(&self, conversation_id: ConversationId, client_id: String) {
        let text = self
            .transcripts
            .try_update(|all| all.get_mut(&conversation_id)?.retry(&client_id))
            .flatten();
        if let Some(text) = text {
            let options = self.options_of(&client_id);
            self.link.post(AgentFrame::Send {
                conversation_id,
                client_id,
                text,
                options,
            });
        }
    }

    /// What a new connection must send before anything else.
    pub(crate) fn resume_frames(&self) -> Vec<AgentFrame> {
        let selected = self.selected.get_untracked();
        self.transcripts.with_untracked(|all| {
            self.offered
                .with_value(|offered| frames_to_resume(selected, all, offered))
        })
    }
}

/// The frame that resumes the selected conversation from the last seq seen
/// there, then every unacknowledged reply, in each conversation in the order
/// typed.
fn frames_to_resume(
    selected: Option<ConversationId>,
    transcripts: &HashMap<ConversationId, Transcript>,
    offered: &HashMap<String, Vec<String>>,
) -> Vec<AgentFrame> {
    let open = selected.map(|id| AgentFrame::Open {
        conversation_id: id,
        last_seq: transcripts.get(&id).map_or(0, Transcript::last_seq),
    });
    let resend = transcripts
        .iter()
        .flat_map(|(&conversation_id, transcript)| {
            transcript.to_resend().map(move |pending| AgentFrame::Send {
                conversation_id,
                client_id: pending.client_id.clone(),
                text: pending.text.clone(),
                options: offered.get(&pending.client_id).cloned().unwrap_or_default(),
            })
        });
    open.into_iter().chain(resend).collect()
}

fn is_unread(c: &ConversationSummary, seen: Seq, selected: Option<ConversationId>) -> bool {
    selected != Some(c.id) && c.last_seq > seen
}

fn newest_first(list: &mut [ConversationSummary]) {
    list.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then(b.id.cmp(&a.id)));
}

#[cfg(test)]
mod tests {
    use warmline_shared::{Author, ChatMessage};

    use super::*;

    fn conversation(id: i64, stored: i64, pending: &[&str]) -> (ConversationId, Transcript) {
        let id = ConversationId::new(id);
        let mut t = Transcript::new();
        for seq in 1..=stored {
            t.apply_message(ChatMessage {
                conversation_id: id,
                seq,
                client_id: format!("{id}-{seq}"),
                author: Author::Visitor,
                text: "hello".into(),
                sent_at: 1_700_000_000_000,
                attachment: None,
                articles: Vec::new(),
                wants_person: false,
                options: Vec::new(),
                picked: None,
            });
        }
        for client_id in pending {
            t.queue(*client_id, "reply");
        }
        (id, t)
    }

    fn resent_ids(frames: &[AgentFrame]) -> Vec<&str> {
        frames
            .iter()
            .filter_map(|f| match f {
                AgentFrame::Send { client_id, .. } => Some(client_id.as_str()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn the_selected_conversation_resumes_before_any_resend() {
        let all = HashMap::from([
            conversation(1, 3, &["first", "second"]),
            conversation(2, 1, &["elsewhere"]),
        ]);
        let frames = frames_to_resume(Some(ConversationId::new(1)), &all, &HashMap::new());
        assert_eq!(
            frames[0],
            AgentFrame::Open {
                conversation_id: ConversationId::new(1),
                last_seq: 3
            }
        );
        let mut resent = resent_ids(&frames[1..]);
        assert_eq!(resent.len(), 3);
        // In the order typed within a conversation; conversations in any order.
        resent.retain(|id| *id != "elsewhere");
        assert_eq!(resent, ["first", "second"]);
    }

    #[test]
    fn a_selection_not_seen_yet_resumes_from_the_start() {
        let frames = frames_to_resume(
            Some(ConversationId::new(9)),
            &HashMap::new(),
            &HashMap::new(),
        );
        assert_eq!(
            frames,
            [AgentFrame::Open {
                conversation_id: ConversationId::new(9),
                last_seq: 0
            }]
        );
    }

    #[test]
    fn without_a_selection_only_unacknowledged_replies_go_out() {
        let (id, mut t) = conversation(1, 1, &["acked", "waiting"]);
        t.apply_ack("acked", 2);
        let frames = frames_to_resume(None, &HashMap::from([(id, t)]), &HashMap::new());
        assert_eq!(resent_ids(&frames), ["waiting"]);
        assert_eq!(frames.len(), 1);
    }

    #[test]
    fn a_reply_offering_choices_offers_them_again_when_resent() {
        let (id, t) = conversation(1, 1, &["offer"]);
        let choices = vec!["Refund".to_owned(), "Replacement".to_owned()];
        let offered = HashMap::from([("offer".to_owned(), choices.clone())]);
        let frames = frames_to_resume(None, &HashMap::from([(id, t)]), &offered);
        assert!(matches!(&frames[..], [AgentFrame::Send { options, .. }] if *options == choices));
    }
}
