//! Turning frames into JSON text and back, with the size and shape checks the
//! relay answers with an `Error` frame.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{ErrorCode, MAX_FRAME_BYTES};

/// Why a frame could not be decoded. Carries the detail for the client; the
/// relay sends it back as-is, since it only describes the client's own input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameError {
    pub code: ErrorCode,
    pub detail: String,
}

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.code.describe(), self.detail)
    }
}

impl std::error::Error for FrameError {}

impl FrameError {
    fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
        }
    }

    /// The `Error` frame that answers this failure.
    pub fn to_frame(&self) -> crate::ServerFrame {
        crate::ServerFrame::Error {
            code: self.code,
            message: self.to_string(),
            client_id: None,
        }
    }
}

/// Decodes one frame of text, telling apart oversized input, text that is not
/// a JSON object with a `type`, a `type` this side does not accept, and a
/// known type with wrong fields.
pub fn decode<T: DeserializeOwned>(text: &str) -> Result<T, FrameError> {
    if text.len() > MAX_FRAME_BYTES {
        return Err(FrameError::new(
            ErrorCode::TooLarge,
            format!("({} bytes; the limit is {MAX_FRAME_BYTES})", text.len()),
        ));
    }
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| FrameError::new(ErrorCode::Malformed, format!("({e})")))?;
    if !value.get("type").is_some_and(|t| t.is_string()) {
        return Err(FrameError::new(
            ErrorCode::Malformed,
            "(expected an object with a string field \"type\")",
        ));
    }
    T::deserialize(value).map_err(|e| {
        let detail = format!("({e})");
        // serde words an unrecognised internal tag this way; a bad field inside a
        // known frame is worded otherwise.
        if detail.starts_with("(unknown variant") {
            FrameError::new(ErrorCode::UnknownType, detail)
        } else {
            FrameError::new(ErrorCode::Malformed, detail)
        }
    })
}

