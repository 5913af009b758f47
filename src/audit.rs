//! The audit log as the library writes it: one typed writer for every row, so that what is
//! recorded (who, what, on whom, how it ended) has one shape and one place.
//!
//! Never a secret: events carry names of fields and outcomes, not codes or PINs. No personal
//! data in clear either (SPEC §3, DESIGN "trust model"), so that erasing a citizen and keeping
//! an append-only log do not conflict: a registration is named by its number and a keyed hash
//! of its fiscal code (`cf:…`, [`fiscal_code_target`]); fiscal codes and email addresses found
//! in details are replaced by keyed hashes ([`scrub`]). `audit --target CF` hashes the code it is
//! given, so a search by fiscal code still works.

use deadpool_postgres::GenericClient;
use serde::Serialize;
use serde_json::{Value, json};

use crate::domain::FiscalCode;
use crate::error::{Error, Result};
use crate::secrets::SecretKey;
use crate::store::Database;
use crate::store::audit::{self, Filter, Record};

/// What happened. The kebab-case name is what the log stores and `audit --action` filters on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuditEvent {
    Register,
    Search,
    View,
    /// A registration read by a desk's write path before it writes (sql/V39 writes the row).
    RegistrationRead,
    /// The history of a record was read (sql/V29 writes the row).
    History,
    Book,
    RegenerateCode,
    Print,
    Email,
    Edit,
    EditDelegate,
    ChangeResidence,
    UsernameRecovery,
    PinByPost,
    /// A registration's credentials suspended, or reinstated (sql/V31 writes the row).
    Suspend,
    Reinstate,
    OperatorAdd,
    OperatorEnable,
    OperatorDisable,
    OperatorCompetence,
    OperatorRevokeRole,
    OperatorGrant,
    OperatorList,
    OperatorView,
    /// An administrator repaired, extended or added by the schema owner (`operator bootstrap --repair`).
    OperatorRepair,
    AuditList,
    AuditVerify,
    Runs,
    ImportCia,
    ImportAura,
    /// A chunk of an import run, merged and recorded by the database (sql/V26).
    ImportChunk,
    /// Residents a full snapshot no longer lists, removed from the mirror (sql/V26).
    ImportDepartures,
    /// The deaths a chunk of an import run reported, recorded by the database (sql/V32).
    ImportDeaths,
    /// Residents pre-loaded as registrations by an import run, recorded by the database.
    Preload,
    /// The fiscal codes and digests of a registry mirror read by an import (or a dry run).
    RegistryRead,
    PostalRun,
    /// One batch of a postal run: the registrations whose PIN letters (and codes) it issued.
    PostalBatch,
    HelpdeskMailbox,
    RevokeLetter,
    RevokeLetters,
    /// An implicit revocation: a registry reported the citizen's death (sql/V32).
    RevokeDeath,
    CitizenWrongCode,
    CitizenActivate,
    CitizenRevoke,
    /// A statistics report or record-level export (`sportello stats`).
    Stats,
    /// A SPID R.A.O. token issued at the desk (or refused by the IdP of model a).
    SpidToken,
    /// A command that failed or was refused before it could say more.
    Command,
}

