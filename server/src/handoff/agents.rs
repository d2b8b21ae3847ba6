//! What agents do with handed-off conversations. The domain decides who
//! gets a conversation; here the visitor is also told, in their language,
//! who is with them now. A transfer's note is never in what they are told.

use warmline_shared::{AgentId, ConversationId};

use crate::conversation::{self, NewPost, Participant};
use crate::state::AppState;
use crate::store::{Agent, Conversation};

/// The agent takes the conversation (their offer, or any that waits).
pub async fn take(
    state: &AppState,
    agent: &Agent,
    id: ConversationId,
) -> conversation::Result<Conversation> {
    let before = state
        .conversations
        .visible_to(&Participant::Agent(agent.clone()), id)
        .await?;
    let taken = state.conversations.take(agent, id).await?;
    if before.assigned_to != Some(agent.id) {
        tell(state, &taken, "bot_joined", &agent.name, "joined").await?;
    }
    Ok(taken)
}

/// The agent hands their conversation to a colleague, with a note for them.
pub async fn transfer(
    state: &AppState,
    agent: &Agent,
    id: ConversationId,
    to: AgentId,
    note: &str,
) -> conversation::Result<Conversation> {
    let moved = state.conversations.transfer(agent, id, to, note).await?;
    let name = moved.summary.agent.clone().unwrap_or_default();
    tell(state, &moved, "bot_transferred", &name, "transferred").await?;
    Ok(moved)
}

/// A notice in the conversation from the relay itself. Its client id names
/// the change and the moment, so a retry cannot say it twice.
async fn tell(
    state: &AppState,
    conversation: &Conversation,
    key: &str,
    agent: &str,
    what: &str,
) -> conversation::Result<()> {
    let text = state
        .locales
        .word(&conversation.summary.lang, key)
        .replace("{agent}", agent);
    let post = NewPost {
        conversation_id: conversation.id(),
        client_id: format!("{what}-{}", conversation.summary.updated_at),
        text,
        author: Participant::System {
            site_id: conversation.site_id.clone(),
        },
        attachment: None,
        articles: Vec::new(),
        wants_person: false,
        options: Vec::new(),
        picked: None,
    };
    state.conversations.post(post).await?;
    Ok(())
}
