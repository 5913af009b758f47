//! Reading a registry file: records parsed, validated and encoded as binary array elements,
//! chunk by chunk, on a thread of their own and on every core, while the database writes the chunks
//! before them.

use std::io::Read;
use std::ops::Range;
use std::path::Path;

use rustc_hash::FxHashMap;

use crate::batch::Reject;
use crate::batch::input::{self, Encoding, Lines};
use crate::domain::birthplace::Birthplaces;
use crate::domain::{DocType, FiscalCode, check_postcode, clean_str, parse_date, text};
use crate::error::{Error, Result};
use crate::store::binary_arrays::Fields;
use crate::store::reference::{Municipality, check_place};
use crate::store::registry::MirrorRows;

/// A fiscal code (16 ASCII characters) or the first 16 bytes of a digest, as a compact key.
pub type Key16 = [u8; 16];

pub fn key16(bytes: &[u8]) -> Key16 {
    let mut k = [0u8; 16];
    let n = bytes.len().min(16);
    k[..n].copy_from_slice(&bytes[..n]);
    k
}

/// A fiscal code kept as a key, as text.
pub fn code_text(key: &Key16) -> &str {
    std::str::from_utf8(key).unwrap_or("?")
}

/// The municipalities of the reference data, found by the codes a file may give: ISTAT code
/// or cadastral code.
#[derive(Default)]
pub struct Municipalities {
    all: Vec<Municipality>,
    by_code: FxHashMap<String, usize>,
}

impl Municipalities {
    pub fn new(all: Vec<Municipality>) -> Municipalities {
        let mut by_code = FxHashMap::default();
        for (i, m) in all.iter().enumerate() {
            by_code.insert(m.istat_code.clone(), i);
            by_code.insert(m.belfiore.clone(), i);
        }
        Municipalities { all, by_code }
    }

    /// The municipality of an ISTAT or cadastral code (any case). An ISTAT code a spreadsheet
    /// took for a number (`1272` for `001272`) is read with its zeros back.
    pub fn get(&self, code: &str) -> Option<&Municipality> {
        let i = self.by_code.get(code).or_else(|| self.by_code.get(&code.to_uppercase())).or_else(|| {
            (code.len() < 6 && !code.is_empty() && code.bytes().all(|b| b.is_ascii_digit()))
                .then(|| self.by_code.get(&format!("{code:0>6}")))
                .flatten()
        })?;
        Some(&self.all[*i])
    }
}

/// The reference data a row is checked against, read once for the whole file.
pub struct Reference {
    pub municipalities: Municipalities,
    pub birthplaces: Birthplaces,
}

/// Fiscal code → digest of the stored row, for every row of the mirror.
pub type StoredDigests = FxHashMap<Key16, Key16>;

