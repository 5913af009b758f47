//! Registering a citizen at the desk (SPEC §5 "Register at the desk").
//!
//! Two steps so that the binary can talk in between: [`prepare`] checks the variants and
//! pre-fills from the registries; the caller may fill the missing fields (prompting on a
//! terminal); [`register`] validates everything and writes the record in one transaction.

use chrono::Utc;

use crate::audit::{AuditEvent, Entry, Outcome, Target};
use crate::domain::*;
use crate::error::{Error, Result};
use crate::session::Session;
use crate::store::operators;
use crate::store::reference::{self, check_place};
use crate::store::registrations::{self, Key};
use crate::store::registry::{self, Source};

/// What the operator gave: fiscal code, residence and any other field from flags.
#[derive(Debug, Clone)]
pub struct Request {
    pub fiscal_code: String,
    /// Province of residence: code or name (`EE`/`STATO ESTERO` for residents abroad).
    pub province: String,
    /// Municipality of residence: name, ISTAT or cadastral code (`ESTERO` abroad).
    pub municipality: String,
    pub community: Community,
    /// Fields from flags; they win over what a registry pre-filled. Domicile province and
    /// municipality, and the country, may be names or codes: they are resolved here.
    pub data: PersonalData,
}

/// A registration ready to be written once its missing fields are filled.
#[derive(Debug, Clone)]
pub struct Draft {
    pub fiscal_code: FiscalCode,
    pub community: Community,
    pub data: PersonalData,
    /// Registry the data was pre-filled from, if any.
    pub source: Option<Source>,
}

impl Draft {
    /// Mandatory fields still empty (flag names).
    pub fn missing(&self) -> Vec<&'static str> {
        self.data.missing_for_booking()
    }
}

/// Outcome of [`prepare`].
#[derive(Debug)]
pub enum Prepared {
    /// A new registration can be made.
    New(Box<Draft>),
    /// The citizen is already registered with weak credentials: manage that record instead.
    AlreadyRegistered(Box<Registration>),
}

/// The request's residence, resolved against the reference data.
struct Place {
    fiscal_code: FiscalCode,
    province: String,
    municipality: reference::Municipality,
}

/// Checks everything the operator typed, on its own and against the reference data, before
/// anything about the citizen or the operator is decided: the fiscal code, the province and
/// municipality, the postcode, the country, the domicile, every field given. A misspelt country
/// or a wrong postcode is said as such, not hidden by a refusal of the role or the competence
/// (reference data every login may read).
pub async fn check(c: &impl deadpool_postgres::GenericClient, request: &Request) -> Result<()> {
    resolve(c, request).await.map(|_| ())
}

async fn resolve(c: &impl deadpool_postgres::GenericClient, request: &Request) -> Result<Place> {
    let fiscal_code = FiscalCode::parse_input(&request.fiscal_code)?;
    let province = reference::resolve_province(c, &request.province).await?;
    let municipality = if reference::is_abroad_province(&province) {
        reference::resolve_municipality(c, ABROAD_MUNICIPALITY, Some(&province)).await?
    } else {
        reference::resolve_municipality(c, &request.municipality, Some(&province)).await?
    };
    if let Some(country) = &request.data.residence.country {
        reference::resolve_country(c, country).await?;
    }
    // The flags as they will be written: where they are, then what they say.
    let mut data = request.data.clone();
    data.residence.province = Some(province.clone());
    data.residence.municipality = Some(municipality.istat_code.clone());
    let problems =
        [crate::letters::unprintable_fields(&data), data.problems(&fiscal_code, Utc::now().date_naive())].concat();
    if !problems.is_empty() {
        return Err(Error::Invalid(crate::i18n::Message::join(&problems, "; ")));
    }
    resolve_places(c, &mut data).await?;
    Ok(Place { fiscal_code, province, municipality })
}

/// Checks the variants of SPEC §5 and pre-fills from CIA, then AURA.
pub async fn prepare(session: &Session, request: Request) -> Result<Prepared> {
    let client = session.db.client().await?;
    // The input first (see [`check`]), then the record, then the competence.
    let Place { fiscal_code, province, municipality } = resolve(&client, &request).await?;
    let key = Key::FiscalCode(fiscal_code.clone());
    if let Some(existing) = registrations::get(&client, &key, super::key_audit_name(session, &key).as_deref()).await? {
        if existing.strong {
            return Err(Error::Refused(crate::msg!(
                "register-already-strong",
                fiscal_code = fiscal_code.to_string(),
                number = existing.registration_number.to_string(),
                state = existing.state.to_string()
            )));
        }
        let entry = Entry::new(AuditEvent::Register, Target::registration(&existing)).outcome(Outcome::Exists);
        session.record(&client, entry).await?;
        return Ok(Prepared::AlreadyRegistered(Box::new(existing)));
    }
    if let Some(username) = registry::legacy_account(&client, fiscal_code.as_str()).await? {
        return Err(Error::Refused(match username {
            Some(u) => crate::msg!("register-legacy-username", fiscal_code = fiscal_code.to_string(), username = u),
            None => crate::msg!("register-legacy", fiscal_code = fiscal_code.to_string()),
        }));
    }

    // Only residents of the operator's competence (the database refuses the others too).
    if !operators::covers(&client, &session.operator.id, &municipality.istat_code).await? {
        let me = operators::me(&client).await?.map(|o| o.competence).unwrap_or_default();
        let competence: Vec<crate::i18n::Message> = me.iter().map(|c| c.message()).collect();
        return Err(Error::Refused(crate::msg!(
            "register-outside-competence",
            municipality = &municipality.name,
            province = &municipality.province,
            operator = &session.operator.id,
            competence = crate::i18n::Message::join(&competence, ", ")
        )));
    }

    let (source, mut data) = match registry::find(
        &client,
        fiscal_code.as_str(),
        &super::audit_name(session, fiscal_code.as_str())?,
    )
    .await?
    {
        Some((source, data)) => (Some(source), data),
        None => (None, PersonalData::default()),
    };
    if data.residence.municipality.as_deref() != Some(municipality.istat_code.as_str()) {
        // The registry's address is in another municipality: it is not the new residence.
        data.residence = Residence::default();
    }
    data.overlay(request.data);
    data.residence.province = Some(province);
    data.residence.municipality = Some(municipality.istat_code.clone());
    data.residence.municipality_name = Some(municipality.name.clone());
    Ok(Prepared::New(Box::new(Draft { fiscal_code, community: request.community, data, source })))
}

