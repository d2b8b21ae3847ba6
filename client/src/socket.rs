//! The relay socket: the browser's WebSocket with its events turned into a
//! stream of text frames. Written against `web_sys` directly: the widget
//! needs nothing more, and every layer here is downloaded by every visitor.

use futures::StreamExt;
use futures::channel::mpsc::{self, UnboundedReceiver};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{MessageEvent, WebSocket};

/// What the socket reports.
enum Event {
    Open,
    Text(String),
    /// Closed, or failed (a failure is followed by the close).
    Closed,
}

pub struct Socket {
    ws: WebSocket,
    events: UnboundedReceiver<Event>,
    // Kept alive as long as the socket: the browser calls them.
    _handlers: [Closure<dyn FnMut(web_sys::Event)>; 3],
}

/// Opens the socket and waits for the handshake, so that nothing is sent
/// into a socket that failed to connect (the browser logs each such send).
pub async fn open(url: &str) -> Option<Socket> {
    let ws = WebSocket::new(url).ok()?;
    let (sender, events) = mpsc::unbounded();
    let on = |event: fn(web_sys::Event) -> Event| {
        let sender = sender.clone();
        Closure::<dyn FnMut(web_sys::Event)>::new(move |e| {
            let _ = sender.unbounded_send(event(e));
        })
    };
    let handlers = [
        on(|_| Event::Open),
        on(|e| {
            // Binary frames are not part of the protocol.
            match e
                .dyn_ref::<MessageEvent>()
                .and_then(|m| m.data().as_string())
            {
                Some(text) => Event::Text(text),
                None => Event::Text(String::new()),
            }
        }),
        on(|_| Event::Closed),
    ];
    ws.set_onopen(Some(handlers[0].as_ref().unchecked_ref()));
    ws.set_onmessage(Some(handlers[1].as_ref().unchecked_ref()));
    ws.set_onclose(Some(handlers[2].as_ref().unchecked_ref()));
    let mut socket = Socket {
        ws,
        events,
        _handlers: handlers,
    };
    match socket.events.next().await {
        Some(Event::Open) => Some(socket),
        _ => None,
    }
}

impl Socket {
    /// Sends a frame; `false` if the socket is no longer open.
    pub fn send(&self, text: &str) -> bool {
        self.ws.send_with_str(text).is_ok()
    }

    /// The next text frame; `None` once the socket has closed.
    pub async fn next(&mut self) -> Option<String> {
        loop {
            match self.events.next().await? {
                Event::Text(text) if !text.is_empty() => return Some(text),
                Event::Text(_) | Event::Open => continue,
                Event::Closed => return None,
            }
        }
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        let _ = self.ws.close();
    }
}