/// A record as read (`RawRow`), its fields borrowed from it and matched to the header by name,
/// a column's name being its field's (an absent optional column reads as empty; `death_date`,
/// optional, is empty for the living). Each field is named once, here: the struct, the column
/// names (`RAW_FIELDS`, in the struct's order) and the row of values in that order.
macro_rules! raw_row {
    ($($field:ident),* $(,)?) => {
        #[derive(Debug)]
        struct RawRow<'a> {
            $($field: &'a str,)*
        }

        /// The columns of a [`RawRow`], in its order.
        const RAW_FIELDS: &[&str] = &[$(stringify!($field)),*];

        impl<'a> RawRow<'a> {
            /// The row of these values, one per column of [`RAW_FIELDS`], in that order.
            fn from_values(values: [&'a str; RAW_COUNT]) -> RawRow<'a> {
                let [$($field),*] = values;
                RawRow { $($field),* }
            }
        }
    };
}

raw_row!(
    fiscal_code,
    first_name,
    last_name,
    birth_date,
    sex,
    address,
    street_number,
    postcode,
    municipality,
    doc_type,
    doc_number,
    doc_issued,
    doc_issuer,
    death_date,
);

const RAW_COUNT: usize = RAW_FIELDS.len();

/// Where each field of a [`RawRow`] is in a file's records: found in the header once, not
/// matched by name in every record.
struct Columns {
    at: [Option<usize>; RAW_COUNT],
    /// The columns of the fields a digest covers ([`Columns::digest`]), in their order.
    digested: Vec<Option<usize>>,
}

impl Columns {
    fn of(headers: &csv::ByteRecord) -> Columns {
        let at: [Option<usize>; RAW_COUNT] =
            std::array::from_fn(|k| headers.iter().position(|h| h == RAW_FIELDS[k].as_bytes()));
        let digested = at.iter().zip(RAW_FIELDS).filter(|(_, name)| **name != DEATH_COLUMN).map(|(c, _)| *c).collect();
        Columns { at, digested }
    }

    /// The column of field `name`, if the file has it.
    fn of_field(&self, name: &str) -> Option<usize> {
        RAW_FIELDS.iter().position(|f| *f == name).and_then(|k| self.at[k])
    }

    /// Digest of a record as read, field by field in the order of [`RAW_FIELDS`] (whatever the
    /// file's order of columns, so that a corrected header is a change): equal digests mean an
    /// unchanged row, recognised before any parsing or validation. An absent column is not an
    /// empty one. Columns the import does not read, and the death column, are left out: a file
    /// that gains the death column, empty for the living, leaves their rows unchanged (a row
    /// with a death in it is never taken for unchanged: see [`Checker::check`]).
    ///
    /// The bytes hashed are gathered in `scratch` first: one call to hash them, not two a field.
    fn digest(&self, record: &csv::ByteRecord, scratch: &mut Vec<u8>) -> Key16 {
        use sha2::{Digest, Sha256};
        scratch.clear();
        for column in &self.digested {
            match column.and_then(|i| record.get(i)) {
                Some(field) => {
                    scratch.extend_from_slice(field);
                    scratch.push(0x1f);
                }
                None => scratch.push(0x1e),
            }
        }
        key16(&Sha256::digest(scratch))
    }

    fn read<'a>(&self, record: &'a csv::ByteRecord, line: u64) -> std::result::Result<RawRow<'a>, Reject> {
        let mut values = [""; RAW_COUNT];
        for ((value, column), name) in values.iter_mut().zip(self.at).zip(RAW_FIELDS) {
            if let Some(bytes) = column.and_then(|i| record.get(i)) {
                *value = std::str::from_utf8(bytes)
                    .map_err(|e| Reject::new(line, name, &String::from_utf8_lossy(bytes), format!("not UTF-8: {e}")))?;
            }
        }
        Ok(RawRow::from_values(values))
    }
}

/// The columns of the identity document: all or none (a registry that records no document).
const DOCUMENT_COLUMNS: [&str; 4] = ["doc_type", "doc_number", "doc_issued", "doc_issuer"];

/// The column a registry reports a death in (optional; README "Registry files").
pub const DEATH_COLUMN: &str = "death_date";

/// A valid row: its fiscal code, and whether the registry reports the resident dead (then no
/// tuple was written: the dead are not mirror rows).
struct Valid {
    code: Key16,
    dead: bool,
}

