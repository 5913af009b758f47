//! The registration record (SPEC §3, manual Allegato 7) and the checks on it.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::fiscal_code::FiscalCode;
use super::types::*;
use crate::i18n::Message;
use crate::msg;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Person {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub sex: Option<Sex>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Document {
    pub doc_type: Option<DocType>,
    pub number: Option<String>,
    pub issued: Option<NaiveDate>,
    pub issuer: Option<String>,
}

/// Residence: in Italy (province + municipality, postcode) or abroad (province `EE`,
/// municipality `ESTERO`, city and country).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Residence {
    pub address: Option<String>,
    pub street_number: Option<String>,
    pub postcode: Option<String>,
    pub province: Option<String>,
    /// ISTAT code of the municipality (`municipality_code` in JSON and CSV).
    #[serde(rename = "municipality_code")]
    pub municipality: Option<String>,
    /// Name of the municipality (filled when read back; `municipality` in JSON and CSV).
    #[serde(rename = "municipality")]
    pub municipality_name: Option<String>,
    pub city: Option<String>,
    /// Belfiore (Z) code of the foreign state (`country_code` in JSON and CSV).
    #[serde(rename = "country_code")]
    pub country: Option<String>,
    #[serde(rename = "country")]
    pub country_name: Option<String>,
}

