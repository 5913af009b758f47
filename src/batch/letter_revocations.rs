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

use super::input::Lines;
use super::{Begin, Progress, Reject, RunKind};
use crate::audit::{self, AuditEvent, Entry, Target};
use crate::desk::handover::Desk;
use crate::domain::{FiscalCode, as_written, text};
use crate::error::{Error, Result};
use crate::portal::{ErasureKeys, was_revoked};
use crate::session::Session;
use crate::store::revocations::{self, LetterRecord};

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
        /// The field at fault and what the letter has in it, for the report.
        #[serde(skip)]
        field: String,
        #[serde(skip)]
        value: String,
    },
}

impl Outcome {
    fn invalid(field: &str, value: &str, reason: impl Into<String>) -> Outcome {
        Outcome::Invalid { reason: reason.into(), field: field.into(), value: text::shown(value.trim(), 80) }
    }

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

/// What a letter says, checked before the record is looked at: its fiscal code, protocol and
/// (`require_all`) every field, and its dates. Err: the field at fault, its value and why.
fn read_input(l: &Letter, require_all: bool) -> std::result::Result<(FiscalCode, Option<NaiveDate>), InputError> {
    let fc = as_written::fiscal_code(&l.fiscal_code).map_err(|e| {
        ("fiscal_code", l.fiscal_code.clone(), crate::msg!("letter-bad-fiscal-code", detail = e.message()))
    })?;
    if l.protocol.trim().is_empty() {
        return Err(("protocol", String::new(), crate::msg!("letter-no-protocol")));
    }
    if require_all {
        for (name, v) in [
            ("first_name", &l.first_name),
            ("last_name", &l.last_name),
            ("doc_number", &l.doc_number),
            ("doc_issued", &l.doc_issued),
            ("protocol_date", &l.protocol_date),
        ] {
            if v.trim().is_empty() {
                return Err((name, String::new(), crate::msg!("letter-field-empty", field = name)));
            }
        }
        // A letter is registered on arrival: a protocol dated later has not arrived.
        past_date("protocol_date", &l.protocol_date)?;
    }
    let issued = if l.doc_issued.trim().is_empty() { None } else { Some(past_date("doc_issued", &l.doc_issued)?) };
    Ok((fc, issued))
}

/// The field at fault, its value and why.
type InputError = (&'static str, String, crate::i18n::Message);

/// A date of the letter, not later than today.
fn past_date(field: &'static str, value: &str) -> std::result::Result<NaiveDate, InputError> {
    match as_written::date(value) {
        Ok(d) if d > today() => Err((field, value.to_string(), crate::msg!("letter-date-future", field = field))),
        Ok(d) => Ok(d),
        Err(e) => Err((field, value.to_string(), crate::msg!("letter-bad-date", field = field, detail = e))),
    }
}

/// One letter typed at a terminal, checked as a batch row is before anything else (the role,
/// the confirmation, the record): what is wrong with it, in the operator's language.
pub fn check_letter(l: &Letter) -> Result<()> {
    read_input(l, true).map(|_| ()).map_err(|(_, _, reason)| Error::Invalid(reason))
}

/// The fields of a letter that disagree with the record, compared as people write them (see
/// [`as_written`]: `Nicolo` is `NICOLÒ`, `DAngelo` is `D'ANGELO`, `ca 12345 aa` is `CA12345AA`).
/// Empty fields are not compared: every letter processed must have them all, see `require_all`.
fn mismatches(l: &Letter, r: &LetterRecord, issued: Option<NaiveDate>) -> Vec<String> {
    let mut out = Vec::new();
    let recorded = |v: &Option<String>| v.clone().unwrap_or_default();
    if !l.first_name.is_empty() && !as_written::same_name(&l.first_name, &recorded(&r.first_name)) {
        out.push("first_name".into());
    }
    if !l.last_name.is_empty() && !as_written::same_name(&l.last_name, &recorded(&r.last_name)) {
        out.push("last_name".into());
    }
    if !l.doc_number.is_empty() && !as_written::same_code(&l.doc_number, &recorded(&r.doc_number)) {
        out.push("doc_number".into());
    }
    if issued.is_some() && issued != r.doc_issued {
        out.push("doc_issued".into());
    }
    out
}

/// The letter's fiscal code as the citizen is known by (`dll mgr 84b69 f335o` is
/// `DLLMGR84B69F335O`), or as written when it is not a fiscal code.
fn citizen_code(l: &Letter) -> String {
    as_written::fiscal_code(&l.fiscal_code)
        .map(|fc| fc.as_str().to_string())
        .unwrap_or_else(|_| l.fiscal_code.trim().to_uppercase())
}

/// Today in Italy, the day letters and documents are dated by.
fn today() -> NaiveDate {
    chrono::Utc::now().with_timezone(&chrono_tz::Europe::Rome).date_naive()
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
        let (fc, issued) = match read_input(l, require_all) {
            Ok(read) => read,
            Err((field, value, reason)) => break 'decide Outcome::invalid(field, &value, reason.english()),
        };
        // Found and locked by the database: another run (or the portal) may have erased it,
        // or a desk changed it, meanwhile.
        let audit_name = audit::fiscal_code_target(&desk.key, fc.as_str());
        let Some(r) = revocations::letter_record(&tx, fc.as_str(), &audit_name).await? else {
            drop(tx);
            let revoked = was_revoked(&session.db, desk, fc.as_str()).await?;
            let outcome = if revoked { Outcome::AlreadyRevoked } else { Outcome::NotFound };
            if dry_run {
                return Ok(outcome);
            }
            return finish_outcome(session, l, outcome, checkpoint).await;
        };
        let wrong = mismatches(l, &r, issued);
        if dry_run {
            drop(tx);
            return Ok(if wrong.is_empty() {
                Outcome::Revoked { registration_number: r.number }
            } else {
                Outcome::Mismatch { fields: wrong }
            });
        }
        // The decision on a registration found is the database's to record (and to carry out).
        let keys = ErasureKeys::of(&desk.key, fc.as_str());
        let described = json!({
            "protocol": audit::scrub(Some(&desk.key), &l.protocol),
            "protocol_date": audit::scrub(Some(&desk.key), &l.protocol_date),
        });
        let decision = revocations::LetterDecision {
            number: r.number,
            audit_name: &audit_name,
            protocol: l.protocol.trim(),
            described: &described,
            mismatches: &wrong,
            tombstone: &keys.tombstone,
            stats_person: &keys.stats_person,
            helpdesk_hash: &keys.helpdesk,
        };
        let done = revocations::revoke_letter(&tx, &decision).await?;
        let outcome = if wrong.is_empty() {
            Outcome::Revoked { registration_number: r.number }
        } else {
            Outcome::Mismatch { fields: wrong }
        };
        checkpoint_in(&tx, l, &outcome, checkpoint).await?;
        tx.commit().await?;
        if let Outcome::Revoked { registration_number } = outcome {
            // The citizen is told at the address the record had (the database gave it as it
            // erased the record): a letter someone else sent is caught this way.
            if let Some(email) = done.email {
                let erased = revocations::Erased {
                    registration_number,
                    fiscal_code: fc.to_string(),
                    email,
                    first_name: r.first_name.clone(),
                    last_name: r.last_name.clone(),
                };
                crate::notices::tell_erased(session, desk, &erased, crate::notices::Notice::Revoked).await;
            }
            crate::portal::remove_letters(&session.db, desk, registration_number).await?;
        }
        return Ok(outcome);
    };
    if dry_run {
        tx.rollback().await?;
        return Ok(outcome);
    }
    record_in(&tx, session, l, &outcome, checkpoint).await?;
    tx.commit().await?;
    Ok(outcome)
}

/// The report line of a letter not honoured: the field at fault and the letter's value in it.
fn rejects_for(outcome: &Outcome, line: u64, l: &Letter) -> Vec<Reject> {
    let code = text::shown(l.fiscal_code.trim(), 80);
    let r = |field: &str, value: &str, reason: String| vec![Reject::new(line, field, value, reason)];
    match outcome {
        Outcome::Revoked { .. } => vec![],
        Outcome::Mismatch { fields } => {
            let values: Vec<String> = fields
                .iter()
                .map(|f| match f.as_str() {
                    "first_name" => &l.first_name,
                    "last_name" => &l.last_name,
                    "doc_number" => &l.doc_number,
                    "doc_issued" => &l.doc_issued,
                    _ => "",
                })
                .map(|v| text::shown(v.trim(), 80))
                .collect();
            r(&fields.join(" "), &values.join(" / "), "mismatch: the letter's data differ from the record".into())
        }
        Outcome::NotFound => r("fiscal_code", &code, "not found: no registration with this fiscal code".into()),
        Outcome::AlreadyRevoked => r("fiscal_code", &code, "already revoked".into()),
        Outcome::Invalid { reason, field, value } => r(field, value, reason.clone()),
    }
}

/// The records of a letter batch, or why each could not be read, and their physical lines.
type Records = Vec<std::result::Result<csv::ByteRecord, csv::Error>>;

/// Reads a letter batch: its header checked (a file that is empty, binary or without the
/// needed columns is refused whole), its records with their physical lines.
fn read_letters(path: &Path, text: &[u8]) -> Result<(csv::StringRecord, Records, Vec<u64>)> {
    let not_a_batch =
        |why: crate::i18n::Message| Error::Invalid(crate::msg!("letters-not-a-batch", path = path, why = why));
    if text.iter().all(u8::is_ascii_whitespace) {
        return Err(not_a_batch(crate::msg!("file-is-empty")));
    }
    let lines = Lines::default();
    let mut csv = csv::ReaderBuilder::new()
        .delimiter(super::input::delimiter(text))
        .trim(csv::Trim::All)
        .from_reader(lines.wrap(text));
    // Column names in any case, as spreadsheets write them.
    let headers =
        super::input::column_names(csv.byte_headers().map_err(|_| not_a_batch(crate::msg!("file-no-header")))?);
    let headers =
        csv::StringRecord::from_byte_record(headers).map_err(|_| not_a_batch(crate::msg!("file-not-text")))?;
    if headers.iter().any(|h| text::check("header", h).is_err()) {
        return Err(not_a_batch(crate::msg!("file-not-text")));
    }
    // What a letter is checked against the record with: a batch without it could only be
    // reported row by row ("first_name is empty"), so it is refused whole.
    for needed in ["fiscal_code", "first_name", "last_name", "doc_number", "doc_issued", "protocol", "protocol_date"] {
        if !headers.iter().any(|h| h == needed) {
            return Err(not_a_batch(crate::msg!("file-no-column", column = needed)));
        }
    }
    if let Some((_, twice)) = headers.iter().enumerate().find(|(i, h)| headers.iter().skip(i + 1).any(|o| o == *h)) {
        return Err(not_a_batch(crate::msg!("file-column-twice", column = twice)));
    }
    let (mut records, mut at) = (Vec::new(), Vec::new());
    loop {
        let mut record = csv::ByteRecord::new();
        match csv.read_byte_record(&mut record) {
            Ok(false) => break,
            // A row of separators alone, as a spreadsheet saves an empty row, is a blank line.
            Ok(true) if super::input::is_blank(&record) => {}
            Ok(true) => {
                at.push(record.position().map(|p| lines.line_of(p.byte())).unwrap_or(0));
                records.push(Ok(record));
            }
            Err(e) => {
                at.push(e.position().map(|p| lines.line_of(p.byte())).unwrap_or(0));
                records.push(Err(e));
            }
        }
    }
    // A header and no letter is an empty batch too (a truncated export, the wrong file).
    if records.is_empty() {
        return Err(not_a_batch(crate::msg!("file-no-rows")));
    }
    Ok((headers, records, at))
}

/// A record that is not a letter: its line, the letter as far as it could be read, and why.
type Unread = Box<(u64, Letter, Outcome)>;

/// One record of a letter batch as a letter, or the letter as far as it could be read and why
/// it is invalid. Every value is text, bounded and free of control characters.
fn parse_letter(
    headers: &csv::StringRecord,
    record: &std::result::Result<csv::ByteRecord, csv::Error>,
    line: u64,
) -> std::result::Result<(u64, Letter), Unread> {
    let r = match record {
        Ok(r) => r,
        Err(e) => {
            let reason = match e.kind() {
                csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
                    format!("{len} fields where the header has {expected_len}")
                }
                _ => e.to_string(),
            };
            return Err(Box::new((line, Letter::default(), Outcome::invalid("", "", reason))));
        }
    };
    let column = |name: &str| headers.iter().position(|h| h == name).and_then(|i| r.get(i)).unwrap_or_default();
    let partial = || Letter {
        fiscal_code: text::shown(&String::from_utf8_lossy(column("fiscal_code")), 80),
        ..Default::default()
    };
    for (field, value) in headers.iter().zip(r.iter()) {
        let invalid = match std::str::from_utf8(value) {
            Err(_) => Outcome::invalid(field, &String::from_utf8_lossy(value), format!("{field} is not UTF-8 text")),
            Ok(text) => match text::check(field, text) {
                Ok(()) => continue,
                Err(reason) => Outcome::invalid(field, text, reason.english()),
            },
        };
        return Err(Box::new((line, partial(), invalid)));
    }
    let record = csv::StringRecord::from_byte_record(r.clone())
        .map_err(|e| Box::new((line, partial(), Outcome::invalid("", "", format!("not UTF-8 text: {e}")))))?;
    record
        .deserialize::<Letter>(Some(headers))
        .map(|l| (line, l))
        .map_err(|e| Box::new((line, partial(), Outcome::invalid("", "", e.to_string()))))
}

