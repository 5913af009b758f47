//! The letters written for a registration, by path (sql/V13, sql/V33): each is removed once its
//! operation is over (completed or discarded) or its registration erased, by whoever sweeps the
//! letters directory it lies in (src/desk/letter_files.rs).

use deadpool_postgres::GenericClient;

use crate::error::Result;

/// Records letters written for a registration (`(path, holds a secret)`), with its active
/// operation when there is one (else they stay until the registration is erased).
pub async fn record(c: &impl GenericClient, registration_number: i64, files: &[(String, bool)]) -> Result<()> {
    let paths: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    let secret: Vec<bool> = files.iter().map(|(_, s)| *s).collect();
    c.execute(
        "INSERT INTO operation_letters (operation_id, registration_number, path, secret)
         SELECT (SELECT o.id FROM operations o WHERE o.registration_number = $1 AND o.status = 'A'),
                $1, f.path, f.secret
         FROM unnest($2::text[], $3::bool[]) AS f(path, secret)
         ON CONFLICT DO NOTHING",
        &[&registration_number, &paths, &secret],
    )
    .await?;
    Ok(())
}

/// The letters under `prefix` (a directory, ending in `/`) no longer needed: their operation is
/// over, or their registration is gone (erased). As (path, registration number).
pub async fn due(c: &impl GenericClient, prefix: &str) -> Result<Vec<(String, i64)>> {
    Ok(c.query(
        "SELECT l.path, l.registration_number FROM operation_letters l
         LEFT JOIN operations o ON o.id = l.operation_id
         WHERE starts_with(l.path, $1)
           AND (o.status IN ('S', 'D')
                OR NOT EXISTS (SELECT 1 FROM registrations r WHERE r.registration_number = l.registration_number))",
        &[&prefix],
    )
    .await?
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect())
}

/// Forgets letters whose files are gone.
pub async fn forget(c: &impl GenericClient, paths: &[String]) -> Result<()> {
    if !paths.is_empty() {
        c.execute("DELETE FROM operation_letters WHERE path = ANY($1)", &[&paths]).await?;
    }
    Ok(())
}
