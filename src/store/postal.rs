//! Postal PIN runs: the queue of PIN letters due, and the batches printed for the print shop.

use deadpool_postgres::GenericClient;

use crate::error::Result;

/// Letters due, in one province or everywhere.
pub async fn due(c: &impl GenericClient, province: Option<&str>) -> Result<i64> {
    Ok(c.query_one("SELECT count(*) FROM pin_letter_queue WHERE ($1::text IS NULL OR res_province = $1)", &[&province])
        .await?
        .get(0))
}

/// Takes up to `limit` letters due out of the queue, in province and number order. The rows go
/// in one pass (locked, skipping those another transaction holds, and deleted): they are back
/// if this transaction does not commit.
pub async fn take(c: &impl GenericClient, province: Option<&str>, limit: i64) -> Result<Vec<i64>> {
    let mut taken: Vec<(bool, Option<String>, i64)> = c
        .query(
            "DELETE FROM pin_letter_queue WHERE registration_number IN (
                 SELECT registration_number FROM pin_letter_queue
                 WHERE ($1::text IS NULL OR res_province = $1)
                 ORDER BY res_province, registration_number LIMIT $2 FOR UPDATE SKIP LOCKED)
             RETURNING res_province, registration_number",
            &[&province, &limit],
        )
        .await?
        .iter()
        .map(|r| {
            let province: Option<String> = r.get(0);
            (province.is_none(), province, r.get(1))
        })
        .collect();
    taken.sort_unstable(); // as the queue's index: by province (none last), then number
    Ok(taken.into_iter().map(|(_, _, n)| n).collect())
}

/// Locks the registrations of letters taken out of the queue, so that what the postal rule says
/// of each holds until the batch commits (a desk booking waits, or is waited for).
pub async fn lock_registrations(c: &impl GenericClient, numbers: &[i64]) -> Result<()> {
    c.execute(
        "SELECT 1 FROM registrations WHERE registration_number = ANY($1) ORDER BY registration_number FOR UPDATE",
        &[&numbers],
    )
    .await?;
    Ok(())
}

/// Stores the printed PINs' hashes (their letters were [`take`]n out of the queue) as the
/// accounts' PINs; a postal PIN never becomes the PIN of a desk operation. The hashes go to
/// the narrow `registration_credentials` (V15): `registrations`, wide and indexed for the
/// search, is not rewritten by a postal run.
pub async fn store_printed(c: &impl GenericClient, numbers: &[i64], pin_hashes: &[Vec<u8>]) -> Result<()> {
    // Most have no row yet: it is made with the PIN. Those that have one (a reprint, or a row
    // another transaction has just made) are updated by a second statement, which sees it.
    let made: std::collections::HashSet<i64> = c
        .query(
            "INSERT INTO registration_credentials (registration_number, pin_hash, pin_printed_at, pin_print_count,
                                                   pin_possessed)
             SELECT u.n, u.h, now(), 1, true FROM unnest($1::bigint[], $2::bytea[]) AS u(n, h)
             ON CONFLICT (registration_number) DO NOTHING RETURNING registration_number",
            &[&numbers, &pin_hashes],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    if made.len() < numbers.len() {
        let (rest, rest_hashes): (Vec<i64>, Vec<&[u8]>) =
            numbers.iter().zip(pin_hashes).filter(|(n, _)| !made.contains(n)).map(|(n, h)| (*n, h.as_slice())).unzip();
        c.execute(
            "UPDATE registration_credentials k SET pin_hash = u.h, pin_printed_at = now(),
                 pin_print_count = k.pin_print_count + 1, pin_possessed = true
             FROM unnest($1::bigint[], $2::bytea[]) AS u(n, h) WHERE k.registration_number = u.n",
            &[&rest, &rest_hashes],
        )
        .await?;
    }
    Ok(())
}

/// The operation in progress of each of these registrations that has one: (number, kind).
pub async fn in_progress(c: &impl GenericClient, numbers: &[i64]) -> Result<Vec<(i64, String)>> {
    Ok(c.query(
        "SELECT registration_number, kind FROM operations WHERE registration_number = ANY($1) AND status = 'A'",
        &[&numbers],
    )
    .await?
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect())
}

/// Opens the weak activation of these registrations (after [`store_printed`]): an `activation`
/// operation with the PIN of the letter, replacing the one in progress, and the activation
/// code in force; a lockout ends, as with any new booking.
pub async fn open_activations(
    c: &impl GenericClient,
    numbers: &[i64],
    pin_hashes: &[Vec<u8>],
    code_hashes: &[Vec<u8>],
    expires: chrono::DateTime<chrono::Utc>,
    ente: &str,
    operator: &str,
) -> Result<()> {
    c.execute(
        "UPDATE operations SET status = 'D', closed_at = now() WHERE registration_number = ANY($1) AND status = 'A'",
        &[&numbers],
    )
    .await?;
    c.execute(
        "INSERT INTO operations (registration_number, kind, ente, operator_id, pin_hash, code_expires_at)
         SELECT u.n, 'activation', $3, $4, u.h, $5 FROM unnest($1::bigint[], $2::bytea[]) AS u(n, h)",
        &[&numbers, &pin_hashes, &ente, &operator, &expires],
    )
    .await?;
    c.execute(
        "UPDATE registration_credentials k SET activation_code_hash = u.h, activation_code_expires_at = $3
         FROM unnest($1::bigint[], $2::bytea[]) AS u(n, h) WHERE k.registration_number = u.n",
        &[&numbers, &code_hashes, &expires],
    )
    .await?;
    // Only the locked out (or with wrong codes counted) are touched: a fresh pre-loaded
    // resident's registration is not rewritten.
    c.execute(
        "UPDATE registrations SET failed_attempts = 0, locked_at = NULL
         WHERE registration_number = ANY($1) AND (failed_attempts <> 0 OR locked_at IS NOT NULL)",
        &[&numbers],
    )
    .await?;
    Ok(())
}

/// A batch of a run whose files were written under temporary names: the PIN letters, and
/// apart the activation-code letters (PDF and manifest) when there are any.
#[allow(clippy::too_many_arguments)]
pub async fn insert_batch(
    c: &impl GenericClient,
    run: i64,
    batch: i32,
    pdf: &str,
    manifest: &str,
    letters: i32,
    codes: Option<(&str, &str)>,
    code_letters: i32,
) -> Result<()> {
    let (codes_pdf, codes_manifest) = codes.unzip();
    c.execute(
        "INSERT INTO postal_batches (run_id, batch_no, pdf, manifest, letters, state, codes_pdf, codes_manifest, codes)
         VALUES ($1, $2, $3, $4, $5, 'committed', $6, $7, $8)",
        &[&run, &batch, &pdf, &manifest, &letters, &codes_pdf, &codes_manifest, &code_letters],
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

/// Batches committed but not yet published: (batch, their files).
pub async fn unpublished(c: &impl GenericClient, run: i64) -> Result<Vec<(i32, Vec<String>)>> {
    Ok(c.query(
        "SELECT batch_no, pdf, manifest, codes_pdf, codes_manifest FROM postal_batches WHERE run_id = $1 AND state = 'committed'",
        &[&run],
    )
    .await?
    .iter()
    .map(|r| {
        let files = (1..=4).filter_map(|i| r.get::<_, Option<String>>(i)).collect();
        (r.get(0), files)
    })
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
