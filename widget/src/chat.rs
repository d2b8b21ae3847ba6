//! The visitor's conversation as the panel sees it: reactive state plus the
//! way out to the relay. The connection loop fills it; the view reads it and
//! calls its methods; the loader reaches it through `App`.

use leptos::prelude::*;
use warmline_client::Link;
use warmline_client::view::{fill, number};
use warmline_shared::care::Feedback;
use warmline_shared::transcript::Transcript;
use warmline_shared::{
    Attachment, ConversationId, ErrorCode, Identity, Place, Presence, Seq, VisitorFrame, Welcomed,
};

use crate::browser;
use crate::files;
use crate::text::Words;

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

/// Everything the panel shows besides the transcript. One signal for all of
/// it: the widget is small enough that redrawing what depends on any of it
/// costs nothing, and every signal type adds code to what visitors download.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub status: Status,
    /// What the relay said about the visitor when they connected.
    pub me: Welcomed,
    /// Whether the visitor had written here before this page: from the first
    /// welcome only, so a reconnect does not turn "Hi" into "Welcome back".
    pub returning: Option<bool>,
    pub presence: Presence,
    /// The newest seq of the conversation an agent has read.
    pub read: Seq,
    /// Who on the other side is typing, until when (ms).
    pub typing: Option<(String, f64)>,
    /// Whether the panel is open (the loader says).
    pub open: bool,
    /// Messages from the other side that arrived while the panel was closed.
    pub unread: u32,
    /// Messages wait to be resent after the relay asked us to slow down.
    pub slowed: bool,
    /// What the screen reader announces: the newest message from the other side.
    pub announcement: String,
    /// Whether a new message plays a sound (remembered in this browser).
    pub sound: bool,
    /// Whether to ask an anonymous visitor's first name.
    pub asked_name: bool,
    /// What became of the file the visitor chose, while it matters.
    pub file_note: String,
    /// What the panel's body shows, and where "Back" from an article goes.
    pub view: View,
    pub back: View,
    /// Where the conversation is in the handoff (with the bot, in the
    /// queue, with a person).
    pub place: Place,
    /// The email address the visitor left a message with, in this page.
    pub left: Option<String>,
    /// The conversation the relay last spoke of (for rating it once closed).
    pub conversation: Option<ConversationId>,
    /// The stars the visitor gave, sent or about to be.
    pub rating: u8,
    /// Their feedback as stored, with the owner's thank-you and answer.
    pub feedback: Option<Feedback>,
}

/// The panel's body: help (search and common questions), the conversation,
/// or one article.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum View {
    #[default]
    Home,
    Chat,
    Article(i64),
}

impl Default for State {
    fn default() -> Self {
        Self {
            status: Status::Connecting,
            me: Welcomed::default(),
            returning: None,
            presence: Presence::default(),
            read: 0,
            typing: None,
            open: false,
            unread: 0,
            slowed: false,
            announcement: String::new(),
            sound: false,
            asked_name: false,
            file_note: String::new(),
            view: View::Home,
            back: View::Home,
            place: Place::default(),
            left: None,
            conversation: None,
            rating: 0,
            feedback: None,
        }
    }
}

/// What the chat keeps that no view draws.
struct Kept {
    /// The site's id, which also names what this browser remembers for it.
    site: String,
    /// The relay's origin.
    relay: String,
    /// The largest file the site accepts (bytes).
    max_file: u64,
    /// Messages that are more than text (a file, a request for a person, a
    /// message left with an email): their frames, so a resend is the same.
    frames: Vec<VisitorFrame>,
    /// Who the host page says the visitor is (`Warmline.identify`).
    identity: Option<Identity>,
    /// When the visitor's typing was last passed on (ms).
    typing_sent: f64,
    /// The rating sent but not answered yet: sent again on reconnecting.
    rate: Option<VisitorFrame>,
}

#[derive(Clone, Copy)]
pub struct Chat {
    pub transcript: RwSignal<Transcript>,
    pub state: RwSignal<State>,
    kept: StoredValue<Kept>,
    /// Open between the relay's `Welcome` and the connection's end.
    pub link: Link<VisitorFrame>,
}

impl Chat {
    pub fn new(site: String, relay: String, max_file: u64) -> Self {
        let key = |what: &str| storage_key(&site, what);
        let state = State {
            sound: browser::load(&key("sound")).as_deref() == Some("1"),
            asked_name: browser::load(&key("name_asked")).is_some(),
            ..State::default()
        };
        Self {
            transcript: RwSignal::new(Transcript::new()),
            state: RwSignal::new(state),
            kept: StoredValue::new(Kept {
                site,
                relay,
                max_file,
                frames: Vec::new(),
                identity: None,
                typing_sent: 0.0,
                rate: None,
            }),
            link: Link::default(),
        }
    }

    pub fn site(&self) -> String {
        self.kept.with_value(|k| k.site.clone())
    }

    pub fn identity(&self) -> Option<Identity> {
        self.kept.with_value(|k| k.identity.clone())
    }

