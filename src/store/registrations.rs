//! The registrations table, its last operation and delegate, and the search over them.
//! Every hot query is keyed by fiscal code or registration number (shard-friendly).
//!
//! The reads go through the database's API (sql/V25): `api.show` and `api.search` check the
//! caller's role and write their own audit rows; `api.registration` and `api.registrations`
//! serve the write paths and the postal batches. No read here names a table.

use std::collections::HashMap;

use chrono::NaiveDate;
use deadpool_postgres::GenericClient;
use serde::Serialize;
use tokio_postgres::Row;
use tokio_postgres::types::{ToSql, Type};

use crate::domain::fields::{FIELDS, Slot, Value};
use crate::domain::*;
use crate::error::{Error, Result};

/// The registration's own columns, then every personal-data field's (in the order of
/// [`FIELDS`]), then the names joined from the reference data: the columns of the rows the
/// api functions return (sql/V25, `registration_row`), selected by name.
const BASE_COLUMNS: &str = "registration_number, fiscal_code, community, registered_at, state, strong,
    pin_possessed, verified_at, verified_ente, username, pin_printed_at, pin_print_count,
    activated_at, promoted_at, failed_attempts, locked_at";
const BASE: usize = 16;
const NAMES: &str = "res_municipality_name, res_country_name, dom_municipality_name";
/// The last operation and its delegate (`registration_detail`), after the names.
const OPERATION: &str = "op_id, op_kind, op_requested_at, op_ente, op_operator_id, op_status,
    delegate_kind, delegate_first_name, delegate_last_name, delegate_fiscal_code, delegate_doc_type,
    delegate_doc_number, delegate_doc_issued, delegate_doc_issuer, delegate_email, delegate_phone";

fn columns() -> &'static str {
    static COLUMNS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    COLUMNS.get_or_init(|| format!("{BASE_COLUMNS}, {}, {NAMES}", personal_columns()))
}

fn detail_columns() -> &'static str {
    static COLUMNS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    COLUMNS.get_or_init(|| format!("{}, {OPERATION}", columns()))
}

/// The personal-data columns, in the order of [`FIELDS`].
fn personal_columns() -> String {
    FIELDS.iter().map(|f| f.column).collect::<Vec<_>>().join(", ")
}

fn parse_vocab<T>(value: String, parse: fn(&str) -> Option<T>) -> T {
    // The database CHECK constraints admit only known values.
    parse(&value).unwrap_or_else(|| panic!("unexpected value '{value}' in the database"))
}

/// The personal data in the columns `at..` of a row, in the order of [`FIELDS`].
pub(crate) fn personal_from_row(r: &Row, at: usize) -> PersonalData {
    let mut d = PersonalData::default();
    for (i, f) in FIELDS.iter().enumerate() {
        let col = at + i;
        match (f.slot)(&mut d) {
            Slot::Text(v) => *v = r.get(col),
            Slot::Date(v) => *v = r.get(col),
            Slot::Sex(v) => *v = r.get::<_, Option<&str>>(col).and_then(Sex::parse),
            Slot::DocType(v) => *v = r.get::<_, Option<&str>>(col).and_then(DocType::parse),
            Slot::Flag(v) => *v = r.get(col),
        }
    }
    d
}

fn from_row(r: &Row) -> Registration {
    let mut data = personal_from_row(r, BASE);
    let names = BASE + FIELDS.len();
    data.residence.municipality_name = r.get(names);
    data.residence.country_name = r.get(names + 1);
    data.domicile.municipality_name = r.get(names + 2);
    Registration {
        registration_number: r.get(0),
        fiscal_code: r.get(1),
        community: parse_vocab(r.get(2), Community::parse),
        registered_at: r.get(3),
        state: parse_vocab(r.get(4), State::parse),
        strong: r.get(5),
        pin_possessed: r.get(6),
        verified_at: r.get(7),
        verified_ente: r.get(8),
        username: r.get(9),
        pin_printed_at: r.get(10),
        pin_print_count: r.get(11),
        activated_at: r.get(12),
        promoted_at: r.get(13),
        failed_attempts: r.get(14),
        locked_at: r.get(15),
        data,
        last_operation: None,
        suspension: None,
    }
}

