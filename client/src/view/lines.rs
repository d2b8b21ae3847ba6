//! The log's lines: each entry of a transcript with the side it is drawn on
//! and, above the first of several messages in a row by one author, a heading.

use warmline_shared::transcript::{Entry, PendingStatus};
use warmline_shared::{Author, Seq};

/// Where a line is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// From this person's side of the conversation.
    Mine,
    Theirs,
    /// A notice about the conversation itself, centred.
    Notice,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub entry: Entry,
    pub place: Place,
    /// What to call the author (`None` for this person's own lines and for
    /// notices). Screen readers hear it before every line.
    pub author: Option<String>,
    /// Whether the author is shown above this line: the first of their
    /// messages in a row.
    pub heading: bool,
}

pub type RenderKey = (String, Seq, Option<PendingStatus>);

impl Line {
    /// Changes whenever the line would render differently, including when
    /// it gains or loses its heading because a neighbour changed.
    pub fn key(&self) -> (RenderKey, bool) {
        (self.entry.render_key(), self.heading)
    }
}

/// Turns a transcript's entries into lines. `mine` says which authors write
/// from this person's side (their own unsent messages always are); `name`
/// says what to call an author in a heading, `None` for no heading.
pub fn group(
    entries: Vec<Entry>,
    mine: impl Fn(&Author) -> bool,
    name: impl Fn(&Author) -> Option<String>,
) -> Vec<Line> {
    // The previous line's author; `Some(None)` for one of this person's
    // unsent messages, which has none yet.
    let mut previous: Option<Option<Author>> = None;
    entries
        .into_iter()
        .map(|entry| {
            let author = match &entry {
                Entry::Stored(m) => Some(m.author.clone()),
                Entry::Pending(_) => None,
            };
            let place = match &author {
                None => Place::Mine,
                Some(Author::System) => Place::Notice,
                Some(author) if mine(author) => Place::Mine,
                Some(_) => Place::Theirs,
            };
            let named = match &author {
                Some(a) if place != Place::Notice => name(a),
                _ => None,
            };
            let heading = named.is_some() && previous.as_ref() != Some(&author);
            previous = Some(author);
            Line {
                entry,
                place,
                author: named,
                heading,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use warmline_shared::transcript::Transcript;
    use warmline_shared::{ChatMessage, ConversationId};

    use super::*;

    fn transcript(authors: &[Author], pending: &[&str]) -> Vec<Entry> {
        let mut t = Transcript::new();
        for (seq, author) in (1..).zip(authors) {
            t.apply_message(ChatMessage {
                conversation_id: ConversationId::new(1),
                seq,
                client_id: format!("c{seq}"),
                author: author.clone(),
                text: format!("message {seq}"),
                sent_at: 1_700_000_000_000 + seq,
                attachment: None,
                articles: Vec::new(),
                wants_person: false,
                options: Vec::new(),
                picked: None,
            });
        }
        for client_id in pending {
            t.queue(*client_id, "typed");
        }
        t.entries()
    }

    fn agent(name: &str) -> Author {
        Author::Agent { name: name.into() }
    }

    fn headings(lines: &[Line]) -> Vec<Option<&str>> {
        lines
            .iter()
            .map(|l| l.author.as_deref().filter(|_| l.heading))
            .collect()
    }

    fn authors(lines: &[Line]) -> Vec<Option<&str>> {
        lines.iter().map(|l| l.author.as_deref()).collect()
    }

    fn places(lines: &[Line]) -> Vec<Place> {
        lines.iter().map(|l| l.place).collect()
    }

    /// The widget: the visitor's own lines need no name.
    fn as_visitor(entries: Vec<Entry>) -> Vec<Line> {
        group(
            entries,
            |author| *author == Author::Visitor,
            |author| match author {
                Author::Agent { name } | Author::Bot { name } => Some(name.clone()),
                Author::Visitor | Author::System => None,
            },
        )
    }

    /// The console, signed in as Ana: every author is named, Ana as "You".
    fn as_agent_ana(entries: Vec<Entry>) -> Vec<Line> {
        group(
            entries,
            |author| matches!(author, Author::Agent { .. } | Author::Bot { .. }),
            |author| match author {
                Author::Visitor => Some("Nino".into()),
                Author::Agent { name } if name == "Ana" => Some("You".into()),
                Author::Agent { name } | Author::Bot { name } => Some(name.clone()),
                Author::System => None,
            },
        )
    }

    #[test]
    fn a_visitor_sees_each_agents_name_once_per_run() {
        let lines = as_visitor(transcript(
            &[
                agent("Ana"),
                agent("Ana"),
                Author::Visitor,
                agent("Ana"),
                agent("Levan"),
            ],
            &["unsent"],
        ));
        assert_eq!(
            headings(&lines),
            [Some("Ana"), None, None, Some("Ana"), Some("Levan"), None]
        );
        assert_eq!(
            authors(&lines),
            [
                Some("Ana"),
                Some("Ana"),
                None,
                Some("Ana"),
                Some("Levan"),
                None
            ],
            "every line of theirs keeps its author for screen readers"
        );
        use Place::*;
        assert_eq!(places(&lines), [Theirs, Theirs, Mine, Theirs, Theirs, Mine]);
    }

    #[test]
    fn an_agent_sees_every_author_named_and_their_own_as_you() {
        let lines = as_agent_ana(transcript(
            &[
                Author::Visitor,
                Author::Visitor,
                agent("Ana"),
                agent("Ana"),
                agent("Levan"),
            ],
            &["first", "second"],
        ));
        assert_eq!(
            headings(&lines),
            [
                Some("Nino"),
                None,
                Some("You"),
                None,
                Some("Levan"),
                None,
                None
            ]
        );
        use Place::*;
        assert_eq!(
            places(&lines),
            [Theirs, Theirs, Mine, Mine, Mine, Mine, Mine]
        );
    }

    #[test]
    fn bots_are_named_like_agents_and_notices_have_no_heading() {
        let bot = Author::Bot {
            name: "Helper".into(),
        };
        let authors = [bot.clone(), Author::System, bot, agent("Ana")];
        let lines = as_visitor(transcript(&authors, &[]));
        assert_eq!(
            headings(&lines),
            [Some("Helper"), None, Some("Helper"), Some("Ana")],
            "a notice ends a run"
        );
        use Place::*;
        assert_eq!(places(&lines), [Theirs, Notice, Theirs, Theirs]);
        let lines = as_agent_ana(transcript(&authors, &[]));
        assert_eq!(places(&lines), [Mine, Notice, Mine, Mine]);
    }

    #[test]
    fn a_line_that_gains_a_heading_is_redrawn() {
        // The same second message, once after the same agent, once after a notice.
        let in_a_run = as_visitor(transcript(&[agent("Ana"), agent("Ana")], &[]));
        let after_a_notice = as_visitor(transcript(&[Author::System, agent("Ana")], &[]));
        assert_eq!(
            in_a_run[1].entry.render_key(),
            after_a_notice[1].entry.render_key()
        );
        assert_ne!(in_a_run[1].key(), after_a_notice[1].key());
    }
}
