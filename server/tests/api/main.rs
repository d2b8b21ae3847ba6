//! Integration tests: the real relay on port 0 with its own database, driven
//! over real HTTP and WebSocket connections.

mod agent_socket;
mod assets;
mod faults;
mod helpers;
mod sign_in;
mod store_contract;
mod visitor_socket;