/// A registration with its last operation and delegate, from a row of `detail_columns()`.
fn from_detail_row(r: &Row) -> Registration {
    let mut reg = from_row(r);
    reg.last_operation = operation_from_row(r, BASE + FIELDS.len() + 3);
    reg
}

/// The key as the api functions take it: (fiscal code, number), exactly one given.
fn key_params(key: &Key) -> (Option<&str>, Option<i64>) {
    match key {
        Key::FiscalCode(fc) => (Some(fc.as_str()), None),
        Key::Number(n) => (None, Some(*n)),
    }
}

/// The registration with this fiscal code or number, with its last operation and delegate
/// (sql/V39 `api.registration`: the read a write path starts from, recorded by the database as
/// `registration-read`, the citizen named by `audit_name` when the log does not know them yet).
pub async fn get(c: &impl GenericClient, key: &Key, audit_name: Option<&str>) -> Result<Option<Registration>> {
    read(c, key, false, audit_name).await
}

async fn read(c: &impl GenericClient, key: &Key, lock: bool, audit_name: Option<&str>) -> Result<Option<Registration>> {
    let (fiscal_code, number) = key_params(key);
    let sql = format!("SELECT {} FROM api.registration($1, $2, $3, $4)", detail_columns());
    let r = c.query_opt(&sql, &[&fiscal_code, &number, &lock, &audit_name]).await?.as_ref().map(from_detail_row);
    with_suspension(c, r).await
}

/// The suspensions of these registrations (those suspended among them), by number (sql/V31
/// `api.suspensions`).
pub async fn suspensions(c: &impl GenericClient, numbers: &[i64]) -> Result<HashMap<i64, Suspension>> {
    // None asked, none suspended: an empty page of results costs no round trip more.
    if numbers.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = c
        .query(
            "SELECT registration_number, suspended_at, suspended_by, ente, reason FROM api.suspensions($1)",
            &[&numbers],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let s = Suspension {
                since: r.get(1),
                by: r.get(2),
                ente: r.get(3),
                reason: parse_vocab(r.get(4), SuspensionReason::parse),
            };
            (r.get(0), s)
        })
        .collect())
}

/// The registration read, with its suspension (what rules::decide is asked with).
async fn with_suspension(c: &impl GenericClient, r: Option<Registration>) -> Result<Option<Registration>> {
    match r {
        Some(r) => Ok(Some(suspension_of(c, r).await?)),
        None => Ok(None),
    }
}

async fn suspension_of(c: &impl GenericClient, mut r: Registration) -> Result<Registration> {
    r.suspension = suspensions(c, &[r.registration_number]).await?.remove(&r.registration_number);
    Ok(r)
}

/// Suspends the credentials of registration `number` (sql/V31 `api.suspend`, which refuses a
/// rejected or suspended record and writes the `suspend` audit row).
pub async fn suspend(c: &impl GenericClient, number: i64, reason: SuspensionReason, audit_name: &str) -> Result<()> {
    c.execute("SELECT api.suspend($1, $2, $3)", &[&number, &reason, &audit_name]).await?;
    Ok(())
}

/// Ends the suspension of registration `number` (sql/V31 `api.reinstate`, audit row `reinstate`).
pub async fn reinstate(c: &impl GenericClient, number: i64, audit_name: &str) -> Result<()> {
    c.execute("SELECT api.reinstate($1, $2)", &[&number, &audit_name]).await?;
    Ok(())
}

/// Locks the registration named by `key` for the rest of the transaction and reads it as
/// locked (and recorded, as [`get`]): every write path opens with this.
pub async fn lock(
    tx: &deadpool_postgres::Transaction<'_>,
    key: &Key,
    audit_name: Option<&str>,
) -> Result<Registration> {
    read(tx, key, true, audit_name)
        .await?
        .ok_or_else(|| Error::NotFound(crate::msg!("registration-not-found", key = key.message())))
}

