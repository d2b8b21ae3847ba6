//! A site's business hours: checking what an owner entered, whether the
//! site is open at a moment, and when it opens next.
//!
//! Hours are wall-clock times in the site's IANA time zone (the zone
//! database is compiled in, so no system tzdata is needed), so "09:00" stays
//! 09:00 across daylight-saving changes. An opening time that a change skips
//! (02:30 on a spring-forward night) opens at the first minute that exists
//! after it; one that happens twice (autumn) opens at the first.

use std::fmt;

use chrono::{DateTime, Datelike, Days, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Timelike};
use chrono_tz::Tz;
use warmline_shared::handoff::BusinessHours;

/// Why hours cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HoursError {
    /// Not a time zone name the database knows.
    UnknownTimeZone(String),
    /// Not exactly seven days.
    Days,
    /// A span of this day (0 = Monday) is empty, runs past midnight, or
    /// overlaps another.
    Span { day: usize },
}

const DAY_NAMES: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

impl fmt::Display for HoursError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownTimeZone(zone) => write!(
                f,
                "\"{zone}\" is not a known time zone; use an IANA name such as Asia/Tbilisi."
            ),
            Self::Days => write!(
                f,
                "Business hours need exactly seven days, Monday first; leave a day empty to close it."
            ),
            Self::Span { day } => write!(
                f,
                "The hours for {} are not valid: each span must open before it closes, \
                 end by midnight, and not overlap another span of the same day.",
                DAY_NAMES.get(*day).copied().unwrap_or("that day")
            ),
        }
    }
}

impl std::error::Error for HoursError {}

const MINUTES_PER_DAY: u16 = 24 * 60;

/// How far ahead [`next_open`] looks: a week, and a day for time-zone slack.
const LOOK_AHEAD_DAYS: u64 = 8;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Checks hours an owner entered: a known IANA zone, exactly 7 days, each
/// span 0 <= open < close <= 1440, spans of a day not overlapping (one may
/// close when the next opens).
pub fn check(hours: &BusinessHours) -> Result<(), HoursError> {
    zone(hours)?;
    if hours.days.len() != 7 {
        return Err(HoursError::Days);
    }
    for (day, spans) in hours.days.iter().enumerate() {
        if !spans_are_valid(spans) {
            return Err(HoursError::Span { day });
        }
    }
    Ok(())
}

fn zone(hours: &BusinessHours) -> Result<Tz, HoursError> {
    hours
        .time_zone
        .parse()
        .map_err(|_| HoursError::UnknownTimeZone(hours.time_zone.clone()))
}

fn spans_are_valid(spans: &[[u16; 2]]) -> bool {
    let mut sorted = spans.to_vec();
    sorted.sort_unstable();
    sorted
        .iter()
        .all(|&[open, close]| open < close && close <= MINUTES_PER_DAY)
        && sorted.windows(2).all(|w| w[0][1] <= w[1][0])
}

/// Whether the site is open at `now_ms` (ms since the Unix epoch). Invalid
/// hours count as always open (the owner is told on saving), and so does a
/// moment chrono cannot represent.
pub fn is_open(hours: &BusinessHours, now_ms: i64) -> bool {
    let Ok(tz) = valid_zone(hours) else {
        return true;
    };
    let Some(local) = local_time(tz, now_ms) else {
        return true;
    };
    let day = local.weekday().num_days_from_monday() as usize;
    let minute = (local.hour() * 60 + local.minute()) as u16;
    hours.days[day]
        .iter()
        .any(|&[open, close]| open <= minute && minute < close)
}

/// When the site next opens after `now_ms` (ms since the epoch), within the
/// next 8 days; None if never or if open now (invalid hours count as always
/// open).
pub fn next_open(hours: &BusinessHours, now_ms: i64) -> Option<i64> {
    if is_open(hours, now_ms) {
        return None;
    }
    let tz = valid_zone(hours).ok()?;
    let today = local_time(tz, now_ms)?.date_naive();
    let latest = now_ms.saturating_add(LOOK_AHEAD_DAYS as i64 * DAY_MS);
    (0..=LOOK_AHEAD_DAYS)
        .filter_map(|k| today.checked_add_days(Days::new(k)))
        .flat_map(|date| openings(tz, hours, date))
        .find(|&at| at > now_ms && at <= latest && is_open(hours, at))
}

/// The zone of hours that pass [`check`].
fn valid_zone(hours: &BusinessHours) -> Result<Tz, HoursError> {
    check(hours)?;
    zone(hours)
}

fn local_time(tz: Tz, ms: i64) -> Option<DateTime<Tz>> {
    DateTime::from_timestamp_millis(ms).map(|utc| utc.with_timezone(&tz))
}

