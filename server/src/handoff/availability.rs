//! Agents coming and going. Opening the console puts an agent online unless
//! they chose to be away; closing their last console sets them away (they
//! keep their chats, and get no new ones) until they come back.

use warmline_shared::handoff::Availability;

use crate::events::Event;
use crate::state::AppState;
use crate::store::{Agent, StoreError};

/// Most chats an agent may take at once.
pub const MAX_CAPACITY: u32 = 20;

/// An agent's console opened on this relay.
pub async fn console_opened(state: &AppState, agent: &Agent) -> Result<(), StoreError> {
    if state.consoles.open(&agent.site_id, agent.id) {
        let member = own_row(state, agent).await?;
        if let Some((availability, capacity, auto_away)) = member {
            let chose_away = availability == Availability::Away && !auto_away;
            if !chose_away && availability != Availability::Online {
                set(state, agent, Availability::Online, capacity, false).await?;
                return Ok(());
            }
        }
    }
    announce(state, agent).await;
    Ok(())
}

/// An agent's console closed on this relay.
pub async fn console_closed(state: &AppState, agent: &Agent) -> Result<(), StoreError> {
    if state.consoles.close(&agent.site_id, agent.id)
        && let Some((Availability::Online, capacity, _)) = own_row(state, agent).await?
    {
        return set(state, agent, Availability::Away, capacity, true).await;
    }
    announce(state, agent).await;
    Ok(())
}

/// The agent chose an availability and capacity.
pub async fn choose(
    state: &AppState,
    agent: &Agent,
    availability: Availability,
    capacity: u32,
) -> Result<(), StoreError> {
    set(
        state,
        agent,
        availability,
        capacity.clamp(1, MAX_CAPACITY),
        false,
    )
    .await
}

async fn set(
    state: &AppState,
    agent: &Agent,
    availability: Availability,
    capacity: u32,
    auto_away: bool,
) -> Result<(), StoreError> {
    state
        .store
        .set_availability(agent.id, &agent.site_id, availability, capacity, auto_away)
        .await?;
    announce(state, agent).await;
    Ok(())
}

async fn announce(state: &AppState, agent: &Agent) {
    state
        .events
        .publish(Event::Staffing {
            site_id: agent.site_id.clone(),
        })
        .await;
}

async fn own_row(
    state: &AppState,
    agent: &Agent,
) -> Result<Option<(Availability, u32, bool)>, StoreError> {
    let team = state.store.team(&agent.site_id).await?;
    Ok(team
        .into_iter()
        .find(|m| m.teammate.id == agent.id)
        .map(|m| (m.teammate.availability, m.teammate.capacity, m.auto_away)))
}