/// A registration, or a clear "not found" (recorded, as [`get`]).
pub async fn find(c: &impl GenericClient, key: &Key, audit_name: Option<&str>) -> Result<Registration> {
    get(c, key, audit_name)
        .await?
        .ok_or_else(|| Error::NotFound(crate::msg!("registration-not-found", key = key.message())))
}

/// The detail view of a registration, recorded by the database as a `view` (sql/V25
/// `api.show`), the citizen named in the log by `audit_name` (see [`crate::audit`]); None when
/// there is none (recorded too). By number, the audit log may not know the citizen's name yet:
/// the database then gives the fiscal code alone, and `audit_name` computes the name from it.
pub async fn show(
    c: &impl GenericClient,
    key: &Key,
    audit_name: impl Fn(&str) -> Option<String>,
) -> Result<Option<Registration>> {
    let (fiscal_code, number) = key_params(key);
    let name = match key {
        Key::FiscalCode(fc) => audit_name(fc.as_str()),
        Key::Number(n) => {
            let row = c.query_one("SELECT api.unnamed_fiscal_code($1)", &[n]).await?;
            row.get::<_, Option<String>>(0).and_then(|fc| audit_name(&fc))
        }
    };
    let sql = format!("SELECT {} FROM api.show($1, $2, $3)", detail_columns());
    let r = c.query_opt(&sql, &[&fiscal_code, &number, &name]).await?.as_ref().map(from_detail_row);
    with_suspension(c, r).await
}

/// Locks a registration by number for the rest of the transaction (no read).
pub async fn lock_number(c: &impl GenericClient, number: i64) -> Result<bool> {
    Ok(c.query_one("SELECT api.lock_registration($1)", &[&number]).await?.get(0))
}

/// How an operator names a registration.
#[derive(Debug, Clone, PartialEq)]
pub enum Key {
    FiscalCode(FiscalCode),
    Number(i64),
}

impl Key {
    /// "fiscal code X" / "registration number N", for messages.
    pub fn message(&self) -> crate::i18n::Message {
        match self {
            Key::FiscalCode(fc) => crate::msg!("key-fiscal-code", fiscal_code = fc),
            Key::Number(n) => crate::msg!("key-number", number = n.to_string()),
        }
    }
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.message().fmt(f)
    }
}

/// The last operation and its delegate, in the columns `at..` of a row (see `OPERATION`).
fn operation_from_row(r: &Row, at: usize) -> Option<Operation> {
    let id: Option<i64> = r.get(at);
    Some(Operation {
        id: id?,
        kind: parse_vocab(r.get(at + 1), OperationKind::parse),
        requested_at: r.get(at + 2),
        ente: r.get(at + 3),
        operator_id: r.get(at + 4),
        status: parse_vocab(r.get(at + 5), OperationStatus::parse),
        delegate: r.get::<_, Option<String>>(at + 6).map(|kind| Delegate {
            kind: parse_vocab(kind, DelegateKind::parse),
            first_name: r.get(at + 7),
            last_name: r.get(at + 8),
            fiscal_code: r.get(at + 9),
            doc_type: parse_vocab(r.get(at + 10), DocType::parse),
            doc_number: r.get(at + 11),
            doc_issued: r.get(at + 12),
            doc_issuer: r.get(at + 13),
            email: r.get(at + 14),
            phone: r.get(at + 15),
        }),
    })
}

/// Filters of the search page of the manual. Name and fiscal-code filters match a prefix, or
/// a pattern where `*` stands for any text.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SearchFilter {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub community: Option<Community>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fiscal_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub province: Option<String>,
    /// ISTAT code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub municipality: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registered_from: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registered_to: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<State>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strong: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registration_number: Option<i64>,
    /// Only the registrations whose credentials are suspended (true) or not (false).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suspended: Option<bool>,
    pub limit: i64,
    /// Rows skipped before the page.
    #[serde(skip_serializing_if = "is_zero")]
    pub offset: i64,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

