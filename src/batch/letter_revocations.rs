//! Revocations received by registered letter ("raccomandata A/R") at CSI, processed by the
//! helpdesk: each request is checked against the record; a match revokes the credentials and
//! erases the personal data at once (tombstone kept); the others are reported.
//!
//! Batch file: CSV with a header (`;` or `,`): `fiscal_code, first_name, last_name,
//! doc_number, doc_issued, protocol, protocol_date`. Each row is its own transaction together
//! with the run's checkpoint, so a crashed run resumes after the last row it finished.

use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Begin, Progress, Reject, RunKind};
use crate::audit::{self, AuditEvent, Entry, Target};
use crate::desk::handover::Desk;
use crate::domain::{FiscalCode, Registration, parse_date};
use crate::error::{Error, Result};
use crate::portal::{erase, was_revoked};
use crate::session::Session;
use crate::store::registrations::{self, Key};
use crate::store::revocations::Channel;

/// One letter.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Letter {
    pub fiscal_code: String,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    #[serde(default)]
    pub doc_number: String,
    #[serde(default)]
    pub doc_issued: String,
    pub protocol: String,
    #[serde(default)]
    pub protocol_date: String,
}

/// What became of a letter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Revoked {
        registration_number: i64,
    },
    NotFound,
    AlreadyRevoked,
    /// The letter's data differ from the record in these fields.
    Mismatch {
        fields: Vec<String>,
    },
    Invalid {
        reason: String,
    },
}

impl Outcome {
    fn key(&self) -> &'static str {
        match self {
            Outcome::Revoked { .. } => "revoked",
            Outcome::NotFound => "not_found",
            Outcome::AlreadyRevoked => "already_revoked",
            Outcome::Mismatch { .. } => "mismatch",
            Outcome::Invalid { .. } => "invalid",
        }
    }
}

fn same_text(a: &str, b: &Option<String>) -> bool {
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ").to_uppercase();
    norm(a) == norm(b.as_deref().unwrap_or_default())
}

/// The fields of a letter that disagree with the record (empty fields of the letter are not
/// compared for a single request typed by the operator; a batch row must have them all).
fn mismatches(l: &Letter, r: &Registration, issued: Option<NaiveDate>) -> Vec<String> {
    let mut out = Vec::new();
    if !l.first_name.is_empty() && !same_text(&l.first_name, &r.data.person.first_name) {
        out.push("first_name".into());
    }
    if !l.last_name.is_empty() && !same_text(&l.last_name, &r.data.person.last_name) {
        out.push("last_name".into());
    }
    let compact = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
    if !l.doc_number.is_empty()
        && compact(&l.doc_number) != compact(r.data.document.number.as_deref().unwrap_or_default())
    {
        out.push("doc_number".into());
    }
    if issued.is_some() && issued != r.data.document.issued {
        out.push("doc_issued".into());
    }
    out
}

/// Processes one letter in its own transaction (with the run's checkpoint in it, for batches).
/// A dry run decides and rolls back: nothing is erased or recorded.
async fn process(
    session: &Session,
    desk: &Desk,
    l: &Letter,
    require_all: bool,
    checkpoint: Option<(i64, i64, u64)>,
    dry_run: bool,
) -> Result<Outcome> {
    let mut client = session.db.client().await?;
    let tx = client.transaction().await?;
    let outcome = 'decide: {
        let fc = match FiscalCode::parse(&l.fiscal_code) {
            Ok(fc) => fc,
            Err(e) => break 'decide Outcome::Invalid { reason: format!("fiscal code: {e}") },
        };
        if l.protocol.trim().is_empty() {
            break 'decide Outcome::Invalid { reason: "no protocol number".into() };
        }
        if require_all {
            for (name, v) in [
                ("first_name", &l.first_name),
                ("last_name", &l.last_name),
                ("doc_number", &l.doc_number),
                ("doc_issued", &l.doc_issued),
            ] {
                if v.trim().is_empty() {
                    break 'decide Outcome::Invalid { reason: format!("{name} is empty") };
                }
            }
        }
        let issued = if l.doc_issued.trim().is_empty() {
            None
        } else {
            match parse_date(&l.doc_issued) {
                Ok(d) => Some(d),
                Err(e) => break 'decide Outcome::Invalid { reason: format!("doc_issued: {e}") },
            }
        };
        let Some(r) = registrations::get(&tx, &Key::FiscalCode(fc.clone())).await? else {
            drop(tx);
            let revoked = was_revoked(&session.db, desk, fc.as_str()).await?;
            let outcome = if revoked { Outcome::AlreadyRevoked } else { Outcome::NotFound };
            if dry_run {
                return Ok(outcome);
            }
            return finish_outcome(session, l, outcome, checkpoint).await;
        };
        registrations::lock_number(&tx, r.registration_number).await?;
        let wrong = mismatches(l, &r, issued);
        if !wrong.is_empty() {
            break 'decide Outcome::Mismatch { fields: wrong };
        }
        erase(&tx, desk, &r, &Channel::RegisteredLetter { protocol: l.protocol.trim().to_string() }).await?;
        Outcome::Revoked { registration_number: r.registration_number }
    };
    if dry_run {
        tx.rollback().await?;
        return Ok(outcome);
    }
    record_in(&tx, session, l, &outcome, checkpoint).await?;
    tx.commit().await?;
    Ok(outcome)
}

