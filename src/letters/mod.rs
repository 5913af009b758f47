//! The printed documents of SPEC §6 (manual, Allegati 1–6), in Italian, and their rendering.

mod font;
mod pdf;

pub use font::{cannot_print, load_faces, unprintable};
pub use pdf::{extract_text, render};

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::fields::{FIELDS, Group, Value, shown};
use crate::domain::{ABROAD_PROVINCE, Delegate, OperationKind, PersonalData, Registration};
use crate::secrets::{CodeKind, Secret};

/// The first of `fields` (name, text) with a character the letters cannot print: its name, its
/// text and the character.
pub fn first_unprintable<'a>(fields: &[(&'a str, &'a str)]) -> Option<(&'a str, &'a str, char)> {
    fields.iter().find_map(|&(name, text)| unprintable(text).map(|c| (name, text, c)))
}

/// One message per field of `data` (every field goes into the data summary, the notes too) that
/// holds a character the letters cannot print: "the letters cannot print 'X' (U+XXXX) in
/// last-name".
pub fn unprintable_fields(data: &PersonalData) -> Vec<crate::i18n::Message> {
    FIELDS
        .iter()
        .filter_map(|f| match (f.get)(data) {
            Value::Text(Some(text)) => {
                unprintable(text).map(|c| crate::msg!("cannot-print-in", problem = cannot_print(c), flag = f.flag))
            }
            _ => None,
        })
        .collect()
}

/// A part of a letter's body.
#[derive(Debug, Clone)]
pub enum Block {
    Heading(String),
    Para(String),
    /// A labelled value of the data summary.
    Field(String, String),
    /// A secret, printed large. Only letters built here carry one.
    Secret(String, String),
    /// Where the citizen signs: "Luogo e data" and a blank line on the left, the caption and a
    /// blank line on the right. Place and date are the signer's to write, never pre-printed.
    Signature(String),
}

/// Which document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Pin,
    ActivationCode,
    RevocationCode,
    Summary,
    Rules,
    ProxyForm,
    GuardianshipDeclaration,
    /// SPID: the first half of a R.A.O. token's passphrase.
    SpidPassphrase,
}

