//! Why a database operation failed: the database's own error (with the statement's purpose
//! and the SQLSTATE), a database that holds another log, or rows that break the log's rules.

use yinzheng::audit::LogError;
use yinzheng::audit::publish::PublishError;
use yinzheng::status::{LegalStatus, StatusListError};

/// Why a PostgreSQL-backed log or registry operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PgError {
    /// The database refused or the connection failed. A failure during `COMMIT` leaves the
    /// operation *in doubt*: it may have been committed.
    #[error("PostgreSQL while {context}: {message}")]
    Database {
        /// What the backend was doing.
        context: &'static str,
        /// The SQLSTATE code, if the server sent one (e.g. `40001`, `57P01`).
        sqlstate: Option<String>,
        /// The server's or the client's message.
        message: String,
    },
    /// The schema was written by a newer version of this crate.
    #[error("the database schema is at version {found}; this library knows up to {supported}")]
    SchemaTooNew {
        /// The version found.
        found: i32,
        /// The newest version this library can use.
        supported: i32,
    },
    /// The database holds another log.
    #[error("the database holds the log {found:?}, not {expected:?}")]
    WrongLog {
        /// The origin asked for.
        expected: String,
        /// The origin the database holds.
        found: String,
    },
    /// The database's log is signed with another key, or a signer is not the log's key.
    #[error("the log's checkpoints are signed by another key than the one given")]
    WrongKey,
    /// A stored row breaks the log's or the registry's rules: edited, reordered or missing
    /// rows. An alarm: nothing is integrated past it.
    #[error("stored {table} row {row} is damaged: {what}")]
    Corrupt {
        /// The table.
        table: &'static str,
        /// The row (an entry index, a list number …).
        row: i64,
        /// What is wrong.
        what: &'static str,
    },
    /// A value does not fit its column (a time past the year 292 million, say).
    #[error("{0} is out of range for the database")]
    OutOfRange(&'static str),
    /// No checkpoint covering the entries appeared in time (no integrator running?). The
    /// entries are durable; their receipt can be fetched later.
    #[error(
        "no checkpoint covers size {size} after waiting {waited_ms} ms: is an integrator running?"
    )]
    NotIntegrated {
        /// The size waited for.
        size: u64,
        /// How long.
        waited_ms: u64,
    },
    /// A batch committed together with this one failed (the first failure's text).
    #[error("the group commit failed: {0}")]
    Group(String),
    /// An event does not fit, or a checkpoint could not be signed or checked.
    #[error(transparent)]
    Log(#[from] LogError),
    /// Publishing tiles failed.
    #[error(transparent)]
    Publish(#[from] PublishError),
    /// The certificate has no status entry.
    #[error("no status entry for certificate {0:?}")]
    UnknownCertificate(String),
    /// No list has this URI.
    #[error("no status list {0:?}")]
    UnknownList(String),
    /// The change is not allowed from the current status.
    #[error("cannot change status from {from:?} to {to:?}")]
    IllegalTransition {
        /// Current status.
        from: LegalStatus,
        /// Requested status.
        to: LegalStatus,
    },
    /// An identifier, operator, URI prefix or list size is not acceptable.
    #[error("invalid {0}")]
    Invalid(&'static str),
    /// The registry's configuration differs from the one the database was created with.
    #[error("the database's status lists are configured as {found:?}")]
    WrongRegistry {
        /// The stored prefix and list size.
        found: (String, i64),
    },
    /// Building or signing a list failed.
    #[error(transparent)]
    List(#[from] StatusListError),
    /// The random source failed.
    #[error("random source failed")]
    Random,
}

impl PgError {
    pub(crate) fn db(context: &'static str) -> impl Fn(postgres::Error) -> Self {
        move |e| Self::Database {
            context,
            sqlstate: e.code().map(|c| c.code().to_owned()),
            message: e
                .as_db_error()
                .map_or_else(|| e.to_string(), |d| d.message().to_owned()),
        }
    }

    /// The error to give the other callers of a failed group commit.
    pub(crate) fn for_group(&self) -> Self {
        match self {
            Self::Database {
                context,
                sqlstate,
                message,
            } => Self::Database {
                context,
                sqlstate: sqlstate.clone(),
                message: message.clone(),
            },
            Self::Log(e) => Self::Log(e.clone()),
            other => Self::Group(other.to_string()),
        }
    }
}

impl From<PgError> for LogError {
    fn from(e: PgError) -> Self {
        match e {
            PgError::Log(e) => e,
            other => Self::Backend(other.to_string()),
        }
    }
}
