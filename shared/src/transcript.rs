//! One conversation as a client sees it: the messages the relay has stored,
//! plus what this person typed that the relay has not confirmed yet.
//!
//! Both browser apps keep one `Transcript` per conversation, so the delivery
//! rules live here once: stored messages are keyed by `seq` (a message seen
//! twice is kept once, frames arriving out of order still render in order),
//! typed messages wait in an outbox until the relay acknowledges them, and
//! after a reconnect the app resends exactly the unacknowledged ones with their
//! original `client_id`, which the relay stores at most once.

use std::collections::BTreeMap;

use crate::{ChatMessage, ErrorCode, Seq};

/// Where a message the user typed stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PendingStatus {
    /// Not acknowledged yet: resent after every reconnect until it is.
    Sending,
    /// Acknowledged (so stored) but its `Message` frame has not arrived yet.
    Sent { seq: Seq },
    /// The relay refused it; it stays visible, is not resent on its own, and
    /// can be retried.
    Refused(ErrorCode),
}

/// A message the user typed that is not in the stored history yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub client_id: String,
    pub text: String,
    pub status: PendingStatus,
}

/// One line to render, in display order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Stored(ChatMessage),
    Pending(Pending),
}

impl Entry {
    pub fn client_id(&self) -> &str {
        match self {
            Self::Stored(m) => &m.client_id,
            Self::Pending(p) => &p.client_id,
        }
    }

    pub fn text(&self) -> &str {
        match self {
            Self::Stored(m) => &m.text,
            Self::Pending(p) => &p.text,
        }
    }

