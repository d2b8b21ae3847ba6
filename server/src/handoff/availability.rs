//! Agents coming and going. Opening the console puts an agent online unless
//! they chose to be away; closing their last console sets them away (they
//! keep their chats, and get no new ones) until they come back.
//!
//! Consoles are counted in the store, per relay, so that with several relays
//! an agent's console on one counts for routing on every other, and closing
//! a console on one relay while another stays open is not "the last".

use std::time::Duration;

use warmline_shared::handoff::Availability;
use warmline_shared::{AgentId, SiteId};

use crate::events::Event;
use crate::state::{AppState, now_ms};
use crate::store::{Agent, StoreError};

/// How often a relay vouches for the consoles it has open.
const CONSOLES_REFRESH: Duration = Duration::from_secs(20);
/// A relay not heard from for this long has stopped: its consoles no longer
/// count (three missed refreshes).
const CONSOLES_STALE_MS: i64 = 60_000;

/// Most chats an agent may take at once.
pub const MAX_CAPACITY: u32 = 20;

/// An agent's console opened on this relay.
pub async fn console_opened(state: &AppState, agent: &Agent) -> Result<(), StoreError> {
    let now = now_ms();
    let open = state
        .store
        .console_opened(
            &state.relay_id,
            &agent.site_id,
            agent.id,
            now,
            now - CONSOLES_STALE_MS,
        )
        .await?;
    if open == 1 {
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
    let now = now_ms();
    let open = state
        .store
        .console_closed(
            &state.relay_id,
            &agent.site_id,
            agent.id,
            now,
            now - CONSOLES_STALE_MS,
        )
        .await?;
    if open == 0
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

/// The site's agents with a console open on any live relay.
pub async fn connected(state: &AppState, site: &SiteId) -> Result<Vec<AgentId>, StoreError> {
    state
        .store
        .connected(site, now_ms() - CONSOLES_STALE_MS)
        .await
}

/// Keeps this relay's console counts alive, and drops those of relays that
/// stopped. Runs until the relay shuts down.
pub async fn refresh_consoles(state: AppState) {
    let mut ticks = tokio::time::interval(CONSOLES_REFRESH);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = state.shutdown.cancelled() => return,
            _ = ticks.tick() => {}
        }
        let now = now_ms();
        let refreshed = state
            .store
            .refresh_consoles(&state.relay_id, now, now - CONSOLES_STALE_MS)
            .await;
        if let Err(e) = refreshed {
            tracing::warn!(error = %e, "console counts could not be refreshed");
        }
    }
}