impl Kind {
    /// File name part.
    pub fn slug(self) -> &'static str {
        match self {
            Kind::Pin => "pin",
            Kind::ActivationCode => "codice-attivazione",
            Kind::RevocationCode => "codice-revoca",
            Kind::Summary => "riepilogo",
            Kind::Rules => "regolamento",
            Kind::ProxyForm => "modulo-delega",
            Kind::GuardianshipDeclaration => "dichiarazione-sostitutiva",
            Kind::SpidPassphrase => "spid-passphrase",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Letter {
    pub kind: Kind,
    /// The sending office, top left.
    pub sender: Vec<String>,
    /// Whom to ask, at the foot of every page.
    pub helpdesk: String,
    /// Postal address for the envelope window, if the document is mailed.
    pub address: Option<Vec<String>>,
    /// The protocol-style reference: the registration's number and date, and the document's
    /// date when the office issues it (not on what the citizen signs and dates).
    pub reference: Vec<String>,
    pub title: String,
    pub body: Vec<Block>,
}

/// Who sends the letters and whom the citizen calls: printed on every letter, so that a
/// citizen can tell a real letter from a fake one and knows where to ask. Settings
/// `SPORTELLO_LETTERS_OFFICE` (the sender's lines, separated by `|` or new lines) and
/// `SPORTELLO_LETTERS_HELPDESK`; the defaults are the Region's service at CSI-Piemonte and the
/// helpdesk the manual names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Office {
    pub sender: Vec<String>,
    pub helpdesk: String,
}

const SENDER: [&str; 3] = [
    "Regione Piemonte",
    "Servizio di registrazione a Sistema Piemonte e TorinoFacile",
    "c/o CSI-Piemonte, Corso Unione Sovietica 216 - 10136 Torino (TO)",
];

const HELPDESK: &str = "Assistenza: numero verde 800 450 900, dal lunedì al venerdì; oppure uno sportello abilitato";

impl Default for Office {
    fn default() -> Office {
        Office { sender: SENDER.iter().map(|s| s.to_string()).collect(), helpdesk: HELPDESK.into() }
    }
}

impl Office {
    /// From the settings (environment, else configuration files), the defaults for those unset;
    /// refused when a setting holds a character the letters cannot print.
    pub fn from_env() -> crate::Result<Office> {
        let mut office = Office::default();
        if let Some(v) = crate::config_file::var("SPORTELLO_LETTERS_OFFICE") {
            let lines: Vec<String> =
                v.split(['|', '\n']).map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect();
            if !lines.is_empty() {
                office.sender = lines;
            }
        }
        if let Some(v) = crate::config_file::var("SPORTELLO_LETTERS_HELPDESK").filter(|v| !v.trim().is_empty()) {
            office.helpdesk = v.trim().to_string();
        }
        for (name, text) in office
            .sender
            .iter()
            .map(|l| ("SPORTELLO_LETTERS_OFFICE", l.as_str()))
            .chain([("SPORTELLO_LETTERS_HELPDESK", office.helpdesk.as_str())])
        {
            if let Some(c) = unprintable(text) {
                return Err(crate::Error::Invalid(crate::msg!(
                    "setting-unprintable",
                    name = name,
                    problem = cannot_print(c)
                )));
            }
        }
        Ok(office)
    }
}

fn date_it(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

fn day_it(t: DateTime<Utc>) -> String {
    date_it(t.with_timezone(&chrono_tz::Europe::Rome).date_naive())
}

fn or_dash(v: &Option<String>) -> String {
    v.clone().filter(|s| !s.is_empty()).unwrap_or_else(|| "-".into())
}

fn full_name(r: &Registration) -> String {
    format!("{} {}", or_dash(&r.data.person.first_name), or_dash(&r.data.person.last_name))
}

fn greeting(r: &Registration) -> String {
    let gentile = match r.data.person.sex {
        Some(crate::domain::Sex::F) => "Gentile Sig.ra",
        Some(crate::domain::Sex::M) => "Gentile Sig.",
        None => "Gentile",
    };
    format!("{gentile} {},", full_name(r))
}

/// Capitals as an envelope writes them: Greek drops its accent (tonos) in capitals
/// (`Αικατερίνη` is `ΑΙΚΑΤΕΡΙΝΗ`, not `ΑΙΚΑΤΕΡΊΝΗ`); Latin keeps its own (`NICOLÒ`).
fn capitals(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut greek = false;
    for c in text.to_uppercase().chars() {
        // The tonos typed apart (U+0301), or left apart by upper-casing `ΐ`, after a Greek letter.
        if greek && c == '\u{301}' {
            continue;
        }
        // A mark belongs to the letter before it (`Ι` and its dialytika, then the tonos).
        if !('\u{300}'..='\u{36F}').contains(&c) {
            greek = ('\u{370}'..='\u{3FF}').contains(&c);
        }
        out.push(match c {
            'Ά' => 'Α',
            'Έ' => 'Ε',
            'Ή' => 'Η',
            'Ί' => 'Ι',
            'Ό' => 'Ο',
            'Ύ' => 'Υ',
            'Ώ' => 'Ω',
            other => other,
        });
    }
    // The dialytika left apart composed again (`Ϊ`).
    unicode_normalization::UnicodeNormalization::nfc(out.as_str()).collect()
}

/// The postal address: the domicile when the citizen asked for mail there, else the residence;
/// abroad, city and country instead of postcode and province.
pub fn postal_address(r: &Registration) -> Vec<String> {
    let mut lines = vec![capitals(&full_name(r))];
    let d = &r.data.domicile;
    if d.send_mail_here && d.address.is_some() {
        if let Some(co) = &d.care_of {
            lines.push(format!("c/o {co}"));
        }
        lines.push(
            format!("{} {}", or_dash(&d.address), d.street_number.clone().unwrap_or_default()).trim().to_string(),
        );
        lines.push(format!(
            "{} {} ({})",
            d.postcode.clone().unwrap_or_default(),
            capitals(&d.municipality_name.clone().unwrap_or_default()),
            d.province.clone().unwrap_or_default()
        ));
        return lines;
    }
    let res = &r.data.residence;
    lines.push(
        format!("{} {}", or_dash(&res.address), res.street_number.clone().unwrap_or_default()).trim().to_string(),
    );
    if res.province.as_deref() == Some(ABROAD_PROVINCE) {
        lines.push(capitals(&or_dash(&res.city)));
        lines.push(capitals(&res.country_name.clone().or_else(|| res.country.clone()).unwrap_or_default()));
    } else {
        lines.push(format!(
            "{} {} ({})",
            res.postcode.clone().unwrap_or_default(),
            capitals(&res.municipality_name.clone().unwrap_or_default()),
            res.province.clone().unwrap_or_default()
        ));
    }
    lines
}

/// "Registrazione n. 1000042 del 05/03/2025".
fn registration_reference(r: &Registration) -> String {
    format!("Registrazione n. {} del {}", r.registration_number, day_it(r.registered_at))
}

/// A letter the office issues: its reference carries the registration and the document's date.
fn letter(
    office: &Office,
    kind: Kind,
    r: &Registration,
    today: NaiveDate,
    title: &str,
    mailed: bool,
    body: Vec<Block>,
) -> Letter {
    Letter {
        kind,
        sender: office.sender.clone(),
        helpdesk: office.helpdesk.clone(),
        address: mailed.then(|| postal_address(r)),
        reference: vec![
            format!("Rif.: {}", registration_reference(r)),
            format!("Data del documento: {}", date_it(today)),
        ],
        title: title.into(),
        body,
    }
}

/// A form the citizen (or whoever acts for them) signs: the reference names the registration
/// only; place and date are written by hand where they sign ([`Block::Signature`]).
fn form(office: &Office, kind: Kind, r: &Registration, title: &str, body: Vec<Block>) -> Letter {
    Letter {
        kind,
        sender: office.sender.clone(),
        helpdesk: office.helpdesk.clone(),
        address: None,
        reference: vec![format!("Rif.: {}", registration_reference(r))],
        title: title.into(),
        body,
    }
}

fn identity_fields(r: &Registration) -> Vec<Block> {
    vec![
        Block::Field("Numero di registrazione".into(), r.registration_number.to_string()),
        Block::Field("Codice fiscale".into(), r.fiscal_code.to_string()),
        Block::Field("Nome e cognome".into(), full_name(r)),
    ]
}

const PORTAL: &str = "https://www.sistemapiemonte.it";

/// What the PIN of a letter does, which the letter's instructions say: a citizen whose account
/// is active is never told to choose a username, nor to use a code nobody sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinUse {
    /// With the activation code: new credentials (a verification, a reset, a weak activation
    /// by post), username and password chosen online.
    NewCredentials,
    /// With the activation code: the account becomes strong, its username and password kept.
    Promotion,
    /// With the activation code: a new PIN for the account, in force once accepted.
    NewPin,
    /// Alone (by post, an active account with nothing in progress): the account's PIN from now.
    ReplacesPin,
}

impl PinUse {
    /// The PIN of a desk booking of `kind`.
    pub fn of_booking(kind: OperationKind) -> PinUse {
        match kind {
            OperationKind::Promotion => PinUse::Promotion,
            OperationKind::Pin => PinUse::NewPin,
            _ => PinUse::NewCredentials,
        }
    }

