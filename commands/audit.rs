//! `sportello audit`: reading the audit log.

use chrono::NaiveDate;
use clap::{Args, ValueEnum};
use sportello::domain::parse_date;
use sportello::store::audit::Filter;
use tabled::Tabled;

use crate::output::{self, Json, local_seconds, opt};
use crate::{Env, in_session};

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  sportello audit --operator-id mrossi --from 2026-11-01\n  sportello audit --action search --format json\n  sportello audit --target RSSMRA85T10A562S"
)]
pub struct AuditArgs {
    /// Only what this operator did.
    #[arg(long)]
    operator_id: Option<String>,
    /// Only this action (a failed command is recorded under the command's name).
    #[arg(long, value_enum)]
    action: Option<Action>,
    /// Only records about this target (a fiscal code, an operator id, a file).
    #[arg(long)]
    target: Option<String>,
    /// From this day.
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    from: Option<NaiveDate>,
    /// Up to this day.
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    to: Option<NaiveDate>,
    /// At most this many records (newest first).
    #[arg(long, default_value_t = 100)]
    limit: i64,
}

/// The actions the audit log records: what the library writes, and the names of the commands
/// (under which a failure is recorded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Action {
    Register,
    Search,
    View,
    Show,
    Book,
    RegenerateCode,
    PrintLetters,
    Print,
    Email,
    Edit,
    EditDelegate,
    ChangeResidence,
    Username,
    UsernameRecovery,
    Revoke,
    RevokeLetter,
    RevokeLetters,
    PinByPost,
    PostalRun,
    ImportCia,
    ImportAura,
    HelpdeskMailbox,
    Runs,
    Audit,
    AuditList,
    OperatorAdd,
    OperatorList,
    OperatorShow,
    OperatorView,
    CitizenActivate,
    CitizenRevoke,
    CitizenWrongCode,
    Db,
}

impl Action {
    /// The name recorded in the audit log.
    pub fn recorded(self) -> String {
        self.to_possible_value().map(|v| v.get_name().to_string()).unwrap_or_default()
    }
}

#[derive(Tabled)]
struct Row {
    id: i64,
    at: String,
    operator: String,
    origin: String,
    command: String,
    action: String,
    target: String,
    results: String,
    outcome: String,
    details: String,
}

pub async fn run(env: &Env, a: AuditArgs) -> sportello::Result<i32> {
    let filter = Filter {
        operator_id: a.operator_id,
        action: a.action.map(Action::recorded),
        target: a.target.map(|t| t.trim().to_string()),
        from: a.from,
        to: a.to,
        limit: a.limit.max(1),
    };
    let records = in_session(env, async |s| sportello::audit::list(s, filter).await).await?;
    let flat: Vec<Row> = records
        .iter()
        .map(|r| Row {
            id: r.id,
            at: local_seconds(&r.at),
            operator: opt(&r.operator_id),
            origin: r.origin.clone(),
            command: r.command.clone(),
            action: r.action.clone(),
            target: opt(&r.target),
            results: opt(&r.result_count),
            outcome: r.outcome.clone(),
            details: Json::readable(&r.details),
        })
        .collect();
    output::rows(env.format, &flat, &records)?;
    Ok(0)
}
