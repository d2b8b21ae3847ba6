use sqlx::FromRow;
use warmline_shared::api::Block;

#[derive(FromRow)]
pub(in crate::store) struct BlockRow {
    id: i64,
    visitor: String,
    reason: String,
    agent: String,
    created_at: i64,
    address_until: i64,
}

impl From<BlockRow> for Block {
    fn from(row: BlockRow) -> Self {
        Block {
            id: row.id,
            visitor: row.visitor,
            reason: row.reason,
            by: row.agent,
            at: row.created_at,
            address_until: row.address_until,
        }
    }
}
