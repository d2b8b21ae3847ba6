//! Posting a message, the same for visitors and agents: validate, store, and
//! only then fan out.

use warmline_shared::{Author, ConversationId, ErrorCode, Seq, ServerFrame};

use crate::hub::Topic;
use crate::store::NewMessage;
use crate::{AppState, now_ms};

/// Stores the message and announces it; returns its sequence number. A resend
/// of a stored client id returns the original's number and announces nothing.
pub async fn post(
    state: &AppState,
    site_id: &str,
    conversation_id: ConversationId,
    client_id: &str,
    text: &str,
    author: &Author,
    agent_id: Option<i64>,
) -> Result<Seq, ErrorCode> {
    warmline_shared::validate_client_id(client_id)?;
    let text = warmline_shared::validate_text(text)?;
    let appended = state
        .store
        .append(NewMessage {
            conversation_id,
            client_id,
            author,
            agent_id,
            text,
            sent_at: now_ms(),
        })
        .await
        .map_err(internal)?;
    let seq = appended.message.seq;
    if appended.new {
        state.hub.publish(
            &Topic::Conversation(conversation_id),
            ServerFrame::Message {
                message: appended.message,
            },
        );
        if let Some(conversation) = state
            .store
            .conversation(conversation_id)
            .await
            .map_err(internal)?
        {
            state.hub.publish(
                &Topic::Site(site_id.to_owned()),
                ServerFrame::Conversation {
                    conversation: conversation.summary,
                },
            );
        }
    }
    Ok(seq)
}

/// Logs a store failure and turns it into what the client is told.
pub fn internal(error: impl std::fmt::Display) -> ErrorCode {
    tracing::error!(%error, "store failed");
    ErrorCode::Internal
}
