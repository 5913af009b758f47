//! `sportello audit`: reading the audit log.

use chrono::NaiveDate;
use clap::Args;
use sportello::audit::AuditEvent;
use sportello::domain::parse_date;
use sportello::store::audit::Filter;
use tabled::Tabled;

use crate::output::{self, Json, local_seconds, opt};
use crate::{Env, in_session};

#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  sportello audit --by-operator mrossi --from 2026-11-01
  sportello audit --action search --format json
  sportello audit --target RSSMRA85T10L219G")]
pub struct AuditArgs {
    /// Only what this operator did.
    #[arg(long = "by-operator", alias = "operator-id", value_name = "ID")]
    operator_id: Option<String>,
    /// Only this action (`command`: a command that failed or was refused).
    #[arg(long, value_parser = crate::choice::choice::<AuditEvent>())]
    action: Option<AuditEvent>,
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
        action: a.action.map(|e| e.as_str().to_string()),
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
