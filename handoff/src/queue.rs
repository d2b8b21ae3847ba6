//! How long a visitor in a site's queue can expect to wait. (The queue's
//! order, the more frustrated first and then the longer waiting, is
//! `ConversationSummary::queue_key` in `warmline-shared`, which the store's
//! queries follow.)
//!
//! **Expected wait.** From the site's recent handling ([`Pace`]): when the
//! data is too thin (fewer than [`MIN_SAMPLES`] recent conversations, or no
//! agent online) the widget says "a few minutes" rather than make a number
//! up. Otherwise a visitor whose position is within the free slots is taken
//! at once (under a minute). The others wait for slots to free up: with
//! `slots` chats held at once, each for `handle_ms` on average, a slot frees
//! up every `handle_ms / slots`, so the `ahead = position - free` visitor
//! waits `ahead * handle_ms / slots`, rounded up to whole minutes (at least
//! one: they do wait). With a 6-minute handling time and 6 slots all busy,
//! the next visitor waits 1 minute and the twelfth 12.

/// What the site's recent handling says about how fast the queue moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pace {
    /// Mean time an agent had a conversation (assigned → closed or handed
    /// on), over recent ones, ms.
    pub handle_ms: Option<i64>,
    /// How many recent conversations `handle_ms` is from.
    pub samples: usize,
    /// Chats the online agents can hold at once (sum of capacities).
    pub slots: u32,
    /// Of those, how many are free now (not holding a chat or an offer).
    pub free: u32,
}

/// Fewer samples than this and the widget says "a few minutes" rather than
/// a number.
pub const MIN_SAMPLES: usize = 5;

const MINUTE_MS: i128 = 60_000;

/// The expected wait in whole minutes for the visitor at `position` (1 =
/// next), `Some(0)` meaning under a minute, `None` meaning "a few minutes"
/// (data too thin, or nobody online). A negative `handle_ms` is not data.
pub fn expected_wait(position: u32, pace: &Pace) -> Option<u32> {
    let handle_ms = pace.handle_ms.filter(|&ms| ms >= 0)?;
    if pace.slots == 0 || pace.samples < MIN_SAMPLES {
        return None;
    }
    if position <= pace.free {
        return Some(0);
    }
    let ahead = i128::from(position - pace.free);
    // Wide enough that no product of these overflows.
    let wait_ms = ahead * i128::from(handle_ms) / i128::from(pace.slots);
    let minutes = (wait_ms + MINUTE_MS - 1) / MINUTE_MS;
    Some(u32::try_from(minutes.max(1)).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    /// Two agents of three chats each, handling a chat in 6 minutes.
    fn busy() -> Pace {
        Pace {
            handle_ms: Some(6 * MIN),
            samples: 20,
            slots: 6,
            free: 0,
        }
    }

    #[test]
    fn a_slot_frees_up_every_handling_time_over_slots() {
        assert_eq!(expected_wait(1, &busy()), Some(1));
        assert_eq!(expected_wait(2, &busy()), Some(2));
        assert_eq!(expected_wait(7, &busy()), Some(7));
        assert_eq!(expected_wait(12, &busy()), Some(12));
    }

    #[test]
    fn free_slots_take_visitors_now() {
        let pace = Pace { free: 2, ..busy() };
        assert_eq!(expected_wait(1, &pace), Some(0));
        assert_eq!(expected_wait(2, &pace), Some(0));
        // Third in line, first to wait for a slot.
        assert_eq!(expected_wait(3, &pace), Some(1));
    }

    #[test]
    fn minutes_round_up_and_a_wait_is_at_least_one() {
        // 7 min over 6 slots: 70 s for the next visitor, 2 minutes.
        let pace = Pace {
            handle_ms: Some(7 * MIN),
            ..busy()
        };
        assert_eq!(expected_wait(1, &pace), Some(2));
        // 6 × 70 s = 7 min exactly.
        assert_eq!(expected_wait(6, &pace), Some(7));
        let quick = Pace {
            handle_ms: Some(30_000),
            ..busy()
        };
        assert_eq!(expected_wait(1, &quick), Some(1));
        let instant = Pace {
            handle_ms: Some(0),
            ..busy()
        };
        assert_eq!(expected_wait(1, &instant), Some(1));
    }

    #[test]
    fn thin_data_or_nobody_online_says_a_few_minutes() {
        assert_eq!(
            expected_wait(
                1,
                &Pace {
                    samples: 4,
                    ..busy()
                }
            ),
            None
        );
        assert_eq!(
            expected_wait(
                1,
                &Pace {
                    samples: 5,
                    ..busy()
                }
            ),
            Some(1)
        );
        assert_eq!(expected_wait(1, &Pace { slots: 0, ..busy() }), None);
        let unknown = Pace {
            handle_ms: None,
            ..busy()
        };
        assert_eq!(expected_wait(1, &unknown), None);
        let nonsense = Pace {
            handle_ms: Some(-1),
            ..busy()
        };
        assert_eq!(expected_wait(1, &nonsense), None);
        assert_eq!(expected_wait(1, &Pace::default()), None);
    }

    #[test]
    fn huge_figures_do_not_overflow() {
        let pace = Pace {
            handle_ms: Some(i64::MAX),
            slots: 1,
            ..busy()
        };
        assert_eq!(expected_wait(u32::MAX, &pace), Some(u32::MAX));
    }
}
