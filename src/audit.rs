//! The audit log as the library writes it: one typed writer for every row, so that what is
//! recorded (who, what, on whom, how it ended) has one shape and one place.
//!
//! Never a secret: events carry names of fields and outcomes, not codes or PINs.

use deadpool_postgres::GenericClient;
use serde::Serialize;
use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::session::Session;
use crate::store::audit::{self, Filter, Record};

/// What happened. The kebab-case name is what the log stores and `audit --action` filters on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuditEvent {
    Register,
    Search,
    View,
    Book,
    RegenerateCode,
    Print,
    Email,
    Edit,
    EditDelegate,
    ChangeResidence,
    UsernameRecovery,
    PinByPost,
    OperatorAdd,
    OperatorEnable,
    OperatorDisable,
    OperatorCompetence,
    OperatorRevokeRole,
    OperatorGrant,
    OperatorList,
    OperatorView,
    AuditList,
    Runs,
    ImportCia,
    ImportAura,
    PostalRun,
    HelpdeskMailbox,
    RevokeLetter,
    RevokeLetters,
    CitizenWrongCode,
    CitizenActivate,
    CitizenRevoke,
    /// A command that failed or was refused before it could say more.
    Command,
}

impl AuditEvent {
    pub const ALL: &'static [AuditEvent] = &[
        AuditEvent::Register,
        AuditEvent::Search,
        AuditEvent::View,
        AuditEvent::Book,
        AuditEvent::RegenerateCode,
        AuditEvent::Print,
        AuditEvent::Email,
        AuditEvent::Edit,
        AuditEvent::EditDelegate,
        AuditEvent::ChangeResidence,
        AuditEvent::UsernameRecovery,
        AuditEvent::PinByPost,
        AuditEvent::OperatorAdd,
        AuditEvent::OperatorEnable,
        AuditEvent::OperatorDisable,
        AuditEvent::OperatorCompetence,
        AuditEvent::OperatorRevokeRole,
        AuditEvent::OperatorGrant,
        AuditEvent::OperatorList,
        AuditEvent::OperatorView,
        AuditEvent::AuditList,
        AuditEvent::Runs,
        AuditEvent::ImportCia,
        AuditEvent::ImportAura,
        AuditEvent::PostalRun,
        AuditEvent::HelpdeskMailbox,
        AuditEvent::RevokeLetter,
        AuditEvent::RevokeLetters,
        AuditEvent::CitizenWrongCode,
        AuditEvent::CitizenActivate,
        AuditEvent::CitizenRevoke,
        AuditEvent::Command,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditEvent::Register => "register",
            AuditEvent::Search => "search",
            AuditEvent::View => "view",
            AuditEvent::Book => "book",
            AuditEvent::RegenerateCode => "regenerate-code",
            AuditEvent::Print => "print",
            AuditEvent::Email => "email",
            AuditEvent::Edit => "edit",
            AuditEvent::EditDelegate => "edit-delegate",
            AuditEvent::ChangeResidence => "change-residence",
            AuditEvent::UsernameRecovery => "username-recovery",
            AuditEvent::PinByPost => "pin-by-post",
            AuditEvent::OperatorAdd => "operator-add",
            AuditEvent::OperatorEnable => "operator-enable",
            AuditEvent::OperatorDisable => "operator-disable",
            AuditEvent::OperatorCompetence => "operator-competence",
            AuditEvent::OperatorRevokeRole => "operator-revoke-role",
            AuditEvent::OperatorGrant => "operator-grant",
            AuditEvent::OperatorList => "operator-list",
            AuditEvent::OperatorView => "operator-view",
            AuditEvent::AuditList => "audit-list",
            AuditEvent::Runs => "runs",
            AuditEvent::ImportCia => "import-cia",
            AuditEvent::ImportAura => "import-aura",
            AuditEvent::PostalRun => "postal-run",
            AuditEvent::HelpdeskMailbox => "helpdesk-mailbox",
            AuditEvent::RevokeLetter => "revoke-letter",
            AuditEvent::RevokeLetters => "revoke-letters",
            AuditEvent::CitizenWrongCode => "citizen-wrong-code",
            AuditEvent::CitizenActivate => "citizen-activate",
            AuditEvent::CitizenRevoke => "citizen-revoke",
            AuditEvent::Command => "command",
        }
    }

    pub fn parse(s: &str) -> Option<AuditEvent> {
        Self::ALL.iter().copied().find(|e| e.as_str() == s)
    }
}

