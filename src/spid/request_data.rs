//! ICRequestData (annex §4.2, Example 1, schema A.1): the citizen's data in the token, built
//! from the registration and what the clerk reads from the documents at the desk; and its check
//! on the IdP's side. Pure: no I/O.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::annex;
use crate::domain::{DocType, Registration, Sex};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IcRequestData {
    pub info: Info,
    pub electronic_identification: ElectronicIdentification,
    pub spid_attributes: SpidAttributes,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Info {
    pub id: String,
    pub issue_instant: String,
    pub issuer: Issuer,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Issuer {
    pub issuer_code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer_internal_reference: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ElectronicIdentification {
    /// `TS` (health card) or `CF` (fiscal-code card).
    pub identification_type: String,
    pub identification_serial_code: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SpidAttributes {
    pub mandatory_attributes: MandatoryAttributes,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optional_attributes: Option<OptionalAttributes>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OptionalAttributes {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digital_address: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MandatoryAttributes {
    pub name: String,
    pub family_name: String,
    pub place_of_birth: String,
    pub county_of_birth: String,
    pub nation_of_birth: String,
    pub date_of_birth: String,
    pub gender: String,
    pub fiscal_number: String,
    pub email: String,
    pub id_card: IdCard,
    pub mobile_phone: MobilePhone,
    pub address: Address,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IdCard {
    pub id_card_type: String,
    pub id_card_doc_number: String,
    pub id_card_issuer: String,
    pub id_card_issue_date: String,
    pub id_card_expiration_date: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MobilePhone {
    pub country_calling_code: String,
    pub phone_number: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Address {
    pub address_type: String,
    pub address_name: String,
    pub address_number: String,
    pub postal_code: String,
    pub municipality: String,
    pub county: String,
    pub nation: String,
}

/// The SPID attribute table's document types (`idCardType`). A residence permit is not in the
/// 2016 table; `permessoSoggiorno` is the name IdPs accept for it.
pub fn id_card_type(t: DocType) -> &'static str {
    match t {
        DocType::IdentityCard => "cartaIdentita",
        DocType::Passport => "passaporto",
        DocType::DrivingLicence => "patenteGuida",
        DocType::BoatLicence => "patenteNautica",
        DocType::ResidencePermit => "permessoSoggiorno",
    }
}

/// The card read at the desk for `electronicIdentification` (annex: `TS` or `CF`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    pub kind: String,
    pub serial: String,
}

/// What the clerk reads from the documents now, which the registration does not keep.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AtTheDesk {
    /// Expiry date of the identity document shown.
    pub doc_expiry: Option<NaiveDate>,
    /// The health card (`TS`) or fiscal-code card (`CF`) and its serial number.
    pub card: Option<Card>,
}

/// What the reference data says about the citizen's places.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Places {
    /// Province (sigla) of the place of birth on the day of birth (`EE` abroad).
    pub county_of_birth: Option<String>,
    /// Cadastral (Belfiore) code of the municipality of residence.
    pub residence_cadastral: Option<String>,
}

/// Kinds of street ("denominazione urbanistica generica") an Italian address starts with.
const STREET_KINDS: &[&str] = &[
    "via",
    "viale",
    "corso",
    "piazza",
    "piazzale",
    "piazzetta",
    "largo",
    "strada",
    "stradale",
    "vicolo",
    "lungo",
    "lungomare",
    "lungolago",
    "lungofiume",
    "borgata",
    "borgo",
    "frazione",
    "località",
    "localita",
    "regione",
    "contrada",
    "salita",
    "discesa",
    "traversa",
    "circonvallazione",
    "galleria",
    "passaggio",
    "rotonda",
    "vico",
    "calle",
    "campo",
    "cortile",
    "baluardo",
    "bastioni",
    "rampa",
    "scalinata",
    "sentiero",
    "via privata",
];

/// "Via Roma" → ("Via", "Roma"): the kind of street and its name.
pub fn split_street(address: &str) -> Option<(String, String)> {
    let a = address.trim();
    let lower = a.to_lowercase();
    let kind = STREET_KINDS
        .iter()
        .filter(|k| lower.starts_with(*k) && lower[k.len()..].starts_with(' '))
        .max_by_key(|k| k.len())?;
    let (t, name) = a.split_at(kind.len());
    let name = name.trim();
    (!name.is_empty()).then(|| (t.to_string(), name.to_string()))
}

/// "+39 347 123 4567", "0039 3471234567", "347-1234567" → ("+39", "3471234567"); an Italian
/// number without a prefix gets +39.
pub fn split_mobile(mobile: &str) -> Option<(String, String)> {
    let compact: String = mobile.chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '/' | '(' | ')')).collect();
    let (code, number) = if let Some(rest) = compact.strip_prefix('+') {
        split_prefix(rest)?
    } else if let Some(rest) = compact.strip_prefix("00") {
        split_prefix(rest)?
    } else {
        ("39".to_string(), compact)
    };
    (number.len() >= 6 && number.bytes().all(|b| b.is_ascii_digit())).then(|| (format!("+{code}"), number))
}

/// The country calling code at the start of an international number: +39 and the other
/// two-digit European codes are known; otherwise the ITU codes of 1 to 3 digits are ambiguous,
/// and the clerk writes the number with a space after the code.
fn split_prefix(rest: &str) -> Option<(String, String)> {
    const TWO_DIGITS: &[&str] =
        &["30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46", "47", "48", "49"];
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let two = rest.get(..2)?;
    if TWO_DIGITS.contains(&two) && digits(&rest[2..]) {
        return Some((two.to_string(), rest[2..].to_string()));
    }
    None
}

/// A date as the SPID attribute table writes it.
fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Is the citizen of age on `today`?
pub fn of_age(birth: NaiveDate, today: NaiveDate) -> bool {
    let years = today.year() - birth.year() - i32::from((today.month(), today.day()) < (birth.month(), birth.day()));
    years >= 18
}

/// The request's identity: its id, instant, issuer.
#[derive(Debug, Clone)]
pub struct Header {
    pub id: String,
    pub issued_at: DateTime<Utc>,
    pub issuer_code: String,
    pub internal_reference: String,
}

/// ICRequestData for `r`, or the list of what is missing or unusable (by the name of the flag
/// or setting that gives it), so that nothing is issued from a partial record.
pub fn build(
    r: &Registration,
    desk: &AtTheDesk,
    places: &Places,
    header: &Header,
    today: NaiveDate,
) -> Result<IcRequestData, Vec<String>> {
    let d = &r.data;
    let mut missing: Vec<String> = Vec::new();
    let mut need = |ok: bool, what: &str| {
        if !ok {
            missing.push(what.to_string());
        }
    };
    let text = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(String::from);
    need(text(&d.person.first_name).is_some(), "first-name");
    need(text(&d.person.last_name).is_some(), "last-name");
    need(d.person.birth_date.is_some(), "birth-date");
    if let Some(b) = d.person.birth_date {
        need(of_age(b, today), "birth-date (the citizen is not of age)");
    }
    need(places.county_of_birth.is_some(), "birthplace (its province on the day of birth is unknown)");
    need(text(&d.contacts.email).is_some(), "email");
    need(d.document.doc_type.is_some(), "doc-type");
    need(text(&d.document.number).is_some(), "doc-number");
    need(text(&d.document.issuer).is_some(), "doc-issuer");
    need(d.document.issued.is_some(), "doc-issued");
    match desk.doc_expiry {
        None => need(false, "doc-expiry"),
        Some(e) => need(e >= today, "doc-expiry (the document has expired)"),
    }
    need(desk.card.is_some(), "card-serial");
    let mobile = text(&d.contacts.mobile);
    let phone = mobile.as_deref().and_then(split_mobile);
    need(mobile.is_some(), "mobile");
    need(mobile.is_none() || phone.is_some(), "mobile (not a mobile number: +39 3471234567)");
    let res = &d.residence;
    if res.is_abroad() {
        need(false, "residence (abroad: the annex codes only an Italian address with a postcode)");
    }
    let street = text(&res.address).and_then(|a| split_street(&a));
    need(text(&res.address).is_some(), "address");
    need(text(&res.address).is_none() || street.is_some(), "address (must begin with its kind: Via, Corso, Piazza...)");
    need(text(&res.street_number).is_some(), "street-number");
    need(text(&res.postcode).is_some(), "postcode");
    need(text(&res.province).is_some(), "province");
    need(places.residence_cadastral.is_some(), "municipality");
    need(!header.issuer_code.trim().is_empty(), "spid_ipa_code");
    if !missing.is_empty() {
        missing.dedup();
        return Err(missing);
    }
    let get = |v: &Option<String>| text(v).unwrap_or_default();
    let (address_type, address_name) = street.unwrap_or_default();
    let (country_calling_code, phone_number) = phone.unwrap_or_default();
    let card = desk.card.clone().unwrap_or(Card { kind: String::new(), serial: String::new() });
    let place = r.fiscal_code.birth_place();
    let nation = if place.starts_with('Z') { place.clone() } else { annex::ITALY.to_string() };
    Ok(IcRequestData {
        info: Info {
            id: header.id.clone(),
            issue_instant: header.issued_at.format(annex::TIME_FORMAT).to_string(),
            issuer: Issuer {
                issuer_code: header.issuer_code.clone(),
                issuer_internal_reference: Some(header.internal_reference.clone()),
            },
        },
        electronic_identification: ElectronicIdentification {
            identification_type: card.kind,
            identification_serial_code: card.serial,
        },
        spid_attributes: SpidAttributes {
            mandatory_attributes: MandatoryAttributes {
                name: get(&d.person.first_name),
                family_name: get(&d.person.last_name),
                place_of_birth: place,
                county_of_birth: places.county_of_birth.clone().unwrap_or_default(),
                nation_of_birth: nation,
                date_of_birth: d.person.birth_date.map(day).unwrap_or_default(),
                gender: match d.person.sex {
                    Some(Sex::F) => "F".into(),
                    Some(Sex::M) => "M".into(),
                    None => r.fiscal_code.sex().to_string(),
                },
                fiscal_number: format!("{}{}", annex::TINIT, r.fiscal_code),
                email: get(&d.contacts.email),
                id_card: IdCard {
                    id_card_type: d.document.doc_type.map(id_card_type).unwrap_or_default().into(),
                    id_card_doc_number: get(&d.document.number),
                    id_card_issuer: get(&d.document.issuer),
                    id_card_issue_date: d.document.issued.map(day).unwrap_or_default(),
                    id_card_expiration_date: desk.doc_expiry.map(day).unwrap_or_default(),
                },
                mobile_phone: MobilePhone { country_calling_code, phone_number },
                address: Address {
                    address_type,
                    address_name,
                    address_number: get(&res.street_number),
                    postal_code: get(&res.postcode),
                    municipality: places.residence_cadastral.clone().unwrap_or_default(),
                    county: get(&res.province),
                    nation: annex::ITALY.to_string(),
                },
            },
            optional_attributes: None,
        },
    })
}

/// The patterns and enumerations of schema A.1 that the types do not carry; empty when it
/// conforms.
pub fn nonconformities(ic: &IcRequestData) -> Vec<&'static str> {
    let m = &ic.spid_attributes.mandatory_attributes;
    let code = |s: &str, first: fn(u8) -> bool| {
        let b = s.as_bytes();
        b.len() == 4 && first(b[0]) && b[1..].iter().all(u8::is_ascii_digit)
    };
    let mut out = Vec::new();
    let mut check = |ok: bool, what: &'static str| {
        if !ok {
            out.push(what);
        }
    };
    check(DateTime::parse_from_rfc3339(&ic.info.issue_instant).is_ok(), "info.issueInstant");
    check(
        ic.info.issuer.issuer_internal_reference.as_deref().is_none_or(|r| r.chars().count() <= 32),
        "info.issuer.issuerInternalReference",
    );
    check(
        ["TS", "CF"].contains(&ic.electronic_identification.identification_type.as_str()),
        "electronicIdentification.identificationType",
    );
    check(code(&m.place_of_birth, |c| c.is_ascii_uppercase()), "placeOfBirth");
    check(m.county_of_birth.chars().count() <= 2, "countyOfBirth");
    check(code(&m.nation_of_birth, |c| c == b'Z'), "nationOfBirth");
    check(NaiveDate::parse_from_str(&m.date_of_birth, "%Y-%m-%d").is_ok(), "dateOfBirth");
    check(["M", "F"].contains(&m.gender.as_str()), "gender");
    check(
        m.fiscal_number.strip_prefix(annex::TINIT).is_some_and(|cf| crate::domain::FiscalCode::parse(cf).is_ok()),
        "fiscalNumber",
    );
    check(crate::domain::check_email(&m.email).is_ok(), "email");
    check(NaiveDate::parse_from_str(&m.id_card.id_card_issue_date, "%Y-%m-%d").is_ok(), "idCard.idCardIssueDate");
    check(
        NaiveDate::parse_from_str(&m.id_card.id_card_expiration_date, "%Y-%m-%d").is_ok(),
        "idCard.idCardExpirationDate",
    );
    let cc = m.mobile_phone.country_calling_code.as_bytes();
    check(
        cc.first() == Some(&b'+') && (3..=5).contains(&cc.len()) && cc[1..].iter().all(u8::is_ascii_digit),
        "mobilePhone.countryCallingCode",
    );
    check(
        m.mobile_phone.phone_number.len() >= 6 && m.mobile_phone.phone_number.bytes().all(|b| b.is_ascii_digit()),
        "mobilePhone.phoneNumber",
    );
    check(code(&m.address.nation, |c| c == b'Z'), "address.nation");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streets_and_phones() {
        assert_eq!(split_street("Via Po"), Some(("Via".into(), "Po".into())));
        assert_eq!(split_street("Corso Unione Sovietica"), Some(("Corso".into(), "Unione Sovietica".into())));
        assert_eq!(split_street("via privata Rossi"), Some(("via privata".into(), "Rossi".into())));
        assert_eq!(split_street("Viale"), None);
        assert_eq!(split_street("Roma"), None);
        assert_eq!(split_mobile("347 123 4567"), Some(("+39".into(), "3471234567".into())));
        assert_eq!(split_mobile("+39 347-1234567"), Some(("+39".into(), "3471234567".into())));
        assert_eq!(split_mobile("0033612345678"), Some(("+33".into(), "612345678".into())));
        assert_eq!(split_mobile("abc"), None);
        assert_eq!(split_mobile("123"), None);
    }

    #[test]
    fn age() {
        let b = NaiveDate::from_ymd_opt(2008, 12, 2).unwrap();
        assert!(of_age(b, NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()));
        assert!(!of_age(b, NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()));
    }
}
