//! The personal-data fields, declared once: each with its flag, its column, its Italian label,
//! when it is mandatory, and where it lives in [`PersonalData`]. The record's overlay, the
//! check of what is missing for a booking, parsing typed values, the store's columns, the
//! command-line flags, `show` and the data summary all walk this table.

use chrono::NaiveDate;

use super::fiscal_code::FiscalCode;
use super::record::{PersonalData, check_email, check_postcode, clean_text, parse_date};
use super::text::check;
use super::types::{DocType, Sex, Vocabulary};
use crate::i18n::Message;
use crate::msg;

/// When a field must be filled before an operation can be booked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mandatory {
    Always,
    /// Only for a residence in Italy.
    InItaly,
    /// Only for a residence abroad.
    Abroad,
    Never,
}

/// The part of the record a field belongs to (the summary and `show` group by it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Person,
    Document,
    Residence,
    Domicile,
    Contacts,
    Notes,
}

/// A field's value, read.
#[derive(Debug, Clone, Copy)]
pub enum Value<'a> {
    Text(&'a Option<String>),
    Date(&'a Option<NaiveDate>),
    Sex(&'a Option<Sex>),
    DocType(&'a Option<DocType>),
    Flag(&'a bool),
}

/// A field's value, to write.
pub enum Slot<'a> {
    Text(&'a mut Option<String>),
    Date(&'a mut Option<NaiveDate>),
    Sex(&'a mut Option<Sex>),
    DocType(&'a mut Option<DocType>),
    Flag(&'a mut bool),
}

/// How a text field is normalised when typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Plain,
    UpperCase,
    Email,
    Postcode,
}

/// One personal-data field.
#[derive(Debug)]
pub struct Field {
    /// The command-line flag (`--first-name`), also the name in messages.
    pub flag: &'static str,
    /// The column of `registrations`.
    pub column: &'static str,
    /// The Italian label printed for people.
    pub label: &'static str,
    /// What an operator types (flag help).
    pub help: &'static str,
    pub group: Group,
    pub mandatory: Mandatory,
    pub shape: Shape,
    pub get: fn(&PersonalData) -> Value<'_>,
    pub slot: fn(&mut PersonalData) -> Slot<'_>,
}

macro_rules! fields {
    ($($flag:literal, $column:literal, $label:literal, $group:ident, $mandatory:ident, $shape:ident, $kind:ident,
       $($path:ident).+, $help:literal;)+) => {
        /// Every personal-data field, in the order of the manual's detail page.
        pub const FIELDS: &[Field] = &[
            $(Field {
                flag: $flag,
                column: $column,
                label: $label,
                help: $help,
                group: Group::$group,
                mandatory: Mandatory::$mandatory,
                shape: Shape::$shape,
                get: |d| Value::$kind(&d.$($path).+),
                slot: |d| Slot::$kind(&mut d.$($path).+),
            },)+
        ];
    };
}

fields! {
    "first-name", "first_name", "Nome", Person, Always, Plain, Text, person.first_name,
        "First name(s), as on the identity document";
    "last-name", "last_name", "Cognome", Person, Always, Plain, Text, person.last_name,
        "Surname(s), as on the identity document";
    "birth-date", "birth_date", "Data di nascita", Person, Always, Plain, Date, person.birth_date,
        "Date of birth, YYYY-MM-DD or DD/MM/YYYY (must agree with the fiscal code)";
    "sex", "sex", "Sesso", Person, Never, Plain, Sex, person.sex,
        "Sex, M or F (must agree with the fiscal code)";
    "doc-type", "doc_type", "Tipo documento", Document, Always, Plain, DocType, document.doc_type,
        "Type of the identity document shown";
    "doc-number", "doc_number", "Numero documento", Document, Always, UpperCase, Text, document.number,
        "Number of the identity document";
    "doc-issued", "doc_issued", "Data di rilascio", Document, Always, Plain, Date, document.issued,
        "Issue date of the identity document, YYYY-MM-DD or DD/MM/YYYY";
    "doc-issuer", "doc_issuer", "Rilasciato da", Document, Always, Plain, Text, document.issuer,
        "Who issued the identity document (\"Rilasciato da\"), e.g. \"Comune di Torino\"";
    "address", "res_address", "Indirizzo di residenza", Residence, Always, Plain, Text, residence.address,
        "Street of residence (e.g. \"Via Roma\")";
    "street-number", "res_street_number", "Numero civico", Residence, InItaly, Plain, Text, residence.street_number,
        "Street number of the residence, with suffix and internal number if any (e.g. 23/B int. 4)";
    "postcode", "res_postcode", "CAP", Residence, InItaly, Postcode, Text, residence.postcode,
        "Postcode of the residence: 5 digits, one of the municipality's";
    "province", "res_province", "Provincia di residenza", Residence, Always, Plain, Text, residence.province,
        "Province of residence (code or name; EE or STATO ESTERO abroad)";
    "municipality", "res_municipality", "Comune di residenza", Residence, Always, Plain, Text, residence.municipality,
        "Municipality of residence (name, ISTAT or cadastral code; ESTERO abroad)";
    "city", "res_city", "Città estera", Residence, Abroad, Plain, Text, residence.city,
        "City of residence abroad";
    "country", "res_country", "Stato estero", Residence, Abroad, Plain, Text, residence.country,
        "Country of residence abroad (name or Z code)";
    "dom-care-of", "dom_care_of", "Domicilio: presso", Domicile, Never, Plain, Text, domicile.care_of,
        "Domicile: \"care of\" (c/o)";
    "dom-address", "dom_address", "Domicilio: indirizzo", Domicile, Never, Plain, Text, domicile.address,
        "Domicile: street";
    "dom-street-number", "dom_street_number", "Domicilio: numero civico", Domicile, Never, Plain, Text,
        domicile.street_number, "Domicile: street number";
    "dom-province", "dom_province", "Domicilio: provincia", Domicile, Never, Plain, Text, domicile.province,
        "Domicile: province (code or name)";
    "dom-municipality", "dom_municipality", "Domicilio: comune", Domicile, Never, Plain, Text, domicile.municipality,
        "Domicile: municipality (name, ISTAT or cadastral code)";
    "dom-postcode", "dom_postcode", "Domicilio: CAP", Domicile, Never, Postcode, Text, domicile.postcode,
        "Domicile: postcode (5 digits)";
    "dom-send-mail", "dom_send_mail", "Corrispondenza al domicilio", Domicile, Never, Plain, Flag,
        domicile.send_mail_here, "Send letters to the domicile rather than the residence";
    "email", "email", "Email", Contacts, Always, Email, Text, contacts.email,
        "Email address for the activation code (one address; no certified mail, PEC)";
    "mobile", "mobile", "Cellulare", Contacts, Never, Plain, Text, contacts.mobile,
        "Mobile phone number";
    "phone", "phone", "Telefono", Contacts, Never, Plain, Text, contacts.phone,
        "Landline phone number";
    "note", "operator_note", "Comunicazione allo sportello", Notes, Never, Plain, Text, notes.operator_note,
        "Note for the desk (\"comunicazione allo sportello\")";
    "other-notes", "other_notes", "Altre note", Notes, Never, Plain, Text, notes.other_notes,
        "Other notes";
}

/// The fields of a record worth showing, in table order, each with its value as text: the
/// residence's fields that fit where the citizen lives, the domicile only when there is one,
/// municipalities and countries by name.
/// The fields whose shown value differs between `before` and `after`, with both values (an
/// absent value is ""). Personal data holds no secret: PINs, codes and passwords live elsewhere.
pub fn changes(before: &PersonalData, after: &PersonalData) -> Vec<(&'static Field, String, String)> {
    let (old, new) = (shown(before), shown(after));
    let value = |list: &[(&'static Field, String)], f: &Field| {
        list.iter().find(|(g, _)| g.flag == f.flag).map(|(_, v)| v.clone()).unwrap_or_default()
    };
    FIELDS
        .iter()
        .filter_map(|f| {
            let (b, a) = (value(&old, f), value(&new, f));
            (b != a).then_some((f, b, a))
        })
        .collect()
}

/// The fields of a record as shown (`show`, the data summary): abroad, the city and country in
/// place of the province and municipality (`EE`, `ESTERO`), as the manual's Allegato 7 says,
/// and a street number when there is one.
pub fn shown(d: &PersonalData) -> Vec<(&'static Field, String)> {
    let abroad = d.residence.is_abroad();
    let name_or =
        |name: &Option<String>, code: &Option<String>| name.clone().or_else(|| code.clone()).unwrap_or_default();
    FIELDS
        .iter()
        .filter(|f| match f.mandatory {
            Mandatory::InItaly => !abroad || !f.is_blank(d),
            Mandatory::Abroad => abroad,
            _ => !(abroad && matches!(f.column, "res_province" | "res_municipality")),
        })
        .filter(|f| f.group != Group::Domicile || !d.domicile.is_empty())
        .map(|f| {
            let value = match f.column {
                "res_municipality" => name_or(&d.residence.municipality_name, &d.residence.municipality),
                "res_country" => name_or(&d.residence.country_name, &d.residence.country),
                "dom_municipality" => name_or(&d.domicile.municipality_name, &d.domicile.municipality),
                _ => f.display(d),
            };
            (f, value)
        })
        .collect()
}

impl Group {
    /// The Italian heading of the group.
    pub fn label(self) -> &'static str {
        match self {
            Group::Person => "Dati anagrafici",
            Group::Document => "Documento d'identità",
            Group::Residence => "Residenza",
            Group::Domicile => "Domicilio",
            Group::Contacts => "Contatti",
            Group::Notes => "Note",
        }
    }
}

/// The field with this flag name.
pub fn field(flag: &str) -> Option<&'static Field> {
    FIELDS.iter().find(|f| f.flag == flag)
}

impl Field {
    /// Is the field empty?
    pub fn is_blank(&self, d: &PersonalData) -> bool {
        match (self.get)(d) {
            Value::Text(t) => t.as_deref().is_none_or(|s| s.trim().is_empty()),
            Value::Date(v) => v.is_none(),
            Value::Sex(v) => v.is_none(),
            Value::DocType(v) => v.is_none(),
            Value::Flag(b) => !*b,
        }
    }

    /// Must it be filled for a booking, given where the citizen lives?
    pub fn required(&self, abroad: bool) -> bool {
        match self.mandatory {
            Mandatory::Always => true,
            Mandatory::InItaly => !abroad,
            Mandatory::Abroad => abroad,
            Mandatory::Never => false,
        }
    }

    /// The value as text for people ("" when absent).
    pub fn display(&self, d: &PersonalData) -> String {
        match (self.get)(d) {
            Value::Text(t) => t.clone().unwrap_or_default(),
            Value::Date(v) => v.map(|d| d.format("%d/%m/%Y").to_string()).unwrap_or_default(),
            Value::Sex(v) => v.map(|s| s.as_str().to_string()).unwrap_or_default(),
            Value::DocType(v) => v.map(|t| t.label().to_string()).unwrap_or_default(),
            Value::Flag(b) => if *b { "Sì" } else { "No" }.to_string(),
        }
    }

    /// Parses a typed value into the field.
    pub fn set(&self, d: &mut PersonalData, input: &str) -> Result<(), crate::i18n::Message> {
        let text = clean_text(input);
        let Some(text) = text else {
            return Err(crate::msg!("field-empty", field = self.flag));
        };
        match (self.slot)(d) {
            Slot::Text(t) => {
                *t = Some(match self.shape {
                    Shape::Plain => text,
                    Shape::UpperCase => text.to_uppercase(),
                    Shape::Email => {
                        check_email(&text)?;
                        text.to_lowercase()
                    }
                    Shape::Postcode => {
                        check_postcode(&text)?;
                        text
                    }
                })
            }
            Slot::Date(v) => *v = Some(parse_date(&text)?),
            Slot::Sex(v) => *v = Some(Sex::parse(&text.to_uppercase()).ok_or_else(|| crate::msg!("sex-invalid"))?),
            Slot::DocType(v) => {
                *v = Some(DocType::parse_typed(&text).ok_or_else(|| {
                    let names: Vec<&str> = DocType::all().iter().map(|d| d.as_str()).collect();
                    crate::msg!("doc-type-invalid", choices = names.join(", "))
                })?)
            }
            Slot::Flag(b) => {
                *b = match text.to_lowercase().as_str() {
                    "y" | "yes" | "s" | "si" | "sì" | "true" | "1" => true,
                    "n" | "no" | "false" | "0" => false,
                    _ => return Err(crate::msg!("field-yes-no", field = self.flag)),
                }
            }
        }
        Ok(())
    }

    /// Copies the field from `src` into `dst` when `src` has it.
    pub fn overlay(&self, dst: &mut PersonalData, src: &mut PersonalData) {
        match ((self.slot)(dst), (self.slot)(src)) {
            (Slot::Text(d), Slot::Text(s)) if s.is_some() => *d = s.take(),
            (Slot::Date(d), Slot::Date(s)) if s.is_some() => *d = s.take(),
            (Slot::Sex(d), Slot::Sex(s)) if s.is_some() => *d = s.take(),
            (Slot::DocType(d), Slot::DocType(s)) if s.is_some() => *d = s.take(),
            (Slot::Flag(d), Slot::Flag(s)) => *d |= *s,
            _ => {}
        }
    }
}

// ---- What the record does with the table (here, so that the record's types need not know it) ----

/// Checks every text field of a record (the field table, [`FIELDS`]); one message per problem.
pub fn check_record(d: &PersonalData) -> Vec<Message> {
    FIELDS
        .iter()
        .filter_map(|f| match (f.get)(d) {
            Value::Text(Some(v)) if matches!(f.column, "first_name" | "last_name") => {
                check(f.flag, v).and_then(|()| crate::domain::text::check_name(f.flag, v)).err()
            }
            Value::Text(Some(v)) if matches!(f.column, "mobile" | "phone") => {
                check(f.flag, v).and_then(|()| crate::domain::text::check_phone(f.flag, v)).err()
            }
            Value::Text(Some(v)) => check(f.flag, v).err(),
            _ => None,
        })
        .collect()
}

fn blank(field: &Option<String>) -> bool {
    field.as_deref().is_none_or(|s| s.trim().is_empty())
}

impl PersonalData {
    /// Fields that must be filled before any operation can be booked, by their flag names.
    pub fn missing_for_booking(&self) -> Vec<&'static str> {
        let abroad = self.residence.is_abroad();
        FIELDS.iter().filter(|f| f.required(abroad) && f.is_blank(self)).map(|f| f.flag).collect()
    }

    /// Checks every filled field on its own (the reference data is checked by the store).
    /// Returns one message per problem.
    pub fn problems(&self, fiscal_code: &FiscalCode, today: NaiveDate) -> Vec<Message> {
        let mut out = check_record(self);
        if let Some(email) = &self.contacts.email
            && let Err(e) = check_email(email)
        {
            out.push(e);
        }
        if let Some(b) = self.person.birth_date {
            if b > today {
                out.push(msg!("birth-date-future", date = b.to_string()));
            } else if !fiscal_code.base_code().matches_birth_date(b) {
                out.push(msg!("birth-date-disagrees", date = b.to_string(), fiscal_code = fiscal_code));
            }
        }
        if let Some(sex) = self.person.sex
            && !sex.as_str().starts_with(fiscal_code.sex())
        {
            out.push(msg!("sex-disagrees", sex = sex.to_string(), fiscal_code = fiscal_code));
        }
        if let Some(issued) = self.document.issued {
            if issued > today {
                out.push(msg!("doc-issued-future", date = issued.to_string()));
            }
            if let Some(b) = self.person.birth_date
                && issued < b
            {
                out.push(msg!("doc-issued-before-birth", date = issued.to_string()));
            }
        }
        let r = &self.residence;
        if r.is_abroad() {
            if r.postcode.is_some() {
                out.push(msg!("abroad-no-postcode"));
            }
        } else {
            if let Some(pc) = &r.postcode
                && let Err(e) = check_postcode(pc)
            {
                out.push(e);
            }
            if r.city.is_some() || r.country.is_some() {
                out.push(msg!("city-country-only-abroad"));
            }
        }
        if let Some(pc) = &self.domicile.postcode
            && let Err(e) = check_postcode(pc)
        {
            out.push(msg!("domicile-problem", problem = e));
        }
        if self.domicile.send_mail_here && (blank(&self.domicile.address) || blank(&self.domicile.municipality)) {
            out.push(msg!("domicile-mail-incomplete"));
        }
        out
    }
}

impl PersonalData {
    /// Overlays every field that `other` has (used to apply the operator's flags over what
    /// a registry pre-filled).
    pub fn overlay(&mut self, mut other: PersonalData) {
        for f in FIELDS {
            f.overlay(self, &mut other);
        }
        // Names read back with the codes they belong to.
        let (r, o) = (&mut self.residence, other.residence);
        if o.municipality_name.is_some() {
            r.municipality_name = o.municipality_name;
        }
        if o.country_name.is_some() {
            r.country_name = o.country_name;
        }
        if other.domicile.municipality_name.is_some() {
            self.domicile.municipality_name = other.domicile.municipality_name;
        }
    }

    /// Sets one field by the name of its command-line flag (as listed by
    /// [`missing_for_booking`](Self::missing_for_booking)), parsing the text.
    pub fn set_field(&mut self, flag: &str, value: &str) -> Result<(), Message> {
        field(flag).ok_or_else(|| msg!("field-unknown", field = flag))?.set(self, value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Abroad (Allegato 7): the city and country in place of the province and municipality,
    /// the street number kept; in Italy the reverse.
    #[test]
    fn a_residence_abroad_is_shown_by_city_and_country_with_its_street_number() {
        let mut d = PersonalData::default();
        d.residence.address = Some("Rue de la République".into());
        d.residence.street_number = Some("12 bis".into());
        d.residence.province = Some(crate::domain::ABROAD_PROVINCE.into());
        d.residence.municipality = Some("ESTERO".into());
        d.residence.city = Some("69002 Lyon".into());
        d.residence.country = Some("Z110".into());
        d.residence.country_name = Some("Francia".into());
        let names = |d: &PersonalData| shown(d).into_iter().map(|(f, v)| (f.flag, v)).collect::<Vec<_>>();
        let abroad = names(&d);
        for expected in [("street-number", "12 bis"), ("city", "69002 Lyon"), ("country", "Francia")] {
            assert!(abroad.iter().any(|(f, v)| (*f, v.as_str()) == expected), "{expected:?} in {abroad:?}");
        }
        assert!(!abroad.iter().any(|(f, _)| ["province", "municipality", "postcode"].contains(f)), "{abroad:?}");
        d.residence = crate::domain::record::Residence {
            province: Some("TO".into()),
            municipality: Some("001272".into()),
            ..Default::default()
        };
        let italy = names(&d);
        assert!(italy.iter().any(|(f, _)| *f == "province") && !italy.iter().any(|(f, _)| *f == "city"), "{italy:?}");
    }

    #[test]
    fn every_field_reads_what_it_writes() {
        for f in FIELDS {
            let mut d = PersonalData::default();
            assert!(f.is_blank(&d), "{}", f.flag);
            let sample = match (f.get)(&d) {
                Value::Date(_) => "1980-01-31",
                Value::Sex(_) => "F",
                Value::DocType(_) => "passport",
                Value::Flag(_) => "yes",
                Value::Text(_) if f.shape == Shape::Email => "a@example.it",
                Value::Text(_) if f.shape == Shape::Postcode => "10121",
                Value::Text(_) => "Val d'Aosta",
            };
            f.set(&mut d, sample).unwrap_or_else(|e| panic!("{}: {e}", f.flag));
            assert!(!f.is_blank(&d), "{}", f.flag);
            // Exactly one field changed: the accessors point at distinct places.
            let others = FIELDS.iter().filter(|g| g.flag != f.flag && !g.is_blank(&d)).count();
            assert_eq!(others, 0, "{} also wrote another field", f.flag);
            let mut into = PersonalData::default();
            f.overlay(&mut into, &mut d.clone());
            assert_eq!(f.display(&into), f.display(&d), "{}", f.flag);
        }
    }

    #[test]
    fn names_are_unique() {
        for (i, f) in FIELDS.iter().enumerate() {
            assert!(FIELDS[i + 1..].iter().all(|g| g.flag != f.flag && g.column != f.column), "{}", f.flag);
        }
    }

    #[test]
    fn every_text_field_of_a_record_is_checked() {
        let mut d = PersonalData::default();
        d.person.last_name = Some("Rossi\x07".into());
        d.notes.other_notes = Some("n".repeat(1001));
        d.domicile.care_of = Some("c/o\u{200b}".into());
        let problems = check_record(&d);
        assert_eq!(problems.len(), 3, "{problems:?}");
    }
}