/// The actions as a vocabulary, for the choices of `sportello audit --action`.
impl crate::domain::Vocabulary for AuditEvent {
    fn all() -> &'static [Self] {
        Self::ALL
    }

    fn as_str(self) -> &'static str {
        AuditEvent::as_str(self)
    }
}

/// How it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Ok,
    Refused,
    Invalid,
    NotFound,
    Error,
    /// The citizen was already registered (weakly): the existing record was shown.
    Exists,
    Started,
    Resumed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Refused => "refused",
            Outcome::Invalid => "invalid",
            Outcome::NotFound => "not-found",
            Outcome::Error => "error",
            Outcome::Exists => "exists",
            Outcome::Started => "started",
            Outcome::Resumed => "resumed",
        }
    }

    /// The outcome a failed command is recorded with.
    pub fn of_error(e: &Error) -> Outcome {
        match e {
            Error::Refused(_) => Outcome::Refused,
            Error::Invalid(_) | Error::FiscalCode(_) => Outcome::Invalid,
            Error::NotFound(_) => Outcome::NotFound,
            _ => Outcome::Error,
        }
    }
}

/// Whom (or what) it was done to.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    None,
    /// A registration: the row names its number (and the fiscal code it is searched by).
    Registration {
        number: i64,
        fiscal_code: String,
    },
    Operator(String),
    /// A batch input: a file, a directory.
    Input(String),
    /// A helpdesk email, by Message-ID.
    Message(String),
    /// A registration as a refused command named it (fiscal code or number), not looked up.
    Requested(String),
}

impl Target {
    pub fn registration(r: &crate::domain::Registration) -> Target {
        Target::Registration { number: r.registration_number, fiscal_code: r.fiscal_code.to_string() }
    }

    fn text(&self) -> Option<String> {
        match self {
            Target::None => None,
            Target::Registration { fiscal_code, .. } => Some(fiscal_code.clone()),
            Target::Operator(id) => Some(id.clone()),
            Target::Input(path) => Some(path.clone()),
            Target::Message(id) => Some(format!("message {id}")),
            Target::Requested(key) => Some(key.clone()),
        }
    }
}

/// Who acted.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    Operator {
        id: &'a str,
        origin: &'a str,
        command: &'a str,
    },
    /// The citizen, online; `command` is what they completed.
    Citizen {
        command: &'a str,
    },
}

/// One row to append.
#[derive(Debug, Clone)]
pub struct Entry {
    pub event: AuditEvent,
    pub target: Target,
    pub details: Value,
    pub count: Option<i64>,
    pub outcome: Outcome,
}

impl Entry {
    /// An event that went well, with no details yet.
    pub fn new(event: AuditEvent, target: Target) -> Entry {
        Entry { event, target, details: json!({}), count: None, outcome: Outcome::Ok }
    }

    pub fn details(mut self, details: Value) -> Entry {
        self.details = details;
        self
    }

    pub fn count(mut self, n: usize) -> Entry {
        self.count = Some(n as i64);
        self
    }

    pub fn outcome(mut self, outcome: Outcome) -> Entry {
        self.outcome = outcome;
        self
    }
}

/// The one writer of audit rows, through `c` (inside the caller's transaction when it has one).
pub async fn write(c: &impl GenericClient, actor: Actor<'_>, entry: Entry) -> Result<()> {
    let Entry { event, target, mut details, count, outcome } = entry;
    if let (Target::Registration { number, .. }, Value::Object(map)) = (&target, &mut details) {
        map.insert("registration_number".into(), json!(number));
    }
    let (operator_id, origin, command) = match actor {
        Actor::Operator { id, origin, command } => (Some(id), origin, command),
        Actor::Citizen { command } => (None, "citizen portal", command),
    };
    audit::insert(
        c,
        &audit::Row {
            operator_id,
            origin,
            command,
            action: event.as_str(),
            target: target.text(),
            details,
            result_count: count,
            outcome: outcome.as_str(),
        },
    )
    .await
}

/// The audit log, newest first. Reading it is itself recorded.
pub async fn list(session: &Session, mut filter: Filter) -> Result<Vec<Record>> {
    filter.operator_id = filter.operator_id.map(|o| o.trim().to_ascii_lowercase()); // ids are compared case-insensitively
    let client = session.db.client().await?;
    let rows = audit::list(&client, &filter).await?;
    session
        .record(
            &client,
            Entry::new(AuditEvent::AuditList, Target::None).details(json!({ "filters": filter })).count(rows.len()),
        )
        .await?;
    Ok(rows)
}
