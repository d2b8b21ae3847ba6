//! The agent console (being written).
