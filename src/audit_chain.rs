//! The audit log's hash chain, verified (`sportello audit verify`).
//!
//! The database appends (`sportello_record`, sql/V49; the chain of sql/V6) and links each row
//! into the chain, at once or, when another writer holds the chain, with the next writer's: a
//! link is the row's position, the previous row's hash and its own, a SHA-256 over the previous
//! hash and a canonical, length-prefixed serialisation of every other column. Rows not linked
//! yet are counted, not walked. This module recomputes the
//! same hashes from the stored columns, in Rust, without trusting any function in the database,
//! and reports the FIRST row that is changed, missing or inserted.
//!
//! A chain alone cannot show that its tail was cut off: the head hash printed by a verification is
//! kept elsewhere (a ticket, a mail to the data protection officer) and given back with
//! `--head`, which checks it is still a link of the chain.

use std::io::BufRead;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::audit::{AuditEvent, Entry, Outcome, Target};
use crate::error::{Error, Result};
use crate::session::Session;
use crate::store::audit::{self, ChainRow};

/// The `prev_hash` of the first row.
pub const GENESIS: [u8; 32] = [0; 32];

/// Tag of the serialisation, hashed before the fields (a new form gets a new tag).
const FORM: &[u8] = b"sportello-audit-v1";

const PAGE: i32 = 5000;

/// The hash of one link: SHA-256 over `prev`, the form's tag, then every non-NULL column in the
/// bytewise order of the names, each as `<bytes of name>:<name><bytes of value>:<value>`; `at`
/// in UTC with microseconds. The same as `audit_log_hash` in sql/V6.
pub fn link_hash(prev: &[u8], at: DateTime<Utc>, fields: &Map<String, Value>) -> [u8; 32] {
    let at = at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
    let mut items: Vec<(&str, &str)> =
        fields.iter().filter_map(|(k, v)| v.as_str().map(|v| (k.as_str(), v))).filter(|(k, _)| *k != "at").collect();
    items.push(("at", &at));
    items.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut h = Sha256::new();
    h.update(prev);
    h.update(FORM);
    for (k, v) in items {
        h.update(format!("{}:", k.len()).as_bytes());
        h.update(k.as_bytes());
        h.update(format!("{}:", v.len()).as_bytes());
        h.update(v.as_bytes());
    }
    h.finalize().into()
}

/// The first break found in the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Break {
    /// The row no longer matches its hash: its content (or its link) was changed, or it was
    /// forged without the chain's hash.
    Changed { seq: i64, id: i64 },
    /// Rows at these positions are gone.
    Missing { from_seq: i64, to_seq: i64 },
    /// Rows at these positions are not links of the chain: the row after them links to the one
    /// before them.
    Inserted { from_seq: i64, to_seq: i64 },
    /// The row was rewritten and its hash recomputed: the next row links to a hash no row has
    /// (or rows after it were removed and the rest renumbered).
    Rewritten { seq: i64, id: i64 },
    /// The head kept from an earlier verification is no longer in the chain: its tail was cut
    /// (or the log rebuilt).
    TailCut { head: String },
}

impl Break {
    /// What was found, for people (the audit row records the English text).
    pub fn message(&self) -> crate::i18n::Message {
        use crate::msg;
        match self {
            Break::Changed { seq, id } => msg!("break-changed", seq = seq, id = id),
            Break::Missing { from_seq, to_seq } if from_seq == to_seq => msg!("break-missing-one", seq = from_seq),
            Break::Missing { from_seq, to_seq } => msg!("break-missing", from = from_seq, to = to_seq),
            Break::Inserted { from_seq, to_seq } if from_seq == to_seq => msg!("break-inserted-one", seq = from_seq),
            Break::Inserted { from_seq, to_seq } => msg!("break-inserted", from = from_seq, to = to_seq),
            Break::Rewritten { seq, id } => msg!("break-rewritten", seq = seq, id = id),
            Break::TailCut { head } => msg!("break-tail-cut", head = head),
        }
    }
}

impl std::fmt::Display for Break {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.message().fmt(f)
    }
}

/// What a verification found.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    /// Rows walked (up to the break, when there is one).
    pub rows: i64,
    /// The last good link: the head to keep elsewhere when the chain is intact.
    pub head_seq: i64,
    pub head_hash: String,
    /// The position of the head given with `--head`, when it was found.
    pub kept_head_seq: Option<i64>,
    pub problem: Option<Break>,
    /// Rows written and not linked yet (sql/V49: each waits for the next writer that has the
    /// chain's lock), and when the oldest was written. Not part of the walk.
    pub unlinked: i64,
    pub oldest_unlinked: Option<DateTime<Utc>>,
    /// With a server log: the audit rows it names (sql/V42, V49) that are not in the audit log
    /// though the transaction that wrote them has ended: rolled back with it. None without one.
    pub rolled_back: Option<Vec<Logged>>,
    /// With a server log: the rows it names whose transaction is still in progress, not judged
    /// (sql/V49): each may yet commit, or be rolled back. None without one.
    pub in_progress: Option<Vec<Logged>>,
}