    fn instructions(self) -> String {
        let with_code = format!(
            "Per completare la procedura si colleghi a {PORTAL} e inserisca il codice fiscale, il codice di attivazione che ha ricevuto per posta elettronica o in busta chiusa e questo PIN:"
        );
        match self {
            PinUse::NewCredentials => format!("{with_code} potrà così accettare il Regolamento e scegliere username e password."),
            PinUse::Promotion => format!(
                "{with_code} accettato il Regolamento, le Sue credenziali diventano forti. Username e password restano quelli che già usa."
            ),
            PinUse::NewPin => format!(
                "{with_code} accettato il Regolamento, questo PIN prende il posto del precedente. Username e password restano quelli che già usa."
            ),
            PinUse::ReplacesPin => "Questo PIN prende da subito il posto del precedente, che non è più valido. Username e password restano quelli che già usa: non occorre altro.".into(),
        }
    }
}

/// The PIN letter (Allegato 1): handed over at the desk or mailed by postal runs; its
/// instructions say what the PIN does (`PinUse`).
pub fn pin_letter(
    office: &Office,
    r: &Registration,
    pin: &Secret,
    used: PinUse,
    today: NaiveDate,
    mailed: bool,
) -> Letter {
    let mut body = vec![Block::Para(greeting(r))];
    body.push(Block::Para(
        "Le consegniamo il codice PIN personale associato alle Sue credenziali di accesso ai servizi on-line della Pubblica Amministrazione piemontese. Il PIN è strettamente personale: lo conservi con cura, separato dal codice di attivazione, e non lo comunichi a nessuno, neppure agli operatori."
            .into(),
    ));
    body.extend(identity_fields(r));
    body.push(Block::Secret("Codice PIN".into(), pin.expose().into()));
    body.push(Block::Para(used.instructions()));
    body.push(Block::Para(
        "Se non ha richiesto Lei questo PIN, si rivolga a uno sportello abilitato o all'assistenza.".into(),
    ));
    letter(office, Kind::Pin, r, today, "Consegna del codice PIN", mailed, body)
}

/// The activation-code letter (Allegato 2a) or the revocation-code letter (Allegato 2b).
pub fn code_letter(
    office: &Office,
    kind: CodeKind,
    r: &Registration,
    code: &Secret,
    valid_until: DateTime<Utc>,
    today: NaiveDate,
) -> Letter {
    let (intro, label, how, letter_kind, title) = match kind {
        CodeKind::Activation => (
            "Le consegniamo il codice di attivazione con cui completare on-line la Sua registrazione. Il codice è valido una sola volta.",
            "Codice di attivazione",
            format!(
                "Si colleghi a {PORTAL}, scelga «Attiva le credenziali» e inserisca il codice fiscale, questo codice di attivazione e il PIN ricevuto in busta chiusa (allo sportello o per posta, in una busta separata). Un codice di attivazione rigenerato rende inutilizzabile quello precedente."
            ),
            Kind::ActivationCode,
            "Consegna del codice di attivazione",
        ),
        CodeKind::Revocation => (
            "ha chiesto la revoca delle Sue credenziali di accesso ai servizi on-line. Le consegniamo il codice di revoca con cui rendere effettiva la richiesta.",
            "Codice di revoca",
            format!(
                "Si colleghi a {PORTAL}, inserisca il codice fiscale e il codice di revoca e confermi: le credenziali saranno disattivate e i dati personali forniti in registrazione cancellati dai nostri archivi. I dati dell'anagrafe comunale e sanitaria non sono toccati."
            ),
            Kind::RevocationCode,
            "Consegna del codice di revoca",
        ),
    };
    let mut body = vec![Block::Para(greeting(r)), Block::Para(intro.into())];
    body.extend(identity_fields(r));
    body.push(Block::Secret(label.into(), code.expose().into()));
    body.push(Block::Field("Valido fino al".into(), day_it(valid_until)));
    body.push(Block::Para(how));
    letter(office, letter_kind, r, today, title, false, body)
}

/// What the SPID letter and email say about where the token is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpidDelivery {
    /// Model a: sent by the desk to this identity provider.
    ToIdp(String),
    /// Model b: attached to the email.
    ByEmail,
}

