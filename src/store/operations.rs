//! Operations booked at the desk, their delegates, and the secrets and credentials they set.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;

use super::registrations;
use crate::domain::{Delegate, OperationKind, Registration};
use crate::error::Result;

/// What a booking writes (sql/V24 `api.book`): the operation (`kind`, at the caller's ente, by
/// the caller), the secrets' hashes, the delegate, the verification in person, the audit row.
pub struct Booking<'a> {
    pub number: i64,
    pub kind: OperationKind,
    /// The PIN's hash: none for a revocation.
    pub pin_hash: Option<&'a [u8]>,
    /// The activation code's hash, or the revocation code's for a revocation.
    pub code_hash: &'a [u8],
    pub code_expires_at: DateTime<Utc>,
    pub delegate: Option<&'a Delegate>,
    /// The citizen's name in the audit log ([`crate::audit::fiscal_code_target`]).
    pub audit_name: &'a str,
}

/// Books an operation; returns the registration as booked.
pub async fn book(c: &impl GenericClient, b: &Booking<'_>) -> Result<Registration> {
    let delegate = b.delegate.map(crate::desk::delegate_json);
    registrations::desk_call(
        c,
        "book",
        "$1, $2, $3, $4, $5, $6, $7",
        &[&b.number, &b.kind.as_str(), &b.pin_hash, &b.code_hash, &b.code_expires_at, &delegate, &b.audit_name],
    )
    .await
}

/// Replaces the delegate of the operation in progress (sql/V24 `api.edit_delegate`).
pub async fn edit_delegate(
    c: &impl GenericClient,
    number: i64,
    d: &Delegate,
    audit_name: &str,
) -> Result<Registration> {
    let delegate = crate::desk::delegate_json(d);
    registrations::desk_call(c, "edit_delegate", "$1, $2, $3", &[&number, &delegate, &audit_name]).await
}

/// Records a SPID token issued on the identification in progress (sql/V24 `api.spid_token`).
pub async fn spid_token(
    c: &impl GenericClient,
    number: i64,
    token: &serde_json::Value,
    handed_over: bool,
    audit_name: &str,
) -> Result<()> {
    c.execute("SELECT api.spid_token($1, $2, $3, $4)", &[&number, &token, &handed_over, &audit_name]).await?;
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

/// Closes the active operation as succeeded.
pub async fn succeed(c: &impl GenericClient, operation_id: i64) -> Result<()> {
    c.execute("UPDATE operations SET status = 'S', closed_at = now() WHERE id = $1", &[&operation_id]).await?;
    Ok(())
}