    /// The host page named the visitor: connect again as them.
    pub fn identify(&self, identity: Identity) {
        self.kept.update_value(|k| k.identity = Some(identity));
        self.link.reconnect();
    }

    /// Changes what the panel shows.
    pub fn show(&self, change: impl FnOnce(&mut State)) {
        // Through the write guard rather than `update(closure)`: every
        // closure passed to a signal adds its own copy of the signal's code.
        change(&mut self.state.write());
    }

    /// Shows `view` in the panel's body; an article remembers where from.
    pub fn go(&self, view: View) {
        let mut state = self.state.write();
        if matches!(view, View::Article(_)) && !matches!(state.view, View::Article(_)) {
            state.back = state.view;
        }
        state.view = view;
    }

    /// The relay's address for `path` of this site's help.
    pub fn help_url(&self, path: &str) -> String {
        self.kept
            .with_value(|k| [k.relay.as_str(), "/api/help/", &k.site, path].concat())
    }

    /// "No, talk to a person", maybe after reading `article`: the relay
    /// stores it as the visitor's message in their language; until then it
    /// shows in the button's words.
    /// `declined`: the bot's suggestions did not help.
    pub fn ask_person(&self, article: Option<i64>, declined: bool, words: Words) {
        let key = if article.is_some() || declined {
            "no_person"
        } else {
            "talk_to_person"
        };
        self.go(View::Chat);
        self.send_frame(words.get(key), |client_id| VisitorFrame::Person {
            client_id,
            article,
            declined,
        });
    }

    /// "Leave a message" while nobody can answer: the relay emails the
    /// agent's reply to `email`.
    pub fn leave(&self, name: String, email: String, text: String) {
        self.show(|s| s.left = Some(email.clone()));
        self.send_frame(text.clone(), |client_id| VisitorFrame::Leave {
            client_id,
            name,
            email,
            text,
        });
    }

    /// The visitor tapped choice `option` of the agent's message `seq`: it
    /// shows as their message in the choice's words.
    pub fn pick(&self, seq: Seq, option: u32, label: String) {
        self.send_frame(label, |client_id| VisitorFrame::Pick {
            client_id,
            seq,
            option,
        });
    }

    /// Sends the visitor's rating of their closed conversation.
    pub fn rate(&self, comment: String) {
        let (conversation, rating) = {
            let state = self.state.read_untracked();
            (state.conversation, state.rating)
        };
        let Some(conversation_id) = conversation.filter(|_| rating > 0) else {
            return;
        };
        let frame = VisitorFrame::Rate {
            conversation_id,
            rating,
            comment,
        };
        self.kept.update_value(|k| k.rate = Some(frame.clone()));
        self.link.post(frame);
    }

    /// The relay has the rating: nothing to send again.
    pub fn rated(&self, feedback: Feedback) {
        self.kept.update_value(|k| k.rate = None);
        self.show(|s| {
            s.rating = feedback.rating;
            s.feedback = Some(feedback);
        });
    }

    /// A rating still unanswered, to send on a new connection.
    pub fn unanswered_rating(&self) -> Option<VisitorFrame> {
        self.kept.with_value(|k| k.rate.clone())
    }

    /// Shows `text` as the visitor's message at once and sends the frame
    /// `make` builds for it, keeping it for any resend.
    fn send_frame(&self, text: String, make: impl FnOnce(String) -> VisitorFrame) {
        let client_id = warmline_client::client_id();
        let frame = make(client_id.clone());
        self.kept.update_value(|k| k.frames.push(frame.clone()));
        self.transcript.write().queue(client_id, text);
        self.link.post(frame);
    }

    /// A key in this browser's storage, per site.
    pub fn key(&self, what: &str) -> String {
        self.kept.with_value(|k| storage_key(&k.site, what))
    }

    /// Queues a message the visitor typed (already validated) and sends it
    /// now if connected.
    pub fn send(&self, text: String) {
        self.go(View::Chat);
        let client_id = warmline_client::client_id();
        self.transcript
            .write()
            .queue(client_id.clone(), text.clone());
        self.kept.update_value(|k| k.typing_sent = 0.0);
        self.post(client_id, text);
    }

    fn post(&self, client_id: String, text: String) {
        self.link.post(self.frame_of(client_id, text));
    }

    /// The frame that sends the message `client_id` (again).
    pub fn frame_of(&self, client_id: String, text: String) -> VisitorFrame {
        let kept = self.kept.with_value(|k| {
            k.frames
                .iter()
                .find(|f| frame_id(f) == Some(client_id.as_str()))
                .cloned()
        });
        kept.unwrap_or(VisitorFrame::Send {
            client_id,
            text,
            attachment: None,
        })
    }