/// The report line of a letter not honoured.
fn rejects_for(outcome: &Outcome, line: u64, l: &Letter) -> Vec<Reject> {
    let r = |field: &str, reason: String| vec![Reject::new(line, field, &l.fiscal_code, reason)];
    match outcome {
        Outcome::Revoked { .. } => vec![],
        Outcome::Mismatch { fields } => {
            r(&fields.join(" "), "mismatch: the letter's data differ from the record".into())
        }
        Outcome::NotFound => r("fiscal_code", "not found: no registration with this fiscal code".into()),
        Outcome::AlreadyRevoked => r("fiscal_code", "already revoked".into()),
        Outcome::Invalid { reason } => r("", reason.clone()),
    }
}

/// Records an outcome decided outside a transaction (not found / already revoked).
async fn finish_outcome(
    session: &Session,
    l: &Letter,
    outcome: Outcome,
    checkpoint: Option<(i64, i64, u64)>,
) -> Result<Outcome> {
    let mut client = session.db.client().await?;
    let tx = client.transaction().await?;
    record_in(&tx, session, l, &outcome, checkpoint).await?;
    tx.commit().await?;
    Ok(outcome)
}

async fn record_in(
    tx: &deadpool_postgres::Transaction<'_>,
    session: &Session,
    l: &Letter,
    outcome: &Outcome,
    checkpoint: Option<(i64, i64, u64)>,
) -> Result<()> {
    // The fiscal code of an erased registration is not kept in the audit log either.
    let target = match outcome {
        Outcome::Revoked { registration_number } => Target::Input(format!("registration {registration_number}")),
        _ => Target::Input(l.fiscal_code.trim().to_uppercase()),
    };
    let ok = if matches!(outcome, Outcome::Revoked { .. }) { audit::Outcome::Ok } else { audit::Outcome::Refused };
    let entry =
        Entry::new(AuditEvent::RevokeLetter, target).details(json!({ "protocol": l.protocol, "outcome": outcome }));
    session.record(tx, entry.outcome(ok)).await?;
    if let Some((run, position, line)) = checkpoint {
        let rejects = rejects_for(outcome, line, l);
        let ok = i64::from(rejects.is_empty());
        super::checkpoint(tx, run, position, 1, ok, &rejects, &json!({ outcome.key(): 1 })).await?;
    }
    Ok(())
}

/// One letter typed by the helpdesk (`revoke --cf ... --letter-protocol ...`).
pub async fn revoke_one(session: &Session, desk: &Desk, letter: Letter) -> Result<Outcome> {
    process(session, desk, &letter, false, None, false).await
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub run_id: i64,
    pub already_done: bool,
    pub resumed: bool,
    pub rows: i64,
    pub counts: serde_json::Value,
    pub reported: Vec<Reject>,
}

