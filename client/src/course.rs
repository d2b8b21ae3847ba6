//! What the connection loop decides, apart from the socket and the clock:
//! what goes out next, when a connection is over, and how soon to try again.

use crate::backoff::Backoff;
use crate::link::Outgoing;

/// How a connection ended, which decides what happens next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// Dropped, or never opened: try again after a growing delay.
    Lost,
    /// Try again at once (the widget starting over as a new visitor).
    Again,
    /// Never try again: refused for good, or signed out.
    Stop,
}

/// What an app made of one frame from the relay.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome<F> {
    Continue,
    /// The relay is ready for this client. These frames (resends, resumes)
    /// go out before anything the view posts from now on.
    Ready(Vec<F>),
    End(End),
}

/// What the loop does after an event.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Step<F> {
    /// Nothing to send; wait for the next event.
    Wait,
    Send(Vec<F>),
    /// Open the link to the view, then send these first.
    Ready(Vec<F>),
    End(End),
}

/// When to connect again.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Next {
    Now,
    /// After this many milliseconds, before jitter.
    After(u32),
    Never,
}

#[derive(Default)]
pub(crate) struct Course {
    backoff: Backoff,
}

impl Course {
    pub fn received<F>(&mut self, outcome: Outcome<F>) -> Step<F> {
        match outcome {
            Outcome::Continue => Step::Wait,
            Outcome::Ready(frames) => {
                self.backoff.reset();
                Step::Ready(frames)
            }
            Outcome::End(end) => Step::End(end),
        }
    }

    pub fn posted<F>(posted: Option<Outgoing<F>>) -> Step<F> {
        match posted {
            Some(Outgoing::Frame(frame)) => Step::Send(vec![frame]),
            Some(Outgoing::Reconnect) => Step::End(End::Again),
            // The queue also ends when a newer connection took the link over.
            Some(Outgoing::Stop) | None => Step::End(End::Stop),
        }
    }

    pub fn ended(&mut self, end: End) -> Next {
        match end {
            End::Lost => Next::After(self.backoff.next_delay()),
            End::Again => Next::Now,
            End::Stop => Next::Never,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_loss_waits_longer_until_the_relay_is_ready_again() {
        let mut course = Course::default();
        assert_eq!(course.ended(End::Lost), Next::After(500));
        assert_eq!(course.ended(End::Lost), Next::After(1000));
        assert_eq!(
            course.received(Outcome::Ready(vec!["resend"])),
            Step::Ready(vec!["resend"])
        );
        assert_eq!(course.ended(End::Lost), Next::After(500));
    }

    #[test]
    fn a_connection_that_never_got_ready_does_not_reset_the_wait() {
        let mut course = Course::default();
        assert_eq!(course.ended(End::Lost), Next::After(500));
        assert_eq!(course.received(Outcome::<()>::Continue), Step::Wait);
        assert_eq!(course.ended(End::Lost), Next::After(1000));
    }

    #[test]
    fn starting_over_reconnects_at_once_without_growing_the_wait() {
        let mut course = Course::default();
        assert_eq!(
            course.received(Outcome::<()>::End(End::Again)),
            Step::End(End::Again)
        );
        assert_eq!(course.ended(End::Again), Next::Now);
        assert_eq!(course.ended(End::Lost), Next::After(500));
    }

    #[test]
    fn refusals_and_sign_outs_end_the_loop() {
        let mut course = Course::default();
        assert_eq!(course.ended(End::Stop), Next::Never);
        assert_eq!(
            Course::posted::<()>(Some(Outgoing::Stop)),
            Step::End(End::Stop)
        );
    }

    #[test]
    fn posted_frames_go_out_until_the_queue_ends() {
        assert_eq!(
            Course::posted(Some(Outgoing::Frame("reply"))),
            Step::Send(vec!["reply"])
        );
        assert_eq!(Course::posted::<()>(None), Step::End(End::Stop));
        assert_eq!(
            Course::posted::<()>(Some(Outgoing::Reconnect)),
            Step::End(End::Again)
        );
    }
}
