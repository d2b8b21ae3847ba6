use sqlx::FromRow;
use warmline_shared::api::Canned;

#[derive(FromRow)]
pub(in crate::store) struct CannedRow {
    id: i64,
    shortcut: String,
    lang: String,
    text: String,
}

impl From<CannedRow> for Canned {
    fn from(row: CannedRow) -> Self {
        Canned {
            id: Some(row.id),
            shortcut: row.shortcut,
            lang: row.lang,
            text: row.text,
        }
    }
}

/// The reply as saved under `id`.
pub(in crate::store) fn saved(canned: &Canned, id: Option<i64>) -> Option<Canned> {
    id.map(|id| Canned {
        id: Some(id),
        ..canned.clone()
    })
}
