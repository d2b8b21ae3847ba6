//! The visitor's socket: hello (site, token, resume point), then messages.

use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::{Message, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::http::header::ORIGIN;
use axum::response::Response;
use futures::{Sink, Stream, StreamExt};
use warmline_shared::{Author, ErrorCode, ServerFrame, VisitorFrame};

use crate::auth::{new_token, token_hash};
use crate::hub::{Subscription, Topic};
use crate::rate::TokenBucket;
use crate::socket::{self, Delivery, Inbound, Outbound, Stop, read_frame};
use crate::{AppState, chat, now_ms};

/// A socket that has not said hello by then is dropped.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// Messages a visitor may send in a burst, and per second after it.
const BURST: u32 = 8;
const PER_SECOND: f64 = 1.0;

pub async fn handler(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Response {
    let origin = headers
        .get(ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    socket::configure(ws).on_upgrade(move |socket| async move {
        let (sink, stream) = socket.split();
        run(state, origin, sink, stream).await;
    })
}

pub async fn run<S, R>(state: AppState, origin: Option<String>, sink: S, mut stream: R)
where
    S: Sink<Message> + Unpin,
    R: Stream<Item = Result<Message, axum::Error>> + Unpin,
{
    let mut out = Outbound::new(sink);
    let result = serve(&state, origin.as_deref(), &mut out, &mut stream).await;
    out.finish(result, "visitor").await;
}

async fn serve<S, R>(
    state: &AppState,
    origin: Option<&str>,
    out: &mut Outbound<S>,
    stream: &mut R,
) -> Result<(), Stop>
where
    S: Sink<Message> + Unpin,
    R: Stream<Item = Result<Message, axum::Error>> + Unpin,
{
    let (site_id, token, last_seq, page) =
        match tokio::time::timeout(HELLO_TIMEOUT, read_frame(stream)).await {
            Err(_) | Ok(Inbound::Closed) => return Ok(()),
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
    let Some(site) = store.site(&site_id).await? else {
        return Ok(out.error(ErrorCode::UnknownSite, None).await?);
    };
    if !site.allows_origin(origin) {
        return Ok(out.error(ErrorCode::OriginNotAllowed, None).await?);
    }
    let (visitor, token) = match token {
        Some(token) => match store
            .visitor_by_token(&site.id, &token_hash(&token))
            .await?
        {
            Some(visitor) => (visitor, token),
            None => return Ok(out.error(ErrorCode::BadToken, None).await?),
        },
        None => {
            let token = new_token();
            let visitor = store
                .create_visitor(&site.id, &token_hash(&token), now_ms())
                .await?;
            (visitor, token)
        }
    };

    // Subscribe before reading the backlog, so nothing stored in between is missed.
    let mut conversation: Option<(Delivery, Subscription)> =
        store.open_conversation_of(visitor.id).await?.map(|id| {
            let subscription = state.hub.subscribe(Topic::Conversation(id));
            (Delivery::new(id, last_seq.max(0)), subscription)
        });
    out.send(&ServerFrame::Welcome {
        token,
        conversation_id: conversation.as_ref().map(|(d, _)| d.conversation_id),
    })
    .await?;
    if let Some((delivery, _)) = &mut conversation {
        delivery.catch_up(store, out).await?;
    }

    let mut limiter = TokenBucket::new(BURST, PER_SECOND);
    loop {
        tokio::select! {
            inbound = read_frame::<VisitorFrame, _>(stream) => match inbound {
                Inbound::Closed => return Ok(()),
                Inbound::Invalid(e) => out.send(&e.to_frame()).await?,
                Inbound::Frame(VisitorFrame::Hello { .. }) => {
                    out.send(&ServerFrame::Error {
                        code: ErrorCode::Malformed,
                        message: "This connection has already said hello.".into(),
                        client_id: None,
                    })
                    .await?
                }
                Inbound::Frame(VisitorFrame::Send { client_id, text }) => {
                    if !limiter.try_take() {
                        out.error(ErrorCode::RateLimited, Some(&client_id)).await?;
                        continue;
                    }
                    let conversation_id = match &conversation {
                        Some((delivery, _)) => delivery.conversation_id,
                        None => {
                            let id = store
                                .start_conversation(&site.id, visitor.id, page.as_deref(), now_ms())
                                .await
                                ?;
                            let subscription = state.hub.subscribe(Topic::Conversation(id));
                            conversation = Some((Delivery::new(id, 0), subscription));
                            id
                        }
                    };
                    let posted = chat::post(
                        state, &site.id, conversation_id, &client_id, &text, &Author::Visitor, None,
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
            Some(item) = next_in(&mut conversation) => {
                let (delivery, _) = conversation.as_mut().expect("an item came from it");
                delivery.forward(item, store, out).await?;
            }
        }
    }
}

/// The next fan-out item of the conversation, or never if there is none yet.
async fn next_in(
    conversation: &mut Option<(Delivery, Subscription)>,
) -> Option<<Subscription as Stream>::Item> {
    match conversation {
        Some((_, subscription)) => subscription.next().await,
        None => std::future::pending().await,
    }
}
