//! Postal PIN runs: the queue of PIN letters due, and the batches printed for the print shop.

use deadpool_postgres::GenericClient;

use crate::error::Result;

/// Puts a registration's PIN letter in the queue of the next postal run (once).
pub async fn queue(c: &impl GenericClient, number: i64, province: Option<&str>) -> Result<()> {
    c.execute(
        "INSERT INTO pin_letter_queue (registration_number, res_province) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        &[&number, &province],
    )
    .await?;
    Ok(())
}

/// Letters due, in one province or everywhere.
pub async fn due(c: &impl GenericClient, province: Option<&str>) -> Result<i64> {
    Ok(c.query_one("SELECT count(*) FROM pin_letter_queue WHERE ($1::text IS NULL OR res_province = $1)", &[&province])
        .await?
        .get(0))
}

/// Takes up to `limit` letters due, locked for this transaction (parallel runs skip them).
pub async fn take(c: &impl GenericClient, province: Option<&str>, limit: i64) -> Result<Vec<i64>> {
    Ok(c.query(
        "SELECT registration_number FROM pin_letter_queue
         WHERE ($1::text IS NULL OR res_province = $1)
         ORDER BY res_province, registration_number LIMIT $2 FOR UPDATE SKIP LOCKED",
        &[&province, &limit],
    )
    .await?
    .iter()
    .map(|r| r.get(0))
    .collect())
}

/// Stores the printed PINs' hashes and takes their letters out of the queue.
pub async fn store_printed(c: &impl GenericClient, numbers: &[i64], pin_hashes: &[Vec<u8>]) -> Result<()> {
    c.execute(
        "UPDATE registrations r SET pin_hash = u.h, pin_printed_at = now(), pin_print_count = pin_print_count + 1,
             pin_possessed = true, updated_at = now()
         FROM unnest($1::bigint[], $2::bytea[]) AS u(n, h) WHERE r.registration_number = u.n",
        &[&numbers, &pin_hashes],
    )
    .await?;
    c.execute("DELETE FROM pin_letter_queue WHERE registration_number = ANY($1)", &[&numbers]).await?;
    Ok(())
}

/// A batch of a run whose files were written under temporary names.
pub async fn insert_batch(
    c: &impl GenericClient,
    run: i64,
    batch: i32,
    pdf: &str,
    manifest: &str,
    letters: i32,
) -> Result<()> {
    c.execute(
        "INSERT INTO postal_batches (run_id, batch_no, pdf, manifest, letters, state) VALUES ($1, $2, $3, $4, $5, 'committed')",
        &[&run, &batch, &pdf, &manifest, &letters],
    )
    .await?;
    Ok(())
}

/// The batch's files have their final names.
pub async fn mark_published(c: &impl GenericClient, run: i64, batch: i32) -> Result<()> {
    c.execute("UPDATE postal_batches SET state = 'published' WHERE run_id = $1 AND batch_no = $2", &[&run, &batch])
        .await?;
    Ok(())
}

/// Batches committed but not yet published: (batch, pdf, manifest).
pub async fn unpublished(c: &impl GenericClient, run: i64) -> Result<Vec<(i32, String, String)>> {
    Ok(c.query("SELECT batch_no, pdf, manifest FROM postal_batches WHERE run_id = $1 AND state = 'committed'", &[&run])
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect())
}

/// Letters printed and the last batch number of a run, to resume it.
pub async fn progress(c: &impl GenericClient, run: i64) -> Result<(i64, i32)> {
    let r = c
        .query_one(
            "SELECT coalesce(sum(letters), 0)::bigint, coalesce(max(batch_no), 0) FROM postal_batches WHERE run_id = $1",
            &[&run],
        )
        .await?;
    Ok((r.get(0), r.get(1)))
}
