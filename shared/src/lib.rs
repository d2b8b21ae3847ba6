//! Warmline's wire protocol: every frame the widget, the console and the relay
//! exchange, and the rules both sides apply to them. Serde types only, no I/O,
//! so it builds for the relay (native) and for the browser apps (wasm32).

pub mod api;
mod codec;
mod frames;
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
pub fn validate_text(text: &str) -> Result<&str, ErrorCode> {
    let text = text.trim();
    if text.is_empty() {
        Err(ErrorCode::EmptyMessage)
    } else if text.chars().count() > MAX_TEXT_CHARS {
        Err(ErrorCode::TooLarge)
    } else {
        Ok(text)
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