/// An audit row as the server's log names it when it is written (sql/V42, V49): the row, the
/// transaction that wrote it, and what it said, for an auditor to read when the row is not there.
/// The line is signed by the database (`mac`), which checks it: the JSON is kept whole for that.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Logged {
    #[serde(skip)]
    pub line: Value,
    #[serde(skip_serializing)]
    pub database: String,
    pub id: i64,
    #[serde(skip_serializing)]
    pub xact: String,
    #[serde(skip_serializing)]
    pub mac: String,
    pub at: String,
    pub login: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub outcome: String,
    pub count: Option<i64>,
}

/// The message of an audit row's line in the server log (sql/V42), after the line's prefix.
const LOG_MARKER: &str = "LOG:  sportello-audit {";

/// The longest line the database writes (its columns are bounded, sql/V49): a longer one is not
/// its own, and is not read.
const LONGEST_LINE: usize = 16 * 1024;

/// The audit rows of database `database` a server log names, every line kept (a later line
/// never hides an earlier one). Only the server's own lines are read: one that starts with its
/// prefix, never a continuation line, which the server indents with a tab and where it writes a
/// failed statement's text, chosen by whoever sent it. Text a login gets into the log otherwise
/// (a RAISE where it may run code, an error quoting what it sent) is read too, and fails the
/// signature the database checks (`api.audit_rows_missing`); so does one of other fields or too
/// long, and a line repeated counts once. Lines of other databases and other messages are passed
/// over; a log is read as it is written, line by line.
pub fn logged_rows(path: &Path, database: &str) -> Result<Vec<Logged>> {
    let file = std::fs::File::open(path).map_err(Error::io(crate::msg!("io-read", path = path)))?;
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for line in std::io::BufReader::new(file).split(b'\n') {
        let line = line.map_err(Error::io(crate::msg!("io-read", path = path)))?;
        let line = String::from_utf8_lossy(&line);
        if line.starts_with(char::is_whitespace) || line.len() > LONGEST_LINE {
            continue;
        }
        // After the prefix (which may be empty), never inside another message.
        let Some(at) = line.find(LOG_MARKER).filter(|&i| i == 0 || line[..i].ends_with(' ')) else { continue };
        let Ok(json) = serde_json::from_str::<Value>(line[at + LOG_MARKER.len() - 1..].trim_end()) else { continue };
        let Ok(mut row) = serde_json::from_value::<Logged>(json.clone()) else { continue };
        if row.database == database && row.mac.len() == 64 && seen.insert(row.mac.clone()) {
            row.line = json;
            out.push(row);
        }
    }
    Ok(out)
}

impl Verification {
    pub fn intact(&self) -> bool {
        self.problem.is_none()
    }
}

/// A head hash as printed (64 hex digits).
pub fn parse_head(s: &str) -> Result<[u8; 32]> {
    let bytes = hex::decode(s.trim()).map_err(|_| Error::Invalid(crate::msg!("head-hash-not-hex", hash = s)))?;
    bytes.try_into().map_err(|_| Error::Invalid(crate::msg!("head-hash-length", hash = s)))
}

/// Walks the chain from its first row, through `c`.
pub async fn walk(c: &impl deadpool_postgres::GenericClient, kept_head: Option<[u8; 32]>) -> Result<Verification> {
    let mut v = Verification {
        rows: 0,
        head_seq: 0,
        head_hash: hex::encode(GENESIS),
        kept_head_seq: None,
        problem: None,
        unlinked: 0,
        oldest_unlinked: None,
        rolled_back: None,
        in_progress: None,
    };
    let mut last: Option<ChainRow> = None;
    let mut after = None;
    'pages: loop {
        let page = audit::chain_page(c, after, PAGE).await?;
        let Some(tail) = page.last() else { break };
        after = Some((tail.seq, tail.id));
        for r in page {
            if let Some(problem) = check(c, last.as_ref(), &r).await? {
                v.problem = Some(problem);
                break 'pages;
            }
            v.rows += 1;
            if kept_head.is_some_and(|k| k[..] == r.hash[..]) {
                v.kept_head_seq = Some(r.seq);
            }
            last = Some(r);
        }
    }
    if let Some(l) = &last {
        v.head_seq = l.seq;
        v.head_hash = hex::encode(&l.hash);
    }
    (v.unlinked, v.oldest_unlinked) = audit::unlinked(c).await?;
    if v.problem.is_none()
        && let Some(k) = kept_head
        && v.kept_head_seq.is_none()
    {
        v.problem = Some(Break::TailCut { head: hex::encode(k) });
    }
    Ok(v)
}