/// The SPID letter (guidelines §3.5): the first half of the passphrase, handed over at the
/// desk right after the identification, what to do next and the 30-day limit.
pub fn spid_letter(
    office: &Office,
    r: &Registration,
    half: &Secret,
    token_id: &str,
    delivery: &SpidDelivery,
    valid_until: DateTime<Utc>,
    today: NaiveDate,
) -> Letter {
    let mut body = vec![
        Block::Para(greeting(r)),
        Block::Para(
            "oggi la Sua identità è stata verificata di persona presso questo sportello, che opera come R.A.O. pubblico del Sistema Pubblico di Identità Digitale (SPID). Con questa identificazione può ottenere un'identità SPID da un gestore di identità digitale (Identity Provider) che aderisce al modello R.A.O. pubblico, senza farsi identificare di nuovo."
                .into(),
        ),
    ];
    body.extend(identity_fields(r));
    body.push(Block::Secret("Prima metà della passphrase".into(), half.expose().into()));
    body.push(Block::Field("Identificativo del token".into(), token_id.into()));
    body.push(Block::Field("Utilizzabile fino al".into(), day_it(valid_until)));
    body.push(Block::Para(match delivery {
        SpidDelivery::ToIdp(idp) => format!(
            "Su Sua scelta il token sigillato con i Suoi dati è stato inviato a {idp}. Riceverà per posta elettronica la seconda metà della passphrase. Si colleghi al sito di {idp}, scelga il rilascio con «identificazione tramite P.A.», inserisca il Suo codice fiscale e poi la passphrase completa: prima i 6 caratteri di questa lettera, subito dopo i 6 caratteri dell'email."
        ),
        SpidDelivery::ByEmail => "Riceverà per posta elettronica un messaggio con la seconda metà della passphrase e, in allegato, il token sigillato con i Suoi dati. Scelga un gestore di identità digitale SPID che aderisce al modello R.A.O. pubblico, si colleghi al suo sito, scelga il rilascio con «identificazione tramite P.A.», carichi il token e inserisca la passphrase completa: prima i 6 caratteri di questa lettera, subito dopo i 6 caratteri dell'email.".into(),
    }));
    body.push(Block::Para(format!(
        "Il token può essere usato entro e non oltre 30 giorni dall'identificazione, cioè fino al {}. Dopo 5 tentativi errati di inserimento della passphrase il token non è più accettato: in quel caso, o dopo la scadenza, si rivolga di nuovo a uno sportello.",
        day_it(valid_until)
    )));
    body.push(Block::Para(
        "Conservi questa lettera separata dall'email e non comunichi la passphrase a nessuno, neppure agli operatori. Le informazioni sui gestori di identità digitale sono sul sito ufficiale https://www.spid.gov.it."
            .into(),
    ));
    letter(
        office,
        Kind::SpidPassphrase,
        r,
        today,
        "SPID: identificazione presso lo sportello (R.A.O. pubblico)",
        false,
        body,
    )
}

