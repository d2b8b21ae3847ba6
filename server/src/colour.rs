//! Owner colours made readable: whatever accent an owner picks, the text on
//! it is white or black, whichever has the higher WCAG contrast. One of the
//! two always reaches 4.58:1, above AA's 4.5:1 for body text.

/// `#rrggbb` → its three channels.
pub fn parse_hex(text: &str) -> Option<[u8; 3]> {
    let hex = text.strip_prefix('#')?;
    if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some([channel(0)?, channel(2)?, channel(4)?])
}

/// WCAG 2 relative luminance.
fn luminance([r, g, b]: [u8; 3]) -> f64 {
    let linear = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
}

/// WCAG 2 contrast ratio between two colours (1 to 21).
pub fn contrast(a: [u8; 3], b: [u8; 3]) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

pub const LIGHT_TEXT: &str = "#ffffff";
pub const DARK_TEXT: &str = "#000000";

/// The text colour to put on `accent`.
pub fn text_on(accent: [u8; 3]) -> &'static str {
    let light = contrast(accent, [0xff, 0xff, 0xff]);
    let dark = contrast(accent, [0, 0, 0]);
    if light >= dark { LIGHT_TEXT } else { DARK_TEXT }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_hex_colours() {
        assert_eq!(parse_hex("#c2410c"), Some([0xc2, 0x41, 0x0c]));
        assert_eq!(parse_hex("#FFF"), None);
        assert_eq!(parse_hex("c2410c"), None);
        assert_eq!(parse_hex("#zz410c"), None);
    }

    #[test]
    fn contrast_matches_wcag() {
        let white = [255, 255, 255];
        assert!((contrast([0, 0, 0], white) - 21.0).abs() < 0.01);
        assert!((contrast(white, white) - 1.0).abs() < 0.01);
    }

    /// Every accent gets text of at least AA contrast for body text (4.5:1).
    #[test]
    fn any_accent_gets_readable_text() {
        for r in (0..=255).step_by(17) {
            for g in (0..=255).step_by(17) {
                for b in (0..=255).step_by(17) {
                    let accent = [r as u8, g as u8, b as u8];
                    let text = parse_hex(text_on(accent)).unwrap();
                    assert!(contrast(accent, text) >= 4.5, "{accent:?}");
                }
            }
        }
        let default = parse_hex("#c2410c").unwrap();
        assert_eq!(text_on(default), LIGHT_TEXT);
        assert!(contrast(default, [255, 255, 255]) >= 4.5);
    }
}