/// The break at `r`, given the last good link before it.
async fn check(
    c: &impl deadpool_postgres::GenericClient,
    last: Option<&ChainRow>,
    r: &ChainRow,
) -> Result<Option<Break>> {
    if link_hash(&r.prev_hash, r.at, &r.fields)[..] != r.hash[..] {
        return Ok(Some(Break::Changed { seq: r.seq, id: r.id }));
    }
    let (expected_seq, expected_prev) = match last {
        None => (1, &GENESIS[..]),
        Some(l) => (l.seq + 1, &l.hash[..]),
    };
    if let Some(l) = last
        && r.seq == l.seq
    {
        return Ok(Some(Break::Inserted { from_seq: r.seq, to_seq: r.seq }));
    }
    if r.prev_hash[..] != *expected_prev {
        if r.seq > expected_seq {
            return Ok(Some(Break::Missing { from_seq: expected_seq, to_seq: r.seq - 1 }));
        }
        let Some(l) = last else {
            // A first row at position 1 that does not start the chain.
            return Ok(Some(Break::Changed { seq: r.seq, id: r.id }));
        };
        // Does it link to an earlier row? Then the rows between are not links.
        let earlier = audit::seqs_with_hash(c, &r.prev_hash).await?.into_iter().find(|&s| s < l.seq);
        return Ok(Some(match earlier {
            Some(q) => Break::Inserted { from_seq: q + 1, to_seq: l.seq },
            None => Break::Rewritten { seq: l.seq, id: l.id },
        }));
    }
    if r.seq != expected_seq {
        // The links hold but the position was changed.
        return Ok(Some(Break::Changed { seq: r.seq, id: r.id }));
    }
    Ok(None)
}

/// Verifies the audit log as `session`'s operator, and records that it did (after the walk: the
/// head printed is the last row walked, and the record of this verification follows it). With
/// `server_log`, also lists the rows that log names and the audit log does not hold though
/// their transaction has ended: rolled back with it; and, apart, those whose transaction is
/// still in progress, not judged.
pub async fn verify(session: &Session, kept_head: Option<[u8; 32]>, server_log: Option<&Path>) -> Result<Verification> {
    let client = session.db.client().await?;
    let mut v = walk(&client, kept_head).await?;
    if let Some(path) = server_log {
        let logged = logged_rows(path, &audit::database_name(&client).await?)?;
        let (mut gone, mut open) = (Vec::new(), Vec::new());
        for page in logged.chunks(10_000) {
            let lines: Vec<&Value> = page.iter().map(|l| &l.line).collect();
            for (i, ended) in audit::rows_missing(&client, &lines).await? {
                let row = usize::try_from(i - 1).ok().and_then(|i| page.get(i)).cloned();
                if ended { &mut gone } else { &mut open }.extend(row);
            }
        }
        for rows in [&mut gone, &mut open] {
            rows.sort_by(|a, b| (a.id, &a.at).cmp(&(b.id, &b.at)));
        }
        (v.rolled_back, v.in_progress) = (Some(gone), Some(open));
    }
    let details = json!({
        "rows": v.rows,
        "head_seq": v.head_seq,
        "head_hash": v.head_hash,
        "kept_head": kept_head.map(hex::encode),
        "problem": v.problem.as_ref().map(|p| p.message().english().to_string()),
        "rolled_back": v.rolled_back.as_ref().map(Vec::len),
        "in_progress": v.in_progress.as_ref().map(Vec::len),
        "unlinked": v.unlinked,
    });
    let outcome = if v.intact() { Outcome::Ok } else { Outcome::Broken };
    let recorded = session
        .record(&client, Entry::new(AuditEvent::AuditVerify, Target::None).details(details).outcome(outcome))
        .await;
    match recorded {
        Ok(()) => Ok(v),
        // What was found matters more than recording it (a tampered table may refuse the row).
        Err(e) if !v.intact() => {
            tracing::warn!("the verification could not be recorded: {e}");
            Ok(v)
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_cannot_bleed_into_the_next_field() {
        let at = DateTime::from_timestamp(1_700_000_000, 123_456_000).unwrap();
        let a: Map<String, Value> =
            [("action".into(), json!("ab")), ("command".into(), json!("c"))].into_iter().collect();
        let b: Map<String, Value> =
            [("action".into(), json!("a")), ("command".into(), json!("bc"))].into_iter().collect();
        assert_ne!(link_hash(&GENESIS, at, &a), link_hash(&GENESIS, at, &b));
        // NULL columns are left out; the order of the map does not matter.
        let mut c = a.clone();
        c.insert("target".into(), Value::Null);
        assert_eq!(link_hash(&GENESIS, at, &a), link_hash(&GENESIS, at, &c));
        // The previous hash and the time are covered.
        assert_ne!(link_hash(&GENESIS, at, &a), link_hash(&[1; 32], at, &a));
        assert_ne!(link_hash(&GENESIS, at, &a), link_hash(&GENESIS, at + chrono::Duration::microseconds(1), &a));
    }

    #[test]
    fn a_head_is_64_hex_digits() {
        assert!(parse_head(&"ab".repeat(32)).is_ok());
        assert!(parse_head("abc").is_err());
        assert!(parse_head(&"zz".repeat(32)).is_err());
    }
}
