//! The agent's socket: the site's inbox, live, plus the conversations the
//! agent has opened. It lives as long as the session it was opened under.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::{Message, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::http::header::{HOST, ORIGIN};
use axum::response::Response;
use futures::stream::{AbortHandle, BoxStream, SelectAll};
use futures::{FutureExt, Sink, Stream, StreamExt};
use warmline_shared::handoff::ConversationState;
use warmline_shared::{
    AgentFrame, Author, ConversationId, ConversationSummary, ErrorCode, InboxCursor, ServerFrame,
};

use super::socket::{self, Delivery, Heartbeat, Outbound, Stop, read_frame};
use crate::auth::SignedIn;
use crate::conversation::{DomainError, NewPost, Participant};
use crate::error::AppError;
use crate::events::{Change, Event};
use crate::fanout::{Lagged, Subscription, Topic};
use crate::handoff::{agents, availability, views};
use crate::state::{AppState, now_ms};
use crate::store::{Agent, Session};

/// How many open conversations one page of the inbox lists.
const INBOX_PAGE: usize = 50;
/// How much of the queue the console gets at once (all of it, in practice).
const QUEUE_SHOWN: i64 = 500;
/// Longest resolution tag.
const MAX_RESOLUTION_CHARS: usize = 40;

pub async fn handler(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    // The console is served by the relay itself; a socket opened from any other
    // origin with the agent's cookie is a cross-site hijack attempt.
    if !same_origin(&headers, state.https) {
        return Err(AppError::Forbidden(
            "The console must be opened from this relay.",
        ));
    }
    let loop_state = state.clone();
    Ok(socket::accept(ws, &state, move |sink, stream| {
        run(loop_state, session, sink, stream)
    }))
}

/// Whether the request comes from a page of the relay itself: same scheme
/// and host. Without an Origin header it is no browser's cross-site request.
fn same_origin(headers: &HeaderMap, https: bool) -> bool {
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let scheme = if https { "https" } else { "http" };
    match (header(ORIGIN), header(HOST)) {
        (None, _) => true,
        (Some(origin), Some(host)) => {
            origin
                .split_once("://")
                .is_some_and(|(origin_scheme, origin_host)| {
                    origin_scheme.eq_ignore_ascii_case(scheme)
                        && origin_host.eq_ignore_ascii_case(host)
                })
        }
        (Some(_), None) => false,
    }
}

pub async fn run<S, R>(state: AppState, session: Session, sink: S, mut stream: R)
where
    S: Sink<Message> + Unpin,
    R: Stream<Item = Result<Message, axum::Error>> + Unpin,
{
    let mut out = Outbound::new(sink);
    let agent = &session.agent;
    // Routing offers chats only to agents with a console open.
    if let Err(e) = availability::console_opened(&state, agent).await {
        tracing::warn!(error = %e, "the agent's availability could not be set");
    }
    let result = tokio::select! {
        result = serve(&state, &session, &mut out, &mut stream) => result,
        _ = state.shutdown.cancelled() => Err(Stop::Shutdown),
        _ = tokio::time::sleep(until(session.expires_at)) => Err(Stop::SessionEnded),
    };
    if let Err(e) = availability::console_closed(&state, agent).await {
        tracing::warn!(error = %e, "the agent's availability could not be set");
    }
    if matches!(result, Err(Stop::Unresponsive)) {
        state.unresponsive.fetch_add(1, Ordering::Relaxed);
    }
    out.finish(result, "agent").await;
}

/// How long from now until `at_ms`.
fn until(at_ms: i64) -> Duration {
    Duration::from_millis(u64::try_from(at_ms - now_ms()).unwrap_or(0))
}

