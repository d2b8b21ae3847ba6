//! Routing: offers each waiting conversation, in queue order, to an agent
//! who takes chats and has room (online, a console open, fewer chats and
//! offers than their capacity, no other offer pending), the one offered
//! least recently first. An offer not accepted in the site's offer time
//! (30 s unless set) moves to the next agent; agents who passed on a
//! conversation are not offered it again while it waits. After every pass
//! it tells the site's visitors the queue (positions and expected waits)
//! and whether anyone can answer, and the consoles the desk.
//!
//! One task per relay runs it, on the changes this relay makes; a site's
//! passes never overlap because the task makes them one at a time.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use futures::{FutureExt, StreamExt};
use warmline_shared::{Desk, Presence, SiteId};

use super::views;
use crate::events::{Event, Places};
use crate::fanout::Lagged;
use crate::state::{AppState, now_ms};
use crate::store::StoreError;

/// How often every site seen is looked at again even without a change:
/// business hours open and close on their own.
const SWEEP: Duration = Duration::from_secs(10);

/// What each site was last told, so unchanged news is not sent again.
#[derive(Default)]
struct Told {
    places: HashMap<SiteId, Places>,
    presence: HashMap<SiteId, Presence>,
    desk: HashMap<SiteId, Desk>,
}

/// Runs until the relay shuts down.
pub async fn run(state: AppState) {
    let mut events = state.events.listen();
    let mut told = Told::default();
    let mut sweep = tokio::time::interval(SWEEP);
    sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut next_expiry = next_offer_expiry(&state).await;
    loop {
        let mut dirty: HashSet<SiteId> = HashSet::new();
        // Whether the next offer expiry may have moved: offers are made in
        // passes and end when they lapse, and the sweep looks again in case
        // a relay that made some died.
        let mut offers_moved = false;
        let until_expiry =
            next_expiry.map(|at| Duration::from_millis(u64::try_from(at - now_ms()).unwrap_or(0)));
        tokio::select! {
            _ = state.shutdown.cancelled() => return,
            item = events.next() => match item {
                None => return,
                Some(item) => {
                    note(&item, &mut dirty, &told);
                    // Take whatever else is already there: one pass per site
                    // for a burst of changes.
                    while let Some(Some(item)) = events.next().now_or_never() {
                        note(&item, &mut dirty, &told);
                    }
                }
            },
            _ = sleep_or_never(until_expiry) => {
                offers_moved = true;
                if let Err(e) = lapse(&state, &mut dirty).await {
                    tracing::warn!(error = %e, "lapsed offers could not be moved on");
                }
            }
            _ = sweep.tick() => {
                offers_moved = true;
                dirty.extend(told.presence.keys().cloned());
            }
        }
        // Most events are messages: they move neither the queue nor an
        // offer, and the next expiry stands.
        if dirty.is_empty() && !offers_moved {
            continue;
        }
        for site in dirty {
            if let Err(e) = route(&state, &site, &mut told).await {
                tracing::warn!(error = %e, site = %site, "routing failed");
            }
        }
        next_expiry = next_offer_expiry(&state).await;
    }
}

/// When the next offer lapses; unknown, in a second (to look again).
async fn next_offer_expiry(state: &AppState) -> Option<i64> {
    match state.store.next_offer_expiry().await {
        Ok(at) => at,
        Err(e) => {
            tracing::warn!(error = %e, "offer expiry unknown");
            Some(now_ms() + 1000)
        }
    }
}

async fn sleep_or_never(after: Option<Duration>) {
    match after {
        Some(after) => tokio::time::sleep(after).await,
        None => std::future::pending().await,
    }
}

/// Which site an event asks routing to look at.
fn note(item: &Result<Arc<Event>, Lagged>, dirty: &mut HashSet<SiteId>, told: &Told) {
    match item.as_deref() {
        Ok(Event::ConversationChanged {
            site_id, change, ..
        }) if change.moves_queue() => {
            dirty.insert(site_id.clone());
        }
        Ok(Event::Staffing { site_id }) => {
            dirty.insert(site_id.clone());
        }
        Ok(_) => {}
        // Missed changes: look at every site known.
        Err(Lagged) => dirty.extend(told.presence.keys().cloned()),
    }
}

/// Ends the offers that ran out; their conversations go to the next agent.
async fn lapse(state: &AppState, dirty: &mut HashSet<SiteId>) -> Result<(), StoreError> {
    for lapsed in state.store.lapsed_offers(now_ms()).await? {
        let ended = state
            .conversations
            .end_offer(lapsed.conversation_id, lapsed.agent_id, true)
            .await;
        if let Err(e) = ended {
            tracing::warn!(error = %e, "a lapsed offer could not be ended");
        }
        dirty.insert(lapsed.site_id);
    }
    Ok(())
}

/// One pass over a site: offers, then the news.
async fn route(state: &AppState, site_id: &SiteId, told: &mut Told) -> Result<(), StoreError> {
    let Some(site) = state.store.site(site_id).await? else {
        return Ok(());
    };
    let mut team = views::team(state, site_id).await?;
    let queued = state.store.queue(site_id).await?;
    let offer_ms = i64::from(site.settings.handoff.offer_seconds.max(1)) * 1000;
    for waiting in queued.iter().filter(|q| q.offered_to.is_none()) {
        let has_room = |m: &&mut crate::store::Member| {
            views::takes_chats(m)
                && m.offers == 0
                && m.teammate.load + m.offers < m.teammate.capacity
        };
        if !team.iter_mut().any(|m| has_room(&m)) {
            break;
        }
        let passed = state.store.passed_by(waiting.id, waiting.since).await?;
        let Some(agent) = team
            .iter_mut()
            .filter(|m| has_room(m) && !passed.contains(&m.teammate.id))
            .min_by_key(|m| (m.last_offered_at, m.teammate.id))
        else {
            continue;
        };
        let now = now_ms();
        match state
            .conversations
            .offer(waiting.id, agent.teammate.id, now + offer_ms)
            .await
        {
            Ok(true) => {
                agent.offers += 1;
                agent.last_offered_at = now;
            }
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "an offer could not be made"),
        }
    }
    // The queue as it stands after the offers.
    let pace = views::pace(state, site_id, &team).await?;
    let places: Places = views::places(&queued, &pace).into();
    if told.places.get(site_id) != Some(&places) {
        told.places.insert(site_id.clone(), places.clone());
        let event = Event::Queue {
            site_id: site_id.clone(),
            places,
        };
        state.events.publish(event).await;
    }
    let presence = views::presence(state, &site, &team).await?;
    if told.presence.get(site_id) != Some(&presence) {
        told.presence.insert(site_id.clone(), presence);
        let event = Event::Presence {
            site_id: site_id.clone(),
            presence,
        };
        state.events.publish(event).await;
    }
    let desk = views::desk(state, site_id, &team).await?;
    if told.desk.get(site_id) != Some(&desk) {
        told.desk.insert(site_id.clone(), desk.clone());
        let event = Event::Desk {
            site_id: site_id.clone(),
            desk,
        };
        state.events.publish(event).await;
    }
    Ok(())
}
