//! The widget's frames as JSON text, without serde. The relay and the console
//! use serde; the widget, which every host page downloads, reads frames with
//! the browser's own `JSON.parse` and writes its few frames by hand, which
//! keeps serde's generic code out of its wasm (about a sixth of its size).
//! The tests hold both directions to serde's wire format.

use warmline_shared::api::ArticleLink;
use warmline_shared::care::{Collect, Feedback, PageView, Reward};
use warmline_shared::handoff::ConversationState;
use warmline_shared::{
    Attachment, Author, ChatMessage, ConversationId, ErrorCode, Identity, Place, Presence,
    ToVisitor, VisitorFrame, Welcomed,
};

/// Read access to parsed JSON: the browser's values in the widget,
/// `serde_json::Value` in the tests.
pub trait Json: Sized {
    /// The field `key` of an object, unless missing or null.
    fn field(&self, key: &str) -> Option<Self>;
    fn string(&self) -> Option<String>;
    fn number(&self) -> Option<f64>;
    fn boolean(&self) -> Option<bool>;
    /// The elements of an array (none for anything else).
    fn items(&self) -> Vec<Self>;
}

impl Json for wasm_bindgen::JsValue {
    fn field(&self, key: &str) -> Option<Self> {
        let value = js_sys::Reflect::get(self, &key.into()).ok()?;
        (!value.is_undefined() && !value.is_null()).then_some(value)
    }
    fn string(&self) -> Option<String> {
        self.as_string()
    }
    fn number(&self) -> Option<f64> {
        self.as_f64()
    }
    fn boolean(&self) -> Option<bool> {
        self.as_bool()
    }
    fn items(&self) -> Vec<Self> {
        if js_sys::Array::is_array(self) {
            js_sys::Array::from(self).to_vec()
        } else {
            Vec::new()
        }
    }
}

/// Reads one frame of the relay's text; `None` for text that is not a frame
/// the widget knows how to read.
pub fn parse(text: &str) -> Option<ToVisitor> {
    decode(&js_sys::JSON::parse(text).ok()?)
}

fn text<J: Json>(v: &J, key: &str) -> Option<String> {
    v.field(key)?.string()
}

fn int<J: Json>(v: &J, key: &str) -> Option<i64> {
    v.field(key)?.number().map(|n| n as i64)
}

fn flag<J: Json>(v: &J, key: &str) -> bool {
    v.field(key).and_then(|f| f.boolean()).unwrap_or(false)
}

fn conversation<J: Json>(v: &J) -> Option<ConversationId> {
    int(v, "conversation_id").map(ConversationId::new)
}

pub fn decode<J: Json>(v: &J) -> Option<ToVisitor> {
    Some(match text(v, "type")?.as_str() {
        "welcome" => ToVisitor::Welcome {
            token: text(v, "token")?,
            conversation_id: conversation(v),
            visitor: Welcomed {
                name: text(v, "name"),
                verified: flag(v, "verified"),
                returning: flag(v, "returning"),
                presence: v
                    .field("presence")
                    .map(|p| presence(&p))
                    .unwrap_or_default(),
                collect: v.field("collect").map(|c| collect(&c)).unwrap_or_default(),
            },
        },
        "presence" => ToVisitor::Presence {
            presence: presence(&v.field("presence")?),
        },
        "handoff" => ToVisitor::Handoff {
            conversation_id: conversation(v)?,
            place: Place {
                state: ConversationState::from_name(&text(v, "state")?)?,
                position: int(v, "position").map(|n| n as u32),
                wait_minutes: int(v, "wait_minutes").map(|n| n as u32),
                by_email: flag(v, "by_email"),
            },
        },
        "typing" => ToVisitor::Typing {
            conversation_id: conversation(v)?,
            author: author(&v.field("author")?)?,
        },
        "read" => ToVisitor::Read {
            conversation_id: conversation(v)?,
            seq: int(v, "seq")?,
        },
        "feedback" => ToVisitor::Feedback {
            feedback: feedback(&v.field("feedback")?)?,
        },
        "message" => ToVisitor::Message {
            message: message(&v.field("message")?)?,
        },
        "ack" => ToVisitor::Ack {
            conversation_id: conversation(v)?,
            client_id: text(v, "client_id")?,
            seq: int(v, "seq")?,
        },
        "error" => ToVisitor::Error {
            code: ErrorCode::from_name(&text(v, "code")?)?,
            message: text(v, "message").unwrap_or_default(),
            client_id: text(v, "client_id"),
        },
        _ => ToVisitor::Other,
    })
}