/// Checks a row and appends its fields to `out` in the order of [`MirrorRows::push`]; returns
/// its fiscal code. A rejected row, and the row of a resident reported dead, leave `out` as it
/// was.
fn validate<'a>(
    raw: &RawRow<'a>,
    line: u64,
    digest: &Key16,
    reference: &Reference,
    today: chrono::NaiveDate,
    out: &mut Vec<u8>,
) -> std::result::Result<Valid, Reject> {
    let reject = |field: &str, value: &str, reason: String| Reject::new(line, field, value, reason);
    // Free text, cleaned, within its bounds and free of control characters.
    let text = |field: &str, value: &'a str| match clean_str(value) {
        Some(v) => match text::check(field, &v) {
            Ok(()) => Ok(Some(v)),
            Err(e) => Err(reject(field, &v, e.english().to_string())),
        },
        None => Ok(None),
    };
    let fc = FiscalCode::parse(raw.fiscal_code)
        .map_err(|e| reject("fiscal_code", raw.fiscal_code, e.message().english().to_string()))?;
    let first_name = text("first_name", raw.first_name)?.ok_or_else(|| reject("first_name", "", "empty".into()))?;
    let last_name = text("last_name", raw.last_name)?.ok_or_else(|| reject("last_name", "", "empty".into()))?;
    let birth_date =
        parse_date(raw.birth_date).map_err(|e| reject("birth_date", raw.birth_date, e.english().to_string()))?;
    if !fc.matches_birth_date(birth_date) {
        return Err(reject("birth_date", raw.birth_date, format!("does not agree with fiscal code {fc}")));
    }
    // The fiscal code's two-digit year agrees with a century too many as well as with the right one.
    if birth_date > today {
        return Err(reject("birth_date", raw.birth_date, "is in the future".into()));
    }
    reference
        .birthplaces
        .check(&fc.birth_place(), birth_date)
        .map_err(|e| reject("fiscal_code", fc.as_str(), e.english().to_string()))?;
    let sex = match raw.sex.trim() {
        s if s.eq_ignore_ascii_case("M") => "M",
        s if s.eq_ignore_ascii_case("F") => "F",
        _ => return Err(reject("sex", raw.sex, "must be M or F".into())),
    };
    if !sex.starts_with(fc.sex()) {
        return Err(reject("sex", raw.sex, format!("does not agree with fiscal code {fc}")));
    }
    // A death is a fact of the past, and of a life: not after today (Italy's), not before birth.
    // It is all a death row is read for: the dead are not mirror rows, so a flaw in their
    // address or document does not stop the revocation a death brings.
    if let Some(d) = clean_str(raw.death_date) {
        let died = parse_date(&d).map_err(|e| reject(DEATH_COLUMN, &d, e.english().to_string()))?;
        if died > today {
            return Err(reject(DEATH_COLUMN, &d, "is in the future".into()));
        }
        if died < birth_date {
            return Err(reject(DEATH_COLUMN, &d, format!("is before the birth date {birth_date}")));
        }
        return Ok(Valid { code: key16(fc.as_str().as_bytes()), dead: true });
    }
    let postcode = clean_str(raw.postcode);
    if let Some(pc) = &postcode {
        check_postcode(pc).map_err(|e| reject("postcode", pc, e.english().to_string()))?;
    }
    let municipality = reference.municipalities.get(raw.municipality.trim()).ok_or_else(|| {
        reject(
            "municipality",
            raw.municipality,
            "unknown municipality code (ISTAT or cadastral code of Piedmont)".into(),
        )
    })?;
    // The check of the desk: the postcode is one of the municipality's.
    check_place(municipality, None, postcode.as_deref())
        .map_err(|e| reject("postcode", postcode.as_deref().unwrap_or_default(), e.english().to_string()))?;
    // As a desk types it: any case, in English or Italian (`PASSPORT`, `passaporto`).
    let doc_type = match clean_str(raw.doc_type) {
        Some(t) => Some(DocType::parse_typed(&t).ok_or_else(|| {
            let names: Vec<&str> = DocType::ALL.iter().map(|d| d.as_str()).collect();
            reject("doc_type", &t, format!("unknown document type (one of {})", names.join(", ")))
        })?),
        None => None,
    };
    // Checked as the desk checks it: no document is issued before its holder's birth or after today.
    let doc_issued = match clean_str(raw.doc_issued) {
        Some(d) => {
            let issued = parse_date(&d).map_err(|e| reject("doc_issued", &d, e.english().to_string()))?;
            if issued > today {
                return Err(reject("doc_issued", &d, "is in the future".into()));
            }
            if issued < birth_date {
                return Err(reject("doc_issued", &d, format!("is before the birth date {birth_date}")));
            }
            Some(issued)
        }
        None => None,
    };
    let (address, street_number) = (text("address", raw.address)?, text("street_number", raw.street_number)?);
    let (doc_number, doc_issuer) = (text("doc_number", raw.doc_number)?, text("doc_issuer", raw.doc_issuer)?);
    if let Some((field, value, c)) = crate::letters::first_unprintable(&[
        ("first_name", raw.first_name),
        ("last_name", raw.last_name),
        ("address", raw.address),
        ("street_number", raw.street_number),
        ("doc_number", raw.doc_number),
        ("doc_issuer", raw.doc_issuer),
    ]) {
        return Err(reject(field, value, crate::letters::cannot_print(c).english().to_string()));
    }
    for (field, name) in [("first_name", &first_name), ("last_name", &last_name)] {
        crate::domain::text::check_name(field, name).map_err(|e| reject(field, name, e.english().to_string()))?;
    }
    let code = key16(fc.as_str().as_bytes());
    Fields::new(out)
        .text(Some(fc.as_str()))
        .text(Some(&first_name))
        .text(Some(&last_name))
        .date(Some(birth_date))
        .text(Some(sex))
        .text(address.as_deref())
        .text(street_number.as_deref())
        .text(postcode.as_deref())
        .text(Some(&municipality.istat_code))
        .text(doc_type.map(DocType::as_str))
        .text(doc_number.as_deref())
        .date(doc_issued)
        .text(doc_issuer.as_deref())
        .bytes(Some(digest));
    Ok(Valid { code, dead: false })
}

