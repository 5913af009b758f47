//! The registrations table, its last operation and delegate, and the search over them.
//! Every hot query is keyed by fiscal code or registration number (shard-friendly).

use chrono::NaiveDate;
use deadpool_postgres::GenericClient;
use serde::Serialize;
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use crate::domain::fields::{FIELDS, Slot, Value};
use crate::domain::*;
use crate::error::{Error, Result};

/// The registration's own columns, then every personal-data field's (in the order of
/// [`FIELDS`]), then the names joined from the reference data.
const BASE_COLUMNS: &str = "r.registration_number, r.fiscal_code, r.community, r.registered_at, r.state, r.strong,
    coalesce(rk.pin_possessed, false), r.verified_at, r.verified_ente, r.username, rk.pin_printed_at,
    coalesce(rk.pin_print_count, 0),
    r.activated_at, r.promoted_at, r.failed_attempts, r.locked_at";
const BASE: usize = 16;
const NAMES: &str = "rm.name, rc.name, dm.name";

fn columns() -> &'static str {
    static COLUMNS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    COLUMNS.get_or_init(|| {
        let fields: Vec<String> = FIELDS.iter().map(|f| format!("r.{}", f.column)).collect();
        format!("{BASE_COLUMNS}, {}, {NAMES}", fields.join(", "))
    })
}

const FROM: &str = "registrations r
    LEFT JOIN registration_credentials rk ON rk.registration_number = r.registration_number
    LEFT JOIN municipalities rm ON rm.istat_code = r.res_municipality
    LEFT JOIN municipalities dm ON dm.istat_code = r.dom_municipality
    LEFT JOIN countries rc ON rc.belfiore = r.res_country";

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
    }
}

/// The registration with this fiscal code or number, with its last operation and delegate.
pub async fn get(c: &impl GenericClient, key: &Key) -> Result<Option<Registration>> {
    let (cond, param): (&str, &(dyn ToSql + Sync)) = match key {
        Key::FiscalCode(fc) => ("r.fiscal_code = $1", fc),
        Key::Number(n) => ("r.registration_number = $1", n),
    };
    let sql = format!("SELECT {} FROM {FROM} WHERE {cond}", columns());
    let Some(row) = c.query_opt(&sql, &[param]).await? else {
        return Ok(None);
    };
    let mut reg = from_row(&row);
    reg.last_operation = last_operation(c, reg.registration_number).await?;
    Ok(Some(reg))
}

/// Locks the registration named by `key` for the rest of the transaction and reads it as
/// locked: every write path opens with this.
pub async fn lock(tx: &deadpool_postgres::Transaction<'_>, key: &Key) -> Result<Registration> {
    let (cond, param): (&str, &(dyn ToSql + Sync)) = match key {
        Key::FiscalCode(fc) => ("fiscal_code = $1", fc),
        Key::Number(n) => ("registration_number = $1", n),
    };
    let sql = format!("SELECT registration_number FROM registrations WHERE {cond} FOR UPDATE");
    let Some(row) = tx.query_opt(&sql, &[param]).await? else {
        return Err(Error::NotFound(crate::msg!("registration-not-found", key = key.message())));
    };
    find(tx, &Key::Number(row.get(0))).await
}

/// A registration, or a clear "not found".
pub async fn find(c: &impl GenericClient, key: &Key) -> Result<Registration> {
    get(c, key).await?.ok_or_else(|| Error::NotFound(crate::msg!("registration-not-found", key = key.message())))
}

