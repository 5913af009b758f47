//! Errors of the library, each with the exit code a script can rely on.

use crate::domain::InvalidFiscalCode;

/// Exit codes (documented in README.md). 2 is clap's for a malformed command line.
pub mod exit {
    pub const OK: i32 = 0;
    pub const FAILURE: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const INVALID: i32 = 3;
    pub const NOT_FOUND: i32 = 4;
    pub const REFUSED: i32 = 5;
    pub const UNAVAILABLE: i32 = 6;
    pub const ALREADY_REGISTERED: i32 = 7;
    /// A batch finished, but some input rows were rejected (see its report).
    pub const WITH_REJECTS: i32 = 8;
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that cannot be accepted as given.
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    FiscalCode(#[from] InvalidFiscalCode),
    #[error("{0}")]
    NotFound(String),
    /// A rule of the service forbids it (state table, competence, existing credentials).
    #[error("{0}")]
    Refused(String),
    /// The database or the embedded cluster cannot be reached or started.
    #[error("{0}")]
    Unavailable(String),
    /// A statement the server refused; `code` is its SQLSTATE (e.g. `23505`).
    #[error("database error: {message}{}", code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default())]
    Database { message: String, code: Option<String> },
    /// Something inside sportello failed (a worker thread, a lost task): never the input's fault.
    #[error("internal failure: {0}")]
    Internal(String),
    #[error("{context}: {source}")]
    Io { context: String, source: std::io::Error },
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Invalid(_) | Error::FiscalCode(_) => exit::INVALID,
            Error::NotFound(_) => exit::NOT_FOUND,
            Error::Refused(_) => exit::REFUSED,
            Error::Unavailable(_) => exit::UNAVAILABLE,
            Error::Database { .. } | Error::Internal(_) | Error::Io { .. } => exit::FAILURE,
        }
    }

    /// A database error without a SQLSTATE (one raised by sportello about the database).
    pub fn database(message: impl Into<String>) -> Error {
        Error::Database { message: message.into(), code: None }
    }

    /// Was this a unique-constraint violation (SQLSTATE 23505)?
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, Error::Database { code: Some(c), .. } if c == "23505")
    }

    pub fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Error {
        let context = context.into();
        move |source| Error::Io { context, source }
    }
}

impl From<tokio_postgres::Error> for Error {
    fn from(e: tokio_postgres::Error) -> Self {
        if e.is_closed() {
            return Error::Unavailable(format!("lost the database connection: {e}"));
        }
        match e.as_db_error() {
            // The database enforces who may do what: its refusal is a refusal (exit 5).
            Some(db) if db.code() == &tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE => {
                Error::Refused(format!("refused by the database: {}", db.message()))
            }
            // The server went away or will not take connections: shut down, restarting, this
            // session terminated or timed out, its database dropped (57P01-57P05), or a
            // connection exception (class 08).
            Some(db) if db.code().code().starts_with("57P0") || db.code().code().starts_with("08") => {
                Error::Unavailable(format!("lost the database connection: {} ({})", db.message(), db.code().code()))
            }
            // Show the server's own message, not the driver's generic "db error".
            Some(db) => Error::Database { message: db.message().to_string(), code: Some(db.code().code().to_string()) },
            None => Error::Unavailable(format!("database unreachable: {e}")),
        }
    }
}

impl From<deadpool_postgres::PoolError> for Error {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        match e {
            deadpool_postgres::PoolError::Backend(e) => e.into(),
            other => Error::Unavailable(format!("database unreachable: {other}")),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
