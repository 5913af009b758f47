//! Changing a record at the desk: personal data, the delegate of the active operation, the
//! residence (within the operator's competence), and telling a citizen their username.

use chrono::Utc;

use super::register::resolve_places;
use super::{check_delegate, require};
use crate::domain::*;
use crate::error::{Error, Result};
use crate::session::Session;
use crate::store::registrations::{self, Key};
use crate::store::{credentials, operations, operators, reference};

/// Validates new personal data and has the database write it (`api.edit`, or
/// `api.change_residence` when `residence`), with its audit row naming the fields changed.
async fn save(
    session: &Session,
    tx: &deadpool_postgres::Transaction<'_>,
    r: &Registration,
    mut data: PersonalData,
    residence: bool,
) -> Result<Registration> {
    let problems =
        [crate::letters::unprintable_fields(&data), data.problems(&r.fiscal_code, Utc::now().date_naive())].concat();
    if !problems.is_empty() {
        return Err(Error::Invalid(crate::i18n::Message::join(&problems, "; ")));
    }
    resolve_places(tx, &mut data).await?;
    let audit_name = super::audit_name(session, r.fiscal_code.as_str())?;
    registrations::update_data(tx, r.registration_number, &data, residence, &audit_name).await
}

/// Checks each value given on its own (text, email, what a letter can print), before the
/// record, the role and the state are looked at; [`edit`] checks the record as it will be.
pub fn check_changes(changes: &PersonalData) -> Result<()> {
    let mut problems =
        [crate::letters::unprintable_fields(changes), crate::domain::fields::check_record(changes)].concat();
    if let Some(Err(e)) = changes.contacts.email.as_deref().map(check_email) {
        problems.push(e);
    }
    if problems.is_empty() { Ok(()) } else { Err(Error::Invalid(crate::i18n::Message::join(&problems, "; "))) }
}

/// Updates personal data; fields not given stay as they are. The community cannot change.
pub async fn edit(session: &Session, key: &Key, changes: PersonalData) -> Result<Edited> {
    let mut client = session.db.client().await?;
    let tx = client.transaction().await?;
    check_changes(&changes)?;
    let r = registrations::lock(&tx, key, super::key_audit_name(session, key).as_deref()).await?;
    require(&r, Action::Edit)?;
    let mut data = r.data.clone();
    if changes.residence.province.is_some() || changes.residence.municipality.is_some() {
        return Err(Error::Invalid(crate::msg!("edit-municipality-use-change-residence")));
    }
    data.overlay(changes);
    let after = save(session, &tx, &r, data, false).await?;
    tx.commit().await?;
    Ok(Edited { before: r, after })
}

/// A registration before and after an edit, to say what changed.
#[derive(Debug, Clone)]
pub struct Edited {
    pub before: Registration,
    pub after: Registration,
}

impl Edited {
    /// Each field changed, with its value before and after.
    pub fn changes(&self) -> Vec<(&'static crate::domain::fields::Field, String, String)> {
        crate::domain::fields::changes(&self.before.data, &self.after.data)
    }
}

/// Updates (or adds) the delegate of the active operation.
pub async fn edit_delegate(session: &Session, key: &Key, delegate: Delegate) -> Result<Registration> {
    check_delegate(&delegate)?;
    let mut client = session.db.client().await?;
    let tx = client.transaction().await?;
    let r = registrations::lock(&tx, key, super::key_audit_name(session, key).as_deref()).await?;
    let number = r.registration_number;
    require(&r, Action::EditDelegate)?;
    if !r.last_operation.as_ref().is_some_and(|o| o.status == OperationStatus::Active) {
        return Err(Error::Refused(crate::msg!("edit-delegate-no-operation", number = number.to_string())));
    }
    let audit_name = super::audit_name(session, r.fiscal_code.as_str())?;
    let after = operations::edit_delegate(&tx, number, &delegate, &audit_name).await?;
    tx.commit().await?;
    Ok(after)
}

/// The new residence as the operator types it.
#[derive(Debug, Clone)]
pub struct NewResidence {
    pub province: String,
    pub municipality: String,
    pub address: String,
    pub street_number: Option<String>,
    pub postcode: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
}

