//! The letters written for a registration, by path (sql/V1, sql/V5): each is removed once its
//! operation is over (completed or discarded) or its registration erased, by whoever sweeps the
//! letters directory it lies in (src/desk/letter_files.rs). Through the API (sql/V24).

use deadpool_postgres::GenericClient;

use crate::error::Result;

/// Records letters written for a registration: `files` as the audit row names them, `kept`
/// (canonical path, holds a secret) with its active operation when there is one (else they stay
/// until the registration is erased). The `print` audit row is the database's.
pub async fn record(
    c: &impl GenericClient,
    registration_number: i64,
    files: &[String],
    kept: &[(String, bool)],
    audit_name: &str,
) -> Result<()> {
    let paths: Vec<&str> = kept.iter().map(|(p, _)| p.as_str()).collect();
    let secret: Vec<bool> = kept.iter().map(|(_, s)| *s).collect();
    c.execute(
        "SELECT api.record_prints($1, $2, $3, $4, $5)",
        &[&registration_number, &files, &paths, &secret, &audit_name],
    )
    .await?;
    Ok(())
}

/// The letters under `prefix` (a directory, ending in `/`) no longer needed: their operation is
/// over, or their registration is gone (erased). As (path, registration number).
pub async fn due(c: &impl GenericClient, prefix: &str) -> Result<Vec<(String, i64)>> {
    Ok(c.query("SELECT path, registration_number FROM api.letters_due($1)", &[&prefix])
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect())
}

/// Forgets letters whose files are gone (only those no longer needed: the database keeps the rest).
pub async fn forget(c: &impl GenericClient, paths: &[String]) -> Result<()> {
    if !paths.is_empty() {
        c.execute("SELECT api.letters_forget($1)", &[&paths]).await?;
    }
    Ok(())
}