    /// A key that changes whenever the line would render differently, for
    /// keyed list rendering: a pending line that becomes stored, or changes
    /// status, gets a new key and is redrawn.
    pub fn render_key(&self) -> (String, Seq, Option<PendingStatus>) {
        match self {
            Self::Stored(m) => (m.client_id.clone(), m.seq, None),
            Self::Pending(p) => (p.client_id.clone(), 0, Some(p.status)),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Transcript {
    stored: BTreeMap<Seq, ChatMessage>,
    /// In the order the user typed them.
    pending: Vec<Pending>,
}

impl Transcript {
    pub fn new() -> Self {
        Self::default()
    }

    /// The `last_seq` to resume from: the highest seq below which nothing is
    /// missing. Frames can arrive out of order (a live message overtaking the
    /// backlog after a reconnect); resuming from the highest seq *seen* would
    /// then skip the gap for good, while resuming below it only costs
    /// duplicates, which are dropped.
    pub fn last_seq(&self) -> Seq {
        let mut last = 0;
        for &seq in self.stored.keys() {
            if seq != last + 1 {
                break;
            }
            last = seq;
        }
        last
    }

    /// The highest seq stored, gaps or not (for "is there anything new").
    pub fn highest_seq(&self) -> Seq {
        self.stored.keys().next_back().copied().unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.stored.is_empty() && self.pending.is_empty()
    }

    /// Stored messages in seq order.
    pub fn messages(&self) -> impl Iterator<Item = &ChatMessage> {
        self.stored.values()
    }

    /// Adds a message the user just typed to the outbox. The caller sends it
    /// if it is connected; if not, it goes out with `to_resend` later.
    pub fn queue(&mut self, client_id: impl Into<String>, text: impl Into<String>) {
        let client_id = client_id.into();
        if self.knows(&client_id) {
            return;
        }
        self.pending.push(Pending {
            client_id,
            text: text.into(),
            status: PendingStatus::Sending,
        });
    }

    /// Applies a stored message. Returns whether it was new (not a duplicate).
    /// A pending entry with the same `client_id` is replaced by it.
    pub fn apply_message(&mut self, message: ChatMessage) -> bool {
        self.pending.retain(|p| p.client_id != message.client_id);
        if self.stored.contains_key(&message.seq) {
            return false;
        }
        self.stored.insert(message.seq, message);
        true
    }

    /// Applies an acknowledgement: the message is stored as `seq`, so it must
    /// not be resent. It keeps its place until its `Message` frame arrives
    /// (the seq alone says nothing about author or time).
    pub fn apply_ack(&mut self, client_id: &str, seq: Seq) {
        let already_stored = self
            .stored
            .get(&seq)
            .is_some_and(|m| m.client_id == client_id);
        if already_stored {
            self.pending.retain(|p| p.client_id != client_id);
        } else if let Some(p) = self.pending_mut(client_id) {
            p.status = PendingStatus::Sent { seq };
        }
    }

    /// The relay refused this message (too long, rate-limited, ...).
    pub fn apply_refusal(&mut self, client_id: &str, code: ErrorCode) {
        if let Some(p) = self.pending_mut(client_id)
            && p.status == PendingStatus::Sending
        {
            p.status = PendingStatus::Refused(code);
        }
    }

    /// Puts a refused message back in the outbox and returns its text, for the
    /// caller to send again under the same `client_id`.
    pub fn retry(&mut self, client_id: &str) -> Option<String> {
        let p = self.pending_mut(client_id)?;
        if !matches!(p.status, PendingStatus::Refused(_)) {
            return None;
        }
        p.status = PendingStatus::Sending;
        Some(p.text.clone())
    }

    /// Unacknowledged messages, oldest first: what to send again, each under
    /// its original `client_id`, once a new connection is ready.
    pub fn to_resend(&self) -> impl Iterator<Item = &Pending> {
        self.pending
            .iter()
            .filter(|p| p.status == PendingStatus::Sending)
    }

    /// What to draw: stored messages in seq order, then the user's own
    /// messages that are not stored yet, in the order typed.
    pub fn entries(&self) -> Vec<Entry> {
        self.stored
            .values()
            .cloned()
            .map(Entry::Stored)
            .chain(self.pending.iter().cloned().map(Entry::Pending))
            .collect()
    }

    /// The relay no longer knows this history (the visitor's token was
    /// refused and a new conversation starts): drop the stored messages and
    /// send everything typed but not yet seen stored again, into the new one.
    pub fn restart(&mut self) {
        self.stored.clear();
        for p in &mut self.pending {
            if let PendingStatus::Sent { .. } = p.status {
                p.status = PendingStatus::Sending;
            }
        }
    }

    fn knows(&self, client_id: &str) -> bool {
        self.pending.iter().any(|p| p.client_id == client_id)
            || self.stored.values().any(|m| m.client_id == client_id)
    }

    fn pending_mut(&mut self, client_id: &str) -> Option<&mut Pending> {
        self.pending.iter_mut().find(|p| p.client_id == client_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Author, ConversationId};

    fn message(seq: Seq, client_id: &str, text: &str) -> ChatMessage {
        ChatMessage {
            conversation_id: ConversationId::new(1),
            seq,
            client_id: client_id.into(),
            author: Author::Visitor,
            text: text.into(),
            sent_at: 1_700_000_000_000 + seq,
            attachment: None,
            articles: Vec::new(),
            wants_person: false,
            options: Vec::new(),
            picked: None,
        }
    }

    fn seqs(t: &Transcript) -> Vec<Seq> {
        t.messages().map(|m| m.seq).collect()
    }

    fn resend_ids(t: &Transcript) -> Vec<&str> {
        t.to_resend().map(|p| p.client_id.as_str()).collect()
    }

    #[test]
    fn a_message_seen_twice_is_kept_once() {
        let mut t = Transcript::new();
        assert!(t.apply_message(message(1, "a", "hi")));
        assert!(!t.apply_message(message(1, "a", "hi")));
        assert_eq!(t.entries().len(), 1);
        assert_eq!(t.last_seq(), 1);
    }

    #[test]
    fn frames_arriving_out_of_order_render_in_seq_order() {
        let mut t = Transcript::new();
        for seq in [3, 1, 4, 2] {
            t.apply_message(message(seq, &format!("c{seq}"), "x"));
        }
        assert_eq!(seqs(&t), [1, 2, 3, 4]);
        let order: Vec<String> = t
            .entries()
            .iter()
            .map(|e| e.client_id().to_owned())
            .collect();
        assert_eq!(order, ["c1", "c2", "c3", "c4"]);
    }

    #[test]
    fn resuming_starts_below_the_first_gap() {
        let mut t = Transcript::new();
        assert_eq!(t.last_seq(), 0);
        t.apply_message(message(1, "a", "x"));
        t.apply_message(message(3, "c", "x"));
        assert_eq!(t.last_seq(), 1, "seq 2 is missing, so resume after 1");
        assert_eq!(t.highest_seq(), 3);
        t.apply_message(message(2, "b", "x"));
        assert_eq!(t.last_seq(), 3);
    }

    #[test]
    fn unacknowledged_messages_are_resent_in_the_order_typed() {
        let mut t = Transcript::new();
        t.queue("first", "one");
        t.queue("second", "two");
        t.queue("third", "three");
        t.apply_ack("second", 1);
        assert_eq!(resend_ids(&t), ["first", "third"]);
        // Queuing the same id again (a double click) changes nothing.
        t.queue("first", "one");
        assert_eq!(resend_ids(&t), ["first", "third"]);
    }

    #[test]
    fn an_ack_stops_resending_but_keeps_the_line_until_its_message_arrives() {
        let mut t = Transcript::new();
        t.queue("a", "hello");
        t.apply_ack("a", 1);
        assert_eq!(resend_ids(&t), Vec::<&str>::new());
        assert_eq!(
            t.entries(),
            [Entry::Pending(Pending {
                client_id: "a".into(),
                text: "hello".into(),
                status: PendingStatus::Sent { seq: 1 },
            })]
        );
        // The ack does not move the resume point: the message itself has not
        // been seen, and resuming from 0 is what brings it.
        assert_eq!(t.last_seq(), 0);
        t.apply_message(message(1, "a", "hello"));
        assert_eq!(t.entries(), [Entry::Stored(message(1, "a", "hello"))]);
    }

    #[test]
    fn a_message_that_overtakes_its_ack_replaces_the_pending_line() {
        let mut t = Transcript::new();
        t.queue("a", "hello");
        t.apply_message(message(1, "a", "hello"));
        t.apply_ack("a", 1);
        assert_eq!(t.entries(), [Entry::Stored(message(1, "a", "hello"))]);
        assert_eq!(t.to_resend().count(), 0);
    }

    #[test]
    fn an_ack_for_an_unknown_message_is_ignored() {
        let mut t = Transcript::new();
        t.apply_ack("nobody", 5);
        assert!(t.is_empty());
    }

    #[test]
    fn pending_lines_render_after_stored_ones() {
        let mut t = Transcript::new();
        t.queue("mine", "typed");
        t.apply_message(message(1, "theirs", "hello"));
        let entries = t.entries();
        assert!(matches!(&entries[0], Entry::Stored(m) if m.client_id == "theirs"));
        assert!(
            matches!(&entries[1], Entry::Pending(p) if p.client_id == "mine" && p.status == PendingStatus::Sending)
        );
        assert_ne!(entries[0].render_key(), entries[1].render_key());
    }

    #[test]
    fn a_refused_message_is_not_resent_until_retried() {
        let mut t = Transcript::new();
        t.queue("a", "spam");
        t.apply_refusal("a", ErrorCode::RateLimited);
        assert_eq!(t.to_resend().count(), 0);
        assert!(matches!(
            &t.entries()[0],
            Entry::Pending(p) if p.status == PendingStatus::Refused(ErrorCode::RateLimited)
        ));
        assert_eq!(t.retry("a").as_deref(), Some("spam"));
        assert_eq!(resend_ids(&t), ["a"]);
        assert_eq!(t.retry("a"), None, "only refused messages can be retried");
    }

    #[test]
    fn restarting_forgets_history_and_resends_what_was_not_seen_stored() {
        let mut t = Transcript::new();
        t.apply_message(message(1, "old", "x"));
        t.queue("acked", "y");
        t.apply_ack("acked", 2);
        t.queue("waiting", "z");
        t.restart();
        assert_eq!(t.last_seq(), 0);
        assert_eq!(resend_ids(&t), ["acked", "waiting"]);
    }
}
