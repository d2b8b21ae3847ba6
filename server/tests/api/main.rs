//! Integration tests: the real relay on port 0 with its own database, driven
//! over real HTTP and WebSocket connections.

mod helpers;
mod sign_in;
mod visitor_socket;
mod agent_socket;
