//! The visitor's socket: hello (site, token, resume point), then messages.

use std::net::IpAddr;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::{Message, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::http::header::ORIGIN;
use axum::response::Response;
use futures::{Sink, Stream, StreamExt};
use warmline_shared::{ConversationId, ErrorCode, Seq, ServerFrame, SiteId, VisitorFrame};

use super::socket::{self, Delivery, Heartbeat, Inbound, Outbound, Stop, read_frame};
use crate::auth::{new_token, token_hash};
use crate::client_addr::ClientAddr;
use crate::conversation::{DomainError, NewPost, Participant};
use crate::events::{Change, Event};
use crate::fanout::{Subscription, Topic};
use crate::state::{AppState, now_ms};
use crate::store::{Conversation, Site, Visitor};

/// A socket that has not said hello by then is dropped.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);

pub async fn handler(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    headers: HeaderMap,
) -> Response {
    let origin = headers
        .get(ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let loop_state = state.clone();
    socket::accept(ws, &state, move |sink, stream| {
        run(loop_state, origin, address, sink, stream)
    })
}

pub async fn run<S, R>(
    state: AppState,
    origin: Option<String>,
    address: IpAddr,
    sink: S,
    mut stream: R,
) where
    S: Sink<Message> + Unpin,
    R: Stream<Item = Result<Message, axum::Error>> + Unpin,
{
    let mut out = Outbound::new(sink);
    let result = tokio::select! {
        result = serve(&state, origin.as_deref(), address, &mut out, &mut stream) => result,
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
            delivery,
            subscription,
        };
        (watch, ahead)
    }
}

async fn serve<S, R>(
    state: &AppState,
    origin: Option<&str>,
    address: IpAddr,
    out: &mut Outbound<S>,
    stream: &mut R,
) -> Result<(), Stop>
where
    S: Sink<Message> + Unpin,
    R: Stream<Item = Result<Message, axum::Error>> + Unpin,
{
    let (site_id, token, last_seq, page) =
        match tokio::time::timeout(HELLO_TIMEOUT, first_frame(stream)).await {
            Err(_) | Ok(Inbound::Closed | Inbound::Alive) => return Ok(()),
            Ok(Inbound::Broken(code, reason)) => return Err(Stop::Broken(code, reason)),
            Ok(Inbound::Invalid(e)) => return Ok(out.send(&e.to_frame()).await?),
            Ok(Inbound::Frame(VisitorFrame::Hello {
                site,
                token,
                last_seq,
                page,
            })) => (site, token, last_seq, page),
            Ok(Inbound::Frame(_)) => return Ok(out.error(ErrorCode::HelloRequired, None).await?),
        };
    let store = &*state.store;
    let Some(site) = store.site(&SiteId::new(site_id)).await? else {
        return Ok(out.error(ErrorCode::UnknownSite, None).await?);
    };
    if !site.allows_origin(origin) {
        return Ok(out.error(ErrorCode::OriginNotAllowed, None).await?);
    }
    let page = site.own_page(page);
    // A visitor is stored only once they write: a token no row has yet is
    // one issued to a visitor who has not written so far.
    let token = match token {
        Some(token) if well_formed(&token) => token,
        Some(_) => return Ok(out.error(ErrorCode::BadToken, None).await?),
        None => new_token(),
    };
    let token_hash = token_hash(&token);
    let mut visitor = store.visitor_by_token(&site.id, &token_hash).await?;
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
    out.send(&ServerFrame::Welcome {
        token,
        conversation_id: watch.as_ref().map(|w| w.delivery.conversation_id),
    })
    .await?;
    if ahead {
        out.error(ErrorCode::SeqAhead, None).await?;
    }
    if let Some(watch) = &mut watch {
        watch.delivery.catch_up(store, out).await?;
    }

    let mut heartbeat = Heartbeat::new(state.ping_every);
    loop {
        tokio::select! {
            inbound = read_frame::<VisitorFrame, _>(stream) => {
                let Some(frame) = socket::received(inbound, &mut heartbeat, out).await? else {
                    continue;
                };
                match frame {
                VisitorFrame::Hello { .. } => {
                    out.send(&ServerFrame::Error {
                        code: ErrorCode::Malformed,
                        message: "This connection has already said hello.".into(),
                        client_id: None,
                    })
                    .await?
                }
                VisitorFrame::Send { client_id, text } => {
                    let writer = Writer { site: &site, token_hash: &token_hash, address, page: page.as_deref() };
                    let (author, conversation_id) = match writer.place(state, &mut visitor, &mut watch).await? {
                        Ok(placed) => placed,
                        Err(code) => {
                            out.error(code, Some(&client_id)).await?;
                            continue;
                        }
                    };
                    let post = NewPost { conversation_id, client_id, text, author: Participant::Visitor(author) };
                    socket::post(state, post, out).await?;
                }
                }
            },
            _ = heartbeat.tick() => heartbeat.beat(out).await?,
            Some(item) = next_in(&mut watch) => {
                let Some(current) = watch.as_mut() else { continue };
                let other = current.delivery.forward(item, store, out).await?;
                if other.is_some_and(|event| is_closed(&event)) {
                    // The next message starts a new conversation.
                    watch = None;
                }
            }
        }
    }
}

/// Who writes a visitor's message, and from where.
struct Writer<'a> {
    site: &'a Site,
    token_hash: &'a str,
    address: IpAddr,
    page: Option<&'a str>,
}

impl Writer<'_> {
    /// The visitor and conversation a message goes to, within the limits:
    /// the visitor is stored on their first message, and a conversation
    /// started when there is none open. `Err` is the refusal to send back.
    async fn place(
        &self,
        state: &AppState,
        visitor: &mut Option<Visitor>,
        watch: &mut Option<Watch>,
    ) -> Result<Result<(Visitor, ConversationId), ErrorCode>, Stop> {
        let limits = &state.limits;
        if !limits.visitor_message(self.token_hash, self.address, &self.site.id) {
            return Ok(Err(ErrorCode::RateLimited));
        }
        let stored = match visitor {
            Some(stored) => stored.clone(),
            None => {
                if !limits.new_visitor(self.address, &self.site.id) {
                    return Ok(Err(ErrorCode::RateLimited));
                }
                let created = state
                    .store
                    .create_visitor(&self.site.id, self.token_hash, now_ms())
                    .await?;
                let Some(created) = created else {
                    return Ok(Err(ErrorCode::BadToken));
                };
                visitor.insert(created).clone()
            }
        };
        let conversation_id = match watch {
            Some(watch) => watch.delivery.conversation_id,
            None => {
                if !limits.new_conversation(self.address, &self.site.id) {
                    return Ok(Err(ErrorCode::RateLimited));
                }
                let conversation = state
                    .conversations
                    .start(&stored, self.page)
                    .await
                    .map_err(stop)?;
                let new = watch.insert(Watch::new(state, &conversation, 0).await.0);
                new.delivery.conversation_id
            }
        };
        Ok(Ok((stored, conversation_id)))
    }
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