fn presence<J: Json>(v: &J) -> Presence {
    Presence {
        online: int(v, "online").unwrap_or(0) as u32,
        reply_minutes: int(v, "reply_minutes").map(|m| m as u32),
        closed: flag(v, "closed"),
        opens_at: int(v, "opens_at"),
    }
}

fn collect<J: Json>(v: &J) -> Collect {
    Collect {
        pages: flag(v, "pages"),
        device: flag(v, "device"),
        local_time: flag(v, "local_time"),
        articles: flag(v, "articles"),
    }
}

fn feedback<J: Json>(v: &J) -> Option<Feedback> {
    Some(Feedback {
        conversation_id: conversation(v)?,
        rating: int(v, "rating")? as u8,
        comment: text(v, "comment").unwrap_or_default(),
        at: int(v, "at")?,
        reward: v.field("reward").and_then(|r| reward(&r)),
        answer: text(v, "answer"),
    })
}

fn reward<J: Json>(v: &J) -> Option<Reward> {
    let label = text(v, "label").unwrap_or_default();
    Some(match text(v, "kind")?.as_str() {
        "code" => Reward::Code {
            code: text(v, "code")?,
            label,
        },
        "link" => Reward::Link {
            url: text(v, "url")?,
            label,
        },
        _ => return None,
    })
}

fn author<J: Json>(v: &J) -> Option<Author> {
    let name = || text(v, "name");
    Some(match text(v, "kind")?.as_str() {
        "visitor" => Author::Visitor,
        "agent" => Author::Agent { name: name()? },
        "bot" => Author::Bot { name: name()? },
        "system" => Author::System,
        _ => return None,
    })
}

fn message<J: Json>(v: &J) -> Option<ChatMessage> {
    Some(ChatMessage {
        conversation_id: conversation(v)?,
        seq: int(v, "seq")?,
        client_id: text(v, "client_id")?,
        author: author(&v.field("author")?)?,
        text: text(v, "text")?,
        sent_at: int(v, "sent_at")?,
        attachment: v.field("attachment").and_then(|a| attachment(&a)),
        articles: v.field("articles").map(|a| links(&a)).unwrap_or_default(),
        wants_person: flag(v, "wants_person"),
        options: v
            .field("options")
            .map(|o| o.items().iter().filter_map(|i| i.string()).collect())
            .unwrap_or_default(),
        picked: int(v, "picked"),
    })
}

/// A list of articles: in a message, or as the relay's help answers.
pub fn links<J: Json>(v: &J) -> Vec<ArticleLink> {
    v.items()
        .iter()
        .filter_map(|l| {
            Some(ArticleLink {
                id: int(l, "id")?,
                title: text(l, "title")?,
                lang: text(l, "lang").unwrap_or_default(),
                snippet: text(l, "snippet").unwrap_or_default(),
            })
        })
        .collect()
}

pub fn attachment<J: Json>(v: &J) -> Option<Attachment> {
    Some(Attachment {
        id: text(v, "id")?,
        name: text(v, "name")?,
        mime: text(v, "mime")?,
        size: int(v, "size")? as u64,
    })
}

