//! Who is acting, from where, through which command: stamped on every write and audit row.

use deadpool_postgres::GenericClient;

use crate::error::{Error, Result};
use crate::store::operators::{self, Operator};
use crate::store::{Database, audit};

/// An operator at work in one command.
pub struct Session {
    pub db: Database,
    pub operator: Operator,
    pub origin: String,
    pub command: String,
}

/// Where a command comes from: OS user, host and, over SSH, the client address.
pub fn origin() -> String {
    // SAFETY: getpwuid returns NULL or a static record, read at once.
    let user = unsafe {
        let pw = libc::getpwuid(libc::geteuid());
        if pw.is_null() {
            format!("uid {}", libc::geteuid())
        } else {
            std::ffi::CStr::from_ptr((*pw).pw_name).to_string_lossy().into_owned()
        }
    };
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "localhost".into());
    match std::env::var("SSH_CLIENT").ok().and_then(|s| s.split_whitespace().next().map(String::from)) {
        Some(ip) => format!("{user}@{host} from {ip}"),
        None => format!("{user}@{host}"),
    }
}

impl Session {
    /// Opens a session for an existing operator.
    pub async fn open(db: Database, operator_id: Option<&str>, command: &str) -> Result<Session> {
        let Some(id) = operator_id.map(str::trim).filter(|s| !s.is_empty()) else {
            return Err(Error::Invalid(
                "no operator given: use --operator ID or set SPORTELLO_OPERATOR (see `sportello operator list`)".into(),
            ));
        };
        let client = db.client().await?;
        let Some(operator) = operators::get(&client, id).await? else {
            return Err(Error::NotFound(format!(
                "unknown operator '{id}': an existing operator must add it with `sportello operator add`"
            )));
        };
        drop(client);
        Ok(Session { db, operator, origin: origin(), command: command.to_string() })
    }

    /// Appends an audit row through `c` (inside the caller's transaction when it has one).
    pub async fn record(
        &self,
        c: &impl GenericClient,
        action: &str,
        target: Option<String>,
        details: serde_json::Value,
        result_count: Option<i64>,
        outcome: &str,
    ) -> Result<()> {
        audit::insert(
            c,
            &audit::Entry {
                operator_id: Some(&self.operator.id),
                origin: &self.origin,
                command: &self.command,
                action,
                target,
                details,
                result_count,
                outcome,
            },
        )
        .await
    }

    /// Records a command that failed or was refused, with the reason (never a secret: errors
    /// do not carry them).
    pub async fn record_failure(&self, error: &Error) -> Result<()> {
        let client = self.db.client().await?;
        let outcome = match error {
            Error::Refused(_) => "refused",
            Error::Invalid(_) | Error::FiscalCode { .. } => "invalid",
            Error::NotFound(_) => "not-found",
            _ => "error",
        };
        self.record(&client, &self.command, None, serde_json::json!({ "error": error.to_string() }), None, outcome)
            .await
    }
}