/// Opens a registry file as CSV text of `encoding` (see [`input::Decoded`]), its delimiter
/// (`;` or `,`) told by the header line, its column names matched as [`input::column_names`]
/// says; the [`Lines`] give the physical line of its records.
pub fn open(path: &Path, encoding: Encoding) -> Result<(csv::Reader<Box<dyn Read + Send>>, Lines)> {
    let mut reader = input::open_text(path, encoding)?;
    let delimiter = input::delimiter(input::peek(path, &mut reader)?);
    let lines = Lines::default();
    let reader: Box<dyn Read + Send> = Box::new(lines.wrap(reader));
    // Not flexible: a record with more or fewer fields than the header is an error (a reject).
    // Fields are trimmed after reading (see [`read_chunks`]): a line break at a field's edge is
    // what shows a record spanning lines.
    let mut csv = csv::ReaderBuilder::new().delimiter(delimiter).trim(csv::Trim::Headers).from_reader(reader);
    let headers = match csv.byte_headers() {
        Ok(h) => input::column_names(h),
        Err(e) => {
            return Err(input::csv_failure(path, &e).unwrap_or_else(|| {
                Error::Invalid(crate::msg!("import-bad-header", path = path, detail = e.to_string()))
            }));
        }
    };
    // Every column read but the death's, and the document's when the registry has none: one
    // missing, or named otherwise (`indirizzo`, `cap`, `doc_no`), would read as empty in every
    // row, and blank the mirror's addresses (where a pre-load's letters go) and documents. A
    // column named twice leaves unknown which holds the value.
    let has = |name: &str| headers.iter().any(|h| h == name.as_bytes());
    let documents = DOCUMENT_COLUMNS.iter().any(|c| has(c));
    for needed in RAW_FIELDS.iter().filter(|&&f| f != DEATH_COLUMN && (documents || !DOCUMENT_COLUMNS.contains(&f))) {
        if !has(needed) {
            return Err(Error::Invalid(crate::msg!(
                "import-no-column",
                path = path,
                column = *needed,
                found = headers.iter().map(String::from_utf8_lossy).collect::<Vec<_>>().join(", ")
            )));
        }
    }
    if let Some(twice) = RAW_FIELDS.iter().find(|&&f| headers.iter().filter(|h| *h == f.as_bytes()).count() > 1) {
        return Err(Error::Invalid(crate::msg!("import-column-twice", path = path, column = *twice)));
    }
    csv.set_byte_headers(headers);
    Ok((csv, lines))
}

/// A chunk of the file, read and validated, handed to the writers.
pub struct Chunk {
    /// The valid rows that are new or changed, as array parameters.
    pub rows: MirrorRows,
    /// Fiscal codes of every valid row, new, changed or unchanged (for a full snapshot).
    pub codes: Vec<Key16>,
    /// Fiscal codes of the rejected rows that have one: residents a full snapshot keeps, for
    /// a row rejected is never a departure.
    pub kept: Vec<Key16>,
    /// Lines of rejected rows whose fiscal code cannot be read: nobody can tell whom they
    /// keep, so a full snapshot removes no one.
    pub unreadable: Vec<u64>,
    /// Fiscal codes of the valid rows that report a death: not sent as rows
    /// (`api.import_deaths`).
    pub dead: Vec<Key16>,
    /// Valid rows equal to the stored ones: not sent.
    pub unchanged: u64,
    /// The rows in `rows`, in its order: fiscal code and line (to reject one the server refuses).
    pub sent: Vec<(Key16, u64)>,
    /// Rows in `rows` whose fiscal code the mirror holds (changed rather than new).
    pub changed: u64,
    pub bad: Vec<Reject>,
    /// Records read in this chunk, and the position (records from the start) after it.
    pub read: u64,
    pub position: u64,
    /// Bytes of the file consumed, for the progress bar.
    pub bytes: u64,
}