impl Residence {
    pub fn is_abroad(&self) -> bool {
        self.province.as_deref() == Some(ABROAD_PROVINCE)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Domicile {
    pub care_of: Option<String>,
    pub address: Option<String>,
    pub street_number: Option<String>,
    pub province: Option<String>,
    /// ISTAT code (`municipality_code` in JSON and CSV).
    #[serde(rename = "municipality_code")]
    pub municipality: Option<String>,
    /// Name (`municipality` in JSON and CSV).
    #[serde(rename = "municipality")]
    pub municipality_name: Option<String>,
    pub postcode: Option<String>,
    /// Send mail to the domicile instead of the residence.
    pub send_mail_here: bool,
}

impl Domicile {
    pub fn is_empty(&self) -> bool {
        [&self.care_of, &self.address, &self.street_number, &self.province, &self.municipality, &self.postcode]
            .iter()
            .all(|f| f.is_none())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Contacts {
    pub email: Option<String>,
    pub mobile: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Notes {
    /// "Comunicazione allo sportello".
    pub operator_note: Option<String>,
    pub other_notes: Option<String>,
}

/// The editable part of a record: what an operator types or a registry pre-fills.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PersonalData {
    #[serde(flatten)]
    pub person: Person,
    pub document: Document,
    pub residence: Residence,
    pub domicile: Domicile,
    #[serde(flatten)]
    pub contacts: Contacts,
    #[serde(flatten)]
    pub notes: Notes,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Delegate {
    pub kind: DelegateKind,
    pub first_name: String,
    pub last_name: String,
    pub fiscal_code: String,
    pub doc_type: DocType,
    pub doc_number: String,
    pub doc_issued: NaiveDate,
    pub doc_issuer: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Operation {
    pub id: i64,
    pub kind: OperationKind,
    pub requested_at: DateTime<Utc>,
    pub ente: String,
    pub operator_id: String,
    pub status: OperationStatus,
    pub delegate: Option<Delegate>,
}

/// A registration as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Registration {
    pub registration_number: i64,
    pub fiscal_code: FiscalCode,
    pub community: Community,
    pub registered_at: DateTime<Utc>,
    pub state: State,
    pub strong: bool,
    pub pin_possessed: bool,
    pub verified_at: Option<DateTime<Utc>>,
    pub verified_ente: Option<String>,
    pub username: Option<String>,
    pub pin_printed_at: Option<DateTime<Utc>>,
    pub pin_print_count: i32,
    pub activated_at: Option<DateTime<Utc>>,
    pub promoted_at: Option<DateTime<Utc>>,
    /// Wrong codes typed in a row online, and when that locked the citizen out (a new booking
    /// unlocks).
    pub failed_attempts: i32,
    pub locked_at: Option<DateTime<Utc>>,
    #[serde(flatten)]
    pub data: PersonalData,
    pub last_operation: Option<Operation>,
    /// Its credentials' suspension, while they are suspended (issue 20, sql/V31).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suspension: Option<Suspension>,
}

/// Who suspended a registration's credentials, when and why (sql/V31 `suspensions`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suspension {
    pub since: DateTime<Utc>,
    pub by: String,
    pub ente: Option<String>,
    pub reason: SuspensionReason,
}

impl Registration {
    /// The operation in progress (the last one, while active).
    pub fn in_progress(&self) -> Option<OperationKind> {
        self.last_operation.as_ref().filter(|o| o.status == OperationStatus::Active).map(|o| o.kind)
    }
}

/// Domain of certified-mail (PEC) addresses, which cannot receive ordinary email.
const PEC_DOMAIN: &str = "postacertificata.gov.it";

/// Why lettre refuses an address, in the operator's language (lettre's own words are English).
pub fn address_error(e: lettre::address::AddressError) -> Message {
    use lettre::address::AddressError as A;
    match e {
        A::MissingParts => msg!("email-missing-parts"),
        A::Unbalanced => msg!("email-unbalanced"),
        A::InvalidUser => msg!("email-invalid-user"),
        A::InvalidDomain => msg!("email-invalid-domain"),
        _ => msg!("email-invalid-input"),
    }
}

/// A citizen's email address as the mailer writes it to the `To:` header: exactly one RFC 5322
/// addr-spec (lettre's `Address`: no list, no display name) that the header's own parser
/// (lettre's `Mailbox`, stricter: it refuses `a@[1.2.3.4]`) accepts too. The desk's check and
/// the mailer both call it, so an address the desk accepts is one a notice can be sent to.
/// Err: why not, in the operator's words.
pub fn email_mailbox(email: &str) -> Result<lettre::message::Mailbox, Message> {
    let address: lettre::Address = email.parse().map_err(address_error)?;
    if address.domain().starts_with('[') {
        return Err(msg!("email-domain-literal"));
    }
    email.parse::<lettre::message::Mailbox>().map_err(address_error)
}

/// Checks that the text is an address the mailer can write to ([`email_mailbox`]) and refuses
/// certified mail (PEC) addresses.
pub fn check_email(email: &str) -> Result<(), Message> {
    let email = email.trim();
    super::text::check("email", email)?;
    let mailbox = email_mailbox(email).map_err(|detail| {
        if email.contains([',', ';']) {
            msg!("email-invalid-many", email = email, detail = detail)
        } else {
            msg!("email-invalid", email = email, detail = detail)
        }
    })?;
    let domain = mailbox.email.domain();
    // `giulia@example` is an address lettre writes, and no mail reaches: a public domain has a
    // top-level part of letters (`.it`, `.com`).
    let top = domain.rsplit_once('.').map(|(_, top)| top).unwrap_or_default();
    let letters = top.strip_prefix("xn--").map_or(top.chars().all(char::is_alphanumeric), |puny| {
        !puny.is_empty() && puny.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    });
    if top.len() < 2 || !letters || top.chars().all(|c| c.is_ascii_digit()) {
        return Err(msg!("email-invalid", email = email, detail = msg!("email-no-top-level-domain")));
    }
    if domain.eq_ignore_ascii_case(PEC_DOMAIN) || domain.to_ascii_lowercase().ends_with(&format!(".{PEC_DOMAIN}")) {
        return Err(msg!("email-pec", email = email, domain = PEC_DOMAIN));
    }
    Ok(())
}

/// An Italian postcode: five digits.
pub fn check_postcode(postcode: &str) -> Result<(), Message> {
    if postcode.len() == 5 && postcode.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(msg!("postcode-invalid", postcode = postcode))
    }
}

/// A date as operators type it: `YYYY-MM-DD` or `DD/MM/YYYY`.
pub fn parse_date(input: &str) -> Result<NaiveDate, Message> {
    let s = input.trim();
    // chrono's `%Y` reads a year of any length: `01/03/22` would be the year 22, not 2022.
    let four_digits = |year: Option<&str>| year.is_some_and(|y| y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()));
    iso_date(s)
        .or_else(|| four_digits(s.split('-').next()).then(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()).flatten())
        .or_else(|| four_digits(s.rsplit('/').next()).then(|| NaiveDate::parse_from_str(s, "%d/%m/%Y").ok()).flatten())
        .ok_or_else(|| no_such_day(s).unwrap_or_else(|| msg!("date-invalid", input = s)))
}

/// Shaped like a date but not one of the calendar (31/02/2024): say so, not "not a date".
pub fn no_such_day(input: &str) -> Option<Message> {
    let s = input.trim();
    let shaped = s.chars().all(|c| c.is_ascii_digit() || c == '-' || c == '/')
        && s.chars().filter(|c| c.is_ascii_digit()).count() == 8
        && (s.matches('-').count() == 2 || s.matches('/').count() == 2);
    shaped.then(|| msg!("date-no-such-day", input = s))
}

/// `YYYY-MM-DD` read directly: registry files carry millions of dates, and chrono's format
/// interpreter is many times slower than this.
fn iso_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let number =
        |digits: &[u8]| digits.iter().try_fold(0u32, |n, &c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')));
    NaiveDate::from_ymd_opt(number(&b[..4])? as i32, number(&b[5..7])?, number(&b[8..])?)
}

/// Text as typed, trimmed and with inner runs of spaces folded; empty means absent.
pub fn clean_text(input: &str) -> Option<String> {
    clean_str(input).map(Cow::into_owned)
}

/// [`clean_text`] that borrows the input when it is already clean (nearly always).
pub fn clean_str(input: &str) -> Option<Cow<'_, str>> {
    let s = input.trim();
    if s.is_empty() {
        return None;
    }
    let clean = if s.is_ascii() {
        // ASCII: clean unless a blank other than ' ' or two blanks in a row.
        let b = s.as_bytes();
        !b.iter().any(|&c| (c.is_ascii_whitespace() && c != b' ') || c == b'\x0b') && !b.windows(2).any(|w| w == b"  ")
    } else {
        let mut after_space = false;
        s.chars().all(|c| {
            let ok = !c.is_whitespace() || (c == ' ' && !after_space);
            after_space = c.is_whitespace();
            ok
        })
    };
    Some(if clean { Cow::Borrowed(s) } else { Cow::Owned(s.split_whitespace().collect::<Vec<_>>().join(" ")) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pec_addresses_are_refused() {
        assert!(check_email("mario.rossi@example.it").is_ok());
        let e = check_email("mario.rossi@postacertificata.gov.it").unwrap_err();
        assert!(e.contains("PEC"), "{e}");
        assert!(check_email("MARIO@PostaCertificata.Gov.It").is_err());
        assert!(check_email("mario.rossi").is_err());
        for no_mail_reaches in ["giulia@example", "giulia@example.x", "giulia@10.0.0.1"] {
            let e = check_email(no_mail_reaches).unwrap_err();
            assert!(e.contains("top-level"), "{no_mail_reaches}: {e}");
        }
        assert!(check_email("giulia@posta.example.museum").is_ok() && check_email("g@xn--80ak6aa92e.com").is_ok());
        assert!(check_email("mario@esempio.xn--p1ai").is_ok(), "a top-level domain in punycode");
        assert!(check_email("a b@example.it").is_err());
        for bad in
            ["a@b.it,x@y.it", "a@b.it x@y.it", "a@b.it;x@y.it", "Mario <a@b.it>", "a\x07@b.it", "a@@b.it", "@b.it"]
        {
            assert!(check_email(bad).is_err(), "{bad:?}");
        }
        assert!(check_email("a@b.it,x@y.it").unwrap_err().contains("exactly one address"));
        assert!(check_email("mario.rossi+sportello@comune.torino.it").is_ok());
    }

    /// What the desk accepts the mailer can write to, and the reason for a refusal is ours, not
    /// lettre's ("Invalid input").
    #[test]
    fn the_desk_accepts_only_what_the_mailer_can_send_to() {
        for bad in ["a@[1.2.3.4]", "a@[IPv6:::1]", "\"a b\"@example.it", "a@b.it x"] {
            let e = check_email(bad).err().map(|e| e.english().to_string());
            let sendable = email_mailbox(bad).is_ok();
            assert!(e.is_some() || sendable, "{bad:?} accepted by the desk, refused by the mailer");
            if let Some(e) = e {
                assert!(!e.contains("Invalid input") && e.contains("is not a valid address: "), "{bad:?}: {e}");
            }
        }
        assert!(check_email("a@[1.2.3.4]").unwrap_err().english().contains("domain name"));
        for good in ["mario.rossi@example.it", "mario.rossi+sportello@comune.torino.it", "o'neil@example.co.uk"] {
            assert!(check_email(good).is_ok() && email_mailbox(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn dates_in_both_formats() {
        let d = NaiveDate::from_ymd_opt(1980, 1, 31);
        assert_eq!(parse_date("1980-01-31").ok(), d);
        assert_eq!(parse_date(" 31/01/1980 ").ok(), d);
        assert_eq!(parse_date("1980-1-31").ok(), d);
        assert_eq!(parse_date("1/3/1980").ok(), NaiveDate::from_ymd_opt(1980, 3, 1));
        // A two- or three-digit year is not read as the first century's.
        for bad in [
            "1980-02-30",
            "1980-13-01",
            "19a0-01-31",
            "31-01-1980",
            "",
            "01/03/22",
            "1/3/0022x",
            "22-03-01",
            "980-01-31",
        ] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn text_is_trimmed_and_folded() {
        assert!(matches!(clean_str("Via Roma 1"), Some(Cow::Borrowed("Via Roma 1"))));
        assert_eq!(clean_text("  Via  Roma\t1 ").as_deref(), Some("Via Roma 1"));
        assert_eq!(clean_text("Via\u{a0}Roma").as_deref(), Some("Via Roma"));
        assert_eq!(clean_text(" \t "), None);
        assert_eq!(clean_text("a\x0bb").as_deref(), Some("a b"));
        assert_eq!(clean_text("Nicolò  Ìsola").as_deref(), Some("Nicolò Ìsola"));
    }

    #[test]
    fn postcodes() {
        assert!(check_postcode("10121").is_ok());
        assert!(check_postcode("1012").is_err());
        assert!(check_postcode("10l21").is_err());
    }

    #[test]
    fn missing_fields_are_listed_by_flag_name() {
        let mut d = PersonalData::default();
        let missing = d.missing_for_booking();
        assert!(missing.contains(&"doc-issuer") && missing.contains(&"email"));
        d.residence.province = Some("EE".into());
        let missing = d.missing_for_booking();
        assert!(missing.contains(&"country") && !missing.contains(&"postcode"));
    }

    #[test]
    fn birth_date_and_sex_must_agree_with_the_code() {
        let fc = FiscalCode::parse("BNCLRA80A41L219V").unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let mut d = PersonalData::default();
        d.person.birth_date = NaiveDate::from_ymd_opt(1980, 1, 1);
        d.person.sex = Some(Sex::F);
        assert!(d.problems(&fc, today).is_empty());
        d.person.birth_date = NaiveDate::from_ymd_opt(1980, 1, 2);
        d.person.sex = Some(Sex::M);
        assert_eq!(d.problems(&fc, today).len(), 2);
    }
}