fn yn(b: bool) -> String {
    if b { "Sì".into() } else { "No".into() }
}

fn day_or_dash(t: Option<DateTime<Utc>>) -> String {
    t.map(day_it).unwrap_or_else(|| "-".into())
}

fn text_or_dash(v: &Option<String>) -> String {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(String::from).unwrap_or_else(|| "-".into())
}

/// The data summary (Allegato 3, with the fields of Allegato 7): everything on record, for the
/// citizen to check, the desk's notes too (the citizen may see what is written about them).
/// Secrets are never on record in clear, so never here.
pub fn summary(office: &Office, r: &Registration, today: NaiveDate) -> Letter {
    let f = |l: &str, v: String| Block::Field(l.into(), v);
    let mut body = vec![
        Block::Para(
            "Verifichi che i dati riportati siano corretti; in caso contrario lo segnali subito all'operatore.".into(),
        ),
        Block::Heading("Dati di registrazione".into()),
        f("Numero di registrazione", r.registration_number.to_string()),
        f("Portale di registrazione", r.community.label().into()),
        f("Data di registrazione", day_it(r.registered_at)),
        f("Stato della registrazione", r.state.label().into()),
        f("Possesso PIN", yn(r.pin_possessed)),
        f("Data del riscontro", day_or_dash(r.verified_at)),
        f("Registrazione forte", yn(r.strong)),
        f("Ente del riscontro", text_or_dash(&r.verified_ente)),
        f("Username", text_or_dash(&r.username)),
        f("Data di stampa del PIN", day_or_dash(r.pin_printed_at)),
        f("Stampe del PIN per posta", r.pin_print_count.to_string()),
        f("Data di attivazione", day_or_dash(r.activated_at)),
        f("Data di promozione", day_or_dash(r.promoted_at)),
        Block::Heading(Group::Person.label().into()),
        f("Codice fiscale", r.fiscal_code.to_string()),
    ];
    let mut group = Group::Person;
    for (field, value) in shown(&r.data) {
        if field.group != group {
            group = field.group;
            body.push(Block::Heading(group.label().into()));
        }
        body.push(f(field.label, if value.trim().is_empty() { "-".into() } else { value }));
    }
    if let Some(op) = &r.last_operation {
        body.push(Block::Heading("Ultima operazione".into()));
        body.push(f("Tipo di operazione", op.kind.label().into()));
        body.push(f("Data della richiesta allo sportello", day_it(op.requested_at)));
        body.push(f("Presso l'ente", op.ente.clone()));
        body.push(f("Stato dell'operazione", op.status.label().into()));
        if let Some(d) = &op.delegate {
            body.push(Block::Heading("Delegato dell'ultima operazione".into()));
            body.push(f("Tipo di delega", d.kind.label().into()));
            body.push(f("Nome", d.first_name.clone()));
            body.push(f("Cognome", d.last_name.clone()));
            body.push(f("Codice fiscale", d.fiscal_code.clone()));
            body.push(f("Tipo documento", d.doc_type.label().into()));
            body.push(f("Numero documento", d.doc_number.clone()));
            body.push(f("Data di rilascio del documento", date_it(d.doc_issued)));
            body.push(f("Rilasciato da", d.doc_issuer.clone()));
            body.push(f("Email", text_or_dash(&d.email)));
            body.push(f("Telefono", text_or_dash(&d.phone)));
        }
    }
    letter(office, Kind::Summary, r, today, "Riepilogo dei dati di registrazione", false, body)
}

