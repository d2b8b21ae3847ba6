//! The agent's socket: the site's inbox, live, plus the conversations the
//! agent has opened.

use std::collections::HashMap;

use axum::extract::State;
use axum::extract::ws::{Message, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::http::header::{HOST, ORIGIN};
use axum::response::Response;
use futures::{Sink, Stream, StreamExt};
use tokio_stream::StreamMap;
use warmline_shared::{AgentFrame, Author, ConversationId, ErrorCode, ServerFrame};

use crate::auth::SignedIn;
use crate::error::AppError;
use crate::hub::{Lagged, Subscription, Topic};
use crate::rate::TokenBucket;
use crate::socket::{self, Delivery, Inbound, Outbound, Stop, read_frame};
use crate::store::{Agent, Conversation};
use crate::{AppState, chat};

/// How many open conversations the inbox lists at once.
const INBOX_LIMIT: i64 = 200;
const BURST: u32 = 20;
const PER_SECOND: f64 = 3.0;

pub async fn handler(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    SignedIn(agent): SignedIn,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    // The console is served by the relay itself; a socket opened from any other
    // origin with the agent's cookie is a cross-site hijack attempt.
    if !same_origin(&headers) {
        return Err(AppError::Forbidden(
            "The console must be opened from this relay.",
        ));
    }
    Ok(socket::configure(ws).on_upgrade(move |socket| async move {
        let (sink, stream) = socket.split();
        run(state, agent, sink, stream).await;
    }))
}

fn same_origin(headers: &HeaderMap) -> bool {
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
    match (header(ORIGIN), header(HOST)) {
        (None, _) => true,
        (Some(origin), Some(host)) => origin
            .split_once("://")
            .is_some_and(|(_, origin_host)| origin_host.eq_ignore_ascii_case(host)),
        (Some(_), None) => false,
    }
}

pub async fn run<S, R>(state: AppState, agent: Agent, sink: S, mut stream: R)
where
    S: Sink<Message> + Unpin,
    R: Stream<Item = Result<Message, axum::Error>> + Unpin,
{
    let mut out = Outbound::new(sink);
    let result = serve(&state, &agent, &mut out, &mut stream).await;
    out.finish(result, "agent").await;
}

async fn serve<S, R>(
    state: &AppState,
    agent: &Agent,
    out: &mut Outbound<S>,
    stream: &mut R,
) -> Result<(), Stop>
where
    S: Sink<Message> + Unpin,
    R: Stream<Item = Result<Message, axum::Error>> + Unpin,
{
    let store = &*state.store;
    let mut inbox = state.hub.subscribe(Topic::Site(agent.site_id.clone()));
    send_inbox(state, agent, out).await?;

    let mut watching: StreamMap<ConversationId, Subscription> = StreamMap::new();
    let mut deliveries: HashMap<ConversationId, Delivery> = HashMap::new();
    let mut limiter = TokenBucket::new(BURST, PER_SECOND);
    loop {
        tokio::select! {
            inbound = read_frame::<AgentFrame, _>(stream) => match inbound {
                Inbound::Closed => return Ok(()),
                Inbound::Invalid(e) => out.send(&e.to_frame()).await?,
                Inbound::Frame(AgentFrame::Open { conversation_id, last_seq }) => {
                    if conversation_of_site(state, agent, conversation_id).await?.is_none() {
                        out.error(ErrorCode::UnknownConversation, None).await?;
                        continue;
                    }
                    watching.insert(conversation_id, state.hub.subscribe(Topic::Conversation(conversation_id)));
                    let delivery = deliveries
                        .entry(conversation_id)
                        .insert_entry(Delivery::new(conversation_id, last_seq.max(0)))
                        .into_mut();
                    delivery.catch_up(store, out).await?;
                }
                Inbound::Frame(AgentFrame::Close { conversation_id }) => {
                    watching.remove(&conversation_id);
                    deliveries.remove(&conversation_id);
                }
                Inbound::Frame(AgentFrame::Send { conversation_id, client_id, text }) => {
                    if !limiter.try_take() {
                        out.error(ErrorCode::RateLimited, Some(&client_id)).await?;
                        continue;
                    }
                    if conversation_of_site(state, agent, conversation_id).await?.is_none() {
                        out.error(ErrorCode::UnknownConversation, Some(&client_id)).await?;
                        continue;
                    }
                    let author = Author::Agent { name: agent.name.clone() };
                    let posted = chat::post(
                        state, &agent.site_id, conversation_id, &client_id, &text, &author, Some(agent.id),
                    )
                    .await;
                    match posted {
                        Ok(seq) => {
                            out.send(&ServerFrame::Ack { conversation_id, client_id, seq }).await?
                        }
                        Err(code) => out.error(code, Some(&client_id)).await?,
                    }
                }
            },
            item = inbox.next() => match item {
                Some(Ok(frame)) => out.send(&frame).await?,
                // Missed inbox changes: the whole list again is the simple, correct answer.
                Some(Err(Lagged)) => send_inbox(state, agent, out).await?,
                None => return Ok(()),
            },
            Some((conversation_id, item)) = watching.next() => {
                if let Some(delivery) = deliveries.get_mut(&conversation_id) {
                    delivery.forward(item, store, out).await?;
                }
            }
        }
    }
}

async fn send_inbox<S>(state: &AppState, agent: &Agent, out: &mut Outbound<S>) -> Result<(), Stop>
where
    S: Sink<Message> + Unpin,
{
    let conversations = state
        .store
        .open_conversations(&agent.site_id, INBOX_LIMIT)
        .await?;
    Ok(out.send(&ServerFrame::Inbox { conversations }).await?)
}

/// The conversation, if it exists and belongs to the agent's site. Another
/// site's conversation is reported as unknown, not as forbidden, so ids of
/// other sites cannot be probed.
async fn conversation_of_site(
    state: &AppState,
    agent: &Agent,
    id: ConversationId,
) -> Result<Option<Conversation>, Stop> {
    Ok(state
        .store
        .conversation(id)
        .await?
        .filter(|c| c.site_id == agent.site_id))
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
        assert!(same_origin(&headers("https://relay.example:8080")));
        assert!(!same_origin(&headers("https://evil.example")));
        assert!(!same_origin(&headers(
            "https://relay.example:8080.evil.example"
        )));
    }
}