/// The instants (ms since the epoch) at which the date's spans open, in
/// order.
fn openings(tz: Tz, hours: &BusinessHours, date: NaiveDate) -> Vec<i64> {
    let day = date.weekday().num_days_from_monday() as usize;
    let mut opens: Vec<u16> = hours.days[day].iter().map(|&[open, _]| open).collect();
    opens.sort_unstable();
    opens
        .into_iter()
        .filter_map(|open| {
            let wall = date.and_hms_opt(u32::from(open / 60), u32::from(open % 60), 0)?;
            instant(tz, wall)
        })
        .collect()
}

/// The first instant the wall-clock time `wall` shows in the zone, or, when
/// a daylight-saving change skips it, the first minute after it that exists.
fn instant(tz: Tz, wall: NaiveDateTime) -> Option<i64> {
    (0..=i64::from(MINUTES_PER_DAY)).find_map(|skip| {
        let wall = wall.checked_add_signed(chrono::TimeDelta::minutes(skip))?;
        match tz.from_local_datetime(&wall) {
            LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => Some(at.timestamp_millis()),
            LocalResult::None => None,
        }
    })
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;

    /// Hours in `zone`, with the same spans Monday to Friday and closed at
    /// the weekend.
    fn weekdays(zone: &str, spans: &[[u16; 2]]) -> BusinessHours {
        let mut days = vec![spans.to_vec(); 5];
        days.extend([vec![], vec![]]);
        BusinessHours {
            time_zone: zone.into(),
            days,
        }
    }

    fn nine_to_six(zone: &str) -> BusinessHours {
        weekdays(zone, &[[540, 1080]])
    }

    /// A UTC moment in ms.
    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
            .single()
            .expect("a valid UTC time")
            .timestamp_millis()
    }

    #[test]
    fn tbilisi_opens_at_nine_local_which_is_five_utc() {
        // Monday 2026-11-23; Tbilisi is UTC+4 all year.
        let hours = nine_to_six("Asia/Tbilisi");
        assert!(!is_open(&hours, utc(2026, 11, 23, 4, 59)));
        assert!(is_open(&hours, utc(2026, 11, 23, 5, 0)));
        assert!(is_open(&hours, utc(2026, 11, 23, 13, 59)));
        assert!(!is_open(&hours, utc(2026, 11, 23, 14, 0)));
        assert_eq!(
            next_open(&hours, utc(2026, 11, 23, 4, 59)),
            Some(utc(2026, 11, 23, 5, 0))
        );
        assert_eq!(next_open(&hours, utc(2026, 11, 23, 5, 0)), None);
    }

    #[test]
    fn tbilisi_weekend_is_closed_and_opens_on_monday() {
        let hours = nine_to_six("Asia/Tbilisi");
        // Saturday 2026-11-21, noon local.
        assert!(!is_open(&hours, utc(2026, 11, 21, 8, 0)));
        // Friday 2026-11-20, 19:00 local → Monday 2026-11-23, 09:00 local.
        assert_eq!(
            next_open(&hours, utc(2026, 11, 20, 15, 0)),
            Some(utc(2026, 11, 23, 5, 0))
        );
    }

    #[test]
    fn yerevan_is_utc_plus_four_in_summer_and_winter() {
        let hours = nine_to_six("Asia/Yerevan");
        // Wednesday 2026-07-15 and Wednesday 2026-01-14.
        for (month, day) in [(7, 15), (1, 14)] {
            assert!(!is_open(&hours, utc(2026, month, day, 4, 59)));
            assert!(is_open(&hours, utc(2026, month, day, 5, 0)));
            assert!(!is_open(&hours, utc(2026, month, day, 14, 0)));
        }
        // Sunday 2026-07-19 → Monday 09:00 local.
        assert_eq!(
            next_open(&hours, utc(2026, 7, 19, 12, 0)),
            Some(utc(2026, 7, 20, 5, 0))
        );
    }

    #[test]
    fn berlin_keeps_nine_oclock_across_the_spring_change() {
        let hours = nine_to_six("Europe/Berlin");
        // Friday 2026-03-27 09:00 CET is 08:00 UTC.
        assert!(!is_open(&hours, utc(2026, 3, 27, 7, 59)));
        assert!(is_open(&hours, utc(2026, 3, 27, 8, 0)));
        // Clocks go forward on Sunday 2026-03-29: Monday 09:00 CEST is
        // 07:00 UTC, not the 08:00 a fixed offset would give.
        assert_eq!(
            next_open(&hours, utc(2026, 3, 27, 18, 0)),
            Some(utc(2026, 3, 30, 7, 0))
        );
        assert!(!is_open(&hours, utc(2026, 3, 30, 6, 59)));
        assert!(is_open(&hours, utc(2026, 3, 30, 7, 0)));
    }

    #[test]
    fn an_opening_skipped_by_the_spring_change_opens_when_the_clock_resumes() {
        // Sundays 02:30–04:00; on 2026-03-29 Berlin goes from 02:00 CET
        // straight to 03:00 CEST (01:00 UTC).
        let mut hours = nine_to_six("Europe/Berlin");
        hours.days[6] = vec![[150, 240]];
        assert_eq!(
            next_open(&hours, utc(2026, 3, 28, 12, 0)),
            Some(utc(2026, 3, 29, 1, 0))
        );
        assert!(is_open(&hours, utc(2026, 3, 29, 1, 0)));
        assert!(!is_open(&hours, utc(2026, 3, 29, 2, 0)));
    }

    #[test]
    fn an_opening_that_happens_twice_in_autumn_opens_the_first_time() {
        // Sundays 02:30–04:00; on 2026-10-25 Berlin's 02:00–03:00 happens
        // twice, first at 00:00 UTC (CEST), then at 01:00 UTC (CET).
        let mut hours = nine_to_six("Europe/Berlin");
        hours.days[6] = vec![[150, 240]];
        assert_eq!(
            next_open(&hours, utc(2026, 10, 24, 12, 0)),
            Some(utc(2026, 10, 25, 0, 30))
        );
    }

    #[test]
    fn several_spans_a_day() {
        // Lunch break 13:00–14:00 in Tbilisi.
        let hours = weekdays("Asia/Tbilisi", &[[840, 1080], [540, 780]]);
        assert!(is_open(&hours, utc(2026, 11, 23, 8, 59)));
        assert!(!is_open(&hours, utc(2026, 11, 23, 9, 0)));
        assert_eq!(
            next_open(&hours, utc(2026, 11, 23, 9, 0)),
            Some(utc(2026, 11, 23, 10, 0))
        );
    }

    #[test]
    fn open_until_midnight_and_from_midnight() {
        let mut hours = nine_to_six("Asia/Tbilisi");
        hours.days[0] = vec![[0, 1440]];
        // Sunday 23:59 local is closed, Monday 00:00 local opens.
        assert!(!is_open(&hours, utc(2026, 11, 22, 19, 59)));
        assert_eq!(
            next_open(&hours, utc(2026, 11, 22, 19, 59)),
            Some(utc(2026, 11, 22, 20, 0))
        );
        assert!(is_open(&hours, utc(2026, 11, 23, 19, 59)));
    }

    #[test]
    fn never_open_has_no_next_opening() {
        let hours = weekdays("Asia/Tbilisi", &[]);
        assert_eq!(check(&hours), Ok(()));
        assert!(!is_open(&hours, utc(2026, 11, 23, 8, 0)));
        assert_eq!(next_open(&hours, utc(2026, 11, 23, 8, 0)), None);
    }

    #[test]
    fn invalid_hours_count_as_always_open() {
        let mut hours = nine_to_six("Mars/Olympus_Mons");
        assert!(is_open(&hours, utc(2026, 11, 21, 8, 0)));
        assert_eq!(next_open(&hours, utc(2026, 11, 21, 8, 0)), None);
        hours = nine_to_six("Asia/Tbilisi");
        hours.days.pop();
        assert!(is_open(&hours, utc(2026, 11, 21, 8, 0)));
    }

    #[test]
    fn check_names_what_is_wrong() {
        assert_eq!(check(&nine_to_six("Asia/Yerevan")), Ok(()));
        assert_eq!(
            check(&nine_to_six("Asia/Nowhere")),
            Err(HoursError::UnknownTimeZone("Asia/Nowhere".into()))
        );
        let mut six_days = nine_to_six("Asia/Tbilisi");
        six_days.days.pop();
        assert_eq!(check(&six_days), Err(HoursError::Days));
        for (bad, day) in [
            (vec![[600, 600]], 2),
            (vec![[700, 600]], 3),
            (vec![[0, 1441]], 4),
            (vec![[540, 780], [720, 1080]], 1),
        ] {
            let mut hours = nine_to_six("Asia/Tbilisi");
            hours.days[day] = bad;
            assert_eq!(check(&hours), Err(HoursError::Span { day }));
        }
        // Touching spans do not overlap.
        let mut hours = nine_to_six("Asia/Tbilisi");
        hours.days[0] = vec![[780, 1080], [540, 780]];
        assert_eq!(check(&hours), Ok(()));
    }

    #[test]
    fn errors_read_as_sentences() {
        assert_eq!(
            HoursError::UnknownTimeZone("Foo".into()).to_string(),
            "\"Foo\" is not a known time zone; use an IANA name such as Asia/Tbilisi."
        );
        assert!(HoursError::Days.to_string().contains("seven days"));
        assert!(HoursError::Span { day: 5 }.to_string().contains("Saturday"));
    }
}
