//! Who is acting, from where, through which command: stamped on every write and audit row.

use deadpool_postgres::GenericClient;

use crate::audit::{self, Actor, AuditEvent, Entry, Outcome, Target};
use crate::error::{Error, Result};
use crate::store::Database;
use crate::store::operators::{self, Operator};

/// An operator at work in one command.
pub struct Session {
    pub db: Database,
    pub operator: Operator,
    pub origin: String,
    pub command: String,
}

/// Where a command comes from: OS user and host.
pub fn origin() -> String {
    let uid = uzers::get_effective_uid();
    let user = uzers::get_user_by_uid(uid)
        .map(|u| u.name().to_string_lossy().into_owned())
        .unwrap_or_else(|| format!("uid {uid}"));
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "localhost".into());
    format!("{user}@{host}")
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

    /// The operator as the audit log names them.
    pub fn actor(&self) -> Actor<'_> {
        Actor::Operator { id: &self.operator.id, origin: &self.origin, command: &self.command }
    }

    /// Appends an audit row through `c` (inside the caller's transaction when it has one).
    pub async fn record(&self, c: &impl GenericClient, entry: Entry) -> Result<()> {
        audit::write(c, self.actor(), entry).await
    }

    /// Records a command that failed or was refused, with the reason (never a secret: errors
    /// do not carry them).
    pub async fn record_failure(&self, error: &Error) -> Result<()> {
        let client = self.db.client().await?;
        let entry = Entry::new(AuditEvent::Command, Target::None)
            .details(serde_json::json!({ "command": self.command, "error": error.to_string() }))
            .outcome(Outcome::of_error(error));
        self.record(&client, entry).await
    }
}
