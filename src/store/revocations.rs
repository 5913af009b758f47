//! Revocations: the tombstones of erased registrations (keyed hash of the fiscal code, never
//! the code), and the erasure itself.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;

use crate::domain::Community;
use crate::error::Result;

/// How a revocation arrived.
#[derive(Debug, Clone, PartialEq)]
pub enum Channel {
    Online,
    RegisteredLetter { protocol: String },
}

/// Writes the tombstone and deletes the registration (its operations and delegates go with it,
/// ON DELETE CASCADE), in the caller's transaction.
pub async fn erase(
    c: &impl GenericClient,
    number: i64,
    fiscal_code_hash: &[u8],
    stats_person: &[u8],
    community: Community,
    registered_at: DateTime<Utc>,
    channel: &Channel,
) -> Result<()> {
    let (channel_name, protocol) = match channel {
        Channel::Online => ("online", None),
        Channel::RegisteredLetter { protocol } => ("registered-letter", Some(protocol.as_str())),
    };
    c.execute(
        "INSERT INTO revocations (registration_number, fiscal_code_hash, stats_person, community, registered_at, channel,
             letter_protocol)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[&number, &fiscal_code_hash, &stats_person, &community.as_str(), &registered_at, &channel_name, &protocol],
    )
    .await?;
    c.execute("DELETE FROM registrations WHERE registration_number = $1", &[&number]).await?;
    Ok(())
}

/// Is there a tombstone with this hash?
pub async fn exists(c: &impl GenericClient, fiscal_code_hash: &[u8]) -> Result<bool> {
    Ok(c.query_opt("SELECT 1 FROM revocations WHERE fiscal_code_hash = $1", &[&fiscal_code_hash]).await?.is_some())
}

/// Every tombstone hash.
pub async fn tombstones(c: &impl GenericClient) -> Result<Vec<Vec<u8>>> {
    Ok(c.query("SELECT fiscal_code_hash FROM revocations", &[]).await?.iter().map(|r| r.get(0)).collect())
}