async fn serve<S, R>(
    state: &AppState,
    session: &Session,
    out: &mut Outbound<S>,
    stream: &mut R,
) -> Result<(), Stop>
where
    S: Sink<Message> + Unpin,
    R: Stream<Item = Result<Message, axum::Error>> + Unpin,
{
    let agent = &session.agent;
    let store = &*state.store;
    // Subscribe, then check: a sign-out between the request and now is
    // either still seen here or arrives as an event.
    let mut sessions = state.events.subscribe(Topic::Agent(agent.id)).await;
    if !still_signed_in(state, session).await? {
        return Err(Stop::SessionEnded);
    }
    let mut inbox = state
        .events
        .subscribe(Topic::Site(agent.site_id.clone()))
        .await;
    send_inbox(state, agent, out).await?;
    let team = views::team(state, &agent.site_id).await?;
    let desk = views::desk(state, &agent.site_id, &team).await?;
    out.send(&ServerFrame::Desk { desk }).await?;

    let me = Participant::Agent(agent.clone());
    let mut watching = Watching::default();
    let mut deliveries: HashMap<ConversationId, Delivery> = HashMap::new();
    let mut heartbeat = Heartbeat::new(state.ping_every);
    let mut typing = socket::Typing::default();
    loop {
        tokio::select! {
            inbound = read_frame::<AgentFrame, _>(stream) => {
                let Some(frame) = socket::received(inbound, &mut heartbeat, out).await? else {
                    continue;
                };
                match frame {
                AgentFrame::Open { conversation_id, last_seq } => {
                    let conversation = match state.conversations.visible_to(&me, conversation_id).await {
                        Ok(conversation) => conversation,
                        Err(DomainError::Store(e)) => return Err(e.into()),
                        Err(e) => {
                            out.error(e.code(), None).await?;
                            continue;
                        }
                    };
                    let (resumed, ahead) = Delivery::resume(&conversation, last_seq);
                    if ahead {
                        out.error(ErrorCode::SeqAhead, None).await?;
                    }
                    // Already open on this socket: what it delivered, the
                    // console has; sending it again would double it.
                    if deliveries.contains_key(&conversation_id) {
                        continue;
                    }
                    let subscription = state.events.subscribe(Topic::Conversation(conversation_id)).await;
                    watching.insert(conversation_id, subscription);
                    let delivery = deliveries.entry(conversation_id).insert_entry(resumed).into_mut();
                    delivery.catch_up(store, out).await?;
                    for note in store.notes(conversation_id).await? {
                        out.send(&ServerFrame::Note { note }).await?;
                    }
                }
                AgentFrame::MoreInbox { after } => {
                    let (conversations, more) = inbox_page(state, agent, Some(after)).await?;
                    out.send(&ServerFrame::InboxPage { conversations, more }).await?
                }
                AgentFrame::Close { conversation_id } => {
                    watching.remove(&conversation_id);
                    deliveries.remove(&conversation_id);
                }
                AgentFrame::Send { conversation_id, client_id, text, options } => {
                    if !state.limits.agent_message(agent.id) {
                        out.error(ErrorCode::RateLimited, Some(&client_id)).await?;
                        continue;
                    }
                    // Answering a conversation nobody has takes it; the
                    // reply itself tells the visitor who is there.
                    match state.conversations.visible_to(&me, conversation_id).await {
                        Ok(c) if matches!(c.summary.state, ConversationState::Bot | ConversationState::Waiting) => {
                            match state.conversations.take(agent, conversation_id).await {
                                Ok(_) | Err(DomainError::AlreadyTaken) => {}
                                Err(DomainError::Store(e)) => return Err(e.into()),
                                Err(e) => {
                                    out.error(e.code(), Some(&client_id)).await?;
                                    continue;
                                }
                            }
                        }
                        _ => {}
                    }
                    let post = NewPost { conversation_id, client_id, text, author: me.clone(), attachment: None, articles: Vec::new(), wants_person: false, options, picked: None };
                    socket::post(state, post, deliveries.get_mut(&conversation_id), out).await?;
                }
                AgentFrame::Availability { availability, capacity } => {
                    availability::choose(state, agent, availability, capacity).await?;
                }
                AgentFrame::Accept { conversation_id } => {
                    socket::answer(agents::take(state, agent, conversation_id).await.map(drop), out).await?;
                }
                AgentFrame::Decline { conversation_id } => {
                    let ended = state.conversations.end_offer(conversation_id, agent.id, false).await;
                    match ended {
                        Ok(true) => {}
                        // Already over: make sure the console shows it so.
                        Ok(false) => out.send(&ServerFrame::OfferEnded { conversation_id }).await?,
                        Err(e) => socket::answer(Err::<(), _>(e), out).await?,
                    }
                }
                AgentFrame::Transfer { conversation_id, to, note } => {
                    socket::answer(agents::transfer(state, agent, conversation_id, to, &note).await.map(drop), out).await?;
                }
                AgentFrame::Block { conversation_id, reason, hours } => {
                    socket::answer(crate::blocks::block(state, agent, conversation_id, &reason, hours).await, out).await?;
                }
                AgentFrame::ToneWarned { conversation_id } => {
                    // Only for conversations this agent may see, and no more
                    // often than they may write.
                    if state.limits.agent_message(agent.id)
                        && state.conversations.visible_to(&me, conversation_id).await.is_ok()
                    {
                        store.count_tone(agent.id, &agent.site_id, false).await?;
                    }
                }
                AgentFrame::Note { conversation_id, client_id, text } => {
                    if !state.limits.agent_message(agent.id) {
                        out.error(ErrorCode::RateLimited, Some(&client_id)).await?;
                        continue;
                    }
                    // The note comes back to every console of the site, this one included.
                    if let Err(e) = state.conversations.note(agent, conversation_id, client_id.clone(), &text).await {
                        if let DomainError::Store(e) = e {
                            return Err(e.into());
                        }
                        out.error(e.code(), Some(&client_id)).await?;
                    }
                }
                AgentFrame::Resolve { conversation_id, resolution } => {
                    let resolution = resolution.trim();
                    if resolution.is_empty() || resolution.chars().count() > MAX_RESOLUTION_CHARS {
                        out.error(ErrorCode::Malformed, None).await?;
                        continue;
                    }
                    let closed = state.conversations.close(&me, conversation_id, Some(resolution)).await;
                    socket::answer(closed.map(drop), out).await?;
                }
                AgentFrame::Typing { conversation_id } => {
                    if typing.allows() {
                        socket::answer(state.conversations.typing(&me, conversation_id).await, out).await?;
                    }
                }
                AgentFrame::Read { conversation_id, seq } => {
                    socket::answer(state.conversations.read(agent, conversation_id, seq).await, out).await?;
                }
                }
            },
            _ = heartbeat.tick() => heartbeat.beat(out).await?,
            written = out.write_when_due() => written?,
            // While inbox lines wait to go out, the site's changes stay
            // queued: the socket wakes once per write, not once per change
            // (on a busy site, dozens of consoles each woken by every
            // message cost more than the messages), and takes what came
            // meanwhile together.
            item = inbox.next(), if !out.has_waiting() => {
                let mut item = item;
                for taken in 1.. {
                    match item {
                        Some(Ok(event)) => on_inbox_event(agent, &event, out).await?,
                        // Missed inbox changes: the whole list again is the simple, correct answer.
                        Some(Err(Lagged)) => send_inbox(state, agent, out).await?,
                        None => return Ok(()),
                    }
                    if taken == INBOX_DRAIN {
                        break;
                    }
                    // Not tokio's budget (128 a wake): a busy site's changes
                    // would outrun a console taking them once per write.
                    match tokio::task::unconstrained(inbox.next()).now_or_never() {
                        Some(next) => item = next,
                        None => break,
                    }
                }
            },
            item = sessions.next() => match item {
                Some(Ok(event)) => {
                    if matches!(&*event, Event::SessionEnded { session: ended, .. } if *ended == session.token_hash) {
                        return Err(Stop::SessionEnded);
                    }
                }
                Some(Err(Lagged)) => {
                    if !still_signed_in(state, session).await? {
                        return Err(Stop::SessionEnded);
                    }
                }
                None => return Ok(()),
            },
            Some((conversation_id, item)) = watching.next() => {
                if let Some(delivery) = deliveries.get_mut(&conversation_id) {
                    // Changes reach the agent through the inbox.
                    let other = delivery.forward(item, store, out).await?;
                    if let Some(Event::Typing { author: author @ Author::Visitor, .. }) = other.as_deref() {
                        out.send(&ServerFrame::Typing { conversation_id, author: author.clone() }).await?;
                    }
                }
            }
        }
    }
}

