//! The visitor's socket: hello (site, token, resume point), then messages.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::{Message, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::http::header::{ORIGIN, USER_AGENT};
use axum::response::Response;
use futures::{Sink, Stream, StreamExt};
use warmline_shared::api::ArticleLink;
use warmline_shared::handoff::{ConversationState, Frustration};
use warmline_shared::{
    Author, ChatMessage, ConversationId, ErrorCode, Identity, NameSource, Place, Seq, ServerFrame,
    SiteId, VisitorFrame, Welcomed, validate_text,
};

use super::socket::{self, Delivery, Heartbeat, Inbound, Outbound, PeerGone, Stop, read_frame};
use crate::auth::{new_token, token_hash};
use crate::care;
use crate::client_addr::ClientAddr;
use crate::conversation::{DomainError, NewPost, Participant};
use crate::events::{Change, Event};
use crate::fanout::{Lagged, Subscription, Topic};
use crate::handoff::triage::{self, Recent};
use crate::handoff::views;
use crate::identity;
use crate::kb::bot;
use crate::state::{AppState, now_ms};
use crate::store::{Conversation, Site, Visit, Visitor};

/// A socket that has not said hello by then is dropped.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);

pub async fn handler(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    headers: HeaderMap,
) -> Response {
    let header = |name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let client = Client {
        origin: header(ORIGIN),
        address,
        user_agent: header(USER_AGENT),
    };
    let loop_state = state.clone();
    socket::accept(ws, &state, move |sink, stream| {
        run(loop_state, client, sink, stream)
    })
}

/// What the upgrade request says about the visitor's browser.
pub struct Client {
    pub origin: Option<String>,
    pub address: IpAddr,
    pub user_agent: Option<String>,
}

pub async fn run<S, R>(state: AppState, client: Client, sink: S, mut stream: R)
where
    S: Sink<Message> + Unpin,
    R: Stream<Item = Result<Message, axum::Error>> + Unpin,
{
    let mut out = Outbound::new(sink);
    let result = tokio::select! {
        result = serve(&state, &client, &mut out, &mut stream) => result,
        _ = state.shutdown.cancelled() => Err(Stop::Shutdown),
    };
    if matches!(result, Err(Stop::Unresponsive)) {
        state.unresponsive.fetch_add(1, Ordering::Relaxed);
    }
    out.finish(result, "visitor").await;
}

/// The conversation this socket follows: what was delivered, and the live feed.
struct Watch {
    delivery: Delivery,
    subscription: Subscription,
}

impl Watch {
    /// Subscribes first, so nothing stored before the catch-up is missed.
    /// The `bool` says the client's `last_seq` was past the end.
    async fn new(state: &AppState, conversation: &Conversation, last_seq: Seq) -> (Self, bool) {
        let subscription = state
            .events
            .subscribe(Topic::Conversation(conversation.id()))
            .await;
        let (delivery, ahead) = Delivery::resume(conversation, last_seq);
        let watch = Self {
            delivery: delivery.keeping_recent(),
            subscription,
        };
        (watch, ahead)
    }

    /// How upset the visitor seems, judged on the conversation's latest
    /// messages up to their new `message`: loaded once if this socket
    /// resumed the conversation, then kept from what it delivers.
    async fn frustration(
        &mut self,
        state: &AppState,
        message: &ChatMessage,
        lang: &str,
    ) -> Result<Frustration, Stop> {
        let recent = match self.delivery.recent.take() {
            Some(recent) => recent,
            None => Recent::load(&*state.store, message.conversation_id, message.seq).await?,
        };
        let recent = self.delivery.recent.insert(recent);
        recent.record(message);
        Ok(recent.frustration(lang))
    }
}