/// One line of search results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchRow {
    pub registration_number: i64,
    pub last_name: Option<String>,
    pub first_name: Option<String>,
    pub fiscal_code: String,
    /// Name of the municipality of residence.
    pub municipality: Option<String>,
    /// Its ISTAT code.
    pub municipality_code: Option<String>,
    pub province: Option<String>,
    pub registration_date: NaiveDate,
    pub community: Community,
    pub state: State,
    pub strong: bool,
    pub operation_in_progress: Option<OperationKind>,
    /// Its credentials are suspended (sql/V31).
    pub suspended: bool,
    pub actions: Vec<String>,
}

/// A LIKE pattern from an operator's text: prefix match, `*` as wildcard, LIKE specials escaped.
fn like_pattern(input: &str) -> String {
    like_escaped(&input.trim().to_uppercase())
}

/// A LIKE pattern of `text` as it is: prefix match, `*` as wildcard, LIKE specials escaped.
fn like_escaped(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    if escaped.contains('*') { escaped.replace('*', "%") } else { format!("{escaped}%") }
}

/// A LIKE pattern over a name's search key (see [`crate::search_key`]): the operator's text
/// folded the same way, so that `nicolo` finds NICOLÒ and `dangelo` D'ANGELO.
fn key_pattern(input: &str) -> String {
    like_escaped(&crate::search_key::search_key(input.trim()))
}

/// The keys that start with `prefix`, as a range in byte order: `[prefix, successor)`, no upper
/// bound when there is no successor. A range, unlike a LIKE, can only be served by the ordered
/// index (never the trigrams), and the planner estimates it from the histogram.
fn key_range(prefix: &str) -> (String, Option<String>) {
    let mut upper: Vec<char> = prefix.chars().collect();
    while let Some(last) = upper.pop() {
        let next = match last {
            '\u{D7FF}' => Some('\u{E000}'),
            c => char::from_u32(c as u32 + 1),
        };
        if let Some(next) = next {
            upper.push(next);
            return (prefix.to_string(), Some(upper.into_iter().collect()));
        }
    }
    (prefix.to_string(), None)
}

/// The keyed hashes (`term:…`, [`crate::audit::search_term`]) of the names and fiscal code a
/// search filters on: the audit row names them so, never in clear.
#[derive(Debug, Clone, Default)]
pub struct SearchTerms {
    pub fiscal_code: Option<String>,
    pub last_name: Option<String>,
    pub first_name: Option<String>,
}

/// One page of results and how many there are in all.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub rows: Vec<SearchRow>,
    /// Matches counted, at most the database's cap (10,000).
    pub total: i64,
    /// False when the count stopped at the cap.
    pub total_exact: bool,
}

/// The statement of [`search`], with the types of its parameters.
const SEARCH: &str = "SELECT * FROM api.search($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)";
const SEARCH_TYPES: [Type; 20] = [
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::DATE,
    Type::DATE,
    Type::TEXT,
    Type::BOOL,
    Type::INT8,
    Type::INT8,
    Type::INT8,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::BOOL,
];