/// Locks a registration by number for the rest of the transaction (no read).
pub async fn lock_number(c: &impl GenericClient, number: i64) -> Result<bool> {
    Ok(c.query_opt("SELECT 1 FROM registrations WHERE registration_number = $1 FOR UPDATE", &[&number])
        .await?
        .is_some())
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

async fn last_operation(c: &impl GenericClient, number: i64) -> Result<Option<Operation>> {
    let row = c
        .query_opt(
            "SELECT o.id, o.kind, o.requested_at, o.ente, o.operator_id, o.status,
                    d.kind, d.first_name, d.last_name, d.fiscal_code, d.doc_type, d.doc_number,
                    d.doc_issued, d.doc_issuer, d.email, d.phone
             FROM operations o LEFT JOIN delegates d ON d.operation_id = o.id
             WHERE o.registration_number = $1
             ORDER BY o.requested_at DESC, o.id DESC LIMIT 1",
            &[&number],
        )
        .await?;
    Ok(row.map(|r| Operation {
        id: r.get(0),
        kind: parse_vocab(r.get(1), OperationKind::parse),
        requested_at: r.get(2),
        ente: r.get(3),
        operator_id: r.get(4),
        status: parse_vocab(r.get(5), OperationStatus::parse),
        delegate: r.get::<_, Option<String>>(6).map(|kind| Delegate {
            kind: parse_vocab(kind, DelegateKind::parse),
            first_name: r.get(7),
            last_name: r.get(8),
            fiscal_code: r.get(9),
            doc_type: parse_vocab(r.get(10), DocType::parse),
            doc_number: r.get(11),
            doc_issued: r.get(12),
            doc_issuer: r.get(13),
            email: r.get(14),
            phone: r.get(15),
        }),
    }))
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

type Params = Vec<Box<dyn ToSql + Sync + Send>>;

/// The WHERE clause of a search and its parameters.
fn search_conditions(f: &SearchFilter) -> (String, Params) {
    let mut conds: Vec<String> = Vec::new();
    let mut params: Params = Vec::new();
    let mut add = |cond: &str, p: Box<dyn ToSql + Sync + Send>| {
        params.push(p);
        conds.push(cond.replace('?', &format!("${}", params.len())));
    };
    if let Some(v) = f.community {
        add("r.community = ?", Box::new(v.as_str()));
    }
    if let Some(v) = &f.fiscal_code {
        let v = v.trim().to_uppercase();
        if v.len() == 16 && !v.contains('*') {
            add("r.fiscal_code = ?", Box::new(v));
        } else {
            add("r.fiscal_code LIKE ?", Box::new(like_pattern(&v)));
        }
    }
    // A surname prefix walks the name-ordered index (the keys are in byte order) as a range; a
    // pattern with `*` uses the trigrams.
    if let Some(v) = &f.last_name {
        let key = crate::search_key::search_key(v.trim());
        if key.contains('*') {
            add("r.last_name_key LIKE ?", Box::new(key_pattern(v)));
        } else {
            let (from, to) = key_range(&key);
            add("r.last_name_key >= ?", Box::new(from));
            if let Some(to) = to {
                add("r.last_name_key < ?", Box::new(to));
            }
        }
    }
    if let Some(v) = &f.first_name {
        add("r.first_name_key LIKE ?", Box::new(key_pattern(v)));
    }
    if let Some(v) = &f.province {
        add("r.res_province = ?", Box::new(v.clone()));
    }
    if let Some(v) = &f.municipality {
        add("r.res_municipality = ?", Box::new(v.clone()));
    }
    // Dates are calendar days in Italy.
    if let Some(v) = f.registered_from {
        add("r.registered_at >= (?::date)::timestamp AT TIME ZONE 'Europe/Rome'", Box::new(v));
    }
    if let Some(v) = f.registered_to {
        add("r.registered_at < (?::date + 1)::timestamp AT TIME ZONE 'Europe/Rome'", Box::new(v));
    }
    if let Some(v) = f.state {
        add("r.state = ?", Box::new(v.as_str()));
    }
    if let Some(v) = f.strong {
        add("r.strong = ?", Box::new(v));
    }
    if let Some(v) = f.registration_number {
        add("r.registration_number = ?", Box::new(v));
    }
    let where_clause = if conds.is_empty() { String::new() } else { format!("WHERE {}", conds.join(" AND ")) };
    (where_clause, params)
}

fn refs(params: &Params) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|p| p.as_ref() as &(dyn ToSql + Sync)).collect()
}

/// One page of results: `f.limit` rows from `f.offset`, by surname, first name, number.
pub async fn search(c: &impl GenericClient, f: &SearchFilter) -> Result<Vec<SearchRow>> {
    let (where_clause, mut params) = search_conditions(f);
    params.push(Box::new(f.limit));
    params.push(Box::new(f.offset));
    // The page is cut from registrations alone, walking an index in result order, and only its
    // rows are joined: a join first would let the planner sort every match.
    let sql = format!(
        "SELECT r.registration_number, r.last_name, r.first_name, r.fiscal_code, m.name, r.res_province,
                (r.registered_at AT TIME ZONE 'Europe/Rome')::date, r.community, r.state, r.strong, o.kind,
                r.res_municipality
         FROM (SELECT r.registration_number, r.last_name, r.first_name, r.fiscal_code, r.res_province,
                      r.registered_at, r.community, r.state, r.strong, r.res_municipality, r.last_name_key,
                      r.first_name_key
               FROM registrations r
               {where_clause}
               ORDER BY r.last_name_key, r.first_name_key, r.registration_number
               LIMIT ${} OFFSET ${}) r
         LEFT JOIN municipalities m ON m.istat_code = r.res_municipality
         LEFT JOIN operations o ON o.registration_number = r.registration_number AND o.status = 'A'
         ORDER BY r.last_name_key, r.first_name_key, r.registration_number",
        params.len() - 1,
        params.len()
    );
    let rows = c.query(&sql, &refs(&params)).await?;
    Ok(rows
        .iter()
        .map(|r| {
            let state = parse_vocab(r.get(8), State::parse);
            let strong: bool = r.get(9);
            let in_progress = r.get::<_, Option<String>>(10).map(|k| parse_vocab(k, OperationKind::parse));
            SearchRow {
                registration_number: r.get(0),
                last_name: r.get(1),
                first_name: r.get(2),
                fiscal_code: r.get(3),
                municipality: r.get(4),
                municipality_code: r.get(11),
                province: r.get(5),
                registration_date: r.get(6),
                community: parse_vocab(r.get(7), Community::parse),
                state,
                strong,
                operation_in_progress: in_progress,
                actions: allowed(state, strong, in_progress).iter().map(|a| a.label()).collect(),
            }
        })
        .collect())
}

/// How many registrations match, counting at most `cap` (a count stops there, so that a broad
/// search does not read the whole table for its total).
pub async fn count(c: &impl GenericClient, f: &SearchFilter, cap: i64) -> Result<i64> {
    let (where_clause, mut params) = search_conditions(f);
    params.push(Box::new(cap));
    let sql =
        format!("SELECT count(*) FROM (SELECT 1 FROM registrations r {where_clause} LIMIT ${}) matches", params.len());
    Ok(c.query_one(&sql, &refs(&params)).await?.get(0))
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
    Ok(from_desk_row(&c.query_one(&sql, params).await?))
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

/// Several registrations by number, in the order given (without their last operation).
pub async fn get_many(c: &impl GenericClient, numbers: &[i64]) -> Result<Vec<Registration>> {
    let sql = format!(
        "SELECT {} FROM unnest($1::bigint[]) WITH ORDINALITY AS k(n, i)
         JOIN {FROM} ON r.registration_number = k.n ORDER BY k.i",
        columns()
    );
    Ok(c.query(&sql, &[&numbers]).await?.iter().map(from_row).collect())
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
