//! Revocations: the tombstones of erased registrations (keyed hash of the fiscal code, never
//! the code), and the erasure itself.

use deadpool_postgres::GenericClient;

use super::registrations::Key;
use crate::error::{Error, Result};

/// How a revocation arrived.
#[derive(Debug, Clone, PartialEq)]
pub enum Channel {
    Online,
    RegisteredLetter { protocol: String },
}

/// Writes the tombstone and deletes the registration (its operations and delegates go with it,
/// ON DELETE CASCADE), in the caller's transaction, through the one function that may
/// (`sportello_erase`, sql/V21): no login deletes a registration itself. A registration already
/// erased (by another run, or the portal, meanwhile) is [`Error::NotFound`].
pub async fn erase(
    c: &impl GenericClient,
    number: i64,
    fiscal_code_hash: &[u8],
    stats_person: &[u8],
    channel: &Channel,
) -> Result<()> {
    let (channel_name, protocol) = match channel {
        Channel::Online => ("online", None),
        Channel::RegisteredLetter { protocol } => ("registered-letter", Some(protocol.as_str())),
    };
    let erased = c
        .execute(
            "SELECT sportello_erase($1, $2, $3, $4, $5)",
            &[&number, &fiscal_code_hash, &stats_person, &channel_name, &protocol],
        )
        .await;
    match erased {
        Err(e) if e.code() == Some(&tokio_postgres::error::SqlState::NO_DATA_FOUND) => {
            Err(Error::NotFound(crate::msg!("registration-not-found", key = Key::Number(number).message())))
        }
        other => other.map(drop).map_err(Into::into),
    }
}

/// Is there a tombstone with this hash?
pub async fn exists(c: &impl GenericClient, fiscal_code_hash: &[u8]) -> Result<bool> {
    // A citizen registered again after a revocation and revoked again has two tombstones.
    Ok(c.query_one("SELECT EXISTS (SELECT 1 FROM revocations WHERE fiscal_code_hash = $1)", &[&fiscal_code_hash])
        .await?
        .get(0))
}

/// Every tombstone hash.
pub async fn tombstones(c: &impl GenericClient) -> Result<Vec<Vec<u8>>> {
    Ok(c.query("SELECT fiscal_code_hash FROM revocations", &[]).await?.iter().map(|r| r.get(0)).collect())
}