impl AuditEvent {
    pub const ALL: &'static [AuditEvent] = &[
        AuditEvent::Register,
        AuditEvent::Search,
        AuditEvent::View,
        AuditEvent::RegistrationRead,
        AuditEvent::History,
        AuditEvent::Book,
        AuditEvent::RegenerateCode,
        AuditEvent::Print,
        AuditEvent::Email,
        AuditEvent::Edit,
        AuditEvent::EditDelegate,
        AuditEvent::ChangeResidence,
        AuditEvent::UsernameRecovery,
        AuditEvent::PinByPost,
        AuditEvent::Suspend,
        AuditEvent::Reinstate,
        AuditEvent::OperatorAdd,
        AuditEvent::OperatorEnable,
        AuditEvent::OperatorDisable,
        AuditEvent::OperatorCompetence,
        AuditEvent::OperatorRevokeRole,
        AuditEvent::OperatorGrant,
        AuditEvent::OperatorList,
        AuditEvent::OperatorView,
        AuditEvent::OperatorRepair,
        AuditEvent::AuditList,
        AuditEvent::AuditVerify,
        AuditEvent::Runs,
        AuditEvent::ImportCia,
        AuditEvent::ImportAura,
        AuditEvent::ImportChunk,
        AuditEvent::ImportDepartures,
        AuditEvent::ImportDeaths,
        AuditEvent::Preload,
        AuditEvent::RegistryRead,
        AuditEvent::PostalRun,
        AuditEvent::PostalBatch,
        AuditEvent::HelpdeskMailbox,
        AuditEvent::RevokeLetter,
        AuditEvent::RevokeLetters,
        AuditEvent::RevokeDeath,
        AuditEvent::CitizenWrongCode,
        AuditEvent::CitizenActivate,
        AuditEvent::CitizenRevoke,
        AuditEvent::Stats,
        AuditEvent::SpidToken,
        AuditEvent::Command,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditEvent::Register => "register",
            AuditEvent::Search => "search",
            AuditEvent::View => "view",
            AuditEvent::RegistrationRead => "registration-read",
            AuditEvent::History => "history",
            AuditEvent::Book => "book",
            AuditEvent::RegenerateCode => "regenerate-code",
            AuditEvent::Print => "print",
            AuditEvent::Email => "email",
            AuditEvent::Edit => "edit",
            AuditEvent::EditDelegate => "edit-delegate",
            AuditEvent::ChangeResidence => "change-residence",
            AuditEvent::UsernameRecovery => "username-recovery",
            AuditEvent::PinByPost => "pin-by-post",
            AuditEvent::Suspend => "suspend",
            AuditEvent::Reinstate => "reinstate",
            AuditEvent::OperatorAdd => "operator-add",
            AuditEvent::OperatorEnable => "operator-enable",
            AuditEvent::OperatorDisable => "operator-disable",
            AuditEvent::OperatorCompetence => "operator-competence",
            AuditEvent::OperatorRevokeRole => "operator-revoke-role",
            AuditEvent::OperatorGrant => "operator-grant",
            AuditEvent::OperatorList => "operator-list",
            AuditEvent::OperatorView => "operator-view",
            AuditEvent::OperatorRepair => "operator-repair",
            AuditEvent::AuditList => "audit-list",
            AuditEvent::AuditVerify => "audit-verify",
            AuditEvent::Runs => "runs",
            AuditEvent::ImportCia => "import-cia",
            AuditEvent::ImportAura => "import-aura",
            AuditEvent::ImportChunk => "import-chunk",
            AuditEvent::ImportDepartures => "import-departures",
            AuditEvent::ImportDeaths => "import-deaths",
            AuditEvent::Preload => "preload",
            AuditEvent::RegistryRead => "registry-read",
            AuditEvent::PostalRun => "postal-run",
            AuditEvent::PostalBatch => "postal-batch",
            AuditEvent::HelpdeskMailbox => "helpdesk-mailbox",
            AuditEvent::RevokeLetter => "revoke-letter",
            AuditEvent::RevokeLetters => "revoke-letters",
            AuditEvent::RevokeDeath => "revoke-death",
            AuditEvent::CitizenWrongCode => "citizen-wrong-code",
            AuditEvent::CitizenActivate => "citizen-activate",
            AuditEvent::CitizenRevoke => "citizen-revoke",
            AuditEvent::Stats => "stats",
            AuditEvent::SpidToken => "spid-token",
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
    /// `audit verify` found the chain broken.
    Broken,
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
            Outcome::Broken => "broken",
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
    /// A registration: the row names its number and a keyed hash of its fiscal code.
    Registration {
        number: i64,
        fiscal_code: String,
    },
    /// A citizen named by a fiscal code, registered or not (a registered letter): the row holds
    /// its keyed hash.
    Citizen(String),
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

    fn text(&self, key: Option<&SecretKey>) -> Result<Option<String>> {
        Ok(match self {
            Target::None => None,
            Target::Registration { fiscal_code, .. } | Target::Citizen(fiscal_code) => {
                let key = key.ok_or_else(|| Error::Invalid(crate::msg!("audit-key-needed")))?;
                Some(fiscal_code_target(key, fiscal_code))
            }
            Target::Operator(id) => Some(id.clone()),
            Target::Input(path) => Some(path.clone()),
            Target::Message(id) => Some(format!("message {id}")),
            Target::Requested(asked) => Some(scrub(key, asked)),
        })
    }
}