/// One page of results: `f.limit` rows from `f.offset`, by surname, first name, number, with
/// the total. The database runs it and records it (sql/V48 `api.search`): the filters as the
/// client prepares them here (patterns, key ranges; the province as typed, code or name), the
/// names as `terms`. One round trip: the statement is parsed, bound and run in one go.
pub async fn search(c: &tokio_postgres::Client, f: &SearchFilter, terms: &SearchTerms) -> Result<Found> {
    let fiscal_code = f.fiscal_code.as_ref().map(|v| v.trim().to_uppercase());
    let (fc_exact, fc_like) = match fiscal_code {
        Some(v) if v.len() == 16 && !v.contains('*') => (Some(v), None),
        Some(v) => (None, Some(like_pattern(&v))),
        None => (None, None),
    };
    // A surname prefix walks the name-ordered index (the keys are in byte order) as a range; a
    // pattern with `*` uses the trigrams.
    let (last_from, last_to, last_like) = match &f.last_name {
        Some(v) => {
            let key = crate::search_key::search_key(v.trim());
            if key.contains('*') {
                (None, None, Some(key_pattern(v)))
            } else {
                let (from, to) = key_range(&key);
                (Some(from), to, None)
            }
        }
        None => (None, None, None),
    };
    let first_like = f.first_name.as_deref().map(key_pattern);
    let community = f.community.map(|c| c.as_str());
    let state = f.state.map(|s| s.as_str());
    let params: [&(dyn ToSql + Sync); 20] = [
        &community,
        &fc_exact,
        &fc_like,
        &last_from,
        &last_to,
        &last_like,
        &first_like,
        &f.province,
        &f.municipality,
        &f.registered_from,
        &f.registered_to,
        &state,
        &f.strong,
        &f.registration_number,
        &f.limit,
        &f.offset,
        &terms.fiscal_code,
        &terms.last_name,
        &terms.first_name,
        &f.suspended,
    ];
    let typed: Vec<(&(dyn ToSql + Sync), Type)> = params.into_iter().zip(SEARCH_TYPES).collect();
    let rows = c.query_typed(SEARCH, &typed).await?;
    // The last row carries the total, with no registration.
    let Some((last, page)) = rows.split_last() else {
        return Err(Error::database(crate::i18n::Message::verbatim("api.search returned no total")));
    };
    Ok(Found {
        total: last.get("total"),
        total_exact: last.get("total_exact"),
        rows: page
            .iter()
            .map(|r| {
                let state = parse_vocab(r.get("state"), State::parse);
                let strong: bool = r.get("strong");
                let in_progress =
                    r.get::<_, Option<String>>("operation_in_progress").map(|k| parse_vocab(k, OperationKind::parse));
                let number: i64 = r.get("registration_number");
                let is_suspended: bool = r.get("suspended");
                SearchRow {
                    registration_number: number,
                    last_name: r.get("last_name"),
                    first_name: r.get("first_name"),
                    fiscal_code: r.get("fiscal_code"),
                    municipality: r.get("municipality"),
                    municipality_code: r.get("municipality_code"),
                    province: r.get("province"),
                    registration_date: r.get("registration_date"),
                    community: parse_vocab(r.get("community"), Community::parse),
                    state,
                    strong,
                    operation_in_progress: in_progress,
                    suspended: is_suspended,
                    actions: allowed(state, strong, in_progress, is_suspended).iter().map(|a| a.label()).collect(),
                }
            })
            .collect(),
    })
}

/// The columns of a registration as the desk's write functions return it (sql/V24,
/// `desk_registration`): those [`from_row`] reads, in its order, then the last operation's and
/// its delegate's.
fn desk_columns() -> &'static str {
    static COLUMNS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    COLUMNS.get_or_init(|| {
        let fields: Vec<&str> = FIELDS.iter().map(|f| f.column).collect();
        format!(
            "registration_number, fiscal_code, community, registered_at, state, strong, pin_possessed, verified_at,
             verified_ente, username, pin_printed_at, pin_print_count, activated_at, promoted_at, failed_attempts,
             locked_at, {}, res_municipality_name, res_country_name, dom_municipality_name,
             op_id, op_kind, op_requested_at, op_ente, op_operator_id, op_status,
             dg_kind, dg_first_name, dg_last_name, dg_fiscal_code, dg_doc_type, dg_doc_number, dg_doc_issued,
             dg_doc_issuer, dg_email, dg_phone",
            fields.join(", ")
        )
    })
}