/// The most site changes a console takes in one wake: what a site's topic
/// holds, so one wake's work stays bounded.
const INBOX_DRAIN: usize = 4096;

/// The live feeds of the conversations a socket has open. Each feed is
/// polled only when it has news: a `StreamMap` polls every feed on each
/// wake, and with an agent's many open conversations that cost more than
/// the messages themselves.
#[derive(Default)]
struct Watching {
    feeds: SelectAll<BoxStream<'static, (ConversationId, <Subscription as Stream>::Item)>>,
    stops: HashMap<ConversationId, AbortHandle>,
}

impl Watching {
    fn insert(&mut self, conversation_id: ConversationId, subscription: Subscription) {
        let (feed, stop) = futures::stream::abortable(subscription);
        if let Some(old) = self.stops.insert(conversation_id, stop) {
            old.abort();
        }
        self.feeds
            .push(feed.map(move |item| (conversation_id, item)).boxed());
    }

    /// Ends the feed; it leaves the set the next time the set is polled.
    fn remove(&mut self, conversation_id: &ConversationId) {
        if let Some(stop) = self.stops.remove(conversation_id) {
            stop.abort();
        }
    }

    async fn next(&mut self) -> Option<(ConversationId, <Subscription as Stream>::Item)> {
        self.feeds.next().await
    }
}

