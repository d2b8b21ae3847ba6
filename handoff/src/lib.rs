//! The rules for handing a conversation from the bot to people, free of
//! storage, clocks and sockets so the relay applies them and tests pin them
//! down: which words ask for a person ([`phrases`], [`lists`]), how upset a
//! visitor seems and why ([`frustration`]), who is answered next and how long
//! they can expect to wait ([`queue`]), and whether a site is open
//! ([`hours`]). Callers pass the time in; nothing here reads a clock.

pub mod frustration;
pub mod hours;
pub mod lists;
pub mod phrases;
pub mod queue;
