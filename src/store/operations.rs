//! Operations booked at the desk, their delegates, and the secrets and credentials they set.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;

use crate::domain::{Delegate, OperationKind};
use crate::error::Result;

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