/// Encodes a frame as JSON text. Frames are plain data, so this cannot fail.
pub fn encode<T: Serialize>(frame: &T) -> String {
    serde_json::to_string(frame).expect("frames always serialise")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handoff::*;
    use crate::*;

    fn round_trip<T>(frame: T)
    where
        T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        let text = encode(&frame);
        assert_eq!(decode::<T>(&text).unwrap(), frame, "{text}");
    }

    fn welcomed() -> Welcomed {
        Welcomed {
            name: Some("Ana".into()),
            verified: true,
            returning: true,
            presence: Presence {
                online: 2,
                reply_minutes: Some(3),
                closed: false,
                opens_at: None,
            },
            collect: Default::default(),
        }
    }

    #[test]
    fn error_code_names_are_the_wire_names() {
        for code in ErrorCode::ALL {
            assert_eq!(encode(&code), format!("\"{}\"", code.name()));
            assert_eq!(ErrorCode::from_name(code.name()), Some(code));
        }
    }

    fn summary() -> ConversationSummary {
        ConversationSummary {
            id: ConversationId::new(7),
            visitor: "Nino".into(),
            page: Some("https://shop.example/pricing".into()),
            last_seq: 3,
            last_text: Some("გამარჯობა".into()),
            updated_at: 1_700_000_000_000,
            name_source: NameSource::Verified,
            state: ConversationState::Waiting,
            reason: Some(HandoffReason::Frustration),
            waiting_since: Some(1_700_000_000_000),
            assigned_to: None,
            agent: None,
            offered_to: Some(AgentId::new(2)),
            frustration: Frustration {
                score: 2,
                signals: vec![
                    Signal::Shouting,
                    Signal::AngryWords {
                        words: vec!["საშინელება".into()],
                    },
                    Signal::LongWait { minutes: 6 },
                ],
            },
            note: Some("VIP".into()),
            resolution: None,
            lang: "ka".into(),
            by_email: true,
            rating: None,
        }
    }

    #[test]
    fn every_visitor_frame_round_trips() {
        round_trip(VisitorFrame::Hello {
            site: "demo".into(),
            token: Some("t".into()),
            last_seq: 4,
            page: Some("/pricing".into()),
            identity: Some(Identity {
                user_id: "u-7".into(),
                name: Some("Ana".into()),
                email: None,
                user_hash: Some("ab12".into()),
            }),
            name: None,
            lang: None,
        });
        round_trip(VisitorFrame::Hello {
            site: "demo".into(),
            token: None,
            last_seq: 0,
            page: None,
            identity: None,
            name: Some("Mariam".into()),
            lang: None,
        });
        round_trip(VisitorFrame::Send {
            client_id: "c1".into(),
            text: "Բարեւ".into(),
            attachment: Some("f1".into()),
        });
        round_trip(VisitorFrame::Typing);
        round_trip(VisitorFrame::Name {
            name: "Mariam".into(),
        });
        round_trip(VisitorFrame::Person {
            client_id: "c2".into(),
            article: Some(3),
            declined: true,
        });
        round_trip(VisitorFrame::Leave {
            client_id: "c3".into(),
            name: "Mariam".into(),
            email: "m@example.am".into(),
            text: "Please call".into(),
        });
    }

    #[test]
    fn every_agent_frame_round_trips() {
        round_trip(AgentFrame::Open {
            conversation_id: ConversationId::new(1),
            last_seq: 2,
        });
        round_trip(AgentFrame::Close {
            conversation_id: ConversationId::new(1),
        });
        round_trip(AgentFrame::MoreInbox {
            after: summary().cursor(),
        });
        round_trip(AgentFrame::Send {
            conversation_id: ConversationId::new(1),
            client_id: "a1".into(),
            text: "Hi Nino".into(),
            options: Vec::new(),
        });
        round_trip(AgentFrame::Typing {
            conversation_id: ConversationId::new(1),
        });
        round_trip(AgentFrame::Read {
            conversation_id: ConversationId::new(1),
            seq: 4,
        });
        round_trip(AgentFrame::Availability {
            availability: Availability::Away,
            capacity: 5,
        });
        round_trip(AgentFrame::Accept {
            conversation_id: ConversationId::new(1),
        });
        round_trip(AgentFrame::Decline {
            conversation_id: ConversationId::new(1),
        });
        round_trip(AgentFrame::Transfer {
            conversation_id: ConversationId::new(1),
            to: AgentId::new(3),
            note: "Billing question".into(),
        });
        round_trip(AgentFrame::Resolve {
            conversation_id: ConversationId::new(1),
            resolution: "refund".into(),
        });
    }

    #[test]
    fn every_server_frame_round_trips() {
        round_trip(ServerFrame::Welcome {
            token: "tok".into(),
            conversation_id: Some(ConversationId::new(3)),
            visitor: welcomed(),
        });
        round_trip(ServerFrame::Welcome {
            token: "tok".into(),
            conversation_id: None,
            visitor: Welcomed::default(),
        });
        round_trip(ServerFrame::Presence {
            presence: welcomed().presence,
        });
        round_trip(ServerFrame::Typing {
            conversation_id: ConversationId::new(3),
            author: Author::Visitor,
        });
        round_trip(ServerFrame::Read {
            conversation_id: ConversationId::new(3),
            seq: 9,
        });
        round_trip(ServerFrame::Inbox {
            conversations: vec![summary()],
            more: true,
        });
        round_trip(ServerFrame::InboxPage {
            conversations: vec![summary()],
            more: false,
        });
        round_trip(ServerFrame::Conversation {
            conversation: summary(),
        });
        round_trip(ServerFrame::Handoff {
            conversation_id: ConversationId::new(3),
            place: Place {
                state: ConversationState::Waiting,
                position: Some(3),
                wait_minutes: None,
                by_email: false,
            },
        });
        round_trip(ServerFrame::Offer {
            conversation: summary(),
            expires_at: 5,
        });
        round_trip(ServerFrame::OfferEnded {
            conversation_id: ConversationId::new(3),
        });
        round_trip(ServerFrame::Desk {
            desk: Desk {
                team: vec![Teammate {
                    id: AgentId::new(2),
                    name: "Nino".into(),
                    availability: Availability::Online,
                    capacity: 3,
                    load: 1,
                    connected: true,
                }],
                waiting: 4,
                bot: 2,
                closed: 9,
            },
        });
        for author in [
            Author::Visitor,
            Author::Agent { name: "Ana".into() },
            Author::Bot {
                name: "Helper".into(),
            },
            Author::System,
        ] {
            round_trip(ServerFrame::Message {
                message: ChatMessage {
                    conversation_id: ConversationId::new(1),
                    seq: 1,
                    client_id: "c1".into(),
                    author,
                    text: "hello".into(),
                    sent_at: 1,
                    attachment: Some(Attachment {
                        id: "f1".into(),
                        name: "receipt.pdf".into(),
                        mime: "application/pdf".into(),
                        size: 1234,
                    }),
                    articles: Vec::new(),
                    wants_person: false,
                    options: Vec::new(),
                    picked: None,
                },
            });
        }
        round_trip(ServerFrame::Ack {
            conversation_id: ConversationId::new(1),
            client_id: "c1".into(),
            seq: 1,
        });
        round_trip(ServerFrame::error(ErrorCode::RateLimited));
    }

    #[test]
    fn the_visitors_view_reads_their_frames_alike_and_skips_the_agents() {
        let message = ChatMessage {
            conversation_id: ConversationId::new(1),
            seq: 2,
            client_id: "c1".into(),
            author: Author::Bot {
                name: "Helper".into(),
            },
            text: "hello".into(),
            sent_at: 1,
            attachment: None,
            articles: Vec::new(),
            wants_person: false,
            options: Vec::new(),
            picked: None,
        };
        let read = |frame: &ServerFrame| decode::<ToVisitor>(&encode(frame)).unwrap();
        assert_eq!(
            read(&ServerFrame::Welcome {
                token: "t".into(),
                conversation_id: Some(ConversationId::new(3)),
                visitor: welcomed(),
            }),
            ToVisitor::Welcome {
                token: "t".into(),
                conversation_id: Some(ConversationId::new(3)),
                visitor: welcomed(),
            }
        );
        assert_eq!(
            read(&ServerFrame::Message {
                message: message.clone()
            }),
            ToVisitor::Message { message }
        );
        assert_eq!(
            read(&ServerFrame::Ack {
                conversation_id: ConversationId::new(1),
                client_id: "c1".into(),
                seq: 2,
            }),
            ToVisitor::Ack {
                conversation_id: ConversationId::new(1),
                client_id: "c1".into(),
                seq: 2,
            }
        );
        assert_eq!(
            read(&ServerFrame::error(ErrorCode::RateLimited)),
            ToVisitor::Error {
                code: ErrorCode::RateLimited,
                message: ErrorCode::RateLimited.describe().into(),
                client_id: None,
            }
        );
        for agents_only in [
            ServerFrame::Inbox {
                conversations: vec![summary()],
                more: false,
            },
            ServerFrame::InboxPage {
                conversations: vec![summary()],
                more: true,
            },
            ServerFrame::Conversation {
                conversation: summary(),
            },
            ServerFrame::Offer {
                conversation: summary(),
                expires_at: 5,
            },
            ServerFrame::Desk {
                desk: Desk::default(),
            },
        ] {
            assert_eq!(read(&agents_only), ToVisitor::Other);
        }
    }

    #[test]
    fn the_wire_names_are_stable() {
        let text = encode(&VisitorFrame::Send {
            client_id: "c1".into(),
            text: "hi".into(),
            attachment: None,
        });
        assert_eq!(text, r#"{"type":"send","client_id":"c1","text":"hi"}"#);
        let text = encode(&ServerFrame::error(ErrorCode::TooLarge));
        assert!(
            text.starts_with(r#"{"type":"error","code":"too_large""#),
            "{text}"
        );
    }

    #[test]
    fn malformed_json_is_refused_as_malformed() {
        for text in [
            "",
            "{",
            "not json",
            "[1,2]",
            "{\"text\":\"no type\"}",
            "{\"type\":5}",
        ] {
            let err = decode::<VisitorFrame>(text).unwrap_err();
            assert_eq!(err.code, ErrorCode::Malformed, "{text}: {err}");
        }
    }

    #[test]
    fn a_known_type_with_wrong_fields_is_malformed() {
        let err = decode::<VisitorFrame>(r#"{"type":"send","text":"no id"}"#).unwrap_err();
        assert_eq!(err.code, ErrorCode::Malformed);
        assert!(err.detail.contains("client_id"), "{err}");
    }

    #[test]
    fn unknown_types_are_refused_by_name() {
        let err = decode::<VisitorFrame>(r#"{"type":"launch_missiles"}"#).unwrap_err();
        assert_eq!(err.code, ErrorCode::UnknownType);
        // A visitor cannot send an agent's frame.
        let agent_only = encode(&AgentFrame::Close {
            conversation_id: ConversationId::new(1),
        });
        let err = decode::<VisitorFrame>(&agent_only).unwrap_err();
        assert_eq!(err.code, ErrorCode::UnknownType);
    }

    #[test]
    fn oversized_frames_are_refused_before_parsing() {
        let text = format!(
            r#"{{"type":"send","client_id":"c","text":"{}"}}"#,
            "x".repeat(MAX_FRAME_BYTES)
        );
        let err = decode::<VisitorFrame>(&text).unwrap_err();
        assert_eq!(err.code, ErrorCode::TooLarge);
        match err.to_frame() {
            ServerFrame::Error { code, message, .. } => {
                assert_eq!(code, ErrorCode::TooLarge);
                assert!(message.contains("limit"), "{message}");
            }
            other => panic!("not an error frame: {other:?}"),
        }
    }
}
