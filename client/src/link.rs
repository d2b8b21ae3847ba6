//! The view's way out to the relay. Each app keeps one `Link` beside its
//! transcripts; the connection loop attaches every new connection's queue to
//! it, and the view posts what the person does.

use futures::channel::mpsc::{self, UnboundedReceiver, UnboundedSender};
use leptos::prelude::*;

/// What the connection loop takes from the queue.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Outgoing<F> {
    Frame(F),
    /// Close the socket and end the loop.
    Stop,
    /// Close the socket and connect again at once, with a new greeting.
    Reconnect,
}

struct Queue<F> {
    sender: UnboundedSender<Outgoing<F>>,
    /// Whether the relay has answered the opening (the widget's `Welcome`,
    /// the console's `Inbox`) and the loop has resent what was pending.
    ready: bool,
}

/// The live connection's queue: present only while connected, and usable
/// only once that connection is ready. Posting at any other time does
/// nothing, and need not: everything a person sends is also pending in their
/// transcript, which the next ready connection resends.
pub struct Link<F> {
    queue: StoredValue<Option<Queue<F>>, LocalStorage>,
}

impl<F> Clone for Link<F> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<F> Copy for Link<F> {}

impl<F: 'static> Default for Link<F> {
    fn default() -> Self {
        Self {
            queue: StoredValue::new_local(None),
        }
    }
}

impl<F: 'static> Link<F> {
    /// Sends a frame if the connection is ready; otherwise the resend on the
    /// next connection covers it.
    pub fn post(&self, frame: F) {
        self.queue.with_value(|queue| {
            if let Some(queue) = queue.as_ref().filter(|q| q.ready) {
                // A closed queue means the connection just ended; the same
                // resend covers it.
                let _ = queue.sender.unbounded_send(Outgoing::Frame(frame));
            }
        });
    }

    /// Closes the socket now and ends the connection loop (signing out).
    pub fn stop(&self) {
        self.queue.update_value(|queue| {
            if let Some(queue) = queue.take() {
                let _ = queue.sender.unbounded_send(Outgoing::Stop);
            }
        });
    }

    /// Closes the socket and connects again at once: the greeting changed
    /// (the visitor was identified). Before a connection exists there is
    /// nothing to do; the first greeting will carry the change.
    pub fn reconnect(&self) {
        self.queue.with_value(|queue| {
            if let Some(queue) = queue {
                let _ = queue.sender.unbounded_send(Outgoing::Reconnect);
            }
        });
    }

    /// A new connection's queue, not ready yet. The receiver ends when the
    /// link is detached or a newer connection attaches.
    pub(crate) fn attach(&self) -> UnboundedReceiver<Outgoing<F>> {
        let (sender, receiver) = mpsc::unbounded();
        self.queue.set_value(Some(Queue {
            sender,
            ready: false,
        }));
        receiver
    }

    pub(crate) fn ready(&self) {
        self.queue.update_value(|queue| {
            if let Some(queue) = queue {
                queue.ready = true;
            }
        });
    }

    pub(crate) fn detach(&self) {
        self.queue.set_value(None);
    }
}

#[cfg(test)]
mod tests {
    use futures::channel::mpsc::TryRecvError;

    use super::*;

    #[test]
    fn nothing_is_queued_until_the_connection_is_ready() {
        let link = Link::default();
        link.post("offline");
        let mut queue = link.attach();
        link.post("before the welcome");
        assert_eq!(queue.try_recv(), Err(TryRecvError::Empty));
        link.ready();
        link.post("hello");
        assert_eq!(queue.try_recv(), Ok(Outgoing::Frame("hello")));
    }

    #[test]
    fn a_detached_link_ends_the_queue_and_drops_posts() {
        let link = Link::default();
        let mut queue = link.attach();
        link.ready();
        link.detach();
        link.post("lost");
        assert_eq!(queue.try_recv(), Err(TryRecvError::Closed));
    }

    #[test]
    fn a_newer_connection_takes_over_the_link() {
        let link = Link::default();
        let mut old = link.attach();
        let mut new = link.attach();
        link.ready();
        link.post("hello");
        assert_eq!(old.try_recv(), Err(TryRecvError::Closed));
        assert_eq!(new.try_recv(), Ok(Outgoing::Frame("hello")));
    }

    #[test]
    fn reconnecting_reaches_a_connection_that_is_not_ready_yet() {
        let link = Link::<&str>::default();
        link.reconnect();
        let mut queue = link.attach();
        link.reconnect();
        assert_eq!(queue.try_recv(), Ok(Outgoing::Reconnect));
        assert_eq!(queue.try_recv(), Err(TryRecvError::Empty));
    }

    #[test]
    fn stopping_reaches_a_connection_that_is_not_ready_yet() {
        let link = Link::<&str>::default();
        let mut queue = link.attach();
        link.stop();
        assert_eq!(queue.try_recv(), Ok(Outgoing::Stop));
        assert_eq!(queue.try_recv(), Err(TryRecvError::Closed));
    }
}
