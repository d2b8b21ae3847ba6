//! Short times for the inbox and the conversation: "now", "5 min", "14:05",
//! "Mon", "12 Nov", in the agent's local time zone.

use crate::text;

const MINUTE_MS: f64 = 60_000.0;
const DAY_MS: f64 = 24.0 * 60.0 * MINUTE_MS;

/// How long ago, when that reads better than a clock time.
fn relative(now_ms: f64, then_ms: f64) -> Option<String> {
    let minutes = ((now_ms - then_ms) / MINUTE_MS).floor();
    if minutes < 1.0 {
        Some(text::NOW.into())
    } else if minutes < 60.0 {
        Some(text::minutes_ago(minutes as u32))
    } else {
        None
    }
}

/// The inbox's time for a conversation updated at `then_ms`.
pub fn ago(now_ms: f64, then_ms: i64) -> String {
    let then_ms = then_ms as f64;
    if let Some(recent) = relative(now_ms, then_ms) {
        return recent;
    }
    let then = date(then_ms);
    let today = date(now_ms);
    if then.to_date_string() == today.to_date_string() {
        clock(&then)
    } else if now_ms - then_ms < 6.0 * DAY_MS {
        text::WEEKDAYS[then.get_day() as usize % 7].into()
    } else {
        format!(
            "{} {}",
            then.get_date(),
            text::MONTHS[then.get_month() as usize % 12]
        )
    }
}

/// "14:05" for a message sent at `ms`.
pub fn time_of(ms: i64) -> String {
    clock(&date(ms as f64))
}

/// The time now in another time zone ("Mon 21:05"), as the browser knows it.
pub fn time_in(now_ms: f64, zone: &str) -> String {
    let options = js_sys::Object::new();
    for (key, value) in [
        ("timeZone", zone),
        ("weekday", "short"),
        ("hour", "2-digit"),
        ("minute", "2-digit"),
        ("hourCycle", "h23"),
    ] {
        let _ = js_sys::Reflect::set(&options, &key.into(), &value.into());
    }
    String::from(date(now_ms).to_locale_string("en-GB", &options))
}

fn clock(date: &js_sys::Date) -> String {
    format!("{:02}:{:02}", date.get_hours(), date.get_minutes())
}

fn date(ms: f64) -> js_sys::Date {
    js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms))
}

#[cfg(test)]
mod tests {
    use super::relative;

    #[test]
    fn recent_times_read_as_minutes() {
        let now = 1_700_000_000_000.0;
        assert_eq!(relative(now, now - 20_000.0).as_deref(), Some("now"));
        assert_eq!(
            relative(now, now - 5.0 * 60_000.0).as_deref(),
            Some("5 min")
        );
        assert_eq!(relative(now, now - 61.0 * 60_000.0), None);
        // A clock slightly ahead of the relay's is still "now".
        assert_eq!(relative(now, now + 5_000.0).as_deref(), Some("now"));
    }
}