/// Writes a frame as the relay reads it.
pub fn encode(frame: &VisitorFrame) -> String {
    let mut out = Object::new();
    match frame {
        VisitorFrame::Hello {
            site,
            token,
            last_seq,
            page,
            identity,
            name,
            lang,
        } => {
            out.string("type", "hello");
            out.string("site", site);
            out.optional("token", token);
            out.number("last_seq", *last_seq);
            out.optional("page", page);
            if let Some(identity) = identity {
                out.raw("identity", &encode_identity(identity));
            }
            out.optional("name", name);
            out.optional("lang", lang);
        }
        VisitorFrame::Send {
            client_id,
            text,
            attachment,
        } => {
            out.string("type", "send");
            out.string("client_id", client_id);
            out.string("text", text);
            out.optional("attachment", attachment);
        }
        VisitorFrame::Typing => out.string("type", "typing"),
        VisitorFrame::Name { name } => {
            out.string("type", "name");
            out.string("name", name);
        }
        VisitorFrame::Person {
            client_id,
            article,
            declined,
        } => {
            out.string("type", "person");
            out.string("client_id", client_id);
            if let Some(article) = article {
                out.number("article", *article);
            }
            if *declined {
                out.raw("declined", "true");
            }
        }
        VisitorFrame::Leave {
            client_id,
            name,
            email,
            text,
        } => {
            out.string("type", "leave");
            out.string("client_id", client_id);
            out.string("name", name);
            out.string("email", email);
            out.string("text", text);
        }
        VisitorFrame::Pick {
            client_id,
            seq,
            option,
        } => {
            out.string("type", "pick");
            out.string("client_id", client_id);
            out.number("seq", *seq);
            out.number("option", i64::from(*option));
        }
        VisitorFrame::Rate {
            conversation_id,
            rating,
            comment,
        } => {
            out.string("type", "rate");
            out.number("conversation_id", conversation_id.get());
            out.number("rating", i64::from(*rating));
            out.string("comment", comment);
        }
        VisitorFrame::Visit {
            pages,
            referrer,
            time_zone,
            articles,
        } => {
            out.string("type", "visit");
            let pages: Vec<String> = pages.iter().map(encode_page).collect();
            out.raw("pages", &["[", &pages.join(","), "]"].concat());
            out.optional("referrer", referrer);
            out.optional("time_zone", time_zone);
            let ids: Vec<String> = articles
                .iter()
                .map(|id| warmline_client::view::number(id.unsigned_abs()))
                .collect();
            out.raw("articles", &["[", &ids.join(","), "]"].concat());
        }
    }
    out.finish()
}

fn encode_page(page: &PageView) -> String {
    let mut out = Object::new();
    out.string("url", &page.url);
    out.string("title", &page.title);
    out.number("at", page.at);
    out.finish()
}

fn encode_identity(identity: &Identity) -> String {
    let mut out = Object::new();
    out.string("user_id", &identity.user_id);
    out.optional("name", &identity.name);
    out.optional("email", &identity.email);
    out.optional("user_hash", &identity.user_hash);
    out.finish()
}

/// A JSON object being written, field by field.
struct Object(String);

impl Object {
    fn new() -> Self {
        Self(String::from("{"))
    }

    fn key(&mut self, key: &str) {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        quote(&mut self.0, key);
        self.0.push(':');
    }

    fn string(&mut self, key: &str, value: &str) {
        self.key(key);
        quote(&mut self.0, value);
    }

    /// A value already written as JSON.
    fn raw(&mut self, key: &str, json: &str) {
        self.key(key);
        self.0.push_str(json);
    }

    fn optional(&mut self, key: &str, value: &Option<String>) {
        if let Some(value) = value {
            self.string(key, value);
        }
    }

    fn number(&mut self, key: &str, value: i64) {
        self.key(key);
        if value < 0 {
            self.0.push('-');
        }
        self.0
            .push_str(&warmline_client::view::number(value.unsigned_abs()));
    }

    fn finish(mut self) -> String {
        self.0.push('}');
        self.0
    }
}

