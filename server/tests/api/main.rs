//! Integration tests: the real relay on port 0 with its own database, driven
//! over real HTTP and WebSocket connections.

mod agent_socket;
mod agent_tools;
mod assets;
mod attachments;
mod care;
mod fanout_nats;
mod faults;
mod handoff;
mod helpers;
mod identity;
mod knowledge;
mod live;
mod several_relays;
mod sign_in;
mod sites;
mod store_contract;
mod visitor_socket;