impl Chunk {
    /// Valid rows, new, changed or unchanged.
    pub fn ok(&self) -> u64 {
        self.codes.len() as u64
    }
}

/// A record after the checks that need no other record, in file order.
enum Checked {
    /// Equal to the stored row (by digest): neither parsed nor sent.
    Unchanged {
        line: u64,
        code: Key16,
    },
    Valid {
        line: u64,
        code: Key16,
        tuple: Range<usize>,
    },
    /// Valid, and the registry reports the resident dead.
    Dead {
        line: u64,
        code: Key16,
    },
    /// Rejected, with its fiscal code when that can be read.
    Bad(Reject, Option<Key16>),
}

/// A slice of a chunk checked by one worker: its tuples share one buffer.
struct Part {
    checked: Vec<Checked>,
    tuples: Vec<u8>,
}

/// What every worker needs to check a record.
struct Checker {
    columns: Columns,
    cf_column: usize,
    /// The optional death column, if the file has it.
    death_column: Option<usize>,
    reference: Reference,
    stored: StoredDigests,
    /// Today in Italy: no death is reported after it.
    today: chrono::NaiveDate,
}

impl Checker {
    /// The fiscal code as written in a record, normalised, for the duplicate and unchanged checks.
    fn raw_code(&self, record: &csv::ByteRecord) -> Option<Key16> {
        let code = record.get(self.cf_column)?;
        // The usual case, ASCII text, without the allocations of the general one (the same
        // trim, the same upper case).
        if let Ok(text) = std::str::from_utf8(code)
            && let text = text.trim()
            && text.is_ascii()
        {
            let mut key = [0u8; 16];
            key.iter_mut().zip(text.bytes()).for_each(|(k, c)| *k = c.to_ascii_uppercase());
            return Some(key);
        }
        Some(key16(String::from_utf8_lossy(code).trim().to_uppercase().as_bytes()))
    }

    /// The fiscal code of a rejected record, as a valid row would be stored, if it is one.
    fn readable_code(&self, record: &csv::ByteRecord) -> Option<Key16> {
        let code = std::str::from_utf8(record.get(self.cf_column)?).ok()?;
        FiscalCode::parse(code).ok().map(|fc| key16(fc.as_str().as_bytes()))
    }

    fn check(&self, records: &[csv::ByteRecord]) -> Part {
        let mut part = Part {
            checked: Vec::with_capacity(records.len()),
            // A tuple is about its record's text, a length word a field and the digest: sized
            // once with room to spare, not grown and copied as it fills.
            tuples: Vec::with_capacity(records.iter().map(|r| r.as_slice().len() + 96).sum()),
        };
        let mut scratch = Vec::with_capacity(512);
        for record in records {
            let line = record.position().map(|p| p.line()).unwrap_or(0);
            let digest = self.columns.digest(record, &mut scratch);
            // A row reporting a death is always read, whatever the stored row is.
            let dies = self.death_column.and_then(|i| record.get(i)).is_some_and(|d| !d.trim_ascii().is_empty());
            let checked = match self.raw_code(record) {
                Some(code) if !dies && self.stored.get(&code) == Some(&digest) => Checked::Unchanged { line, code },
                _ => {
                    let start = part.tuples.len();
                    match self.parse(record, line, &digest, &mut part.tuples) {
                        Ok(Valid { code, dead: true }) => Checked::Dead { line, code },
                        Ok(Valid { code, dead: false }) => {
                            Checked::Valid { line, code, tuple: start..part.tuples.len() }
                        }
                        Err(reject) => Checked::Bad(reject, self.readable_code(record)),
                    }
                }
            };
            part.checked.push(checked);
        }
        part
    }

    fn parse(
        &self,
        record: &csv::ByteRecord,
        line: u64,
        digest: &Key16,
        out: &mut Vec<u8>,
    ) -> std::result::Result<Valid, Reject> {
        validate(&self.columns.read(record, line)?, line, digest, &self.reference, self.today, out)
    }
}

/// The physical lines a record (as read, untrimmed) spans, when more than one: a field holding
/// a line break, which no registry field does, or a quote never closed, which swallows the
/// lines after it (whose residents nobody can tell).
fn spans_lines(record: &csv::ByteRecord, line: u64) -> Option<(u64, u64)> {
    let bytes = record.as_slice();
    let breaks = memchr::memchr_iter(b'\n', bytes).count() as u64;
    (breaks > 0 || memchr::memchr(b'\r', bytes).is_some()).then_some((line, line + breaks))
}