/// Checks the new residence as typed, against the reference data (which every login may read):
/// province, municipality, country, postcode. Called before the role and the competence, so
/// that a misspelt country is said as such; returns the province and municipality.
pub async fn check_residence(
    c: &impl deadpool_postgres::GenericClient,
    new: &NewResidence,
) -> Result<(String, reference::Municipality)> {
    let province = reference::resolve_province(c, &new.province).await?;
    let abroad = reference::is_abroad_province(&province);
    let municipality = if abroad {
        reference::resolve_municipality(c, ABROAD_MUNICIPALITY, Some(&province)).await?
    } else {
        reference::resolve_municipality(c, &new.municipality, Some(&province)).await?
    };
    if abroad {
        if let Some(country) = new.country.as_deref().and_then(clean_text) {
            reference::resolve_country(c, &country).await?;
        }
    } else if new.city.is_some() || new.country.is_some() {
        return Err(Error::Invalid(crate::msg!("city-country-only-abroad")));
    }
    let postcode = new.postcode.as_deref().and_then(clean_text);
    reference::check_place(&municipality, None, postcode.as_deref()).map_err(Error::Invalid)?;
    Ok((province, municipality))
}

/// Changes the residence of any registered citizen, but only into a municipality of the
/// operator's competence.
pub async fn change_residence(session: &Session, key: &Key, new: NewResidence) -> Result<Registration> {
    let mut client = session.db.client().await?;
    let tx = client.transaction().await?;
    // The input first, then the record, then the competence.
    let (province, municipality) = check_residence(&tx, &new).await?;
    let r = registrations::lock(&tx, key, super::key_audit_name(session, key).as_deref()).await?;
    require(&r, Action::ChangeResidence)?;
    if !operators::covers(&tx, &session.operator.id, &municipality.istat_code).await? {
        let me = operators::me(&tx).await?.map(|o| o.competence).unwrap_or_default();
        let competence: Vec<crate::i18n::Message> = me.iter().map(|c| c.message()).collect();
        return Err(Error::Refused(crate::msg!(
            "residence-outside-competence",
            municipality = &municipality.name,
            province = &municipality.province,
            operator = &session.operator.id,
            competence = crate::i18n::Message::join(&competence, ", ")
        )));
    }
    let mut data = r.data.clone();
    data.residence = Residence {
        address: clean_text(&new.address),
        street_number: new.street_number.as_deref().and_then(clean_text),
        postcode: new.postcode.as_deref().and_then(clean_text),
        province: Some(province),
        municipality: Some(municipality.istat_code.clone()),
        municipality_name: Some(municipality.name.clone()),
        city: new.city.as_deref().and_then(clean_text),
        country: new.country.as_deref().and_then(clean_text),
        country_name: None,
    };
    let missing: Vec<&str> = data
        .missing_for_booking()
        .into_iter()
        .filter(|f| ["address", "street-number", "postcode", "city", "country"].contains(f))
        .collect();
    if !missing.is_empty() {
        return Err(Error::Invalid(crate::msg!("residence-lacks", fields = missing.join(", "))));
    }
    let after = save(session, &tx, &r, data, true).await?;
    tx.commit().await?;
    Ok(after)
}

/// Username recovery at the desk: after the identity check, the operator tells the username.
/// The document shown must be the one on record (update it with `edit` first otherwise). The
/// database compares and records the attempt, whatever its outcome (sql/V24
/// `api.recover_username`).
pub async fn recover_username(session: &Session, key: &Key, document_number: &str) -> Result<String> {
    let client = session.db.client().await?;
    let r = registrations::find(&client, key, super::key_audit_name(session, key).as_deref()).await?;
    let shown = document_number.trim();
    let audit_name = super::audit_name(session, r.fiscal_code.as_str())?;
    let (outcome, username, state) =
        credentials::recover_username(&client, r.registration_number, shown, &audit_name).await?;
    match (outcome.as_str(), username) {
        ("ok", Some(u)) => Ok(u),
        ("refused", _) => Err(Error::Refused(crate::msg!(
            "username-document-mismatch",
            shown = shown,
            number = r.registration_number.to_string()
        ))),
        _ => Err(Error::NotFound(crate::msg!(
            "username-not-active",
            number = r.registration_number.to_string(),
            state = state
        ))),
    }
}