/// A batch of letters. A dry run decides every letter and reports, without erasing or
/// recording anything.
pub async fn revoke_batch(
    session: &Session,
    desk: &Desk,
    path: &Path,
    dry_run: bool,
    progress: &dyn Progress,
) -> Result<Report> {
    let checksum = super::checksum_file(path).await?;
    let input = path.display().to_string();
    let begin = if dry_run {
        Begin::Fresh(super::Run { id: 0, position: 0, resumed: false })
    } else {
        super::begin(session, RunKind::RevokeLetters, &input, &checksum, json!({}), true).await?
    };
    let run = match begin {
        Begin::AlreadyDone(done) => {
            return Ok(Report {
                run_id: done.id,
                already_done: true,
                rows: done.rows_read,
                counts: done.counts,
                ..Default::default()
            });
        }
        Begin::Fresh(run) => run,
    };
    let text = std::fs::read(path).map_err(Error::io(format!("cannot read {}", path.display())))?;
    let first = text.split(|&b| b == b'\n').next().unwrap_or_default();
    let delimiter = if first.iter().filter(|&&b| b == b';').count() > first.iter().filter(|&&b| b == b',').count() {
        b';'
    } else {
        b','
    };
    let mut csv = csv::ReaderBuilder::new().delimiter(delimiter).trim(csv::Trim::All).from_reader(text.as_slice());
    let headers = csv.headers().map_err(|e| Error::Invalid(format!("{}: bad header: {e}", path.display())))?.clone();
    for needed in ["fiscal_code", "protocol"] {
        if !headers.iter().any(|h| h == needed) {
            return Err(Error::Invalid(format!("{}: the header has no column '{needed}'", path.display())));
        }
    }
    let records: Vec<_> = csv.records().collect();
    progress.start(
        &format!("registered-letter revocations {}", path.display()),
        Some(records.len() as u64),
        run.position as u64,
    );
    let mut dry_counts: std::collections::BTreeMap<&str, i64> = Default::default();
    let mut dry_rejects = Vec::new();
    let mut dry_revoked = std::collections::HashSet::new();
    for (i, record) in records.iter().enumerate() {
        let position = i as i64 + 1;
        if position <= run.position {
            continue;
        }
        // A row that cannot be read is reported like any other letter not honoured.
        let parsed = match record {
            Ok(r) => {
                let line = r.position().map(|p| p.line()).unwrap_or(0);
                r.deserialize::<Letter>(Some(&headers)).map(|l| (line, l)).map_err(|e| {
                    (
                        line,
                        Letter { fiscal_code: r.get(0).unwrap_or_default().into(), ..Default::default() },
                        e.to_string(),
                    )
                })
            }
            Err(e) => Err((e.position().map(|p| p.line()).unwrap_or(0), Letter::default(), e.to_string())),
        };
        let (line, letter, outcome) = match parsed {
            Ok((line, letter)) => {
                let code = letter.fiscal_code.trim().to_uppercase();
                // A dry run changes nothing, so it remembers what it would have revoked.
                let outcome = if dry_run && dry_revoked.contains(&code) {
                    Outcome::AlreadyRevoked
                } else {
                    process(session, desk, &letter, true, Some((run.id, position, line)), dry_run).await?
                };
                if matches!(outcome, Outcome::Revoked { .. }) {
                    dry_revoked.insert(code);
                }
                (line, letter, outcome)
            }
            Err((line, bad, reason)) => {
                let invalid = Outcome::Invalid { reason };
                if !dry_run {
                    finish_outcome(session, &bad, invalid.clone(), Some((run.id, position, line))).await?;
                }
                (line, bad, invalid)
            }
        };
        if dry_run {
            *dry_counts.entry(outcome.key()).or_insert(0) += 1;
            dry_rejects.extend(rejects_for(&outcome, line, &letter));
        }
        progress.advance(position as u64);
    }
    if dry_run {
        progress.finish("dry run: nothing written");
        return Ok(Report {
            rows: records.len() as i64,
            counts: json!(dry_counts),
            reported: dry_rejects,
            ..Default::default()
        });
    }
    let client = session.db.client().await?;
    super::finish(&client, run.id).await?;
    let record = super::run_record(&client, run.id).await?;
    progress.finish(&format!("{} letters", record.rows_read));
    Ok(Report {
        run_id: run.id,
        already_done: false,
        resumed: run.resumed,
        rows: record.rows_read,
        counts: record.counts,
        reported: super::rejects(&client, run.id).await?,
    })
}
