//! The relay socket: opening it, and reading the relay's frames.

use futures::SinkExt;
use gloo_net::websocket::State;
use gloo_net::websocket::futures::WebSocket;
use serde::de::DeserializeOwned;

/// Reads a frame from the relay. `warmline_shared::decode` classifies bad
/// input for the relay's error replies; a client just skips a frame it cannot
/// read, and parsing straight into the type keeps `serde_json::Value` and its
/// number formatting out of the wasm.
pub fn parse<T: DeserializeOwned>(text: &str) -> serde_json::Result<T> {
    serde_json::from_str(text)
}

/// Opens the socket and waits for the handshake, so that nothing is sent
/// into a socket that failed to connect (the browser logs each such send).
pub async fn open(url: &str) -> Option<WebSocket> {
    let mut socket = WebSocket::open(url).ok()?;
    // gloo's sink becomes ready when the socket opens or fails.
    futures::future::poll_fn(|cx| socket.poll_ready_unpin(cx))
        .await
        .ok()?;
    matches!(socket.state(), State::Open).then_some(socket)
}
