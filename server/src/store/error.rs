//! The one error of every store. Opaque on purpose: callers cannot branch on
//! a backend's error types (which would tie them to that backend); they log
//! it and tell the client that nothing was stored.

use std::fmt;

pub struct StoreError(Kind);

enum Kind {
    Backend(Box<dyn std::error::Error + Send + Sync>),
    UnsupportedUrl(String),
    Corrupt(String),
}

impl StoreError {
    /// A failure of the database itself (connection, query, constraint).
    pub(crate) fn backend(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self(Kind::Backend(Box::new(error)))
    }

    pub(crate) fn unsupported_url(url: &str) -> Self {
        Self(Kind::UnsupportedUrl(url.to_owned()))
    }

    /// Stored data this version cannot read: refusing is safer than guessing.
    pub(crate) fn corrupt(what: impl Into<String>) -> Self {
        Self(Kind::Corrupt(what.into()))
    }

    /// Whether the database refused this one write for what it wrote (a
    /// unique, foreign key, not-null or check constraint), rather than
    /// failing whatever was written (locked, gone, out of space).
    pub(crate) fn is_refusal(&self) -> bool {
        let Kind::Backend(e) = &self.0 else {
            return false;
        };
        if let Some(e) = e.downcast_ref::<rusqlite::Error>() {
            return e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation);
        }
        e.downcast_ref::<sqlx::Error>()
            .and_then(sqlx::Error::as_database_error)
            .is_some_and(|d| !matches!(d.kind(), sqlx::error::ErrorKind::Other))
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Kind::Backend(e) => write!(f, "database: {e}"),
            Kind::UnsupportedUrl(url) => {
                write!(
                    f,
                    "unsupported database URL {url:?} (expected sqlite://… or postgres://…)"
                )
            }
            Kind::Corrupt(what) => write!(f, "unreadable stored data: {what}"),
        }
    }
}

impl fmt::Debug for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoreError({self})")
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.0 {
            Kind::Backend(e) => Some(&**e),
            _ => None,
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        Self::backend(e)
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        Self::backend(e)
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        Self::backend(e)
    }
}
