//! Helpdesk emails: each message once, by Message-ID, with its decision and whether the reply
//! went out.

use deadpool_postgres::GenericClient;

use crate::error::Result;

/// Has this message been seen?
pub async fn known(c: &impl GenericClient, message_id: &str) -> Result<bool> {
    Ok(c.query_opt("SELECT 1 FROM helpdesk_messages WHERE message_id = $1", &[&message_id]).await?.is_some())
}

/// The advisory lock key of a message: 64 bits of a SHA-256 of its Message-ID.
fn lock_key(message_id: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(message_id.as_bytes());
    i64::from_be_bytes(digest[..8].try_into().expect("8 bytes"))
}

/// Takes the session-level lock of a message (false: another session holds it).
pub async fn try_lock(c: &impl GenericClient, message_id: &str) -> Result<bool> {
    Ok(c.query_one("SELECT pg_try_advisory_lock($1)", &[&lock_key(message_id)]).await?.get(0))
}

/// Lets go of the lock [`try_lock`] took.
pub async fn unlock(c: &impl GenericClient, message_id: &str) -> Result<()> {
    c.execute("SELECT pg_advisory_unlock($1)", &[&lock_key(message_id)]).await?;
    Ok(())
}

/// Claims a message for this run (the row is the lock). A message decided but whose reply was
/// never known to be sent is claimed again. False when it was answered already.
pub async fn claim(c: &impl GenericClient, message_id: &str, run: i64, file: &str, sender: &str) -> Result<bool> {
    let n = c
        .execute(
            "INSERT INTO helpdesk_messages AS h (message_id, run_id, file, sender, outcome)
             VALUES ($1, $2, $3, $4, 'processing')
             ON CONFLICT (message_id) DO UPDATE SET run_id = EXCLUDED.run_id, outcome = 'processing', processed_at = now()
             WHERE h.replied_at IS NULL AND h.outcome IN ('honoured', 'refused')",
            &[&message_id, &run, &file, &sender],
        )
        .await?;
    Ok(n > 0)
}

/// The decision on a message: `honoured` or `refused` with its reason.
pub async fn decide(
    c: &impl GenericClient,
    message_id: &str,
    outcome: &str,
    reason: Option<&str>,
    fiscal_code_hash: Option<&[u8]>,
) -> Result<()> {
    c.execute(
        "UPDATE helpdesk_messages SET outcome = $2, reason = $3, fiscal_code_hash = $4 WHERE message_id = $1",
        &[&message_id, &outcome, &reason, &fiscal_code_hash],
    )
    .await?;
    Ok(())
}

/// The reply went out.
pub async fn replied(c: &impl GenericClient, message_id: &str) -> Result<()> {
    c.execute("UPDATE helpdesk_messages SET replied_at = now() WHERE message_id = $1", &[&message_id]).await?;
    Ok(())
}

/// The reply could not be sent.
pub async fn send_failed(c: &impl GenericClient, message_id: &str, reason: &str) -> Result<()> {
    c.execute(
        "UPDATE helpdesk_messages SET outcome = 'send-failed', reason = $2 WHERE message_id = $1",
        &[&message_id, &reason],
    )
    .await?;
    Ok(())
}

/// Forgets who sent the requests of an erased citizen: those decided for their registration
/// (`fiscal_code_hash`) and any other from their registered address.
pub async fn forget(c: &impl GenericClient, fiscal_code_hash: &[u8], email: Option<&str>) -> Result<()> {
    c.execute(
        "UPDATE helpdesk_messages SET sender = NULL
         WHERE fiscal_code_hash = $1 OR ($2::text IS NOT NULL AND lower(sender) = lower($2))",
        &[&fiscal_code_hash, &email],
    )
    .await?;
    Ok(())
}
