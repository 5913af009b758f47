//! Helpdesk emails: each message once, by Message-ID, with its decision and whether the reply
//! went out. Every statement is a call of the database's api (sql/V27, helpdesk only).

use deadpool_postgres::GenericClient;

use crate::error::Result;

/// The lock of a message: named by a SHA-256 of its Message-ID (which its sender wrote).
fn lock_name(message_id: &str) -> String {
    use sha2::{Digest, Sha256};
    format!("helpdesk-message:{}", hex::encode(Sha256::digest(message_id.as_bytes())))
}

/// Takes the session-level lock of a message (false: another session holds it).
pub async fn try_lock(c: &tokio_postgres::Client, message_id: &str) -> Result<bool> {
    super::runs::try_lock(c, &lock_name(message_id)).await
}

/// Lets go of the lock [`try_lock`] took.
pub async fn unlock(c: &tokio_postgres::Client, message_id: &str) -> Result<()> {
    super::runs::unlock(c, &lock_name(message_id)).await
}

/// What a claimed request is compared with: the registration its fiscal code names, and, only
/// when the sender is the address registered for it, its names, document and state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requested {
    pub number: i64,
    /// The sender is the address registered for the citizen; else nothing below is read.
    pub from_registered: bool,
    pub fiscal_code: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub doc_number: Option<String>,
    pub doc_issued: Option<chrono::NaiveDate>,
    pub email: Option<String>,
    pub state: Option<String>,
    pub strong: Option<bool>,
    pub in_progress: Option<String>,
}

/// A claim's answer: `None` when the message was answered already (not claimed); else the
/// registration its fiscal code names, if any.
pub type Claim = Option<Option<Requested>>;

/// Claims a message for this run (api.mailbox_claim; the row is the lock), and reads what the
/// request is compared with. A message decided but whose reply was never known to be sent is
/// claimed again. A dry run (`run` None) claims and writes nothing.
pub async fn claim(
    c: &impl GenericClient,
    message_id: &str,
    run: Option<i64>,
    file: &str,
    sender: &str,
    fiscal_code: Option<&str>,
    audit_name: Option<&str>,
) -> Result<Claim> {
    let r = c
        .query_one(
            "SELECT * FROM api.mailbox_claim($1, $2, $3, $4, $5, $6)",
            &[&message_id, &run, &file, &sender, &fiscal_code, &audit_name],
        )
        .await?;
    if !r.get::<_, bool>("claimed") {
        return Ok(None);
    }
    let Some(number) = r.get::<_, Option<i64>>("registration_number") else {
        return Ok(Some(None));
    };
    Ok(Some(Some(Requested {
        number,
        from_registered: r.get("from_registered"),
        fiscal_code: r.get("fiscal_code"),
        first_name: r.get("first_name"),
        last_name: r.get("last_name"),
        doc_number: r.get("doc_number"),
        doc_issued: r.get("doc_issued"),
        email: r.get("email"),
        state: r.get("state"),
        strong: r.get("strong"),
        in_progress: r.get("in_progress"),
    })))
}

/// The decision on a claimed message (api.mailbox_decide), with its audit row written by the
/// database: honoured with the new activation code's hash (the client emails the code), or
/// refused with its reason.
pub struct Decision<'a> {
    pub message_id: &'a str,
    /// `None`: honoured; `Some(reason)`: refused.
    pub refused: Option<&'a str>,
    pub fiscal_code_hash: Option<&'a [u8]>,
    pub audit_name: Option<&'a str>,
    pub code_hash: Option<&'a [u8]>,
    pub expires: Option<chrono::DateTime<chrono::Utc>>,
    /// The message, its sender and the reply as the audit log shows them (scrubbed with the key).
    pub described: &'a serde_json::Value,
}

pub async fn decide(c: &impl GenericClient, d: &Decision<'_>) -> Result<()> {
    c.execute(
        "SELECT api.mailbox_decide($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            &d.message_id,
            &d.refused.is_none(),
            &d.refused,
            &d.fiscal_code_hash,
            &d.audit_name,
            &d.code_hash,
            &d.expires,
            &d.described,
        ],
    )
    .await?;
    Ok(())
}

/// The reply went out.
pub async fn replied(c: &impl GenericClient, message_id: &str) -> Result<()> {
    c.execute("SELECT api.mailbox_replied($1, NULL)", &[&message_id]).await?;
    Ok(())
}

/// The reply could not be sent.
pub async fn send_failed(c: &impl GenericClient, message_id: &str, reason: &str) -> Result<()> {
    c.execute("SELECT api.mailbox_replied($1, $2)", &[&message_id, &reason]).await?;
    Ok(())
}