/// The reject of a record spanning lines `from`..=`to` (one line: a quote left open at the end).
fn spanning(from: u64, to: u64) -> Reject {
    let reason = if from == to {
        "a quote is not closed".to_string()
    } else {
        format!("one record over lines {from}-{to}: a quote is not closed, or a field holds a line break")
    };
    Reject::new(from, "", "", reason)
}

/// Reads and validates the file in chunks (see the module documentation) and sends them to
/// `out`. The first `skip` records (a resumed run's committed part) are checked again but not
/// sent: the fiscal codes of their valid rows keep refusing duplicates across the resume, as an
/// uninterrupted run would.
#[allow(clippy::too_many_arguments)]
pub fn read_chunks(
    path: &Path,
    mut csv: csv::Reader<Box<dyn Read + Send>>,
    skip: u64,
    chunk_size: usize,
    reference: Reference,
    stored: StoredDigests,
    lines: Lines,
    out: tokio::sync::mpsc::Sender<Chunk>,
) -> Result<()> {
    use rayon::prelude::*;
    let columns = Columns::of(
        csv.byte_headers()
            .map_err(|e| Error::Invalid(crate::msg!("import-bad-header-plain", detail = e.to_string())))?,
    );
    let cf_column = columns.of_field("fiscal_code").expect("checked when opened");
    let death_column = columns.of_field(DEATH_COLUMN);
    let today = chrono::Utc::now().with_timezone(&chrono_tz::Europe::Rome).date_naive();
    let checker = Checker { columns, cf_column, death_column, reference, stored, today };
    // Every name and address is checked for characters the letters cannot print.
    crate::letters::load_faces();
    // First line of each fiscal code accepted so far.
    let mut seen: FxHashMap<Key16, u64> = FxHashMap::default();
    let mut position = 0u64;
    // Records are read into the same buffers chunk after chunk.
    let mut records: Vec<csv::ByteRecord> = vec![csv::ByteRecord::new(); chunk_size];
    let part_len = (chunk_size / (4 * rayon::current_num_threads())).max(256);
    let file_bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    for chunk_index in 0.. {
        let limit = chunk_rows(chunk_size, chunk_index, csv.position().byte(), position, file_bytes);
        let (mut bad, mut kept, mut unreadable) = (Vec::new(), Vec::new(), Vec::new());
        let mut read = 0u64;
        let mut filled = 0;
        let mut end = false;
        // Records of the committed part, at the head of the buffer: checked, not sent.
        let mut scanned = 0;
        // The reject of the last record read when it spans lines up to a final line break.
        let mut swallowed_to_end: Option<(usize, u64, u64)> = None;
        while read < limit as u64 && filled < records.len() {
            let record = &mut records[filled];
            match csv.read_byte_record(record) {
                Ok(false) => {
                    // A quote left open on to the end took the file's last terminator too: no
                    // line is after it.
                    if let Some((i, from, to)) = swallowed_to_end.take()
                        && let Some(r) = bad.get_mut(i)
                    {
                        *r = spanning(from, to - 1);
                    }
                    end = true;
                    break;
                }
                Ok(true) => {
                    swallowed_to_end = None;
                    if input::is_blank(record) {
                        continue;
                    }
                    // The physical line, in place of the csv crate's count.
                    let line = match record.position().cloned() {
                        Some(mut at) => {
                            at.set_line(lines.line_of(at.byte()));
                            record.set_position(Some(at.clone()));
                            at.line()
                        }
                        None => 0,
                    };
                    position += 1;
                    if let Some((from, to)) = spans_lines(record, line) {
                        if position > skip {
                            read += 1;
                            unreadable.push(from);
                            bad.push(spanning(from, to));
                            swallowed_to_end = record.as_slice().ends_with(b"\n").then_some((bad.len() - 1, from, to));
                        }
                        continue;
                    }
                    input::trim(record);
                }
                Err(e) => {
                    swallowed_to_end = None;
                    // A file that is not text of its encoding, or that cannot be read, stops here.
                    if let Some(failure) = input::csv_failure(path, &e) {
                        return Err(failure);
                    }
                    if input::is_blank(record) {
                        continue;
                    }
                    let line = e.position().map(|p| lines.line_of(p.byte())).unwrap_or(0);
                    position += 1;
                    if position > skip {
                        read += 1;
                        let span = spans_lines(record, line);
                        let to_end = record.as_slice().ends_with(b"\n");
                        input::trim(record);
                        // A record of the wrong width is read whole: its fiscal code may be
                        // there (unless it swallowed other lines: then whom it hides is unknown).
                        match checker.readable_code(record) {
                            Some(code) if span.is_none() => kept.push(code),
                            _ => unreadable.push(line),
                        }
                        if let Some((from, to)) = span
                            && to_end
                        {
                            swallowed_to_end = Some((bad.len(), from, to));
                        }
                        bad.push(match (span, e.kind()) {
                            (Some((from, to)), _) => spanning(from, to),
                            (None, csv::ErrorKind::UnequalLengths { expected_len, len, .. }) => {
                                Reject::new(line, "", "", format!("{len} fields where the header has {expected_len}"))
                            }
                            (None, _) => Reject::new(line, "", "", e.to_string()),
                        });
                    }
                    continue;
                }
            }
            if position <= skip {
                scanned += 1;
            } else {
                read += 1;
            }
            filled += 1;
        }
        let mut parts: Vec<Part> = records[..filled].par_chunks(part_len).map(|p| checker.check(p)).collect();

        // Duplicates are told in file order, against the first valid row with the same code.
        let mut chunk = Chunk {
            rows: MirrorRows::default(),
            codes: Vec::with_capacity(filled),
            kept,
            unreadable,
            dead: Vec::new(),
            unchanged: 0,
            sent: Vec::with_capacity(filled),
            changed: 0,
            bad,
            read,
            position,
            bytes: csv.position().byte(),
        };
        let mut send = Vec::with_capacity(filled);
        for (i, part) in parts.iter_mut().enumerate() {
            for checked in part.checked.drain(..) {
                if scanned > 0 {
                    // Committed before the resume: only its fiscal code counts, if it was valid.
                    scanned -= 1;
                    if let Checked::Unchanged { line, code }
                    | Checked::Valid { line, code, .. }
                    | Checked::Dead { line, code } = checked
                    {
                        seen.entry(code).or_insert(line);
                    }
                    continue;
                }
                // What a valid row becomes: a tuple to send, unchanged, or a death.
                let (line, code, tuple) = match checked {
                    Checked::Bad(reject, code) => {
                        match code {
                            Some(code) => chunk.kept.push(code),
                            None => chunk.unreadable.push(reject.line),
                        }
                        chunk.bad.push(reject);
                        continue;
                    }
                    Checked::Unchanged { line, code } => (line, code, Some(None)),
                    Checked::Valid { line, code, tuple } => (line, code, Some(Some(tuple))),
                    Checked::Dead { line, code } => (line, code, None),
                };
                if let Some(first) = seen.get(&code) {
                    chunk.bad.push(Reject::new(
                        line,
                        "fiscal_code",
                        code_text(&code),
                        format!("duplicate of line {first}"),
                    ));
                    continue;
                }
                seen.insert(code, line);
                match tuple {
                    Some(Some(tuple)) => send.push((code, line, i, tuple)),
                    Some(None) => chunk.unchanged += 1,
                    // Not a mirror row, and not a valid one of the chunk's count (`api.import_deaths`).
                    None => {
                        chunk.dead.push(code);
                        continue;
                    }
                }
                chunk.codes.push(code);
            }
        }
        // Sent in key order, the rows of a chunk land on neighbouring pages of the primary
        // key's index, which costs the server fewer page lookups than random order.
        send.sort_unstable_by_key(|(code, _, _, _)| *code);
        chunk.rows.reserve(send.iter().map(|(_, _, i, tuple)| &parts[*i].tuples[tuple.clone()]));
        for (code, line, i, tuple) in send {
            chunk.rows.push(&parts[i].tuples[tuple], line);
            chunk.sent.push((code, line));
            chunk.changed += u64::from(checker.stored.contains_key(&code));
        }
        chunk.bad.sort_by_key(|r| r.line);
        if (chunk.read > 0 || end) && out.blocking_send(chunk).is_err() {
            return Ok(()); // the importer stopped (an error): nothing more to do
        }
        if end {
            return Ok(());
        }
    }
    Ok(())
}

