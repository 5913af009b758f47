//! The letters each desk operation handed over, by path (sql/V13): those holding a PIN or a code
//! are removed once their operation is completed or discarded.

use deadpool_postgres::GenericClient;

use crate::error::Result;

/// Records letters of the registration's active operation (`(path, holds a secret)`); none is
/// recorded when no operation is active.
pub async fn record(c: &impl GenericClient, registration_number: i64, files: &[(String, bool)]) -> Result<()> {
    let paths: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    let secret: Vec<bool> = files.iter().map(|(_, s)| *s).collect();
    c.execute(
        "INSERT INTO operation_letters (operation_id, path, secret)
         SELECT o.id, f.path, f.secret
         FROM operations o, unnest($2::text[], $3::bool[]) AS f(path, secret)
         WHERE o.registration_number = $1 AND o.status = 'A'
         ON CONFLICT DO NOTHING",
        &[&registration_number, &paths, &secret],
    )
    .await?;
    Ok(())
}

/// Forgets, and returns, the letters holding a secret of the registration's operations that are
/// over (completed or discarded): the caller removes the files once its transaction commits.
pub async fn take_secret_of_closed(c: &impl GenericClient, registration_number: i64) -> Result<Vec<String>> {
    Ok(c.query(
        "DELETE FROM operation_letters l USING operations o
         WHERE l.operation_id = o.id AND o.registration_number = $1 AND o.status <> 'A' AND l.secret
         RETURNING l.path",
        &[&registration_number],
    )
    .await?
    .iter()
    .map(|r| r.get(0))
    .collect())
}
