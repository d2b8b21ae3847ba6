//! Console presence (see `store::consoles`).

crate::store::consoles::consoles_for!(super::PgStore);
