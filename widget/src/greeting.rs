//! Which greeting a visitor gets: by name when the widget knows it, by the
//! time of day where they are, and "welcome back" when they have written
//! before (their earlier conversation is then shown below it).

/// The catalogue key of the greeting, and whether it takes `{name}`.
pub fn greeting(name: Option<&str>, returning: bool, local_hour: u32) -> (&'static str, bool) {
    match (name.filter(|n| !n.trim().is_empty()), returning) {
        (Some(_), true) => ("welcome_back", true),
        (None, true) => ("welcome_back_anonymous", false),
        (Some(_), false) => (
            match local_hour {
                5..=11 => "greeting_morning",
                12..=17 => "greeting_afternoon",
                _ => "greeting_evening",
            },
            true,
        ),
        (None, false) => ("greeting_anonymous", false),
    }
}

#[cfg(test)]
mod tests {
    use super::greeting;

    #[test]
    fn a_named_visitor_is_greeted_for_the_time_of_day_where_they_are() {
        assert_eq!(greeting(Some("Ana"), false, 5), ("greeting_morning", true));
        assert_eq!(greeting(Some("Ana"), false, 11), ("greeting_morning", true));
        assert_eq!(
            greeting(Some("Ana"), false, 12),
            ("greeting_afternoon", true)
        );
        assert_eq!(
            greeting(Some("Ana"), false, 17),
            ("greeting_afternoon", true)
        );
        assert_eq!(greeting(Some("Ana"), false, 18), ("greeting_evening", true));
        assert_eq!(greeting(Some("Ana"), false, 2), ("greeting_evening", true));
    }

    #[test]
    fn returning_visitors_are_welcomed_back_with_or_without_a_name() {
        assert_eq!(greeting(Some("Ana"), true, 9), ("welcome_back", true));
        assert_eq!(greeting(None, true, 9), ("welcome_back_anonymous", false));
    }

    #[test]
    fn a_blank_name_counts_as_none() {
        assert_eq!(
            greeting(Some("  "), false, 9),
            ("greeting_anonymous", false)
        );
        assert_eq!(greeting(None, false, 20), ("greeting_anonymous", false));
    }
}
