//! Revocations: the tombstones of erased registrations (keyed hash of the fiscal code, never
//! the code), and the erasure by registered letter. Every path goes through the database's api
//! (sql/V27): the erasure is written there with its tombstone and its audit row, and no login
//! deletes a registration itself.

use chrono::NaiveDate;
use deadpool_postgres::GenericClient;

use super::registrations::Key;
use crate::error::{Error, Result};

/// What a registered letter is compared with: the registration the letter names, its names and
/// document (nothing else of the record is read on this path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterRecord {
    pub number: i64,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub doc_number: Option<String>,
    pub doc_issued: Option<NaiveDate>,
}

/// The registration a letter names by fiscal code, locked for the rest of the transaction
/// (api.letter_record, helpdesk only; the database records the read, naming the citizen by
/// `audit_name`). `None`: no such registration (never, or erased).
pub async fn letter_record(
    c: &impl GenericClient,
    fiscal_code: &str,
    audit_name: &str,
) -> Result<Option<LetterRecord>> {
    let row = c.query_opt("SELECT * FROM api.letter_record($1, $2)", &[&fiscal_code, &audit_name]).await?;
    Ok(row.map(|r| LetterRecord {
        number: r.get("registration_number"),
        first_name: r.get("first_name"),
        last_name: r.get("last_name"),
        doc_number: r.get("doc_number"),
        doc_issued: r.get("doc_issued"),
    }))
}

/// A registered letter's decision on the registration found (api.revoke_letter): no mismatch
/// erases it (tombstone, deletion, senders forgotten) and records `revoke-letter` ok; mismatches
/// record the refusal. Both rows are the database's. A registration already
/// erased (by another run, or the portal, meanwhile) is [`Error::NotFound`].
pub struct LetterDecision<'a> {
    pub number: i64,
    pub audit_name: &'a str,
    pub protocol: &'a str,
    /// The letter as the audit log shows it (protocol and its date, scrubbed with the key).
    pub described: &'a serde_json::Value,
    pub mismatches: &'a [String],
    pub tombstone: &'a [u8],
    pub stats_person: &'a [u8],
    pub helpdesk_hash: &'a [u8],
}

/// A record an erasure removed (a revocation, by letter or by a registry's report of a death),
/// as the database gave it before erasing it: whom to tell.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Erased {
    pub registration_number: i64,
    pub fiscal_code: String,
    /// The registered address.
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
}

/// What a letter's decision did: erased or not, and the registered address of the registration
/// erased (for the citizen's notice, sent after the commit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterDone {
    pub revoked: bool,
    pub email: Option<String>,
}

pub async fn revoke_letter(c: &impl GenericClient, d: &LetterDecision<'_>) -> Result<LetterDone> {
    let done = c
        .query_one(
            "SELECT revoked, email FROM api.revoke_letter($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &d.number,
                &d.audit_name,
                &d.protocol,
                &d.described,
                &d.mismatches,
                &d.tombstone,
                &d.stats_person,
                &d.helpdesk_hash,
            ],
        )
        .await;
    match done {
        Err(e) if e.code() == Some(&tokio_postgres::error::SqlState::NO_DATA_FOUND) => {
            Err(Error::NotFound(crate::msg!("registration-not-found", key = Key::Number(d.number).message())))
        }
        other => {
            let row = other?;
            Ok(LetterDone { revoked: row.get(0), email: row.get(1) })
        }
    }
}

/// Is there a tombstone with this hash? (api.revoked)
pub async fn exists(c: &impl GenericClient, fiscal_code_hash: &[u8]) -> Result<bool> {
    Ok(c.query_one("SELECT api.revoked($1)", &[&fiscal_code_hash]).await?.get(0))
}

/// Every tombstone hash (api.tombstones, the batch's registry import).
pub async fn tombstones(c: &impl GenericClient) -> Result<Vec<Vec<u8>>> {
    Ok(c.query("SELECT t FROM api.tombstones() t", &[]).await?.iter().map(|r| r.get(0)).collect())
}
