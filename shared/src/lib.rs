//! Warmline's wire protocol: every frame the widget, the console and the relay
//! exchange, and the rules both sides apply to them. Serde types only, no I/O,
//! so it builds for the relay (native) and for the browser apps (wasm32).

pub mod api;
pub mod care;
mod codec;
mod frames;
pub mod handoff;
mod ids;
pub mod transcript;

pub use codec::{FrameError, decode, encode};
pub use frames::*;
pub use ids::{AgentId, ConversationId, SiteId, VisitorId};

/// Largest frame, in bytes of JSON text, that the relay accepts from a client.
/// A chat message fits many times over; anything larger is refused with a
/// `too_large` error frame and the connection stays open.
pub const MAX_FRAME_BYTES: usize = 16 * 1024;

/// Longest message text, in characters (not bytes, so Georgian and Armenian
/// text get the same allowance as Latin).
pub const MAX_TEXT_CHARS: usize = 4000;

/// Longest client-generated message id.
pub const MAX_CLIENT_ID_CHARS: usize = 64;

/// Checks the text of a message a person wants to send and returns it trimmed.
/// Both sides call this: the apps to disable "Send", the relay to refuse.
/// Text of nothing but invisible characters is as empty as no text.
pub fn validate_text(text: &str) -> Result<&str, ErrorCode> {
    let text = text.trim();
    if text.chars().all(is_invisible) {
        Err(ErrorCode::EmptyMessage)
    } else if text.chars().count() > MAX_TEXT_CHARS {
        Err(ErrorCode::TooLarge)
    } else {
        Ok(text)
    }
}

/// Characters that show nothing by themselves: zero-width spaces and joiners,
/// invisible format and direction controls, fillers that render blank.
fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || is_direction_control(c)
        || matches!(
            c,
            '\u{00AD}' | '\u{034F}' | '\u{115F}' | '\u{1160}' | '\u{180E}'
                | '\u{200B}'..='\u{200D}' | '\u{2060}'..='\u{2064}' | '\u{2800}'
                | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}'
        )
}

/// Characters that change the direction of the text around them.
fn is_direction_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A text as the apps show it: the embedding, override and isolate controls
/// are dropped, so a message cannot reverse how the text after it reads
/// ("gpj.exe" shown as "exe.jpg") or spill its direction into the page. The
/// stored text stays as it was sent. Ordinary right-to-left text needs none
/// of these and is unaffected.
pub fn display_text(text: &str) -> std::borrow::Cow<'_, str> {
    let overrides = |c: char| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
    if text.contains(overrides) {
        text.replace(overrides, "").into()
    } else {
        text.into()
    }
}

/// Checks a client-generated message id: non-empty, short, printable ASCII.
pub fn validate_client_id(id: &str) -> Result<(), ErrorCode> {
    let ok = !id.is_empty()
        && id.len() <= MAX_CLIENT_ID_CHARS
        && id.bytes().all(|b| b.is_ascii_graphic());
    if ok {
        Ok(())
    } else {
        Err(ErrorCode::BadClientId)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded_in_characters() {
        assert_eq!(validate_text("  hello \n"), Ok("hello"));
        assert_eq!(validate_text("   "), Err(ErrorCode::EmptyMessage));
        // Georgian letters are 3 bytes each in UTF-8; the limit counts characters.
        let georgian = "ა".repeat(MAX_TEXT_CHARS);
        assert!(validate_text(&georgian).is_ok());
        let too_long = "ა".repeat(MAX_TEXT_CHARS + 1);
        assert_eq!(validate_text(&too_long), Err(ErrorCode::TooLarge));
    }

    #[test]
    fn text_of_only_invisible_characters_is_empty() {
        for text in [
            "\u{200B}",
            "\u{200B}\u{200C}\u{FEFF}",
            " \u{2060} ",
            "\u{202E}\u{2066}",
            "\u{3164}",
        ] {
            assert_eq!(
                validate_text(text),
                Err(ErrorCode::EmptyMessage),
                "{text:?}"
            );
        }
        // Joiners inside real words are kept.
        assert_eq!(validate_text("می\u{200C}خواهم"), Ok("می\u{200C}خواهم"));
        assert_eq!(validate_text("👩\u{200D}💻"), Ok("👩\u{200D}💻"));
    }

    #[test]
    fn direction_overrides_are_dropped_for_display_only() {
        assert_eq!(display_text("invoice\u{202E}fdp.exe"), "invoicefdp.exe");
        assert_eq!(display_text("a\u{2067}b\u{2069}c"), "abc");
        // Plain text, Georgian, Armenian and right-to-left text are untouched.
        for text in ["hello", "გამარჯობა", "Բարեւ", "שלום", "مرحبا"]
        {
            assert!(matches!(display_text(text), std::borrow::Cow::Borrowed(t) if t == text));
        }
    }

    #[test]
    fn client_ids_must_be_short_printable_ascii() {
        assert!(validate_client_id("c-1f3a").is_ok());
        assert_eq!(validate_client_id(""), Err(ErrorCode::BadClientId));
        assert_eq!(validate_client_id("has space"), Err(ErrorCode::BadClientId));
        assert_eq!(
            validate_client_id(&"x".repeat(MAX_CLIENT_ID_CHARS + 1)),
            Err(ErrorCode::BadClientId)
        );
    }
}
