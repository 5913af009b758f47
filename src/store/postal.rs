//! Postal PIN runs: the queue of PIN letters due, and the batches printed for the print shop.
//! A postal run's steps are the database's (sql/V26): it takes the letters, applies the postal
//! rule, stores the secrets' hashes of a batch and records it.

use deadpool_postgres::GenericClient;

use super::registrations::personal_from_row;
use crate::domain::fields::FIELDS;
use crate::domain::transitions::PostalLetter;
use crate::domain::{Community, Registration, State};
use crate::error::{Error, Result};

/// Letters due, in one province or everywhere.
pub async fn due(c: &impl GenericClient, province: Option<&str>) -> Result<i64> {
    Ok(c.query_one("SELECT api.postal_due($1)", &[&province]).await?.get(0))
}

fn letter(name: Option<&str>) -> Option<PostalLetter> {
    match name {
        Some("opens-activation") => Some(PostalLetter::OpensActivation),
        Some("replaces-pin") => Some(PostalLetter::ReplacesPin),
        _ => None,
    }
}

/// Takes up to `limit` letters due for the run `run`, in province and number order, skipping
/// those another transaction holds; the database asks the postal rule of each under its
/// registration's lock. Returns each letter taken with what it does, `None` for one the rule
/// withholds (its queue row is gone). The others stay queued, locked, until [`store_batch`].
pub async fn take(
    c: &impl GenericClient,
    run: i64,
    province: Option<&str>,
    limit: i64,
) -> Result<Vec<(i64, Option<PostalLetter>)>> {
    Ok(c.query("SELECT registration_number, letter FROM api.postal_take($1, $2, $3)", &[&run, &province, &limit])
        .await?
        .iter()
        .map(|r| (r.get(0), letter(r.get(1))))
        .collect())
}

/// The registrations of the letters this transaction took and the rule let go, as the letters
/// print them, with what each letter does.
pub async fn letters(c: &impl GenericClient, run: i64) -> Result<Vec<(Registration, PostalLetter)>> {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let sql = SQL.get_or_init(|| {
        let base = [
            "registration_number",
            "fiscal_code",
            "community",
            "registered_at",
            "state",
            "strong",
            "verified_at",
            "verified_ente",
            "username",
            "activated_at",
            "promoted_at",
            "failed_attempts",
            "locked_at",
        ];
        let mut columns: Vec<String> = base.iter().map(|c| format!("(t.reg).{c}")).collect();
        columns.extend(["t.pin_possessed", "t.pin_printed_at", "t.pin_print_count"].map(String::from));
        columns.extend(FIELDS.iter().map(|f| format!("(t.reg).{}", f.column)));
        columns.extend(["t.res_municipality_name", "t.res_country_name", "t.dom_municipality_name"].map(String::from));
        format!("SELECT t.letter, {} FROM api.postal_letters($1) t", columns.join(", "))
    });
    let rows = c.query(sql.as_str(), &[&run]).await?;
    rows.iter()
        .map(|r| {
            let what = letter(r.get(0)).ok_or_else(|| {
                Error::Internal(crate::msg!("letters-render-failed", detail = "a letter without its rule"))
            })?;
            let mut data = personal_from_row(r, 17);
            let names = 17 + FIELDS.len();
            data.residence.municipality_name = r.get(names);
            data.residence.country_name = r.get(names + 1);
            data.domicile.municipality_name = r.get(names + 2);
            let state: String = r.get(5);
            let community: String = r.get(3);
            let registration = Registration {
                registration_number: r.get(1),
                fiscal_code: r.get(2),
                community: Community::parse(&community).ok_or_else(|| {
                    Error::Internal(crate::msg!("letters-render-failed", detail = "unknown community"))
                })?,
                registered_at: r.get(4),
                state: State::parse(&state)
                    .ok_or_else(|| Error::Internal(crate::msg!("letters-render-failed", detail = "unknown state")))?,
                strong: r.get(6),
                verified_at: r.get(7),
                verified_ente: r.get(8),
                username: r.get(9),
                activated_at: r.get(10),
                promoted_at: r.get(11),
                failed_attempts: r.get(12),
                locked_at: r.get(13),
                pin_possessed: r.get(14),
                pin_printed_at: r.get(15),
                pin_print_count: r.get(16),
                data,
                last_operation: None,
                // A postal run never takes the letter of a suspended registration (sql/V31).
                suspension: None,
            };
            Ok((registration, what))
        })
        .collect()
}

/// A batch printed, as the database stores it (`api.postal_batch`).
#[derive(Debug, Clone, Default)]
pub struct Batch<'a> {
    pub run: i64,
    pub batch: i32,
    /// Every letter printed, and its PIN's hash.
    pub numbers: &'a [i64],
    pub pin_hashes: &'a [Vec<u8>],
    /// The letters that open a weak activation, and their codes' hashes.
    pub opened: &'a [i64],
    pub code_hashes: &'a [Vec<u8>],
    pub expires: Option<chrono::DateTime<chrono::Utc>>,
    pub pdf: &'a str,
    pub manifest: &'a str,
    /// The activation-code letters' file and manifest, when there are any.
    pub codes: Option<(&'a str, &'a str)>,
    pub code_letters: i32,
    pub codes_to_email: i32,
    /// Letters taken but withheld by the postal rule in this batch's transaction.
    pub withheld: i64,
}

/// Stores a batch: its PINs' hashes as the accounts' PINs, the weak activations it opens, its
/// files, the run's checkpoint and the `postal-batch` audit row, all by the database.
pub async fn store_batch(c: &impl GenericClient, b: &Batch<'_>) -> Result<()> {
    let (codes_pdf, codes_manifest) = b.codes.unzip();
    c.execute(
        "SELECT api.postal_batch($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        &[
            &b.run,
            &b.batch,
            &b.numbers,
            &b.pin_hashes,
            &b.opened,
            &b.code_hashes,
            &b.expires,
            &b.pdf,
            &b.manifest,
            &codes_pdf,
            &codes_manifest,
            &b.code_letters,
            &b.codes_to_email,
            &b.withheld,
        ],
    )
    .await?;
    Ok(())
}

/// The batch's files have their final names.
pub async fn mark_published(c: &impl GenericClient, run: i64, batch: i32) -> Result<()> {
    c.execute("SELECT api.postal_published($1, $2)", &[&run, &batch]).await?;
    Ok(())
}

/// Where a run stands: letters printed, its last batch number, and the batches committed but
/// not yet published with their files.
pub async fn progress(c: &impl GenericClient, run: i64) -> Result<(i64, i32, Vec<(i32, Vec<String>)>)> {
    let (mut printed, mut last, mut unpublished) = (0i64, 0i32, Vec::new());
    for r in c.query("SELECT batch_no, state, letters, files FROM api.postal_resume($1)", &[&run]).await? {
        let (batch, state, letters): (i32, &str, i32) = (r.get(0), r.get(1), r.get(2));
        printed += i64::from(letters);
        last = last.max(batch);
        if state == "committed" {
            unpublished.push((batch, r.get(3)));
        }
    }
    Ok((printed, last, unpublished))
}

/// Ends a postal run; the database records it (`postal-run`).
pub async fn finish(c: &impl GenericClient, run: i64) -> Result<()> {
    c.execute("SELECT api.postal_finish($1)", &[&run]).await?;
    Ok(())
}
