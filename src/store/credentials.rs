//! The credentials part of a registration: activation code, PIN, lockout, and what the
//! citizen's online completion writes.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;

use crate::error::Result;

/// Makes sure these registrations have their row of credentials (sql/V1), which the writers
/// below then update. Two statements, not an INSERT ... ON CONFLICT DO UPDATE: that would read
/// the secrets' columns (`EXCLUDED`), which no writer may (sql/V5); and the second statement
/// sees a row another transaction inserted meanwhile.
pub async fn ensure(c: &impl GenericClient, numbers: &[i64]) -> Result<()> {
    c.execute(
        "INSERT INTO registration_credentials (registration_number) SELECT unnest($1::bigint[])
         ON CONFLICT (registration_number) DO NOTHING",
        &[&numbers],
    )
    .await?;
    Ok(())
}

/// Sets the activation code in force (the old one stops working).
pub async fn set_activation_code(
    c: &impl GenericClient,
    number: i64,
    hash: Option<&[u8]>,
    expires: Option<DateTime<Utc>>,
) -> Result<()> {
    ensure(c, &[number]).await?;
    c.execute(
        "UPDATE registration_credentials SET activation_code_hash = $2, activation_code_expires_at = $3
         WHERE registration_number = $1",
        &[&number, &hash, &expires],
    )
    .await?;
    c.execute("UPDATE registrations SET updated_at = now() WHERE registration_number = $1", &[&number]).await?;
    Ok(())
}

/// A new activation code at the desk (sql/V24 `api.regenerate_code`: an operation in progress
/// other than a revocation; the audit row is the database's); returns the registration.
pub async fn regenerate_code(
    c: &impl GenericClient,
    number: i64,
    hash: &[u8],
    expires: DateTime<Utc>,
    audit_name: &str,
) -> Result<crate::domain::Registration> {
    super::registrations::desk_call(c, "regenerate_code", "$1, $2, $3, $4", &[&number, &hash, &expires, &audit_name])
        .await
}

/// Asks for a PIN letter by post for the next postal run (sql/V24 `api.pin_by_post`: where
/// ordinary post is the rule; the audit row is the database's).
pub async fn pin_by_post(c: &impl GenericClient, number: i64, audit_name: &str) -> Result<()> {
    c.execute("SELECT api.pin_by_post($1, $2)", &[&number, &audit_name]).await?;
    Ok(())
}

/// Username recovery at the desk (sql/V24 `api.recover_username`): the outcome (`ok`,
/// `refused`: another document, `not-found`: no active account), the username when told, the
/// registration's state. The attempt's audit row is the database's.
pub async fn recover_username(
    c: &impl GenericClient,
    number: i64,
    document: &str,
    audit_name: &str,
) -> Result<(String, Option<String>, String)> {
    let row = c
        .query_one(
            "SELECT outcome, username, state FROM api.recover_username($1, $2, $3)",
            &[&number, &document, &audit_name],
        )
        .await?;
    Ok((row.get(0), row.get(1), row.get(2)))
}

/// What became of a citizen's attempt at their codes ([`activate`], [`revoke`]): decided by the
/// database (sql/V27, api.citizen_activate / api.citizen_revoke), which counts the attempt
/// first, verifies the hashes and records the outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt<T> {
    /// Completed: what the client needs next.
    Done(T),
    /// Wrong, whatever was wrong (unknown fiscal code, wrong codes, locked, nothing waiting).
    Wrong,
    /// The codes were right but something else was not (`expired`, `accept-rules`,
    /// `choose-username`, `username-taken`, ...), with the operation in progress.
    Failed { why: String, operation: Option<String> },
}

/// The registration after an activation, as the confirmation needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activated {
    pub number: i64,
    pub operation: String,
    pub state: String,
    pub strong: bool,
    pub username: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
}

