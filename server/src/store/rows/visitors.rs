use sqlx::FromRow;
use warmline_shared::{Attachment, NameSource, SiteId, VisitorId};

use crate::store::{Result, StoreError, StoredAttachment, Visitor};

pub(in crate::store) fn name_source(text: &str) -> Result<NameSource> {
    Ok(match text {
        "none" => NameSource::None,
        "given" => NameSource::Given,
        "unverified" => NameSource::Unverified,
        "verified" => NameSource::Verified,
        other => return Err(StoreError::corrupt(format!("name source {other:?}"))),
    })
}

pub(in crate::store) fn name_source_column(source: NameSource) -> &'static str {
    match source {
        NameSource::None => "none",
        NameSource::Given => "given",
        NameSource::Unverified => "unverified",
        NameSource::Verified => "verified",
    }
}

/// The first-token column of a visitor the site identified. The column is
/// unique and never looked up any more; the browser's token may already be
/// another visitor's.
pub(in crate::store) fn identified_token(site_id: &SiteId, user_id: &str) -> String {
    format!("user {site_id} {user_id}")
}

pub(in crate::store) const VISITOR_SELECT: &str =
    "SELECT v.id, v.site_id, v.name, v.name_source FROM visitors v";

#[derive(FromRow)]
pub(in crate::store) struct VisitorRow {
    id: i64,
    site_id: String,
    name: Option<String>,
    name_source: String,
}

impl TryFrom<VisitorRow> for Visitor {
    type Error = StoreError;

    fn try_from(row: VisitorRow) -> Result<Self> {
        Ok(Visitor {
            id: VisitorId::new(row.id),
            site_id: SiteId::new(row.site_id),
            name: row.name,
            name_source: name_source(&row.name_source)?,
        })
    }
}

pub(in crate::store) const ATTACHMENT_SELECT: &str =
    "SELECT id, site_id, visitor_id, name, mime, size, sha256 FROM attachments";

#[derive(FromRow)]
pub(in crate::store) struct AttachmentRow {
    id: String,
    site_id: String,
    visitor_id: i64,
    name: String,
    mime: String,
    size: i64,
    sha256: String,
}

impl From<AttachmentRow> for StoredAttachment {
    fn from(row: AttachmentRow) -> Self {
        StoredAttachment {
            attachment: Attachment {
                id: row.id,
                name: row.name,
                mime: row.mime,
                size: row.size as u64,
            },
            site_id: SiteId::new(row.site_id),
            visitor_id: VisitorId::new(row.visitor_id),
            sha256: row.sha256,
        }
    }
}