/// The socket after hello: a small loop, each frame and event handled in
/// a future of its own. What an idle socket keeps is only this loop, so
/// its size is what thousands of idle visitors cost.
async fn serve<S, R>(
    state: &AppState,
    client: &Client,
    out: &mut Outbound<S>,
    stream: &mut R,
) -> Result<(), Stop>
where
    S: Sink<Message> + Unpin,
    R: Stream<Item = Result<Message, axum::Error>> + Unpin,
{
    let Some(mut greeted) = Box::pin(greet(state, client, out, stream)).await? else {
        return Ok(());
    };
    let mut heartbeat = Heartbeat::new(state.ping_every);
    let mut typing = socket::Typing::default();
    loop {
        tokio::select! {
            inbound = read_frame::<VisitorFrame, _>(stream) => {
                if let Some(frame) = socket::received(inbound, &mut heartbeat, out).await? {
                    Box::pin(greeted.on_frame(state, client, frame, &mut typing, out)).await?;
                }
            },
            _ = heartbeat.tick() => heartbeat.beat(out).await?,
            Some(item) = greeted.site_feed.next() => {
                Box::pin(greeted.on_site_event(item, out)).await?;
            }
            Some(item) = next_in(&mut greeted.watch) => {
                Box::pin(greeted.on_conversation_event(state, item, out)).await?;
            }
        }
    }
}

/// A visitor's socket after hello: who they are and what they follow.
struct Greeted {
    site: Site,
    token_hash: String,
    page: Option<String>,
    lang: String,
    /// The name to store with a visitor created on their first message.
    naming: Naming,
    /// Stored on their first message.
    visitor: Option<Visitor>,
    /// The open conversation, once there is one.
    watch: Option<Watch>,
    /// Whether people can answer, and the queue.
    site_feed: Subscription,
    /// What the widget was last told of the handoff, so it hears only changes.
    told: Option<(ConversationId, Place)>,
    /// Where they have been, until there is a visitor row to keep it on.
    visit: Visit,
}

impl Greeted {
    /// Stores the visitor's message where it goes and acknowledges it (or
    /// sends back why not); a new one goes to the bot.
    async fn write<S>(
        &mut self,
        state: &AppState,
        client: &Client,
        message: Written,
        out: &mut Outbound<S>,
    ) -> Result<(), Stop>
    where
        S: Sink<Message> + Unpin,
    {
        let (author, conversation_id) = match self.place(state, client.address).await? {
            Ok(placed) => placed,
            Err(code) => return Ok(out.error(code, Some(&message.client_id)).await?),
        };
        let text = message.text.clone();
        let (wants_person, self_help_failed, left) =
            (message.wants_person, message.self_help_failed, message.left);
        let post = NewPost {
            conversation_id,
            client_id: message.client_id,
            text: message.text,
            author: Participant::Visitor(author),
            attachment: message.attachment,
            articles: message.articles,
            wants_person,
            options: Vec::new(),
            picked: None,
        };
        let delivery = self.watch.as_mut().map(|watch| &mut watch.delivery);
        if let Some(posted) = socket::post(state, post, delivery, out).await?
            && posted.new
            && let Some(watch) = &mut self.watch
        {
            let lang = &self.lang;
            let frustration = watch.frustration(state, &posted.message, lang).await?;
            let question = bot::Question {
                site_id: self.site.id.clone(),
                conversation_id,
                seq: posted.message.seq,
                text,
                wants_person,
                self_help_failed,
                left,
                lang: lang.to_owned(),
            };
            if triage::has_work(&question, &posted.conversation, &frustration) {
                state.sockets.spawn(triage::after_message(
                    state.clone(),
                    question,
                    posted.conversation,
                    frustration,
                ));
            }
        }
        Ok(())
    }

