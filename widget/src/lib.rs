//! The visitor widget (being written).