fn born(r: &Registration) -> String {
    let p = &r.data.person;
    let nato = if p.sex == Some(crate::domain::Sex::F) { "nata" } else { "nato" };
    format!("{nato} il {}, codice fiscale {}", p.birth_date.map(date_it).unwrap_or_else(|| "-".into()), r.fiscal_code)
}

fn sottoscritto(r: &Registration) -> &'static str {
    if r.data.person.sex == Some(crate::domain::Sex::F) { "La sottoscritta" } else { "Il sottoscritto" }
}

/// The service rules (Allegato 4), pre-filled for signature in exceptional cases.
pub fn rules(office: &Office, r: &Registration) -> Letter {
    let body = vec![
        Block::Para(format!("{} {}, {}, dichiara di aver letto e di accettare il presente Regolamento.", sottoscritto(r), full_name(r), born(r))),
        Block::Heading("Art. 1 - Oggetto".into()),
        Block::Para("Il Regolamento disciplina il rilascio e l'uso delle credenziali (username, password e PIN) per l'accesso ai servizi on-line di Sistema Piemonte e TorinoFacile.".into()),
        Block::Heading("Art. 2 - Rilascio".into()),
        Block::Para("Le credenziali forti sono rilasciate previa identificazione de visu presso uno sportello abilitato, esibendo un documento d'identità in corso di validità e la tessera sanitaria. Il PIN e il codice di attivazione sono consegnati per canali e in momenti diversi.".into()),
        Block::Heading("Art. 3 - Obblighi dell'utente".into()),
        Block::Para("L'utente custodisce con diligenza le credenziali, non le cede a terzi, e comunica tempestivamente smarrimento, furto o uso improprio. È responsabile di ogni uso delle credenziali a lui rilasciate.".into()),
        Block::Heading("Art. 4 - Revoca".into()),
        Block::Para("L'utente può chiedere in ogni momento la revoca delle credenziali presso uno sportello o con raccomandata A/R a CSI-Piemonte, Corso Unione Sovietica 216 - 10136 Torino. Con la revoca i dati personali forniti in registrazione sono cancellati.".into()),
        Block::Heading("Art. 5 - Trattamento dei dati personali".into()),
        Block::Para("I dati sono trattati ai sensi del Regolamento (UE) 2016/679 e del D. Lgs. 196/2003 al solo fine di rilasciare e gestire le credenziali.".into()),
        Block::Signature(format!("Firma di {}", full_name(r))),
    ];
    form(office, Kind::Rules, r, "Regolamento per il rilascio delle credenziali di Sistema Piemonte", body)
}

