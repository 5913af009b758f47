//! The credentials part of a registration: activation code, PIN, lockout, and what the
//! citizen's online completion writes.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;

use crate::domain::State;
use crate::domain::transitions::Change;
use crate::error::Result;

/// Makes sure these registrations have their row of credentials (sql/V15), which the writers
/// below then update. Two statements, not an INSERT ... ON CONFLICT DO UPDATE: that would read
/// the secrets' columns (`EXCLUDED`), which no writer may (sql/V18); and the second statement
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

/// The credentials part of a registration.
pub struct Credentials {
    pub state: State,
    pub strong: bool,
    pub username: Option<String>,
    pub activation_code_hash: Option<Vec<u8>>,
    pub activation_code_expires_at: Option<DateTime<Utc>>,
    pub failed_attempts: i32,
    pub locked: bool,
}

pub async fn credentials(c: &impl GenericClient, number: i64) -> Result<Option<Credentials>> {
    let row = c
        .query_opt(
            "SELECT r.state, r.strong, r.username, k.activation_code_hash, k.activation_code_expires_at,
                    r.failed_attempts, r.locked_at IS NOT NULL
             FROM registrations r
             LEFT JOIN registration_credentials k ON k.registration_number = r.registration_number
             WHERE r.registration_number = $1",
            &[&number],
        )
        .await?;
    Ok(row.map(|r| Credentials {
        state: State::parse(r.get::<_, &str>(0)).expect("checked by the database"),
        strong: r.get(1),
        username: r.get(2),
        activation_code_hash: r.get(3),
        activation_code_expires_at: r.get(4),
        failed_attempts: r.get(5),
        locked: r.get(6),
    }))
}

/// Takes one attempt at a citizen's codes, before they are verified: a burst of guesses gets
/// at most `max` verified, however many arrive at once. The registration's number, or `None`
/// (no such fiscal code, or its attempts are spent): one statement, the same for every input.
pub async fn take_attempt(c: &impl GenericClient, fiscal_code: &str, max: i32) -> Result<Option<i64>> {
    Ok(c.query_opt(
        "UPDATE registrations SET failed_attempts = failed_attempts + 1
         WHERE fiscal_code = $1 AND locked_at IS NULL AND failed_attempts < $2 RETURNING registration_number",
        &[&fiscal_code, &max],
    )
    .await?
    .map(|r| r.get(0)))
}

/// The attempt taken was wrong: at `max` attempts the citizen is locked out (a new booking
/// unlocks). Returns the attempts counted; a number that is no registration's changes nothing.
pub async fn attempt_failed(c: &impl GenericClient, number: i64, max: i32) -> Result<i32> {
    let row = c
        .query_opt(
            "UPDATE registrations SET locked_at = CASE WHEN failed_attempts >= $2 THEN now() ELSE locked_at END
             WHERE registration_number = $1 RETURNING failed_attempts",
            &[&number, &max],
        )
        .await?;
    Ok(row.map(|r| r.get(0)).unwrap_or(max))
}

/// Is the citizen locked out? Read under the caller's lock of the registration, so that a
/// right code that arrives with wrong ones is refused once they have locked it.
pub async fn is_locked(c: &impl GenericClient, number: i64) -> Result<bool> {
    Ok(c.query_opt("SELECT locked_at IS NOT NULL FROM registrations WHERE registration_number = $1", &[&number])
        .await?
        .is_some_and(|r| r.get(0)))
}

/// Is a username taken by another registration?
pub async fn username_taken(c: &impl GenericClient, username: &str, number: i64) -> Result<bool> {
    Ok(c.query_opt(
        "SELECT 1 FROM registrations WHERE lower(username) = lower($1) AND registration_number <> $2",
        &[&username, &number],
    )
    .await?
    .is_some())
}

/// What the citizen chose online (for a new account) and the PIN that becomes active.
pub struct Completed<'a> {
    pub change: Change,
    pub username: Option<&'a str>,
    pub password_hash: Option<&'a str>,
    pub secret_question: Option<&'a str>,
    pub secret_answer_hash: Option<&'a str>,
    pub pin_hash: Option<&'a [u8]>,
}

/// Applies a completed operation to the registration (the caller closes the operation). The
/// new account's credentials are written only when given, never read (sql/V18: no login reads a
/// password or answer hash).
pub async fn complete(c: &impl GenericClient, number: i64, done: &Completed<'_>) -> Result<()> {
    let Change { state, strong, activated, promoted } = done.change;
    let state = state.as_str();
    let mut params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> =
        vec![&number, &state, &strong, &activated, &promoted];
    let mut set = String::new();
    for (column, value) in [
        ("username", &done.username),
        ("password_hash", &done.password_hash),
        ("secret_question", &done.secret_question),
        ("secret_answer_hash", &done.secret_answer_hash),
    ] {
        if value.is_some() {
            params.push(value);
            set.push_str(&format!("{column} = ${}, ", params.len()));
        }
    }
    let sql = format!(
        "UPDATE registrations SET
            state = $2, strong = $3,
            activated_at = CASE WHEN $4 THEN now() ELSE activated_at END,
            promoted_at = CASE WHEN $5 THEN now() ELSE promoted_at END,
            {set}failed_attempts = 0, updated_at = now()
         WHERE registration_number = $1"
    );
    c.execute(&sql, &params).await?;
    // The PIN in force, and the activation code spent (sql/V15: registration_credentials).
    ensure(c, &[number]).await?;
    c.execute(
        "UPDATE registration_credentials SET pin_hash = $2, activation_code_hash = NULL, activation_code_expires_at = NULL
         WHERE registration_number = $1",
        &[&number, &done.pin_hash],
    )
    .await?;
    Ok(())
}