/// Records an outcome the client decided before anything was written (not found, already
/// revoked, a letter that cannot be read): an event it observed (api.record).
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
    // The audit log names the citizen by a keyed hash of the fiscal code, never the code.
    let target = Target::Citizen(citizen_code(l));
    let ok = if matches!(outcome, Outcome::Revoked { .. }) { audit::Outcome::Ok } else { audit::Outcome::Refused };
    let entry = Entry::new(AuditEvent::RevokeLetter, target)
        .details(json!({ "protocol": l.protocol, "protocol_date": l.protocol_date, "outcome": outcome }));
    session.record(tx, entry.outcome(ok)).await?;
    checkpoint_in(tx, l, outcome, checkpoint).await
}

/// The run's checkpoint of a letter, in the letter's transaction.
async fn checkpoint_in(
    tx: &deadpool_postgres::Transaction<'_>,
    l: &Letter,
    outcome: &Outcome,
    checkpoint: Option<(i64, i64, u64)>,
) -> Result<()> {
    if let Some((run, position, line)) = checkpoint {
        let rejects = rejects_for(outcome, line, l);
        let ok = i64::from(rejects.is_empty());
        super::checkpoint(tx, run, position, 1, ok, &rejects, &json!({ outcome.key(): 1 })).await?;
    }
    Ok(())
}

