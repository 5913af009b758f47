//! Errors of the library, each with the exit code a script can rely on.

use crate::domain::InvalidFiscalCode;
use crate::i18n::{self, IntoArg, Lang, Message};

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
    /// `audit verify`: the audit log was changed (a row changed, missing or inserted, its tail cut).
    pub const TAMPERED: i32 = 9;
}

/// What went wrong, with the exit code a script can rely on. The texts are catalogue
/// messages ([`crate::i18n`]): shown in the operator's language, recorded in English.
#[derive(Debug)]
pub enum Error {
    /// Input that cannot be accepted as given.
    Invalid(Message),
    FiscalCode(InvalidFiscalCode),
    NotFound(Message),
    /// A rule of the service forbids it (state table, competence, existing credentials).
    Refused(Message),
    /// The database or the embedded cluster cannot be reached or started.
    Unavailable(Message),
    /// A statement the server refused; `code` is its SQLSTATE (e.g. `23505`).
    Database {
        message: Message,
        code: Option<String>,
    },
    /// Something inside sportello failed (a worker thread, a lost task): never the input's fault.
    Internal(Message),
    Io {
        context: Message,
        source: std::io::Error,
    },
}

impl From<InvalidFiscalCode> for Error {
    fn from(e: InvalidFiscalCode) -> Self {
        Error::FiscalCode(e)
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.render(i18n::current()).as_str())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            Error::FiscalCode(e) => Some(e),
            _ => None,
        }
    }
}

/// The system's reason in `lang`: the OS's own (English) words in English; in another language
/// the kind of failure from the catalogue (`io-kind-…`), so no bare OS error is shown there.
fn io_reason(source: &std::io::Error, lang: Lang) -> String {
    use std::io::ErrorKind as K;
    if lang == Lang::En || source.raw_os_error().is_none() && source.kind() == K::Other {
        return source.to_string();
    }
    let key = match source.kind() {
        K::NotFound => "io-kind-not-found",
        K::PermissionDenied => "io-kind-permission-denied",
        K::AlreadyExists => "io-kind-already-exists",
        K::IsADirectory => "io-kind-is-a-directory",
        K::NotADirectory => "io-kind-not-a-directory",
        K::StorageFull => "io-kind-storage-full",
        K::ReadOnlyFilesystem => "io-kind-read-only",
        K::InvalidData => "io-kind-invalid-data",
        K::DirectoryNotEmpty => "io-kind-not-empty",
        _ => {
            let code = source.raw_os_error().map(|c| c.to_string()).unwrap_or_else(|| format!("{:?}", source.kind()));
            return i18n::render(lang, "io-kind-other", &[("code", code.into_arg())]);
        }
    };
    i18n::render(lang, key, &[])
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

    /// The text in `lang` (English when the message was not rendered in `lang`).
    pub fn render(&self, lang: Lang) -> String {
        match self {
            Error::Invalid(m) | Error::NotFound(m) | Error::Refused(m) | Error::Unavailable(m) => {
                m.get(lang).to_string()
            }
            Error::FiscalCode(e) => e.message().get(lang).to_string(),
            Error::Database { message, code } => {
                let message = message.get(lang);
                match code {
                    Some(code) => i18n::render(
                        lang,
                        "error-database-code",
                        &[("message", message.into_arg()), ("code", code.into_arg())],
                    ),
                    None => i18n::render(lang, "error-database", &[("message", message.into_arg())]),
                }
            }
            Error::Internal(m) => i18n::render(lang, "error-internal", &[("message", m.get(lang).into_arg())]),
            Error::Io { context, source } => format!("{}: {}", context.get(lang), io_reason(source, lang)),
        }
    }

    /// The English text: what the audit log records, whoever read the screen.
    pub fn english(&self) -> String {
        self.render(Lang::En)
    }

    /// The text as a message (both languages), to put inside another.
    pub fn message(&self) -> Message {
        let en = self.render(Lang::En);
        match i18n::current() {
            Lang::En => Message::verbatim(en),
            lang => Message::localized(en, self.render(lang)),
        }
    }

    /// A database error without a SQLSTATE (one raised by sportello about the database).
    pub fn database(message: impl Into<Message>) -> Error {
        Error::Database { message: message.into(), code: None }
    }

    /// Was this a unique-constraint violation (SQLSTATE 23505)?
    pub fn is_unique_violation(&self) -> bool {
        self.has_sqlstate("23505")
    }

    /// Did the database refuse with this SQLSTATE?
    pub fn has_sqlstate(&self, code: &str) -> bool {
        matches!(self, Error::Database { code: Some(c), .. } if c == code)
    }

    pub fn io(context: impl Into<Message>) -> impl FnOnce(std::io::Error) -> Error {
        let context = context.into();
        move |source| Error::Io { context, source }
    }
}

impl From<tokio_postgres::Error> for Error {
    fn from(e: tokio_postgres::Error) -> Self {
        if e.is_closed() {
            return Error::Unavailable(crate::msg!("error-connection-lost", detail = e.to_string()));
        }
        match e.as_db_error() {
            // The database enforces who may do what: its refusal is a refusal (exit 5).
            Some(db) if db.code() == &tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE => {
                Error::Refused(crate::msg!("error-refused-by-database", detail = db.message()))
            }
            // The server went away or will not take connections: shut down, restarting, this
            // session terminated or timed out, its database dropped (57P01-57P05), or a
            // connection exception (class 08).
            Some(db) if db.code().code().starts_with("57P0") || db.code().code().starts_with("08") => {
                Error::Unavailable(crate::msg!(
                    "error-connection-lost",
                    detail = format!("{} ({})", db.message(), db.code().code())
                ))
            }
            // Show the server's own message, not the driver's generic "db error".
            Some(db) => {
                Error::Database { message: Message::verbatim(db.message()), code: Some(db.code().code().to_string()) }
            }
            None => Error::Unavailable(crate::msg!("error-unreachable", detail = e.to_string())),
        }
    }
}

impl From<deadpool_postgres::PoolError> for Error {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        match e {
            deadpool_postgres::PoolError::Backend(e) => e.into(),
            other => Error::Unavailable(crate::msg!("error-unreachable", detail = other.to_string())),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