fn delegate_lines(d: Option<&Delegate>) -> Vec<Block> {
    let f = |l: &str, v: String| Block::Field(l.into(), v);
    match d {
        Some(d) => vec![
            f("Delegato", format!("{} {}", d.first_name, d.last_name)),
            f("Codice fiscale", d.fiscal_code.clone()),
            f(
                "Documento",
                format!(
                    "{} n. {} del {}, rilasciato da {}",
                    d.doc_type.label(),
                    d.doc_number,
                    date_it(d.doc_issued),
                    d.doc_issuer
                ),
            ),
        ],
        None => vec![
            f("Delegato (nome e cognome)", "______________________________".into()),
            f("Codice fiscale", "______________________________".into()),
            f("Documento (tipo, numero, data)", "______________________________".into()),
        ],
    }
}

/// The proxy form (Allegato 5), pre-filled with the citizen and, when known, the delegate.
pub fn proxy_form(office: &Office, r: &Registration, delegate: Option<&Delegate>, operation: OperationKind) -> Letter {
    let mut body = vec![Block::Para(format!(
        "{} {}, {}, residente come da documento allegato, delega la persona sotto indicata a presentarsi in sua vece presso uno sportello abilitato per richiedere l'operazione di {} delle credenziali di accesso ai servizi on-line di Sistema Piemonte, e a ritirare il PIN e i documenti relativi.",
        sottoscritto(r),
        full_name(r),
        born(r),
        operation.label()
    ))];
    body.extend(delegate_lines(delegate));
    body.push(Block::Para("Si allega copia del documento d'identità del delegante. Il delegato esibirà allo sportello il proprio documento d'identità in corso di validità.".into()));
    body.push(Block::Signature(format!("Firma del delegante {}", full_name(r))));
    form(office, Kind::ProxyForm, r, "Modulo delega richiesta credenziali", body)
}

