//! Finding citizens: the search page and the detail view, both audited.

use chrono::NaiveDate;
use serde::Serialize;

use crate::domain::{Action, Community, FiscalCode, Registration, State, allowed, text};
use crate::error::{Error, Result};
use crate::session::Session;
use crate::store::reference;
use crate::store::registrations::{self, Key, SearchFilter, SearchRow, SearchTerms};

/// Search filters as an operator types them (province and municipality as names or codes).
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub community: Option<Community>,
    pub fiscal_code: Option<String>,
    pub last_name: Option<String>,
    pub first_name: Option<String>,
    pub province: Option<String>,
    pub municipality: Option<String>,
    pub registered_from: Option<NaiveDate>,
    pub registered_to: Option<NaiveDate>,
    pub state: Option<State>,
    pub strong: Option<bool>,
    pub registration_number: Option<i64>,
    /// Only suspended registrations (true), or only those not suspended (false).
    pub suspended: Option<bool>,
    pub limit: i64,
    /// Results skipped before this page.
    pub offset: i64,
}

/// A count of results stops here: beyond it, a total is given as "more than" (the database's
/// cap, sql/V25 `api.search`, which also refuses a page of more rows).
pub const COUNT_CAP: i64 = 10_000;

/// One page of search results and how many there are in all.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page {
    /// Registrations matching the filters (at most [`COUNT_CAP`], see `total_exact`).
    pub total: i64,
    /// False when there are more than `total` matches (the count stopped at [`COUNT_CAP`]).
    pub total_exact: bool,
    /// Results skipped before this page.
    pub offset: i64,
    pub rows: Vec<SearchRow>,
}

/// Runs a search and records it (filters and number of results) in the audit log.
pub async fn search(session: &Session, q: Query) -> Result<Vec<SearchRow>> {
    Ok(page(session, q).await?.rows)
}

/// Runs a search for one page of results, with their total; recorded in the audit log.
pub async fn page(session: &Session, q: Query) -> Result<Page> {
    if q.limit < 1 {
        return Err(Error::Invalid(crate::msg!("search-limit", limit = q.limit)));
    }
    if q.limit > COUNT_CAP {
        return Err(Error::Invalid(crate::msg!("search-limit-max", limit = q.limit, max = COUNT_CAP)));
    }
    if q.offset < 0 {
        return Err(Error::Invalid(crate::msg!("search-offset", offset = q.offset)));
    }
    if let (Some(from), Some(to)) = (q.registered_from, q.registered_to)
        && from > to
    {
        return Err(Error::Invalid(crate::msg!("search-from-after-to", from = from.to_string(), to = to.to_string())));
    }
    let client = session.db.client().await?;
    // The province goes as typed (code or name): the search resolves it. A municipality is
    // looked up first, within its province's code.
    let (province, municipality) = match &q.municipality {
        Some(m) => {
            let province = match &q.province {
                Some(p) => Some(reference::resolve_province(&client, p).await?),
                None => None,
            };
            let municipality = reference::resolve_municipality(&client, m, province.as_deref()).await?.istat_code;
            (province, Some(municipality))
        }
        None => {
            let province = q.province.as_deref().map(str::trim);
            if let Some(p) = province {
                text::check("province", p).map_err(Error::Invalid)?;
            }
            (province.map(str::to_string), None)
        }
    };
    let filter = SearchFilter {
        community: q.community,
        fiscal_code: q.fiscal_code.map(|s| s.trim().to_uppercase()),
        last_name: q.last_name,
        first_name: q.first_name,
        province,
        municipality,
        registered_from: q.registered_from,
        registered_to: q.registered_to,
        state: q.state,
        strong: q.strong,
        registration_number: q.registration_number,
        suspended: q.suspended,
        limit: q.limit,
        offset: q.offset,
    };
    // The names and fiscal code searched for are recorded as keyed hashes: the database writes
    // the row (filters, terms, number of results) with the search itself.
    let term = |v: &Option<String>| v.as_deref().map(|t| crate::audit::search_term(session.key.as_ref(), t));
    let terms = SearchTerms {
        fiscal_code: term(&filter.fiscal_code),
        last_name: term(&filter.last_name),
        first_name: term(&filter.first_name),
    };
    let found = match registrations::search(&client, &filter, &terms).await {
        // A province that is no code or name: said as the desk's lookup says it, with the
        // closest names.
        Err(e) if e.has_sqlstate("P0002") && filter.province.is_some() => {
            reference::resolve_province(&client, filter.province.as_deref().unwrap_or_default()).await?;
            return Err(e);
        }
        other => other?,
    };
    let (rows, total, total_exact) = (found.rows, found.total, found.total_exact);
    Ok(Page { total, total_exact, offset: q.offset, rows })
}

/// A registration with the actions its state allows, as shown in the detail view.
#[derive(Debug, Clone, Serialize)]
pub struct Detail {
    #[serde(flatten)]
    pub registration: Registration,
    pub actions: Vec<String>,
}

impl Detail {
    pub fn new(registration: Registration) -> Detail {
        let suspended = registration.suspension.is_some();
        let actions = allowed(registration.state, registration.strong, registration.in_progress(), suspended)
            .iter()
            .map(|a: &Action| a.label())
            .collect();
        Detail { registration, actions }
    }
}

/// The key of a registration from `--cf` or `--number`.
pub fn key(fiscal_code: Option<&str>, number: Option<i64>) -> Result<Key> {
    match (fiscal_code, number) {
        (Some(cf), None) => Ok(Key::FiscalCode(FiscalCode::parse_input(cf)?)),
        (None, Some(n)) => Ok(Key::Number(n)),
        _ => Err(Error::Invalid(crate::msg!("key-cf-or-number"))),
    }
}

/// The detail of one registration; the view is recorded in the audit log.
pub async fn show(session: &Session, key: &Key) -> Result<Detail> {
    // The view names the citizen by a keyed hash: said clearly here, enforced by the database.
    let key_file = session.key.as_ref().ok_or_else(|| Error::Invalid(crate::msg!("audit-key-needed")))?;
    let client = session.db.client().await?;
    // The database records the view (or the registration not found) with the read itself.
    let named = |fc: &str| Some(crate::audit::fiscal_code_target(key_file, fc));
    let reg = registrations::show(&client, key, named)
        .await?
        .ok_or_else(|| Error::NotFound(crate::msg!("registration-not-found", key = key.message())))?;
    Ok(Detail::new(reg))
}
