//! Operations booked at the desk, their delegates, and the secrets and credentials they set.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;

use crate::domain::{Delegate, OperationKind, State};
use crate::error::Result;

/// Locks a registration row for the rest of the transaction; false if it does not exist.
pub async fn lock(c: &impl GenericClient, number: i64) -> Result<bool> {
    Ok(c.query_opt("SELECT 1 FROM registrations WHERE registration_number = $1 FOR UPDATE", &[&number])
        .await?
        .is_some())
}

/// Discards the active operation, if any (a new booking replaces it entirely).
pub async fn discard_active(c: &impl GenericClient, number: i64) -> Result<u64> {
    Ok(c.execute(
        "UPDATE operations SET status = 'D', closed_at = now() WHERE registration_number = $1 AND status = 'A'",
        &[&number],
    )
    .await?)
}

#[allow(clippy::too_many_arguments)]
pub async fn insert(
    c: &impl GenericClient,
    number: i64,
    kind: OperationKind,
    ente: &str,
    operator: &str,
    pin_hash: Option<&[u8]>,
    revocation_code_hash: Option<&[u8]>,
    code_expires_at: DateTime<Utc>,
) -> Result<i64> {
    Ok(c.query_one(
        "INSERT INTO operations (registration_number, kind, ente, operator_id, pin_hash, revocation_code_hash, code_expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        &[&number, &kind.as_str(), &ente, &operator, &pin_hash, &revocation_code_hash, &code_expires_at],
    )
    .await?
    .get(0))
}

/// Inserts or replaces the delegate of an operation.
pub async fn put_delegate(c: &impl GenericClient, operation_id: i64, d: &Delegate) -> Result<()> {
    c.execute(
        "INSERT INTO delegates (operation_id, kind, first_name, last_name, fiscal_code, doc_type, doc_number, doc_issued, doc_issuer, email, phone)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (operation_id) DO UPDATE SET kind = EXCLUDED.kind, first_name = EXCLUDED.first_name,
             last_name = EXCLUDED.last_name, fiscal_code = EXCLUDED.fiscal_code, doc_type = EXCLUDED.doc_type,
             doc_number = EXCLUDED.doc_number, doc_issued = EXCLUDED.doc_issued, doc_issuer = EXCLUDED.doc_issuer,
             email = EXCLUDED.email, phone = EXCLUDED.phone",
        &[
            &operation_id, &d.kind.as_str(), &d.first_name, &d.last_name, &d.fiscal_code, &d.doc_type.as_str(),
            &d.doc_number, &d.doc_issued, &d.doc_issuer, &d.email, &d.phone,
        ],
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
    c.execute(
        "UPDATE registrations SET activation_code_hash = $2, activation_code_expires_at = $3, updated_at = now()
         WHERE registration_number = $1",
        &[&number, &hash, &expires],
    )
    .await?;
    Ok(())
}

/// The identity was checked in person at a desk of `ente`: the PIN is handed over.
pub async fn mark_verified(c: &impl GenericClient, number: i64, ente: &str, operator: &str) -> Result<()> {
    c.execute(
        "UPDATE registrations SET
             state = CASE WHEN state = 'registrato' THEN 'riscontrato' ELSE state END,
             verified_at = now(), verified_ente = $2, pin_possessed = true,
             failed_attempts = 0, locked_at = NULL, updated_by = $3, updated_at = now()
         WHERE registration_number = $1",
        &[&number, &ente, &operator],
    )
    .await?;
    Ok(())
}

/// The secrets of the active operation, for the citizen's online completion.
pub struct ActiveSecrets {
    pub operation_id: i64,
    pub kind: OperationKind,
    pub pin_hash: Option<Vec<u8>>,
    pub revocation_code_hash: Option<Vec<u8>>,
    pub code_expires_at: Option<DateTime<Utc>>,
}

pub async fn active_secrets(c: &impl GenericClient, number: i64) -> Result<Option<ActiveSecrets>> {
    let row = c
        .query_opt(
            "SELECT id, kind, pin_hash, revocation_code_hash, code_expires_at FROM operations
             WHERE registration_number = $1 AND status = 'A'",
            &[&number],
        )
        .await?;
    Ok(row.map(|r| ActiveSecrets {
        operation_id: r.get(0),
        kind: OperationKind::parse(r.get::<_, &str>(1)).expect("checked by the database"),
        pin_hash: r.get(2),
        revocation_code_hash: r.get(3),
        code_expires_at: r.get(4),
    }))
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
            "SELECT state, strong, username, activation_code_hash, activation_code_expires_at, failed_attempts,
                    locked_at IS NOT NULL
             FROM registrations WHERE registration_number = $1",
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

/// Counts a wrong code; locks the citizen out at `max`. Returns the new count.
pub async fn count_failure(c: &impl GenericClient, number: i64, max: i32) -> Result<i32> {
    Ok(c.query_one(
        "UPDATE registrations SET failed_attempts = failed_attempts + 1,
             locked_at = CASE WHEN failed_attempts + 1 >= $2 THEN now() ELSE locked_at END
         WHERE registration_number = $1 RETURNING failed_attempts",
        &[&number, &max],
    )
    .await?
    .get(0))
}

/// Closes the active operation as succeeded.
pub async fn succeed(c: &impl GenericClient, operation_id: i64) -> Result<()> {
    c.execute("UPDATE operations SET status = 'S', closed_at = now() WHERE id = $1", &[&operation_id]).await?;
    Ok(())
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