/// The substitute declaration for persons under guardianship or unable to sign (Allegato 6).
pub fn guardianship_declaration(
    office: &Office,
    r: &Registration,
    delegate: Option<&Delegate>,
    operation: OperationKind,
) -> Letter {
    let mut body = vec![Block::Para(
        "Dichiarazione sostitutiva di atto di notorietà (artt. 4 e 47 del D.P.R. 445/2000) resa da chi agisce per conto di un soggetto maggiorenne sottoposto a tutela o impossibilitato a firmare."
            .into(),
    )];
    body.extend(delegate_lines(delegate));
    body.push(Block::Para(format!(
        "dichiara, consapevole delle sanzioni penali previste dall'art. 76 del D.P.R. 445/2000 per le dichiarazioni mendaci, di agire per conto di {}, {}, che si trova nell'impossibilità di firmare o è {} a tutela, e chiede per suo conto l'operazione di {} delle credenziali di Sistema Piemonte.",
        full_name(r),
        born(r),
        if r.data.person.sex == Some(crate::domain::Sex::F) { "sottoposta" } else { "sottoposto" },
        operation.label()
    )));
    body.push(Block::Signature("Firma del dichiarante".into()));
    form(
        office,
        Kind::GuardianshipDeclaration,
        r,
        "Dichiarazione sostitutiva per conto di soggetti tutelati o impossibilitati alla firma",
        body,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::*;

    /// Only new credentials are chosen online; an account kept keeps its username, and a PIN
    /// that travels alone asks for no code.
    #[test]
    fn a_pin_letter_says_what_its_pin_does() {
        let said = |kind| PinUse::of_booking(kind).instructions();
        for kind in [OperationKind::Verification, OperationKind::Reset] {
            assert!(said(kind).contains("scegliere username e password"), "{kind:?}");
        }
        for kind in [OperationKind::Promotion, OperationKind::Pin] {
            assert!(!said(kind).contains("scegliere") && said(kind).contains("restano quelli che già usa"), "{kind:?}");
            assert!(said(kind).contains("codice di attivazione"), "{kind:?}");
        }
        let alone = PinUse::ReplacesPin.instructions();
        assert!(!alone.contains("codice di attivazione") && !alone.contains("scegliere"), "{alone}");
    }

    fn registration() -> Registration {
        let mut data = PersonalData::default();
        data.person.first_name = Some("Nicolò".into());
        data.person.last_name = Some("D'Amico Là".into());
        data.person.birth_date = NaiveDate::from_ymd_opt(1978, 9, 2);
        data.person.sex = Some(Sex::M);
        data.residence.address = Some("Via Sant’Agostino".into());
        data.residence.street_number = Some("3".into());
        data.residence.postcode = Some("10122".into());
        data.residence.province = Some("TO".into());
        data.residence.municipality_name = Some("Torino".into());
        data.document.issuer = Some("Comune di Cirié".into());
        Registration {
            registration_number: 1000042,
            fiscal_code: FiscalCode::parse("DMCNCL78P02F335K").unwrap(),
            community: Community::SistemaPiemonte,
            registered_at: Utc::now(),
            state: State::Riscontrato,
            strong: false,
            pin_possessed: true,
            verified_at: None,
            verified_ente: None,
            username: None,
            pin_printed_at: None,
            pin_print_count: 0,
            activated_at: None,
            promoted_at: None,
            failed_attempts: 0,
            locked_at: None,
            data,
            last_operation: None,
            suspension: None,
        }
    }

    #[test]
    fn accents_and_apostrophes_survive_the_pdf() {
        let r = registration();
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let office = Office::default();
        let pdf = render(&[summary(&office, &r, today), rules(&office, &r)]).unwrap();
        let text = extract_text(&pdf).unwrap();
        for needle in [
            "Nicolò",
            "D'Amico Là",
            "Via Sant’Agostino",
            "Comune di Cirié",
            "Riepilogo dei dati",
            "identità",
            "Regolamento",
            "È responsabile",
            "identità",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
        }
    }

    #[test]
    fn address_block_uses_domicile_when_asked() {
        let mut r = registration();
        assert_eq!(postal_address(&r)[2], "10122 TORINO (TO)");
        r.data.domicile = Domicile {
            care_of: Some("Studio Neri".into()),
            address: Some("Via Sacchi".into()),
            street_number: Some("4".into()),
            province: Some("TO".into()),
            municipality_name: Some("Moncalieri".into()),
            postcode: Some("10024".into()),
            send_mail_here: true,
            ..Default::default()
        };
        assert_eq!(
            postal_address(&r),
            ["NICOLÒ D'AMICO LÀ", "c/o Studio Neri", "Via Sacchi 4", "10024 MONCALIERI (TO)"]
        );
        r.data.domicile.send_mail_here = false;
        r.data.residence.province = Some("EE".into());
        r.data.residence.city = Some("Lyon".into());
        r.data.residence.country_name = Some("Francia".into());
        assert_eq!(postal_address(&r)[2..], ["LYON", "FRANCIA"]);
        r.data.person.first_name = Some("Αικατερίνη".into());
        r.data.person.last_name = Some("Παπαδοπούλου".into());
        assert_eq!(postal_address(&r)[0], "ΑΙΚΑΤΕΡΙΝΗ ΠΑΠΑΔΟΠΟΥΛΟΥ", "no tonos in Greek capitals");
        r.data.person.first_name = Some("Αικατερι\u{301}νη".into());
        r.data.person.last_name = Some("Διονύσιος Προΐστου".into());
        assert_eq!(postal_address(&r)[0], "ΑΙΚΑΤΕΡΙΝΗ ΔΙΟΝΥΣΙΟΣ ΠΡΟΪΣΤΟΥ", "typed apart, or with a dialytika");
    }
}
