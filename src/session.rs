//! Who is acting, from where, through which command: stamped on every write and audit row.
//!
//! The operator is the login the database authenticated (`session_user`: a client certificate,
//! SCRAM, or the OS user by peer authentication on the embedded default), never a name the
//! client chooses. What they may run comes from the roles granted to that login
//! ([`crate::domain::roles`]); the database enforces the same.

use deadpool_postgres::GenericClient;
use serde_json::json;

use crate::audit::{self, Actor, AuditEvent, Entry, Outcome, Target};
use crate::domain::Role;
use crate::domain::roles;
use crate::error::{Error, Result};
use crate::secrets::SecretKey;
use crate::store::Database;
use crate::store::operators::Operator;

/// An operator at work in one command.
pub struct Session {
    pub db: Database,
    pub operator: Operator,
    /// The roles the operator's login holds.
    pub roles: Vec<Role>,
    pub origin: String,
    pub command: String,
    /// The key of the keyed hashes that name citizens in the audit log (see [`crate::audit`]).
    pub key: Option<SecretKey>,
}

/// Where a command comes from: OS user and host (read once per process: the passwd database
/// and the host name are asked for at every session and audit row otherwise).
pub fn origin() -> String {
    static ORIGIN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ORIGIN
        .get_or_init(|| {
            let uid = uzers::get_effective_uid();
            let user = uzers::get_user_by_uid(uid)
                .map(|u| u.name().to_string_lossy().into_owned())
                .unwrap_or_else(|| format!("uid {uid}"));
            format!("{user}@{}", host())
        })
        .clone()
}

/// The name of this machine.
pub fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "localhost".into())
}

/// Records a refusal before a session exists, as the login that asked.
async fn refuse(
    c: &impl GenericClient,
    login: &str,
    command: &str,
    target: Target,
    key: Option<&SecretKey>,
    error: Error,
) -> Error {
    let origin = origin();
    let actor = Actor::Operator { id: login, origin: &origin, command };
    let entry = Entry::new(AuditEvent::Command, target)
        .details(json!({ "command": command, "error": error.english() }))
        .outcome(Outcome::of_error(&error));
    match audit::write(c, actor, key, entry).await {
        Ok(()) => error,
        Err(e) => Error::database(crate::msg!("audit-not-recorded", error = &error, detail = &e)),
    }
}

impl Session {
    /// Opens the session of the operator the database authenticated. `claimed`, an operator
    /// named on the command line (`--operator`), is accepted only when it is that operator: any
    /// other name is refused, and the attempt recorded.
    pub async fn open(db: Database, claimed: Option<&str>, command: &str) -> Result<Session> {
        Session::authenticate(db, claimed, command, Target::None, None).await
    }

    /// Opens the session (as [`Session::open`]) of an operator who may run `command` (the table
    /// of [`crate::domain::roles::COMMANDS`]); a refusal is recorded with its `target`. `key`
    /// names citizens in the audit log (see [`crate::audit`]).
    pub async fn open_for(
        db: Database,
        claimed: Option<&str>,
        command: &str,
        target: Target,
        key: Option<SecretKey>,
    ) -> Result<Session> {
        Session::authenticate(db, claimed, command, target.clone(), key).await?.authorize(target).await
    }

    /// The session of the operator the database authenticated, whatever their roles: for
    /// checking a command's input (reference data every login may read) before its role, so
    /// that a misspelt country is said as such and not hidden by a refusal. Nothing else is
    /// run on it before [`Session::authorize`].
    pub async fn open_unauthorized(
        db: Database,
        claimed: Option<&str>,
        command: &str,
        target: Target,
        key: Option<SecretKey>,
    ) -> Result<Session> {
        Session::authenticate(db, claimed, command, target, key).await
    }

    /// Does the operator hold a role that may run the session's command?
    pub fn may_run(&self) -> bool {
        roles::may_run(&self.command, &self.roles)
    }

    /// The session, when its operator holds a role that may run its command; the refusal is
    /// recorded with `target` otherwise.
    pub async fn authorize(self, target: Target) -> Result<Session> {
        if self.may_run() {
            return Ok(self);
        }
        let command = self.command.as_str();
        let error = Error::Refused(match roles::required(command) {
            Some(needed) => crate::msg!(
                "role-refused",
                operator = &self.operator.id,
                command = command,
                needed = needed.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(" | "),
                holds = if self.roles.is_empty() {
                    crate::msg!("role-none")
                } else {
                    self.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ").into()
                }
            ),
            None => crate::msg!("role-not-a-command", command = command),
        });
        let client = self.db.client().await?;
        Err(refuse(&client, &self.operator.id, command, target, self.key.as_ref(), error).await)
    }

    async fn authenticate(
        db: Database,
        claimed: Option<&str>,
        command: &str,
        target: Target,
        key: Option<SecretKey>,
    ) -> Result<Session> {
        // Login, operator and roles were read with the connection (store::operators::startup):
        // the database's pool stays at the one connection it opened.
        let startup = db.startup().await?;
        db.set_context(&origin(), command).await?;
        let login = startup.login;
        // Operator ids are compared case-insensitively (domain::text::operator_id).
        let claimed = claimed
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(|c| crate::domain::text::operator_id(c).unwrap_or_else(|_| "(not an operator id)".into()));
        let found = match (claimed, startup.operator) {
            (Some(claimed), _) if claimed != login => Err((
                Error::Refused(crate::msg!("operator-claim-refused", login = &login, claimed = &claimed)),
                Target::Operator(claimed),
            )),
            (_, None) => Err((Error::Refused(crate::msg!("login-not-operator", login = &login)), target)),
            (_, Some(op)) if op.disabled_at.is_some() => {
                Err((Error::Refused(crate::msg!("operator-disabled", login = &login)), target))
            }
            (_, Some(op)) => Ok(op),
        };
        let operator = match found {
            Ok(op) => op,
            Err((error, target)) => {
                let client = db.client().await?;
                return Err(refuse(&client, &login, command, target, key.as_ref(), error).await);
            }
        };
        let roles = startup.roles;
        Ok(Session { db, operator, roles, origin: origin(), command: command.to_string(), key })
    }

    /// The session with the key that names citizens in the audit log.
    pub fn with_key(mut self, key: SecretKey) -> Session {
        self.key = Some(key);
        self
    }

    /// The operator as the audit log names them.
    pub fn actor(&self) -> Actor<'_> {
        Actor::Operator { id: &self.operator.id, origin: &self.origin, command: &self.command }
    }

    /// Appends an audit row through `c` (inside the caller's transaction when it has one).
    pub async fn record(&self, c: &impl GenericClient, entry: Entry) -> Result<()> {
        audit::write(c, self.actor(), self.key.as_ref(), entry).await
    }

    /// Records a command that failed or was refused, with the reason (never a secret: errors
    /// do not carry them).
    /// `target` is what the command named (a registration, an operator, a file), so that a
    /// refusal or a not-found is found by `audit --target` like any other row about it.
    pub async fn record_failure(&self, error: &Error, target: Target) -> Result<()> {
        let client = self.db.client().await?;
        let entry = Entry::new(AuditEvent::Command, target)
            .details(serde_json::json!({ "command": self.command, "error": error.to_string() }))
            .outcome(Outcome::of_error(error));
        self.record(&client, entry).await
    }
}
