//! Flags shared by several commands: which registration, personal data, a delegate.

use chrono::NaiveDate;
use clap::Args;
use sportello::domain::{Delegate, DelegateKind, DocType, PersonalData, Sex, clean_text, parse_date};
use sportello::store::registrations::Key;

/// `--cf` or `--number`.
#[derive(Debug, Args)]
pub struct Target {
    /// Fiscal code of the citizen.
    #[arg(long, conflicts_with = "number", required_unless_present = "number")]
    pub cf: Option<String>,
    /// Registration number.
    #[arg(long)]
    pub number: Option<i64>,
}

impl Target {
    pub fn key(&self) -> sportello::Result<Key> {
        sportello::desk::search::key(self.cf.as_deref(), self.number)
    }
}

/// Personal data as flags (everything but the fiscal code, the community and the
/// municipality of residence).
#[derive(Debug, Args)]
pub struct DataFlags {
    #[arg(long)]
    first_name: Option<String>,
    #[arg(long)]
    last_name: Option<String>,
    /// Date of birth, YYYY-MM-DD.
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    birth_date: Option<NaiveDate>,
    #[arg(long, value_parser = crate::choice::choice::<Sex>())]
    sex: Option<Sex>,
    /// Identity document type.
    #[arg(long, value_parser = crate::choice::choice::<DocType>())]
    doc_type: Option<DocType>,
    #[arg(long)]
    doc_number: Option<String>,
    /// Issue date of the document, YYYY-MM-DD.
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    doc_issued: Option<NaiveDate>,
    /// Who issued the document ("Rilasciato da").
    #[arg(long)]
    doc_issuer: Option<String>,
    /// Street of residence.
    #[arg(long)]
    address: Option<String>,
    /// Street number, with suffix and internal number if any.
    #[arg(long)]
    street_number: Option<String>,
    #[arg(long)]
    postcode: Option<String>,
    /// City of residence abroad.
    #[arg(long)]
    city: Option<String>,
    /// Country of residence abroad (name or Z code).
    #[arg(long)]
    country: Option<String>,
    #[arg(long)]
    email: Option<String>,
    #[arg(long)]
    mobile: Option<String>,
    #[arg(long)]
    phone: Option<String>,
    /// Domicile: "care of".
    #[arg(long)]
    dom_care_of: Option<String>,
    #[arg(long)]
    dom_address: Option<String>,
    #[arg(long)]
    dom_street_number: Option<String>,
    #[arg(long)]
    dom_province: Option<String>,
    #[arg(long)]
    dom_municipality: Option<String>,
    #[arg(long)]
    dom_postcode: Option<String>,
    /// Send mail to the domicile rather than the residence.
    #[arg(long)]
    dom_send_mail: bool,
    /// Note for the desk ("comunicazione allo sportello").
    #[arg(long)]
    note: Option<String>,
    /// Other notes.
    #[arg(long)]
    other_notes: Option<String>,
}

impl DataFlags {
    /// The flags given, as personal data (absent flags stay empty).
    pub fn data(&self) -> sportello::Result<PersonalData> {
        let mut d = PersonalData::default();
        let text = [
            ("first-name", &self.first_name),
            ("last-name", &self.last_name),
            ("doc-number", &self.doc_number),
            ("doc-issuer", &self.doc_issuer),
            ("address", &self.address),
            ("street-number", &self.street_number),
            ("postcode", &self.postcode),
            ("city", &self.city),
            ("country", &self.country),
            ("email", &self.email),
            ("mobile", &self.mobile),
            ("phone", &self.phone),
        ];
        for (field, value) in text {
            if let Some(v) = value {
                d.set_field(field, v).map_err(|e| sportello::Error::Invalid(format!("--{field}: {e}")))?;
            }
        }
        d.person.birth_date = self.birth_date;
        d.person.sex = self.sex;
        d.document.doc_type = self.doc_type;
        d.document.issued = self.doc_issued;
        let dom = &mut d.domicile;
        dom.care_of = self.dom_care_of.as_deref().and_then(clean_text);
        dom.address = self.dom_address.as_deref().and_then(clean_text);
        dom.street_number = self.dom_street_number.as_deref().and_then(clean_text);
        dom.province = self.dom_province.as_deref().and_then(clean_text);
        dom.municipality = self.dom_municipality.as_deref().and_then(clean_text);
        dom.postcode = self.dom_postcode.as_deref().and_then(clean_text);
        dom.send_mail_here = self.dom_send_mail;
        d.notes.operator_note = self.note.as_deref().and_then(clean_text);
        d.notes.other_notes = self.other_notes.as_deref().and_then(clean_text);
        Ok(d)
    }
}

/// The delegate who came to the desk for the citizen.
#[derive(Debug, Args)]
pub struct DelegateFlags {
    /// Kind of delegation: a signed proxy form, or a substitute declaration for persons under
    /// guardianship or unable to sign.
    #[arg(long, value_parser = crate::choice::choice::<DelegateKind>())]
    delegate_kind: Option<DelegateKind>,
    #[arg(long, requires = "delegate_kind")]
    delegate_first_name: Option<String>,
    #[arg(long, requires = "delegate_kind")]
    delegate_last_name: Option<String>,
    #[arg(long, requires = "delegate_kind")]
    delegate_cf: Option<String>,
    #[arg(long, value_parser = crate::choice::choice::<DocType>(), requires = "delegate_kind")]
    delegate_doc_type: Option<DocType>,
    #[arg(long, requires = "delegate_kind")]
    delegate_doc_number: Option<String>,
    #[arg(long, value_parser = parse_date, value_name = "DATE", requires = "delegate_kind")]
    delegate_doc_issued: Option<NaiveDate>,
    #[arg(long, requires = "delegate_kind")]
    delegate_doc_issuer: Option<String>,
    #[arg(long, requires = "delegate_kind")]
    delegate_email: Option<String>,
    #[arg(long, requires = "delegate_kind")]
    delegate_phone: Option<String>,
}

impl DelegateFlags {
    /// The delegate, if `--delegate-kind` was given; every other field is then required.
    pub fn delegate(&self) -> sportello::Result<Option<Delegate>> {
        let Some(kind) = self.delegate_kind else { return Ok(None) };
        let need = |v: &Option<String>, flag: &str| {
            v.as_deref()
                .and_then(clean_text)
                .ok_or_else(|| sportello::Error::Invalid(format!("with --delegate-kind, --{flag} is required")))
        };
        let cf = need(&self.delegate_cf, "delegate-cf")?;
        Ok(Some(Delegate {
            kind,
            first_name: need(&self.delegate_first_name, "delegate-first-name")?,
            last_name: need(&self.delegate_last_name, "delegate-last-name")?,
            fiscal_code: sportello::domain::FiscalCode::parse_input(&cf)?.to_string(),
            doc_type: self.delegate_doc_type.ok_or_else(|| {
                sportello::Error::Invalid("with --delegate-kind, --delegate-doc-type is required".into())
            })?,
            doc_number: need(&self.delegate_doc_number, "delegate-doc-number")?,
            doc_issued: self.delegate_doc_issued.ok_or_else(|| {
                sportello::Error::Invalid("with --delegate-kind, --delegate-doc-issued is required".into())
            })?,
            doc_issuer: need(&self.delegate_doc_issuer, "delegate-doc-issuer")?,
            email: self.delegate_email.as_deref().and_then(clean_text),
            phone: self.delegate_phone.as_deref().and_then(clean_text),
        }))
    }
}