    /// The visitor and conversation a message goes to, within the limits:
    /// the visitor is stored on their first message, and a conversation
    /// started when there is none open. `Err` is the refusal to send back.
    async fn place(
        &mut self,
        state: &AppState,
        address: IpAddr,
    ) -> Result<Result<(Visitor, ConversationId), ErrorCode>, Stop> {
        let limits = &state.limits;
        if !limits.visitor_message(&self.token_hash, address, &self.site.id) {
            return Ok(Err(ErrorCode::RateLimited));
        }
        let stored = match &self.visitor {
            Some(stored) => stored.clone(),
            None => {
                if !limits.new_visitor(address, &self.site.id) {
                    return Ok(Err(ErrorCode::RateLimited));
                }
                let created = state
                    .store
                    .create_visitor(&self.site.id, &self.token_hash, now_ms())
                    .await?;
                let Some(mut created) = created else {
                    return Ok(Err(ErrorCode::BadToken));
                };
                self.naming.apply(state, &mut created).await?;
                if self.visit != Visit::default() {
                    state.store.set_visit(created.id, &self.visit).await?;
                }
                self.visitor.insert(created).clone()
            }
        };
        let conversation_id = match &self.watch {
            Some(watch) => watch.delivery.conversation_id,
            None => {
                if !limits.new_conversation(address, &self.site.id) {
                    return Ok(Err(ErrorCode::RateLimited));
                }
                // Blocked meanwhile (by an agent, in another tab): no new chat.
                let address = address.to_string();
                let store = &state.store;
                if store
                    .is_blocked(&self.site.id, Some(stored.id), &address, now_ms())
                    .await?
                {
                    return Ok(Err(ErrorCode::Blocked));
                }
                store.set_visitor_address(stored.id, &address).await?;
                let conversation = state
                    .conversations
                    .start(&stored, self.page.as_deref(), &self.lang)
                    .await
                    .map_err(stop)?;
                let new = self
                    .watch
                    .insert(Watch::new(state, &conversation, 0).await.0);
                new.delivery.conversation_id
            }
        };
        Ok(Ok((stored, conversation_id)))
    }

    async fn on_frame<S>(
        &mut self,
        state: &AppState,
        client: &Client,
        frame: VisitorFrame,
        typing: &mut socket::Typing,
        out: &mut Outbound<S>,
    ) -> Result<(), Stop>
    where
        S: Sink<Message> + Unpin,
    {
        let Greeted {
            site,
            token_hash,
            lang,
            naming,
            visitor,
            watch,
            visit,
            ..
        } = self;
        let store = &*state.store;
        match frame {
            VisitorFrame::Hello { .. } => {
                out.send(&ServerFrame::Error {
                    code: ErrorCode::Malformed,
                    message: "This connection has already said hello.".into(),
                    client_id: None,
                })
                .await?
            }
            VisitorFrame::Send {
                client_id,
                text,
                attachment,
            } => {
                let message = Written {
                    client_id,
                    text,
                    attachment,
                    ..Written::default()
                };
                self.write(state, client, message, out).await?;
            }
            VisitorFrame::Person {
                client_id,
                article,
                declined,
            } => {
                let (text, articles) = bot::person_request(state, &site.id, lang, article).await;
                let self_help_failed = declined || !articles.is_empty();
                let message = Written {
                    client_id,
                    text,
                    articles,
                    wants_person: true,
                    self_help_failed,
                    ..Written::default()
                };
                self.write(state, client, message, out).await?;
            }
            VisitorFrame::Leave {
                client_id,
                name,
                email,
                text,
            } => {
                let Ok(email) = email.trim().parse::<lettre::Address>() else {
                    out.error(ErrorCode::BadEmail, Some(&client_id)).await?;
                    return Ok(());
                };
                if !naming.is_verified() {
                    match Naming::given(&name) {
                        Some(given) => *naming = given,
                        None => {
                            let code = if name.trim().is_empty() {
                                ErrorCode::EmptyMessage
                            } else {
                                ErrorCode::TooLarge
                            };
                            out.error(code, Some(&client_id)).await?;
                            return Ok(());
                        }
                    }
                    naming.email = Some(email.to_string());
                }
                if let Some(v) = visitor {
                    naming.apply(state, v).await?;
                }
                let message = Written {
                    client_id,
                    text,
                    left: true,
                    ..Written::default()
                };
                self.write(state, client, message, out).await?;
            }
            VisitorFrame::Typing => {
                // Before the first message there is nobody to tell.
                if let (Some(v), Some(w)) = (&visitor, &watch)
                    && typing.allows()
                {
                    let typed = state
                        .conversations
                        .typing(&Participant::Visitor(v.clone()), w.delivery.conversation_id)
                        .await;
                    socket::answer(typed, out).await?;
                }
            }
            VisitorFrame::Pick {
                client_id,
                seq,
                option,
            } => {
                let (Some(v), Some(w)) = (&visitor, watch.as_mut()) else {
                    out.error(ErrorCode::UnknownConversation, Some(&client_id))
                        .await?;
                    return Ok(());
                };
                if !state
                    .limits
                    .visitor_message(token_hash, client.address, &site.id)
                {
                    out.error(ErrorCode::RateLimited, Some(&client_id)).await?;
                    return Ok(());
                }
                let id = w.delivery.conversation_id;
                let picked = state
                    .conversations
                    .pick(v, id, client_id.clone(), seq, option)
                    .await;
                socket::acknowledge(picked, id, client_id, Some(&mut w.delivery), out).await?;
            }
            VisitorFrame::Rate {
                conversation_id,
                rating,
                comment,
            } => {
                let Some(v) = &visitor else {
                    out.error(ErrorCode::UnknownConversation, None).await?;
                    return Ok(());
                };
                let reward = site.settings.reward.clone();
                match state
                    .conversations
                    .rate(v, conversation_id, rating, &comment, reward)
                    .await
                {
                    Ok(feedback) => out.send(&ServerFrame::Feedback { feedback }).await?,
                    // A resend after a lost answer: the stored one is the answer.
                    Err(DomainError::AlreadyAnswered) => {
                        match store.feedback(conversation_id).await? {
                            Some(feedback) => out.send(&ServerFrame::Feedback { feedback }).await?,
                            None => out.error(ErrorCode::AlreadyAnswered, None).await?,
                        }
                    }
                    Err(DomainError::Store(e)) => return Err(e.into()),
                    Err(refused) => out.error(refused.code(), None).await?,
                }
            }
            VisitorFrame::Visit {
                pages,
                referrer,
                time_zone,
                articles,
            } => {
                let reported = Visit {
                    pages,
                    referrer,
                    time_zone,
                    articles,
                    ..Visit::default()
                };
                *visit = care::checked_visit(
                    site.settings.context,
                    reported,
                    client.user_agent.as_deref(),
                    now_ms(),
                );
                if let Some(v) = &visitor {
                    store.set_visit(v.id, visit).await?;
                }
            }
            VisitorFrame::Name { name } => match Naming::given(&name) {
                Some(given) if !naming.is_verified() => {
                    *naming = given;
                    if let Some(v) = visitor {
                        naming.apply(state, v).await?;
                    }
                }
                Some(_) => {}
                None => out.error(ErrorCode::TooLarge, None).await?,
            },
        }
        Ok(())
    }