    /// Sends a file the visitor chose: checked here for size (the relay
    /// checks again, and the type from the content), uploaded, then sent as
    /// a message named after it.
    pub fn send_file(&self, file: web_sys::File, words: Words) {
        let name = file.name();
        let (relay, site, max) = self
            .kept
            .with_value(|k| (k.relay.clone(), k.site.clone(), k.max_file));
        let note = move |key: &str| {
            let text = words.fill(key, "file", &name);
            fill(&text, "max", &number(max / (1024 * 1024)))
        };
        if file.size() as u64 > max {
            let text = note("file_too_large");
            self.show(|s| s.file_note = text);
            return;
        }
        let uploading = note("uploading");
        self.show(|s| s.file_note = uploading);
        let chat = *self;
        let token = browser::load(&self.key("token")).unwrap_or_default();
        leptos::task::spawn_local(async move {
            match files::upload(&relay, &site, &token, &file).await {
                Ok(attachment) => {
                    chat.show(|s| s.file_note.clear());
                    let name = attachment.name.clone();
                    chat.send_frame(name.clone(), |client_id| VisitorFrame::Send {
                        client_id,
                        text: name,
                        attachment: Some(attachment.id),
                    });
                }
                Err(refused) => {
                    let text = note(refused.key());
                    chat.show(|s| s.file_note = text);
                }
            }
        });
    }

    /// Where to show a file of the conversation from.
    pub fn file_url(&self, file: Attachment) -> Signal<String> {
        let relay = self.kept.with_value(|k| k.relay.clone());
        let token = browser::load(&self.key("token")).unwrap_or_default();
        files::url(relay, token, file)
    }

    /// Sends a message the relay refused once more, under its original id.
    pub fn retry(&self, client_id: String) {
        let text = self.transcript.write().retry(&client_id);
        if let Some(text) = text {
            self.post(client_id, text);
        }
    }

    /// The relay asked us to slow down: the message stays "Sending…" and
    /// goes again, under the same id, after a pause.
    pub fn resend_later(&self, client_id: String) {
        self.show(|s| s.slowed = true);
        let chat = *self;
        set_timeout(
            move || {
                chat.show(|s| s.slowed = false);
                // Unless a reconnect has resent it meanwhile.
                let text = chat
                    .transcript
                    .read_untracked()
                    .to_resend()
                    .find(|p| p.client_id == client_id)
                    .map(|p| p.text.clone());
                if let Some(text) = text {
                    chat.post(client_id, text);
                }
            },
            std::time::Duration::from_millis(RESEND_AFTER_MS),
        );
    }

    /// The visitor typed: tells the agent, at most every few seconds.
    pub fn typed(&self) {
        let now = js_sys::Date::now();
        let due = self.kept.try_update_value(|k| {
            let due = now - k.typing_sent >= warmline_client::TYPING_EVERY_MS;
            if due {
                k.typing_sent = now;
            }
            due
        });
        if due == Some(true) {
            self.link.post(VisitorFrame::Typing);
        }
    }

    /// The first name the visitor gave, remembered in this browser.
    pub fn given_name(&self) -> Option<String> {
        browser::load(&self.key("name")).filter(|n| !n.trim().is_empty())
    }

    /// The visitor gave their first name (or skipped with `None`): asked once.
    pub fn name_given(&self, name: Option<String>) {
        browser::save(&self.key("name_asked"), "1");
        let name = name.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
        if let Some(name) = &name {
            browser::save(&self.key("name"), name);
            self.link.post(VisitorFrame::Name { name: name.clone() });
        }
        self.show(|s| {
            s.asked_name = true;
            if name.is_some() {
                s.me.name = name;
            }
        });
    }

    /// Whether to ask an anonymous visitor for their first name (not while
    /// they wait for a person: the form to leave a message asks it).
    pub fn ask_name(&self) -> bool {
        let s = self.state.read();
        s.me.name.is_none()
            && !s.asked_name
            && s.status == Status::Online
            && s.place.state != warmline_shared::handoff::ConversationState::Waiting
    }

    /// Turns the sound for new messages on or off, for this browser.
    pub fn toggle_sound(&self) {
        let on = !self.state.read_untracked().sound;
        browser::save(&self.key("sound"), if on { "1" } else { "0" });
        self.show(|s| s.sound = on);
    }
}

/// The client id of a frame that carries a message.
fn frame_id(frame: &VisitorFrame) -> Option<&str> {
    match frame {
        VisitorFrame::Send { client_id, .. }
        | VisitorFrame::Person { client_id, .. }
        | VisitorFrame::Leave { client_id, .. }
        | VisitorFrame::Pick { client_id, .. } => Some(client_id),
        VisitorFrame::Hello { .. }
        | VisitorFrame::Typing
        | VisitorFrame::Name { .. }
        | VisitorFrame::Rate { .. }
        | VisitorFrame::Visit { .. } => None,
    }
}

/// `warmline.<site>.<what>`: what this browser remembers, per site.
fn storage_key(site: &str, what: &str) -> String {
    ["warmline.", site, ".", what].concat()
}

/// How long to wait before resending what the relay refused as too many.
const RESEND_AFTER_MS: u64 = 2500;