/// Validates the draft against the rules and the reference data, and writes it.
/// Returns the new registration as stored.
pub async fn register(session: &Session, draft: Draft) -> Result<Registration> {
    let mut client = session.db.client().await?;
    let tx = client.transaction().await?;
    let r = insert(&tx, session, draft).await?;
    tx.commit().await?;
    Ok(r)
}

/// The SQLSTATE of `api.register` refusing a person a registry import reported dead (sql/V38).
const REPORTED_DEAD: &str = "SPD02";

/// Checks a draft and has the database register it (`api.register`, which writes the audit row),
/// in the caller's transaction.
async fn insert(tx: &deadpool_postgres::Transaction<'_>, session: &Session, mut draft: Draft) -> Result<Registration> {
    let missing = draft.missing();
    if !missing.is_empty() {
        return Err(Error::Invalid(crate::msg!("register-missing-fields", fields = missing.join(", "))));
    }
    let today = Utc::now().date_naive();
    let problems =
        [crate::letters::unprintable_fields(&draft.data), draft.data.problems(&draft.fiscal_code, today)].concat();
    if !problems.is_empty() {
        return Err(Error::Invalid(crate::i18n::Message::join(&problems, "; ")));
    }
    reference::check_birthplace(tx, &draft.fiscal_code, draft.data.person.birth_date.expect("mandatory")).await?;
    resolve_places(tx, &mut draft.data).await?;
    let source = draft.source.map(|s| match s {
        Source::Cia => "cia",
        Source::Aura => "aura",
    });
    let audit_name = super::audit_name(session, draft.fiscal_code.as_str())?;
    registrations::register(tx, draft.fiscal_code.as_str(), draft.community, &draft.data, source, &audit_name)
        .await
        .map_err(|e| {
            // Two desks registering the same person at once: the second one loses cleanly.
            if e.is_unique_violation() {
                Error::Refused(crate::msg!("register-meanwhile", fiscal_code = &draft.fiscal_code))
            } else if e.has_sqlstate(REPORTED_DEAD) {
                Error::Refused(crate::msg!("register-reported-dead", fiscal_code = &draft.fiscal_code))
            } else {
                e
            }
        })
}

/// Resolves and checks residence (province, municipality, postcode), country and domicile
/// against the reference data, with the check every input path makes ([`check_place`]).
pub(crate) async fn resolve_places(c: &impl deadpool_postgres::GenericClient, d: &mut PersonalData) -> Result<()> {
    let r = &mut d.residence;
    if r.is_abroad() {
        if let Some(country) = &r.country {
            r.country = Some(reference::resolve_country(c, country).await?);
        }
    } else if let Some(m) = &r.municipality
        && let Some(m) = reference::municipality(c, m).await?
    {
        check_place(&m, r.province.as_deref(), r.postcode.as_deref()).map_err(Error::Invalid)?;
    }
    let dom = &mut d.domicile;
    if let Some(p) = &dom.province {
        dom.province = Some(reference::resolve_province(c, p).await?);
    }
    if let Some(m) = &dom.municipality {
        let m = reference::resolve_municipality(c, m, dom.province.as_deref()).await?;
        check_place(&m, None, dom.postcode.as_deref()).map_err(Error::Invalid)?;
        dom.province = Some(m.province.clone());
        dom.municipality = Some(m.istat_code.clone());
        dom.municipality_name = Some(m.name);
    }
    Ok(())
}

/// A registration at the desk is verified in person, so it ends with the strong verification
/// booked and its letters printed: registration and booking are one transaction, so a failed
/// booking leaves no registration behind.
pub async fn register_at_desk(
    session: &Session,
    desk: &crate::desk::handover::Desk,
    draft: Draft,
    delegate: Option<Delegate>,
    print_code: bool,
) -> Result<crate::desk::book::Booked> {
    let mut client = session.db.client().await?;
    let tx = client.transaction().await?;
    let number = insert(&tx, session, draft).await?.registration_number;
    let request = crate::desk::book::Request {
        key: Key::Number(number),
        operation: OperationKind::Verification,
        delegate,
        print_code,
    };
    let pending = crate::desk::book::book_in(&tx, session, desk, &request).await?;
    pending.commit(tx, session, desk).await
}