/// How the audit log names a citizen: `cf:` and a keyed hash of the fiscal code (128 bits).
pub fn fiscal_code_target(key: &SecretKey, fiscal_code: &str) -> String {
    format!("cf:{}", key.pseudonym("audit fiscal code", fiscal_code))
}

/// How the audit log records a name or fiscal code searched for: a keyed hash of it (upper
/// case, as searches compare), so an auditor who knows the term can find the search.
pub fn search_term(key: Option<&SecretKey>, term: &str) -> String {
    match key {
        Some(k) => format!("term:{}", k.pseudonym("audit search term", &term.trim().to_uppercase())),
        None => "<term>".into(),
    }
}

/// Replaces the personal data that a free text may carry (an error message, a value in the
/// details) by keyed hashes: fiscal codes by `cf:…` (as targets are named), email addresses by
/// `email:…`. Without a key, by placeholders.
pub fn scrub(key: Option<&SecretKey>, text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        // An email address: the word without surrounding punctuation, with an '@' inside.
        let core = word.trim_matches(|c: char| !(c.is_alphanumeric() || "@._%+-".contains(c)));
        if let Some(at) = core.find('@')
            && at > 0
            && at + 1 < core.len()
        {
            let hashed = match key {
                Some(k) => format!("email:{}", k.pseudonym("audit email", &core.to_lowercase())),
                None => "<email>".into(),
            };
            out.push_str(&word.replacen(core, &hashed, 1));
            continue;
        }
        // Fiscal codes: runs of 16 letters and digits that parse as one.
        let mut rest = word;
        while let Some(start) = rest.find(|c: char| c.is_ascii_alphanumeric()) {
            out.push_str(&rest[..start]);
            let tail = &rest[start..];
            let end = tail.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(tail.len());
            let token = &tail[..end];
            if token.len() == 16 && FiscalCode::parse_input(token).is_ok() {
                match key {
                    Some(k) => out.push_str(&fiscal_code_target(k, token)),
                    None => out.push_str("<fiscal code>"),
                }
            } else {
                out.push_str(token);
            }
            rest = &tail[end..];
        }
        out.push_str(rest);
    }
    out
}

/// [`scrub`] on every text of a JSON value.
pub fn scrub_value(key: Option<&SecretKey>, v: &mut Value) {
    match v {
        Value::String(s) => {
            let clean = scrub(key, s);
            if clean != *s {
                *s = clean;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| scrub_value(key, i)),
        Value::Object(map) => map.values_mut().for_each(|i| scrub_value(key, i)),
        _ => {}
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
/// `key` names citizens by keyed hashes (see the module documentation); a row about a citizen
/// cannot be written without it.
pub async fn write(c: &impl GenericClient, actor: Actor<'_>, key: Option<&SecretKey>, entry: Entry) -> Result<()> {
    let Entry { event, target, mut details, count, outcome } = entry;
    scrub_value(key, &mut details);
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
            target: target.text(key)?,
            details,
            result_count: count,
            outcome: outcome.as_str(),
        },
    )
    .await
}

/// The audit log, newest first. Reading it is itself recorded. A target that is a fiscal code
/// is looked up by its keyed hash (with `key`, the session's), as the rows name citizens.
pub async fn list(db: &Database, key: Option<&SecretKey>, mut filter: Filter) -> Result<Vec<Record>> {
    filter.operator_id = filter.operator_id.map(|o| o.trim().to_ascii_lowercase()); // ids are compared case-insensitively
    if let Some(t) = &filter.target
        && let Ok(fc) = FiscalCode::parse_input(t)
    {
        let key = key.ok_or_else(|| Error::Invalid(crate::msg!("audit-search-key-needed")))?;
        filter.target = Some(fiscal_code_target(key, fc.as_str()));
    }
    let client = db.client().await?;
    // The database records the listing with its filters (api.audit_list).
    audit::list(&client, &filter).await
}
