//! Flags shared by several commands: which registration, personal data, a delegate.

use chrono::NaiveDate;
use clap::Args;
use sportello::domain::fields::{FIELDS, Field, Value};
use sportello::domain::{Delegate, DelegateKind, DocType, PersonalData, Sex, Vocabulary, clean_text, parse_date};
use sportello::store::registrations::Key;

/// `--cf` or `--number`.
#[derive(Debug, Args)]
#[group(id = "registration", required = true, multiple = false)]
pub struct Target {
    /// Fiscal code of the citizen.
    #[arg(long)]
    pub cf: Option<String>,
    /// Registration number.
    #[arg(long)]
    pub number: Option<i64>,
}

impl Target {
    pub fn key(&self) -> sportello::Result<Key> {
        sportello::desk::search::key(self.cf.as_deref(), self.number)
    }

    /// The registration as named, for the audit row of a refusal.
    pub fn audit(&self) -> sportello::audit::Target {
        requested(self.cf.as_deref(), self.number)
    }
}

/// A registration as a command line names it (fiscal code or number), for the audit row of a
/// refusal before it is looked up.
pub fn requested(cf: Option<&str>, number: Option<i64>) -> sportello::audit::Target {
    use sportello::audit::Target as Audit;
    match (cf, number) {
        (Some(cf), _) => Audit::Requested(cf.trim().to_uppercase()),
        (None, Some(n)) => Audit::Requested(n.to_string()),
        (None, None) => Audit::None,
    }
}

/// Personal data as flags, one per field of the domain's table (`sportello::domain::fields`)
/// except the province and municipality of residence, which commands take on their own.
#[derive(Debug, Clone, Default)]
pub struct DataFlags {
    given: Vec<(&'static Field, String)>,
}

fn is_flag(f: &Field) -> bool {
    !matches!(f.column, "res_province" | "res_municipality")
}

impl clap::FromArgMatches for DataFlags {
    fn from_arg_matches(m: &clap::ArgMatches) -> Result<Self, clap::Error> {
        let mut flags = DataFlags::default();
        flags.update_from_arg_matches(m)?;
        Ok(flags)
    }

    fn update_from_arg_matches(&mut self, m: &clap::ArgMatches) -> Result<(), clap::Error> {
        for f in FIELDS.iter().filter(|f| is_flag(f)) {
            let value = match (f.get)(&PersonalData::default()) {
                Value::Flag(_) => m.get_flag(f.flag).then(|| "yes".to_string()),
                _ => m.get_one::<String>(f.flag).cloned(),
            };
            if let Some(v) = value {
                self.given.push((f, v));
            }
        }
        Ok(())
    }
}

impl clap::Args for DataFlags {
    fn augment_args(mut cmd: clap::Command) -> clap::Command {
        for f in FIELDS.iter().filter(|f| is_flag(f)) {
            let arg = clap::Arg::new(f.flag).long(f.flag).help(f.help);
            let arg = match (f.get)(&PersonalData::default()) {
                Value::Flag(_) => arg.action(clap::ArgAction::SetTrue),
                Value::Date(_) => arg.value_name("DATE").value_parser(|s: &str| parse_date(s).map(|_| s.to_string())),
                Value::Sex(_) => arg.value_parser(names::<Sex>()),
                Value::DocType(_) => arg.value_parser(names::<DocType>()),
                Value::Text(_) => arg.value_name("TEXT"),
            };
            cmd = cmd.arg(arg);
        }
        cmd
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

/// The stored names of a vocabulary, as a fixed choice (their Italian names accepted too; the
/// library reads either when the value is set).
fn names<T: Vocabulary>() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(T::all().iter().map(|v| crate::choice::possible(v.as_str())))
}

impl DataFlags {
    /// The flags given, as personal data (absent flags stay empty).
    pub fn data(&self) -> sportello::Result<PersonalData> {
        let mut d = PersonalData::default();
        for (f, v) in &self.given {
            f.set(&mut d, v).map_err(|e| {
                sportello::Error::Invalid(msg!("flag-problem", flag = format!("--{}", f.flag), problem = e))
            })?;
        }
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
    /// Delegate's first name (required with --delegate-kind).
    #[arg(long, requires = "delegate_kind")]
    delegate_first_name: Option<String>,
    /// Delegate's surname (required with --delegate-kind).
    #[arg(long, requires = "delegate_kind")]
    delegate_last_name: Option<String>,
    /// Delegate's fiscal code (required with --delegate-kind).
    #[arg(long, requires = "delegate_kind")]
    delegate_cf: Option<String>,
    /// Delegate's identity document type (required with --delegate-kind).
    #[arg(long, value_parser = crate::choice::choice::<DocType>(), requires = "delegate_kind")]
    delegate_doc_type: Option<DocType>,
    /// Delegate's document number (required with --delegate-kind).
    #[arg(long, requires = "delegate_kind")]
    delegate_doc_number: Option<String>,
    /// Issue date of the delegate's document, YYYY-MM-DD (required with --delegate-kind).
    #[arg(long, value_parser = parse_date, value_name = "DATE", requires = "delegate_kind")]
    delegate_doc_issued: Option<NaiveDate>,
    /// Who issued the delegate's document (required with --delegate-kind).
    #[arg(long, requires = "delegate_kind")]
    delegate_doc_issuer: Option<String>,
    /// Delegate's email address.
    #[arg(long, requires = "delegate_kind")]
    delegate_email: Option<String>,
    /// Delegate's phone number.
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
                .ok_or_else(|| sportello::Error::Invalid(msg!("delegate-flag-required", flag = format!("--{flag}"))))
        };
        let cf = need(&self.delegate_cf, "delegate-cf")?;
        Ok(Some(Delegate {
            kind,
            first_name: need(&self.delegate_first_name, "delegate-first-name")?,
            last_name: need(&self.delegate_last_name, "delegate-last-name")?,
            fiscal_code: sportello::domain::FiscalCode::parse_input(&cf)?.to_string(),
            doc_type: self.delegate_doc_type.ok_or_else(|| {
                sportello::Error::Invalid(msg!("delegate-flag-required", flag = "--delegate-doc-type"))
            })?,
            doc_number: need(&self.delegate_doc_number, "delegate-doc-number")?,
            doc_issued: self.delegate_doc_issued.ok_or_else(|| {
                sportello::Error::Invalid(msg!("delegate-flag-required", flag = "--delegate-doc-issued"))
            })?,
            doc_issuer: need(&self.delegate_doc_issuer, "delegate-doc-issuer")?,
            email: self.delegate_email.as_deref().and_then(clean_text),
            phone: self.delegate_phone.as_deref().and_then(clean_text),
        }))
    }
}