/// One letter typed by the helpdesk (`revoke --cf ... --letter-protocol ...`): it must carry all
/// the letter's data (names, document number and issue date, protocol and its date), checked
/// exactly as a batch row is.
pub async fn revoke_one(session: &Session, desk: &Desk, letter: Letter) -> Result<Outcome> {
    process(session, desk, &letter, true, None, false).await
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
    encoding: super::input::Encoding,
    dry_run: bool,
    progress: &dyn Progress,
) -> Result<Report> {
    let checksum = super::checksum_file(path).await?;
    let input = path.display().to_string();
    // The file is read and its header checked before a run is recorded: an empty or binary
    // file is refused as a whole, and leaves no run behind; so is a file not of its encoding.
    let bytes = super::input::read_text(path, encoding)?;
    let (headers, records, lines) = read_letters(path, &bytes)?;
    let begin = if dry_run {
        Begin::Fresh(super::Run::dry())
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
    progress.start(
        &crate::tr!("progress-letter-revocations", path = path),
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
        let parsed = parse_letter(&headers, record, lines[i]);
        let (line, letter, outcome) = match parsed {
            Ok((line, letter)) => {
                let code = citizen_code(&letter);
                // A dry run changes nothing, so it remembers what it would have revoked.
                let outcome = if dry_run && dry_revoked.contains(&code) {
                    Outcome::AlreadyRevoked
                } else {
                    match process(session, desk, &letter, true, Some((run.id, position, line)), dry_run).await {
                        Ok(outcome) => outcome,
                        // What the server refuses about this letter alone is reported with it;
                        // losing the server stops the run (the next one resumes it).
                        Err(e @ (Error::Unavailable(_) | Error::Internal(_) | Error::Io { .. })) => return Err(e),
                        Err(e) => {
                            let invalid = Outcome::invalid("", "", format!("could not be processed: {}", e.english()));
                            if !dry_run {
                                finish_outcome(session, &letter, invalid.clone(), Some((run.id, position, line)))
                                    .await?;
                            }
                            invalid
                        }
                    }
                };
                if matches!(outcome, Outcome::Revoked { .. }) {
                    dry_revoked.insert(code);
                }
                (line, letter, outcome)
            }
            Err(unread) => {
                let (line, bad, invalid) = *unread;
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
        progress.finish(&crate::tr!("progress-dry-run"));
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
    progress.finish(&crate::tr!("progress-letters", count = record.rows_read));
    Ok(Report {
        run_id: run.id,
        already_done: false,
        resumed: run.resumed,
        rows: record.rows_read,
        counts: record.counts,
        reported: super::rejects(&client, run.id).await?,
    })
}