/// Appends `text` as a JSON string.
fn quote(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 15] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use warmline_shared::ServerFrame;

    use super::*;

    impl Json for serde_json::Value {
        fn field(&self, key: &str) -> Option<Self> {
            self.get(key).filter(|v| !v.is_null()).cloned()
        }
        fn string(&self) -> Option<String> {
            self.as_str().map(str::to_owned)
        }
        fn number(&self) -> Option<f64> {
            self.as_f64()
        }
        fn boolean(&self) -> Option<bool> {
            self.as_bool()
        }
        fn items(&self) -> Vec<Self> {
            self.as_array().cloned().unwrap_or_default()
        }
    }

    fn read(frame: &ServerFrame) -> Option<ToVisitor> {
        decode(&serde_json::to_value(frame).unwrap())
    }

    fn message(author: Author, attachment: Option<Attachment>) -> ChatMessage {
        ChatMessage {
            conversation_id: ConversationId::new(4),
            seq: 9,
            client_id: "c-1".into(),
            author,
            text: "გამარჯობა \"quoted\"\n".into(),
            sent_at: 1_700_000_000_123,
            attachment,
            articles: Vec::new(),
            wants_person: false,
            options: Vec::new(),
            picked: None,
        }
    }

    #[test]
    fn reads_every_frame_for_visitors_as_serde_writes_it() {
        let authors = [
            Author::Visitor,
            Author::Agent {
                name: "Nino".into(),
            },
            Author::Bot {
                name: "Helper".into(),
            },
            Author::System,
        ];
        let file = Attachment {
            id: "f1".into(),
            name: "receipt.pdf".into(),
            mime: "application/pdf".into(),
            size: 10_485_760,
        };
        let mut frames = vec![
            ServerFrame::Welcome {
                token: "tok".into(),
                conversation_id: Some(ConversationId::new(4)),
                visitor: Welcomed {
                    name: Some("Ana".into()),
                    verified: true,
                    returning: true,
                    presence: Presence {
                        online: 2,
                        reply_minutes: Some(4),
                        closed: false,
                        opens_at: None,
                    },
                    collect: Default::default(),
                },
            },
            ServerFrame::Welcome {
                token: "tok".into(),
                conversation_id: None,
                visitor: Welcomed::default(),
            },
            ServerFrame::Presence {
                presence: Presence {
                    online: 0,
                    reply_minutes: None,
                    closed: true,
                    opens_at: Some(1_795_420_800_000),
                },
            },
            ServerFrame::Handoff {
                conversation_id: ConversationId::new(4),
                place: Place {
                    state: ConversationState::Waiting,
                    position: Some(2),
                    wait_minutes: Some(0),
                    by_email: true,
                },
            },
            ServerFrame::Handoff {
                conversation_id: ConversationId::new(4),
                place: Place {
                    state: ConversationState::Assigned,
                    ..Place::default()
                },
            },
            ServerFrame::Read {
                conversation_id: ConversationId::new(4),
                seq: 3,
            },
            ServerFrame::Ack {
                conversation_id: ConversationId::new(4),
                client_id: "c-1".into(),
                seq: 3,
            },
            ServerFrame::Message {
                message: message(Author::Visitor, Some(file)),
            },
            ServerFrame::Message {
                message: ChatMessage {
                    articles: vec![
                        ArticleLink {
                            id: 7,
                            title: "დამავიწყდა პაროლი".into(),
                            lang: "ka".into(),
                            snippet: String::new(),
                        },
                        ArticleLink {
                            id: 8,
                            title: "Returns".into(),
                            lang: String::new(),
                            snippet: "Unopened packs…".into(),
                        },
                    ],
                    wants_person: true,
                    ..message(Author::Visitor, None)
                },
            },
        ];
        frames.push(ServerFrame::Message {
            message: ChatMessage {
                options: vec!["Refund".into(), "Store credit \"2\"".into()],
                ..message(
                    Author::Agent {
                        name: "Nino".into(),
                    },
                    None,
                )
            },
        });
        frames.push(ServerFrame::Message {
            message: ChatMessage {
                picked: Some(8),
                ..message(Author::Visitor, None)
            },
        });
        let rewards = [
            None,
            Some(Reward::Code {
                code: "THANKS10".into(),
                label: "10% off".into(),
            }),
            Some(Reward::Link {
                url: "https://shop.example/thanks".into(),
                label: String::new(),
            }),
        ];
        for reward in rewards {
            frames.push(ServerFrame::Feedback {
                feedback: Feedback {
                    conversation_id: ConversationId::new(4),
                    rating: 5,
                    comment: "ძალიან კარგი".into(),
                    at: 1_700_000_000_000,
                    answer: reward.as_ref().map(|_| "We fixed it".into()),
                    reward,
                },
            });
        }
        frames.push(ServerFrame::Welcome {
            token: "tok".into(),
            conversation_id: None,
            visitor: Welcomed {
                collect: Collect {
                    pages: true,
                    device: false,
                    local_time: true,
                    articles: true,
                },
                ..Welcomed::default()
            },
        });
        for author in authors {
            frames.push(ServerFrame::Message {
                message: message(author.clone(), None),
            });
            frames.push(ServerFrame::Typing {
                conversation_id: ConversationId::new(4),
                author,
            });
        }
        for code in ErrorCode::ALL {
            frames.push(ServerFrame::error(code));
            frames.push(ServerFrame::Error {
                code,
                message: "refused".into(),
                client_id: Some("c-2".into()),
            });
        }
        for frame in frames {
            let by_serde: ToVisitor =
                serde_json::from_str(&serde_json::to_string(&frame).unwrap()).unwrap();
            assert_eq!(read(&frame), Some(by_serde), "{frame:?}");
        }
    }

    #[test]
    fn skips_the_agents_frames_and_refuses_broken_ones() {
        let inbox = ServerFrame::Inbox {
            conversations: Vec::new(),
            more: false,
        };
        assert_eq!(read(&inbox), Some(ToVisitor::Other));
        let broken = serde_json::json!({"type": "ack", "client_id": "c"});
        assert_eq!(decode(&broken), None);
        assert_eq!(decode(&serde_json::json!({"text": "no type"})), None);
    }

    #[test]
    fn writes_every_visitor_frame_as_serde_reads_it() {
        let frames = [
            VisitorFrame::Hello {
                site: "demo".into(),
                token: Some("tok".into()),
                last_seq: 12,
                page: Some("https://shop.example/a?b=\"c\"".into()),
                identity: Some(Identity {
                    user_id: "u\\7".into(),
                    name: Some("Ana".into()),
                    email: Some("ana@example.com".into()),
                    user_hash: Some("ab".into()),
                }),
                name: None,
                lang: None,
            },
            VisitorFrame::Hello {
                site: "demo".into(),
                token: None,
                last_seq: 0,
                page: None,
                identity: None,
                name: Some("Մարիամ".into()),
                lang: Some("hy".into()),
            },
            VisitorFrame::Send {
                client_id: "c-1".into(),
                text: "line\none\ttab \u{1} \u{7f} 🙂".into(),
                attachment: Some("f1".into()),
            },
            VisitorFrame::Send {
                client_id: "c-2".into(),
                text: "no file".into(),
                attachment: None,
            },
            VisitorFrame::Typing,
            VisitorFrame::Name { name: "Ana".into() },
            VisitorFrame::Person {
                client_id: "c-3".into(),
                article: Some(12),
                declined: false,
            },
            VisitorFrame::Person {
                client_id: "c-4".into(),
                article: None,
                declined: true,
            },
            VisitorFrame::Pick {
                client_id: "c-6".into(),
                seq: 14,
                option: 2,
            },
            VisitorFrame::Rate {
                conversation_id: ConversationId::new(4),
                rating: 4,
                comment: "Quick \"and\" kind".into(),
            },
            VisitorFrame::Visit {
                pages: vec![
                    PageView {
                        url: "https://shop.example/".into(),
                        title: "Shop".into(),
                        at: 1_700_000_000_000,
                    },
                    PageView {
                        url: "https://shop.example/cart?x=\"1\"".into(),
                        title: String::new(),
                        at: 1_700_000_060_000,
                    },
                ],
                referrer: Some("https://search.example/".into()),
                time_zone: Some("Asia/Tbilisi".into()),
                articles: vec![3, 12],
            },
            VisitorFrame::Visit {
                pages: Vec::new(),
                referrer: None,
                time_zone: None,
                articles: Vec::new(),
            },
            VisitorFrame::Leave {
                client_id: "c-5".into(),
                name: "ნინო".into(),
                email: "nino@example.ge".into(),
                text: "Call me \"back\"".into(),
            },
        ];
        for frame in frames {
            let text = encode(&frame);
            let by_serde: VisitorFrame = serde_json::from_str(&text).unwrap();
            assert_eq!(by_serde, frame, "{text}");
        }
    }
}