    async fn on_site_event<S>(
        &mut self,
        item: Result<Arc<Event>, Lagged>,
        out: &mut Outbound<S>,
    ) -> Result<(), Stop>
    where
        S: Sink<Message> + Unpin,
    {
        let Greeted { watch, told, .. } = self;

        let Ok(event) = item else { return Ok(()) };
        match &*event {
            Event::Presence { presence, .. } => {
                out.send(&ServerFrame::Presence {
                    presence: *presence,
                })
                .await?;
            }
            Event::Queue { places, .. } => {
                let Some(w) = &watch else { return Ok(()) };
                let id = w.delivery.conversation_id;
                if let Some((position, (_, wait))) = places
                    .iter()
                    .zip(1u32..)
                    .map(|(p, n)| (n, p))
                    .find(|(_, (c, _))| *c == id)
                {
                    let by_email = told.is_some_and(|(_, p): (ConversationId, Place)| p.by_email);
                    let place = Place {
                        state: ConversationState::Waiting,
                        position: Some(position),
                        wait_minutes: *wait,
                        by_email,
                    };
                    tell_place(told, id, place, out).await?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    async fn on_conversation_event<S>(
        &mut self,
        state: &AppState,
        item: Result<Arc<Event>, Lagged>,
        out: &mut Outbound<S>,
    ) -> Result<(), Stop>
    where
        S: Sink<Message> + Unpin,
    {
        let Greeted { watch, told, .. } = self;
        let store = &*state.store;

        let Some(current) = watch.as_mut() else {
            return Ok(());
        };
        let conversation_id = current.delivery.conversation_id;
        let other = current.delivery.forward(item, store, out).await?;
        if let Some(Event::ConversationChanged { conversation, .. }) = other.as_deref()
            && conversation.state != ConversationState::Waiting
            // The widget starts out with the bot: only news is told.
            && told.map_or(conversation.state != ConversationState::Bot, |(_, p)| p.state != conversation.state)
        {
            // Waiting places come with the queue, which follows.
            let place = Place {
                state: conversation.state,
                ..Place::default()
            };
            tell_place(told, conversation_id, place, out).await?;
        }
        match other.as_deref() {
            // The next message starts a new conversation.
            Some(event) if is_closed(event) => {
                *watch = None;
                *told = None;
            }
            Some(Event::Typing {
                author: author @ Author::Agent { .. },
                ..
            }) => {
                out.send(&ServerFrame::Typing {
                    conversation_id,
                    author: author.clone(),
                })
                .await?;
            }
            Some(Event::Read { seq, .. }) => {
                out.send(&ServerFrame::Read {
                    conversation_id,
                    seq: *seq,
                })
                .await?;
            }
            _ => {}
        }
        Ok(())
    }
}

/// Hello and welcome: who the visitor is, and what they are told first.
/// `None`: the socket ends here (the client was told why, if anyone).
async fn greet<S, R>(
    state: &AppState,
    client: &Client,
    out: &mut Outbound<S>,
    stream: &mut R,
) -> Result<Option<Greeted>, Stop>
where
    S: Sink<Message> + Unpin,
    R: Stream<Item = Result<Message, axum::Error>> + Unpin,
{
    let hello = match tokio::time::timeout(HELLO_TIMEOUT, first_frame(stream)).await {
        Err(_) | Ok(Inbound::Closed | Inbound::Alive) => return Ok(None),
        Ok(Inbound::Broken(code, reason)) => return Err(Stop::Broken(code, reason)),
        Ok(Inbound::Invalid(e)) => return refused(out.send(&e.to_frame()).await),
        Ok(Inbound::Frame(hello @ VisitorFrame::Hello { .. })) => hello,
        Ok(Inbound::Frame(_)) => return refused(out.error(ErrorCode::HelloRequired, None).await),
    };
    let VisitorFrame::Hello {
        site: site_id,
        token,
        last_seq,
        page,
        identity,
        name,
        lang,
    } = hello
    else {
        unreachable!("matched as a hello above");
    };
    let (origin, address) = (client.origin.as_deref(), client.address);
    let store = &*state.store;
    let lang = state
        .locales
        .choose(lang.as_deref().unwrap_or_default())
        .to_owned();
    let Some(site) = store.site(&SiteId::new(site_id)).await? else {
        return refused(out.error(ErrorCode::UnknownSite, None).await);
    };
    if !site.allows_origin(origin) {
        return refused(out.error(ErrorCode::OriginNotAllowed, None).await);
    }
    let page = site.own_page(page);
    // A visitor is stored only once they write: a token no row has yet is
    // one issued to a visitor who has not written so far.
    let mut token = match token {
        Some(token) if well_formed(&token) => token,
        Some(_) => return refused(out.error(ErrorCode::BadToken, None).await),
        None => new_token(),
    };
    let mut visitor = store
        .visitor_by_token(&site.id, &token_hash(&token))
        .await?;
    let mut naming = Naming::from_hello(name);
    let verified = match identity {
        Some(identity) => {
            let secret = store.identity_secret(&site.id).await?;
            match verified_user(secret.as_deref(), &identity) {
                Some(user_id) => {
                    // The verified person, on whatever browser: their token
                    // for this browser leads to them from now on.
                    let mine = store
                        .identified_visitor(&site.id, user_id, &token_hash(&token), now_ms())
                        .await?;
                    let token_is_theirs = visitor.as_ref().is_some_and(|v| v.id == mine.id);
                    let mine = if token_is_theirs {
                        mine
                    } else {
                        token = new_token();
                        store
                            .identified_visitor(&site.id, user_id, &token_hash(&token), now_ms())
                            .await?
                    };
                    naming = Naming::verified(&identity);
                    visitor = Some(mine);
                    true
                }
                None => {
                    naming = naming.or_claimed(&identity);
                    false
                }
            }
        }
        None => false,
    };
    let token_hash = token_hash(&token);
    let blocked = store
        .is_blocked(
            &site.id,
            visitor.as_ref().map(|v| v.id),
            &address.to_string(),
            now_ms(),
        )
        .await?;
    if blocked {
        return refused(out.error(ErrorCode::Blocked, None).await);
    }
    if let Some(v) = &mut visitor {
        naming.apply(state, v).await?;
    }
    let conversations = &state.conversations;
    let current = match &visitor {
        Some(visitor) => conversations.current_of(visitor).await.map_err(stop)?,
        None => None,
    };
    let (mut watch, ahead) = match current {
        Some(conversation) => {
            let (watch, ahead) = Watch::new(state, &conversation, last_seq).await;
            (Some(watch), ahead)
        }
        None => (None, last_seq > 0),
    };
    let site_feed = state
        .events
        .subscribe(Topic::Visitors(site.id.clone()))
        .await;
    let team = views::team(state, &site.id).await?;
    let presence = views::presence(state, &site, &team).await?;
    out.send(&ServerFrame::Welcome {
        token,
        conversation_id: watch.as_ref().map(|w| w.delivery.conversation_id),
        visitor: Welcomed {
            name: visitor.as_ref().and_then(|v| v.name.clone()),
            verified,
            // Someone who has written here before has a conversation; a
            // verified visitor's row exists from their first hello.
            returning: watch.is_some(),
            presence,
            collect: site.settings.context,
        },
    })
    .await?;
    // Their feedback on the last conversation, once the owner has answered it.
    if let Some(v) = &visitor
        && let Some(feedback) = store.feedback_of(v.id, 1).await?.pop()
        && feedback.answer.is_some()
    {
        out.send(&ServerFrame::Feedback { feedback }).await?;
    }
    if ahead {
        out.error(ErrorCode::SeqAhead, None).await?;
    }
    // What the widget was last told of the handoff, so it hears only changes.
    let mut told = None;
    if let Some(watch) = &mut watch {
        watch.delivery.catch_up(store, out).await?;
        if let Some(conversation) = store.conversation(watch.delivery.conversation_id).await? {
            let place = views::place_of(state, &conversation).await?;
            tell_place(&mut told, conversation.id(), place, out).await?;
        }
    } else if let Some(v) = &visitor
        && let Some(unrated) = unrated_since_closed(state, v).await?
    {
        // Closed while they were away: the widget asks for their rating now.
        let place = Place {
            state: ConversationState::Closed,
            ..Place::default()
        };
        tell_place(&mut told, unrated, place, out).await?;
    }
    Ok(Some(Greeted {
        site,
        token_hash,
        page,
        lang,
        naming,
        visitor,
        watch,
        site_feed,
        told,
        visit: Visit::default(),
    }))
}

/// Ends the socket after telling the client why.
fn refused(told: Result<(), PeerGone>) -> Result<Option<Greeted>, Stop> {
    told?;
    Ok(None)
}

/// The user id of an identity the site's secret proves, if it does.
fn verified_user<'a>(secret: Option<&str>, identity: &'a Identity) -> Option<&'a str> {
    let secret = secret?;
    let user_id = identity.user_id.as_str();
    let ok = !user_id.is_empty()
        && user_id.len() <= identity::MAX_USER_ID_BYTES
        && identity::verify(secret, user_id, identity.user_hash.as_deref()?);
    ok.then_some(user_id)
}

/// What to call a visitor, and how sure the relay is of it.
#[derive(Debug, Clone, Default)]
struct Naming {
    name: Option<String>,
    source: NameSource,
    email: Option<String>,
}

/// Longest name a visitor may go by, in characters.
const MAX_NAME_CHARS: usize = 60;

fn clean_name(name: &str) -> Option<String> {
    validate_text(name)
        .ok()
        .filter(|n| n.chars().count() <= MAX_NAME_CHARS)
        .map(str::to_owned)
}

impl Naming {
    fn from_hello(name: Option<String>) -> Self {
        name.as_deref().and_then(Self::given).unwrap_or_default()
    }

    /// A name the visitor typed; `None` if it is blank or too long.
    fn given(name: &str) -> Option<Self> {
        Some(Self {
            name: Some(clean_name(name)?),
            source: NameSource::Given,
            email: None,
        })
    }

    fn verified(identity: &Identity) -> Self {
        Self {
            name: identity.name.as_deref().and_then(clean_name),
            source: NameSource::Verified,
            email: identity.email.clone().filter(|e| e.len() <= 320),
        }
    }

    /// The host page claims a name it could not prove: agents see it marked
    /// unverified, unless the visitor gave one themselves.
    fn or_claimed(self, identity: &Identity) -> Self {
        match identity.name.as_deref().and_then(clean_name) {
            Some(claimed) if self.name.is_none() => Self {
                name: Some(claimed),
                source: NameSource::Unverified,
                email: None,
            },
            _ => self,
        }
    }

    fn is_verified(&self) -> bool {
        self.source == NameSource::Verified
    }

    /// Stores the name on the visitor, unless it would replace a verified
    /// name with a lesser one or change nothing.
    async fn apply(&self, state: &AppState, visitor: &mut Visitor) -> Result<(), Stop> {
        let Some(name) = &self.name else {
            return Ok(());
        };
        let downgrade = visitor.name_source == NameSource::Verified && !self.is_verified();
        let same = visitor.name.as_ref() == Some(name)
            && visitor.name_source == self.source
            && self.email.is_none();
        if downgrade || same {
            return Ok(());
        }
        state
            .store
            .name_visitor(visitor.id, name, self.source, self.email.as_deref())
            .await?;
        visitor.name = Some(name.clone());
        visitor.name_source = self.source;
        Ok(())
    }
}

/// What a visitor's frame asks to store.
#[derive(Default)]
struct Written {
    client_id: String,
    text: String,
    attachment: Option<String>,
    articles: Vec<ArticleLink>,
    wants_person: bool,
    self_help_failed: bool,
    /// Left with their email while nobody could answer.
    left: bool,
}

/// Sends the visitor where their conversation is, if that changed.
async fn tell_place<S>(
    told: &mut Option<(ConversationId, Place)>,
    id: ConversationId,
    place: Place,
    out: &mut Outbound<S>,
) -> Result<(), Stop>
where
    S: Sink<Message> + Unpin,
{
    if *told == Some((id, place)) {
        return Ok(());
    }
    *told = Some((id, place));
    Ok(out
        .send(&ServerFrame::Handoff {
            conversation_id: id,
            place,
        })
        .await?)
}

/// How long after closing a conversation a returning visitor is still
/// asked to rate it.
const ASK_RATING_FOR_MS: i64 = 24 * 60 * 60 * 1000;

/// The visitor's latest conversation, if it closed lately and is not rated.
async fn unrated_since_closed(
    state: &AppState,
    visitor: &Visitor,
) -> Result<Option<ConversationId>, Stop> {
    let store = &state.store;
    let Some(latest) = store.conversations_of(visitor.id, 1).await?.pop() else {
        return Ok(None);
    };
    let recent = latest.updated_at > now_ms() - ASK_RATING_FOR_MS;
    if latest.state != ConversationState::Closed || !recent || latest.rating.is_some() {
        return Ok(None);
    }
    Ok(Some(latest.id))
}

/// Tokens are 64 lowercase hex digits, as `new_token` makes them.
fn well_formed(token: &str) -> bool {
    token.len() == 64
        && token
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn is_closed(event: &Event) -> bool {
    matches!(
        event,
        Event::ConversationChanged {
            change: Change::Closed,
            ..
        }
    )
}

/// Domain calls outside a post fail only when the store does: the loop ends.
fn stop(error: DomainError) -> Stop {
    match error {
        DomainError::Store(e) => Stop::from(e),
        other => Stop::Store(other.to_string()),
    }
}

/// The client's first frame, past any pings.
async fn first_frame<R>(stream: &mut R) -> Inbound<VisitorFrame>
where
    R: Stream<Item = Result<Message, axum::Error>> + Unpin,
{
    loop {
        match read_frame(stream).await {
            Inbound::Alive => continue,
            other => return other,
        }
    }
}

/// The next fan-out item of the conversation, or never if there is none yet.
async fn next_in(watch: &mut Option<Watch>) -> Option<<Subscription as Stream>::Item> {
    match watch {
        Some(watch) => watch.subscription.next().await,
        None => std::future::pending().await,
    }
}