/// What the citizen typed, hashed by the client: the database compares, never returns hashes.
pub struct Typed<'a> {
    pub fiscal_code: &'a str,
    /// How the audit log names the citizen (`cf:` ...), see [`crate::audit::fiscal_code_target`].
    pub audit_name: &'a str,
    pub max_attempts: i32,
    /// Every hash the code typed may be stored as (one per key kept, see `SecretKey::hashes`).
    pub code_hashes: Vec<Vec<u8>>,
}

/// A new account's choices (verification, reset, weak activation), hashed by the client.
#[derive(Default)]
pub struct Account<'a> {
    pub username: Option<&'a str>,
    pub password_hash: Option<&'a str>,
    /// The password follows its rules (checked by the client, which alone sees it).
    pub password_ok: bool,
    pub secret_question: Option<&'a str>,
    pub secret_answer_hash: Option<&'a str>,
}

/// Tells the database, on this connection, that the citizen portal calls and for which command:
/// the audit rows the api writes for the citizen carry it (sql/V23, `sportello.command`). Set on
/// the very connection of the call: a shared pool's other connections may serve other commands.
pub async fn citizen_context(c: &impl GenericClient, command: &str) -> Result<()> {
    c.execute(
        "SELECT set_config('sportello.origin', 'citizen portal', false), set_config('sportello.command', $1, false)",
        &[&command],
    )
    .await?;
    Ok(())
}

fn failed<T>(why: String, operation: Option<String>) -> Attempt<T> {
    if why == "wrong" { Attempt::Wrong } else { Attempt::Failed { why, operation } }
}

/// The citizen completes the operation in progress with the activation code and PIN typed
/// (api.citizen_activate): one call, one commit, whatever the input.
pub async fn activate(
    c: &impl GenericClient,
    typed: &Typed<'_>,
    pin_hashes: &[Vec<u8>],
    accept_rules: bool,
    account: &Account<'_>,
) -> Result<Attempt<Activated>> {
    let row = c
        .query_one(
            "SELECT * FROM api.citizen_activate($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            &[
                &typed.fiscal_code,
                &typed.audit_name,
                &typed.max_attempts,
                &typed.code_hashes,
                &pin_hashes,
                &accept_rules,
                &account.username,
                &account.password_hash,
                &account.password_ok,
                &account.secret_question,
                &account.secret_answer_hash,
            ],
        )
        .await?;
    let status: String = row.get("status");
    if status != "ok" {
        return Ok(failed(status, row.get("operation")));
    }
    Ok(Attempt::Done(Activated {
        number: row.get("registration_number"),
        operation: row.get("operation"),
        state: row.get("state"),
        strong: row.get("strong"),
        username: row.get("username"),
        first_name: row.get("first_name"),
        last_name: row.get("last_name"),
        email: row.get("email"),
    }))
}

/// The citizen erased with the revocation code typed: the registration's number, names and
/// address, for the confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revoked {
    pub number: i64,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
}

/// The citizen completes a revocation with the revocation code typed (api.citizen_revoke): the
/// erasure, its tombstone and the audit row, or the attempt counted as wrong.
pub async fn revoke(
    c: &impl GenericClient,
    typed: &Typed<'_>,
    tombstone: &[u8],
    stats_person: &[u8],
    helpdesk_hash: &[u8],
) -> Result<Attempt<Revoked>> {
    let row = c
        .query_one(
            "SELECT * FROM api.citizen_revoke($1, $2, $3, $4, $5, $6, $7)",
            &[
                &typed.fiscal_code,
                &typed.audit_name,
                &typed.max_attempts,
                &typed.code_hashes,
                &tombstone,
                &stats_person,
                &helpdesk_hash,
            ],
        )
        .await?;
    let status: String = row.get("status");
    if status != "ok" {
        return Ok(failed(status, None));
    }
    Ok(Attempt::Done(Revoked {
        number: row.get("registration_number"),
        first_name: row.get("first_name"),
        last_name: row.get("last_name"),
        email: row.get("email"),
    }))
}