/// A registration with its last operation, from a row of [`desk_columns`].
fn from_desk_row(r: &Row) -> Registration {
    let mut reg = from_row(r);
    let at = BASE + FIELDS.len() + 3;
    reg.last_operation = r.get::<_, Option<i64>>(at).map(|id| Operation {
        id,
        kind: parse_vocab(r.get(at + 1), OperationKind::parse),
        requested_at: r.get(at + 2),
        ente: r.get(at + 3),
        operator_id: r.get(at + 4),
        status: parse_vocab(r.get(at + 5), OperationStatus::parse),
        delegate: r.get::<_, Option<String>>(at + 6).map(|kind| Delegate {
            kind: parse_vocab(kind, DelegateKind::parse),
            first_name: r.get(at + 7),
            last_name: r.get(at + 8),
            fiscal_code: r.get(at + 9),
            doc_type: parse_vocab(r.get(at + 10), DocType::parse),
            doc_number: r.get(at + 11),
            doc_issued: r.get(at + 12),
            doc_issuer: r.get(at + 13),
            email: r.get(at + 14),
            phone: r.get(at + 15),
        }),
    });
    reg
}

/// Calls a desk write function of the API (`api.<function>(<args>)`, sql/V24), which returns the
/// registration as written.
pub(crate) async fn desk_call(
    c: &impl GenericClient,
    function: &str,
    args: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Registration> {
    let sql = format!("SELECT {} FROM api.{function}({args})", desk_columns());
    suspension_of(c, from_desk_row(&c.query_one(&sql, params).await?)).await
}

/// Personal data as the API takes it: one JSON object, a key per column (sql/V24).
pub(crate) fn personal_json(d: &PersonalData) -> serde_json::Value {
    let mut map = serde_json::Map::new();
    for f in FIELDS {
        let v = match (f.get)(d) {
            Value::Text(v) => serde_json::json!(v),
            Value::Date(v) => serde_json::json!(v.map(|d| d.to_string())),
            Value::Sex(v) => serde_json::json!(v.map(|s| s.as_str())),
            Value::DocType(v) => serde_json::json!(v.map(|t| t.as_str())),
            Value::Flag(v) => serde_json::json!(v),
        };
        map.insert(f.column.to_string(), v);
    }
    serde_json::Value::Object(map)
}

/// Registers a citizen at the desk (sql/V24 `api.register`: the caller's competence, the state
/// table, the author and the audit row are the database's). `audit_name` is the citizen's `cf:`
/// name in the audit log ([`crate::audit::fiscal_code_target`]).
pub async fn register(
    c: &impl GenericClient,
    fiscal_code: &str,
    community: Community,
    d: &PersonalData,
    prefilled_from: Option<&str>,
    audit_name: &str,
) -> Result<Registration> {
    let data = personal_json(d);
    desk_call(
        c,
        "register",
        "$1, $2, $3, $4, $5",
        &[&fiscal_code, &community.as_str(), &data, &prefilled_from, &audit_name],
    )
    .await
}

/// Rewrites the personal data of a registration but its residence's municipality (sql/V24
/// `api.edit`), or only its residence (`api.change_residence`, within the caller's competence),
/// with the audit row naming the fields changed.
pub async fn update_data(
    c: &impl GenericClient,
    number: i64,
    d: &PersonalData,
    residence: bool,
    audit_name: &str,
) -> Result<Registration> {
    let data = personal_json(d);
    let function = if residence { "change_residence" } else { "edit" };
    desk_call(c, function, "$1, $2, $3", &[&number, &data, &audit_name]).await
}

#[cfg(test)]
mod tests {
    use super::key_range;

    #[test]
    fn a_prefix_is_the_range_up_to_its_successor() {
        assert_eq!(key_range("ROSSI"), ("ROSSI".into(), Some("ROSSJ".into())));
        assert_eq!(key_range(""), (String::new(), None));
        assert_eq!(key_range("A\u{10FFFF}"), ("A\u{10FFFF}".into(), Some("B".into())));
        assert_eq!(key_range("\u{D7FF}"), ("\u{D7FF}".into(), Some("\u{E000}".into())));
        assert_eq!(key_range("\u{10FFFF}"), ("\u{10FFFF}".into(), None));
    }
}