/// Rows of the chunk `index` (from 0) when `at_byte` bytes and `rows_before` records of a file of
/// `file_bytes` are read: the first chunks smaller (an eighth of `full`, a quarter, a half), so
/// that the writers start while the rest is read; then `full`, but never more than half of what
/// the rows read so far say is left, so that the last chunks are small and the writers finish
/// together rather than one alone with a whole chunk; an eighth of `full` at least.
fn chunk_rows(full: usize, index: usize, at_byte: u64, rows_before: u64, file_bytes: u64) -> usize {
    let ramp = full >> (3 - index.min(3));
    let tail = match (at_byte, rows_before) {
        (0, _) | (_, 0) => usize::MAX,
        _ => {
            let left = file_bytes.saturating_sub(at_byte) as f64 * rows_before as f64 / at_byte as f64;
            (left / 2.0).ceil() as usize
        }
    };
    ramp.min(tail).max(full / 8).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_grow_at_the_start_and_shrink_at_the_end() {
        let full = 20_000;
        // 100 bytes a row, 1,000,000 rows.
        let sizes: Vec<usize> = (0..4).map(|i| chunk_rows(full, i, 0, 0, 100_000_000)).collect();
        assert_eq!(sizes, [2_500, 5_000, 10_000, 20_000], "the ramp alone when nothing tells the size");
        assert_eq!(chunk_rows(full, 1, 250_000, 2_500, 100_000_000), 5_000);
        assert_eq!(chunk_rows(full, 2, 750_000, 7_500, 100_000_000), 10_000);
        assert_eq!(chunk_rows(full, 3, 1_750_000, 17_500, 100_000_000), 20_000);
        assert_eq!(chunk_rows(full, 40, 50_000_000, 500_000, 100_000_000), 20_000);
        // 30,000 rows left: half; then the floor.
        assert_eq!(chunk_rows(full, 40, 97_000_000, 970_000, 100_000_000), 15_000);
        assert_eq!(chunk_rows(full, 41, 99_000_000, 990_000, 100_000_000), 5_000);
        assert_eq!(chunk_rows(full, 42, 99_900_000, 999_000, 100_000_000), 2_500);
        assert_eq!(chunk_rows(1, 0, 0, 0, 10), 1);
    }

    #[test]
    fn a_digest_is_of_the_fields_by_name_the_death_left_out() {
        use sha2::{Digest, Sha256};
        let record = |line: &str| csv::ByteRecord::from(line.split(';').collect::<Vec<_>>());
        // Columns in another order than the row's, the death column among them, no document.
        let header = record(
            "last_name;fiscal_code;death_date;first_name;birth_date;sex;address;street_number;postcode;municipality",
        );
        let living = record("ROSSI;RSSMRA80A01L219X;;MARIO;1980-01-01;M;Via Roma;1;10100;001272");
        let dead = record("ROSSI;RSSMRA80A01L219X;2020-01-01;MARIO;1980-01-01;M;Via Roma;1;10100;001272");
        let mut scratch = Vec::new();
        let digest = Columns::of(&header).digest(&living, &mut scratch);
        // As stored by every import before: each field read, in the row's order, then 0x1f; an
        // absent column 0x1e.
        let mut expected = Vec::new();
        for field in ["RSSMRA80A01L219X", "MARIO", "ROSSI", "1980-01-01", "M", "Via Roma", "1", "10100", "001272"] {
            expected.extend_from_slice(field.as_bytes());
            expected.push(0x1f);
        }
        expected.extend([0x1e; 4]);
        assert_eq!(digest, key16(&Sha256::digest(&expected)));
        // The death column is not digested: a death written in it changes nothing here.
        assert_eq!(Columns::of(&header).digest(&dead, &mut scratch), digest);
    }

    #[test]
    fn the_death_column_is_a_field_of_the_raw_row() {
        assert!(RAW_FIELDS.contains(&DEATH_COLUMN));
        let values: [&str; RAW_COUNT] = std::array::from_fn(|k| RAW_FIELDS[k]);
        let row = RawRow::from_values(values);
        assert_eq!((row.fiscal_code, row.municipality, row.death_date), ("fiscal_code", "municipality", DEATH_COLUMN));
    }
}
