//! Citizens for the tests: fiscal codes that agree with their names and birth dates.

use chrono::{Datelike, NaiveDate};
use sportello::desk::register::{self, Prepared, Request};
use sportello::domain::fiscal_code::check_character;
use sportello::domain::*;
use sportello::session::Session;

/// A valid fiscal code for six letters, a birth date, sex and place (Belfiore code).
pub fn cf(letters: &str, birth: NaiveDate, sex: char, place: &str) -> String {
    let month = b"ABCDEHLMPRST"[birth.month0() as usize] as char;
    let day = birth.day() + if sex == 'F' { 40 } else { 0 };
    let first15 = format!("{letters}{:02}{month}{day:02}{place}", birth.year() % 100);
    format!("{first15}{}", check_character(first15.as_bytes()))
}

pub fn date(s: &str) -> NaiveDate {
    parse_date(s).unwrap()
}

/// A citizen living in Turin, with every mandatory field.
#[derive(Debug, Clone)]
pub struct Citizen {
    pub cf: String,
    pub first_name: &'static str,
    pub last_name: &'static str,
    pub birth: NaiveDate,
    pub sex: Sex,
    pub province: &'static str,
    pub municipality: &'static str,
    pub postcode: &'static str,
    pub community: Community,
}

impl Citizen {
    pub fn new(letters: &str, first_name: &'static str, last_name: &'static str, birth: &str, sex: Sex) -> Citizen {
        let birth = date(birth);
        Citizen {
            cf: cf(letters, birth, sex.as_str().chars().next().unwrap(), "L219"),
            first_name,
            last_name,
            birth,
            sex,
            province: "TO",
            municipality: "Torino",
            postcode: "10121",
            community: Community::SistemaPiemonte,
        }
    }

    pub fn living_in(mut self, province: &'static str, municipality: &'static str, postcode: &'static str) -> Citizen {
        self.province = province;
        self.municipality = municipality;
        self.postcode = postcode;
        self
    }

    pub fn community(mut self, c: Community) -> Citizen {
        self.community = c;
        self
    }

    pub fn data(&self) -> PersonalData {
        let mut d = PersonalData::default();
        d.person.first_name = Some(self.first_name.into());
        d.person.last_name = Some(self.last_name.into());
        d.person.birth_date = Some(self.birth);
        d.person.sex = Some(self.sex);
        d.document = Document {
            doc_type: Some(DocType::IdentityCard),
            number: Some("CA00000AA".into()),
            issued: Some(date("2022-03-01")),
            issuer: Some("Comune di Torino".into()),
        };
        d.residence.address = Some("Via Po".into());
        d.residence.street_number = Some("10/B".into());
        d.residence.postcode = Some(self.postcode.into());
        d.contacts.email = Some(format!(
            "{}.{}@example.it",
            self.first_name.to_lowercase(),
            self.last_name.to_lowercase().replace(' ', "")
        ));
        d
    }

    pub fn request(&self) -> Request {
        Request {
            fiscal_code: self.cf.clone(),
            province: self.province.into(),
            municipality: self.municipality.into(),
            community: self.community,
            data: self.data(),
        }
    }

    /// Registers through the library; returns the registration number.
    pub async fn register(&self, s: &Session) -> i64 {
        match register::prepare(s, self.request()).await.unwrap() {
            Prepared::New(draft) => register::register(s, *draft).await.unwrap().registration_number,
            Prepared::AlreadyRegistered(r) => panic!("{} already registered as {}", self.cf, r.registration_number),
        }
    }
}
