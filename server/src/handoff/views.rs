//! What people are shown of the handoff: whether anyone can answer (the
//! widget's header), where a visitor is in the queue, and the console's desk.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use warmline_handoff::{hours, queue};
use warmline_shared::handoff::{Availability, ConversationState};
use warmline_shared::{Desk, Place, Presence, SiteId};

use crate::state::{AppState, now_ms};
use crate::store::{Conversation, Member, Queued, Site, StoreError};

/// Answered conversations needed before the widget states a typical reply
/// time; with fewer it says "a few minutes" rather than a number.
const REPLY_TIME_SAMPLE: usize = 5;
/// How many of the site's latest answered conversations the figure is from.
const REPLY_TIME_RECENT: i64 = 30;
/// How many of the latest spells with an agent the queue's pace is from.
const PACE_RECENT: i64 = 50;

/// The site's people, with whether each has a console open on any relay.
pub async fn team(state: &AppState, site: &SiteId) -> Result<Vec<Member>, StoreError> {
    let mut team = state.store.team(site).await?;
    let connected = super::availability::connected(state, site).await?;
    for member in &mut team {
        member.teammate.connected = connected.contains(&member.teammate.id);
    }
    Ok(team)
}

/// Whether the member is offered chats: online with a console open.
pub fn takes_chats(member: &Member) -> bool {
    member.teammate.availability == Availability::Online && member.teammate.connected
}

/// Whether people can answer the site's visitors now.
pub async fn presence(
    state: &AppState,
    site: &Site,
    team: &[Member],
) -> Result<Presence, StoreError> {
    let online = team.iter().filter(|m| takes_chats(m)).count() as u32;
    let now = now_ms();
    let hours = site.settings.handoff.hours.as_ref();
    let closed = hours.is_some_and(|h| !hours::is_open(h, now));
    Ok(Presence {
        online,
        reply_minutes: reply_minutes(state, &site.id).await?,
        closed,
        opens_at: hours.and_then(|h| hours::next_open(h, now)),
    })
}

/// How long a site's typical reply time is reused before it is read again:
/// it moves slowly, and routing asks for presence on every pass.
const REPLY_TIME_KEPT: Duration = Duration::from_secs(60);

/// Each site's typical reply time, as last read and when.
#[derive(Default)]
pub struct ReplyTimes(Mutex<HashMap<SiteId, (Instant, Option<u32>)>>);

/// The site's typical time to a first reply, in whole minutes (at least 1),
/// when there is enough recent data to say.
async fn reply_minutes(state: &AppState, site: &SiteId) -> Result<Option<u32>, StoreError> {
    let kept = state
        .reply_times
        .0
        .lock()
        .expect("reply times lock")
        .get(site)
        .copied();
    if let Some((at, minutes)) = kept
        && at.elapsed() < REPLY_TIME_KEPT
    {
        return Ok(minutes);
    }
    let (median_ms, sample) = state.store.reply_time(site, REPLY_TIME_RECENT).await?;
    let minutes = median_ms.filter(|_| sample >= REPLY_TIME_SAMPLE).map(|ms| {
        u32::try_from((ms + 59_999) / 60_000)
            .unwrap_or(u32::MAX)
            .max(1)
    });
    let mut kept = state.reply_times.0.lock().expect("reply times lock");
    kept.insert(site.clone(), (Instant::now(), minutes));
    Ok(minutes)
}

/// How fast the site's queue moves now.
pub async fn pace(
    state: &AppState,
    site: &SiteId,
    team: &[Member],
) -> Result<queue::Pace, StoreError> {
    let (handle_ms, samples) = state.store.pace(site, PACE_RECENT).await?;
    let taking = team.iter().filter(|m| takes_chats(m));
    let slots = taking.clone().map(|m| m.teammate.capacity).sum();
    let free = taking
        .map(|m| {
            m.teammate
                .capacity
                .saturating_sub(m.teammate.load + m.offers)
        })
        .sum();
    Ok(queue::Pace {
        handle_ms,
        samples,
        slots,
        free,
    })
}

/// Each waiting conversation with its expected wait, in queue order.
pub fn places(
    queued: &[Queued],
    pace: &queue::Pace,
) -> Vec<(warmline_shared::ConversationId, Option<u32>)> {
    queued
        .iter()
        .zip(1..)
        .map(|(q, position)| (q.id, queue::expected_wait(position, pace)))
        .collect()
}

/// Where a visitor's conversation is in the handoff, read afresh (when
/// their widget connects).
pub async fn place_of(state: &AppState, conversation: &Conversation) -> Result<Place, StoreError> {
    let mut place = Place {
        state: conversation.summary.state,
        by_email: conversation.email_replies,
        ..Place::default()
    };
    if place.state == ConversationState::Waiting {
        let site = &conversation.site_id;
        let queued = state.store.queue(site).await?;
        let team = team(state, site).await?;
        let pace = pace(state, site, &team).await?;
        if let Some((position, _)) = queued
            .iter()
            .zip(1u32..)
            .find(|(q, _)| q.id == conversation.id())
            .map(|(q, p)| (p, q))
        {
            place.position = Some(position);
            place.wait_minutes = queue::expected_wait(position, &pace);
        }
    }
    Ok(place)
}

/// The console's desk: the team and the counts.
pub async fn desk(state: &AppState, site: &SiteId, team: &[Member]) -> Result<Desk, StoreError> {
    let (waiting, bot, closed) = state.store.counts(site).await?;
    Ok(Desk {
        team: team.iter().map(|m| m.teammate.clone()).collect(),
        waiting,
        bot,
        closed,
    })
}
