//! `sportello audit`: reading the audit log; `sportello audit verify`: checking its hash chain.

use chrono::NaiveDate;
use clap::{Args, Subcommand};
use serde::Serialize;
use sportello::audit::AuditEvent;
use sportello::audit_chain;
use sportello::domain::parse_date;
use sportello::error::exit;
use sportello::store::audit::Filter;
use tabled::Tabled;

use crate::output::{self, Json, local_seconds, opt};
use crate::{Env, in_session};

#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  sportello audit --by-operator mrossi --from 2026-11-01
  sportello audit --action search --format json
  sportello audit --target RSSMRA85T10L219G
  sportello audit verify
  sportello audit verify --head 3f1c...e9a0")]
#[command(args_conflicts_with_subcommands = true)]
pub struct AuditArgs {
    #[command(subcommand)]
    command: Option<AuditCommand>,
    /// Only what this operator did (the operator named, or the login the database stamped).
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

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain of the audit log: report the first changed, missing or inserted row
    /// (exit 9), else print the head hash to keep elsewhere.
    #[command(after_help = "\
Examples:
  sportello audit verify
  sportello audit verify --format json \\
      --head 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
  sportello audit verify \\
      --server-log /var/log/postgresql/postgresql-15-main.log

Each audit row is stamped by the database and carries a SHA-256 over its
content and the hash of the row before it. A chain cannot show on its own
that its last rows were cut off: keep the head hash printed here somewhere
else (a ticket, a signed email) and give it back with --head.

A row is written in its command's transaction: rolled back, it is gone from
the table, not from the server's log, where the database writes every row
too. --server-log lists those rows (what was read or tried, then undone),
and apart those of transactions still in progress, not judged yet.

Exit codes: 0 the chain is intact (and holds the head given), 9 it is not.")]
    Verify(VerifyArgs),
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A head hash printed by an earlier verification: it must still be a link of the chain.
    #[arg(long, value_name = "HASH")]
    head: Option<String>,
    /// The PostgreSQL server's log: list the audit rows it names that the chain does not hold
    /// (done, then rolled back with their transaction), and apart those of transactions still in
    /// progress.
    #[arg(long, value_name = "FILE")]
    server_log: Option<std::path::PathBuf>,
}

#[derive(Tabled, Serialize)]
struct Row {
    id: i64,
    at: String,
    operator: String,
    login: String,
    origin: String,
    command: String,
    action: String,
    target: String,
    results: String,
    outcome: String,
    details: String,
}

/// The columns an auditor needs first, kept longest on a narrow terminal: when, what, on whom
/// and how it ended before who, from where and through which command.
const PRIORITY: &[&str] =
    &["at", "action", "target", "outcome", "operator", "results", "details", "id", "command", "login", "origin"];

pub async fn run(env: &Env, a: AuditArgs) -> sportello::Result<i32> {
    if let Some(AuditCommand::Verify(v)) = a.command {
        return verify(env, v).await;
    }
    let filter = Filter {
        operator_id: a.operator_id,
        action: a.action.map(|e| e.as_str().to_string()),
        target: a.target.map(|t| t.trim().to_string()),
        from: a.from,
        to: a.to,
        limit: a.limit.max(1),
    };
    let records = in_session(env, async |s| sportello::audit::list(&s.db, s.key.as_ref(), filter).await).await?;
    let flat: Vec<Row> = records
        .iter()
        .map(|r| Row {
            id: r.id,
            at: local_seconds(&r.at),
            operator: opt(&r.operator_id),
            login: opt(&r.login),
            origin: r.origin.clone(),
            command: r.command.clone(),
            action: r.action.clone(),
            target: opt(&r.target),
            results: opt(&r.result_count),
            outcome: output::outcome(&r.outcome),
            details: Json::readable(&r.details),
        })
        .collect();
    output::rows_by_priority(env.format, &flat, &records, PRIORITY)?;
    Ok(0)
}

async fn verify(env: &Env, a: VerifyArgs) -> sportello::Result<i32> {
    let head = a.head.as_deref().map(audit_chain::parse_head).transpose()?;
    let v = in_session(env, async |s| audit_chain::verify(s, head, a.server_log.as_deref()).await).await?;
    let mut fields = vec![
        (tr!("verify-result"), if v.intact() { tr!("verify-intact") } else { tr!("verify-broken") }),
        (tr!("verify-rows"), v.rows.to_string()),
    ];
    if let Some(problem) = &v.problem {
        fields.push((tr!("verify-first-break"), problem.to_string()));
        fields.push((tr!("verify-last-good-row"), v.head_seq.to_string()));
        fields.push((tr!("verify-its-hash"), v.head_hash.clone()));
    } else {
        fields.push((tr!("verify-head"), v.head_seq.to_string()));
        fields.push((tr!("verify-head-hash"), v.head_hash.clone()));
    }
    if v.unlinked > 0 {
        let since = v.oldest_unlinked.as_ref().map(local_seconds).unwrap_or_default();
        fields.push((tr!("verify-unlinked"), tr!("verify-unlinked-value", n = v.unlinked, since = since)));
    }
    if let Some(seq) = v.kept_head_seq {
        fields.push((tr!("verify-kept-head"), tr!("verify-kept-head-value", seq = seq)));
    }
    let logged = |l: &audit_chain::Logged| {
        [l.at.as_str(), l.login.as_deref().unwrap_or("-"), &l.action, l.target.as_deref().unwrap_or("-"), &l.outcome]
            .join(" ")
    };
    if let Some(gone) = &v.rolled_back {
        fields.push((tr!("verify-rolled-back"), gone.len().to_string()));
        for l in gone {
            fields.push((tr!("verify-rolled-back-row", id = l.id), logged(l)));
        }
    }
    if let Some(open) = v.in_progress.as_ref().filter(|o| !o.is_empty()) {
        fields.push((tr!("verify-in-progress"), tr!("verify-in-progress-value", n = open.len())));
        for l in open {
            fields.push((tr!("verify-in-progress-row", id = l.id), logged(l)));
        }
    }
    output::detail(env.format, fields, &v)?;
    if let Some(problem) = &v.problem {
        eprintln!("sportello: {}", tr!("verify-tampered", problem = problem.to_string()));
        return Ok(exit::TAMPERED);
    }
    Ok(0)
}
