//! The history of one registration, as `api.history` (sql/V29) lists it.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use serde::Serialize;

use crate::error::Result;

/// One thing done on a registration: an operation booked (with its outcome), or an audited
/// event naming its citizen (registration, letters printed, codes sent, edits, completions).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub at: DateTime<Utc>,
    /// `operation` for a booking, else the audit action (`register`, `print`, `email`, …).
    pub event: String,
    /// The operation's kind (verification, promotion, reset, pin, revocation, activation).
    pub operation: Option<String>,
    pub ente: Option<String>,
    pub operator_id: Option<String>,
    /// The delegate's kind (proxy, guardianship) when someone acted for the citizen.
    pub delegate: Option<String>,
    /// A, S or D for an operation; the audit row's outcome otherwise.
    pub outcome: String,
    pub closed_at: Option<DateTime<Utc>>,
    /// What the audit row recorded (never a secret, no personal data in clear).
    pub details: serde_json::Value,
}

/// Reads the history (the database records the read). `audit_name`: how the audit log names
/// the citizen, for a record older than the name kept with it.
pub async fn list(
    c: &impl GenericClient,
    number: Option<i64>,
    fiscal_code: Option<&str>,
    audit_name: Option<&str>,
) -> Result<Vec<Event>> {
    let rows = c
        .query(
            "SELECT at, event, operation, ente, operator_id, delegate, outcome, closed_at, details
               FROM api.history($1, $2, $3)",
            &[&number, &fiscal_code, &audit_name],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| Event {
            at: r.get(0),
            event: r.get(1),
            operation: r.get(2),
            ente: r.get(3),
            operator_id: r.get(4),
            delegate: r.get(5),
            outcome: r.get(6),
            closed_at: r.get(7),
            details: r.get(8),
        })
        .collect())
}