async fn still_signed_in(state: &AppState, session: &Session) -> Result<bool, Stop> {
    Ok(state
        .store
        .session(&session.token_hash, now_ms())
        .await?
        .is_some())
}

async fn on_inbox_event<S>(agent: &Agent, event: &Event, out: &mut Outbound<S>) -> Result<(), Stop>
where
    S: Sink<Message> + Unpin,
{
    match event {
        // The visitor's first message follows at once and brings it to the
        // inbox with something to read.
        Event::ConversationChanged {
            change: Change::Started,
            ..
        } => Ok(()),
        Event::ConversationChanged {
            conversation,
            change,
            line,
            ..
        } => {
            let conversation_id = conversation.id;
            match change {
                Change::Offered {
                    agent_id,
                    expires_at,
                } if *agent_id == agent.id => {
                    let offer = ServerFrame::Offer {
                        conversation: conversation.clone(),
                        expires_at: *expires_at,
                    };
                    out.send(&offer).await?;
                }
                Change::OfferEnded { agent_id } if *agent_id == agent.id => {
                    out.send(&ServerFrame::OfferEnded { conversation_id })
                        .await?;
                }
                _ => {}
            }
            // Every message changes a line in every console's inbox: those
            // lines go out together, a moment later.
            let line = line.get_or_encode(|| ServerFrame::Conversation {
                conversation: conversation.clone(),
            });
            Ok(out.send_soon(line).await?)
        }
        Event::Desk { desk, .. } => Ok(out.send(&ServerFrame::Desk { desk: desk.clone() }).await?),
        Event::NoteAdded { note, .. } => {
            Ok(out.send(&ServerFrame::Note { note: note.clone() }).await?)
        }
        _ => Ok(()),
    }
}

/// The first page of the inbox, from scratch (on opening, and after missed changes).
async fn send_inbox<S>(state: &AppState, agent: &Agent, out: &mut Outbound<S>) -> Result<(), Stop>
where
    S: Sink<Message> + Unpin,
{
    let (conversations, more) = inbox_page(state, agent, None).await?;
    Ok(out
        .send(&ServerFrame::Inbox {
            conversations,
            more,
        })
        .await?)
}

/// A page of open conversations after `after`, and whether more follow.
async fn inbox_page(
    state: &AppState,
    agent: &Agent,
    after: Option<InboxCursor>,
) -> Result<(Vec<ConversationSummary>, bool), Stop> {
    // One more than a page tells whether there is another.
    let mut conversations = state
        .store
        .open_conversations(&agent.site_id, after, INBOX_PAGE as i64 + 1)
        .await?;
    let more = conversations.len() > INBOX_PAGE;
    conversations.truncate(INBOX_PAGE);
    // The whole queue comes with the first page, so the waiting view is
    // complete and in order however old its conversations are.
    if after.is_none() {
        let waiting = state
            .store
            .waiting_conversations(&agent.site_id, QUEUE_SHOWN)
            .await?;
        for summary in waiting {
            if !conversations.iter().any(|c| c.id == summary.id) {
                conversations.push(summary);
            }
        }
    }
    Ok((conversations, more))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn only_the_relays_own_origin_may_open_agent_sockets() {
        let headers = |origin: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(HOST, HeaderValue::from_static("relay.example:8080"));
            h.insert(ORIGIN, HeaderValue::from_static(origin));
            h
        };
        assert!(same_origin(&headers("https://relay.example:8080"), true));
        assert!(!same_origin(&headers("https://evil.example"), true));
        assert!(!same_origin(
            &headers("https://relay.example:8080.evil.example"),
            true
        ));
        // The scheme counts too: an https page is not the http relay's own.
        assert!(!same_origin(&headers("https://relay.example:8080"), false));
        assert!(same_origin(&headers("http://relay.example:8080"), false));
    }
}
