//! SPID from the desk (issue 19): a local test CA plays AgID's sub-CA and issues the R.A.O. seal
//! and the IdP's certificate; tokens issued at the desk on the real database, the passphrase read
//! back from the printed letter (pdftotext) and the email received by a real SMTP server; the
//! annex's checks with their response codes; model a against an IdP served on loopback with
//! mutual TLS.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{Duration, Utc};
use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sportello::domain::*;
use sportello::session::Session;
use sportello::spid::certs::{Anchors, Seal};
use sportello::spid::desk::{self, Issued, Model};
use sportello::spid::jose::{self, SealKey};
use sportello::spid::request_data::{AtTheDesk, Card};
use sportello::spid::responses::ResponseCode;
use sportello::spid::verify::Verifier;
use sportello::spid::{Rao, Settings, annex};
use sportello::store::registrations::Key;

use crate::fixtures::Citizen;
use crate::harness::{SmtpServer, TestDb, text};

/// DER of a certificatePolicies extension holding one policy, `oid` (1.3.76.16.4.x).
fn policies(last: u8) -> CustomExtension {
    let content = vec![0x30, 0x09, 0x30, 0x07, 0x06, 0x05, 0x2b, 0x4c, 0x10, 0x04, last];
    CustomExtension::from_oid_content(&[2, 5, 29, 32], content)
}

fn ca_params(name: &str) -> CertificateParams {
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name.push(DnType::CommonName, name);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    p
}

/// The test PKI, written to files as an administrator would configure them.
pub struct Pki {
    pub dir: tempfile::TempDir,
    /// The "AgID sub-CA" (for R.A.O.s and IdPs alike).
    pub ca: PathBuf,
    pub wrong_ca: PathBuf,
    pub seal_cert: PathBuf,
    pub seal_key: PathBuf,
    /// A R.A.O.-like certificate without the OID, signed by the right CA, and its key.
    pub no_oid_cert: PathBuf,
    pub no_oid_key: PathBuf,
    /// The IdP's TLS and seal certificate (OID .20, SAN 127.0.0.1), and its key.
    pub idp_cert: PathBuf,
    pub idp_key: PathBuf,
    /// An IdP certificate without the IdP OID.
    pub idp_no_oid_cert: PathBuf,
    pub idp_no_oid_key: PathBuf,
}

impl Pki {
    pub fn new() -> Pki {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: String| {
            let p = dir.path().join(name);
            std::fs::write(&p, text).unwrap();
            p
        };
        let ca_key = KeyPair::generate().unwrap();
        let ca = write("agid-subca.pem", ca_params("AgID test sub-CA").self_signed(&ca_key).unwrap().pem());
        let issuer = Issuer::new(ca_params("AgID test sub-CA"), ca_key);
        let wrong_key = KeyPair::generate().unwrap();
        let wrong_ca = write("wrong-ca.pem", ca_params("Another CA").self_signed(&wrong_key).unwrap().pem());
        let leaf = |cn: &str, oid: Option<u8>, san: bool, issuer: &Issuer<'_, KeyPair>, name: &str| {
            let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
            p.distinguished_name.push(DnType::CommonName, cn);
            if san {
                p.subject_alt_names = vec![SanType::IpAddress("127.0.0.1".parse().unwrap())];
            }
            if let Some(last) = oid {
                p.custom_extensions.push(policies(last));
            }
            let key = KeyPair::generate().unwrap();
            let cert = p.signed_by(&key, issuer).unwrap();
            (write(&format!("{name}.pem"), cert.pem()), write(&format!("{name}.key"), key.serialize_pem()))
        };
        let (seal_cert, seal_key) = leaf("Regione Piemonte - sigillo R.A.O.", Some(0x15), true, &issuer, "seal");
        let (no_oid_cert, no_oid_key) = leaf("Regione Piemonte - senza OID", None, true, &issuer, "no-oid");
        let (idp_cert, idp_key) = leaf("IdP di prova", Some(0x14), true, &issuer, "idp");
        let (idp_no_oid_cert, idp_no_oid_key) = leaf("IdP senza OID", None, true, &issuer, "idp-no-oid");
        // The seal signed by the wrong CA.
        let wrong_issuer = Issuer::new(ca_params("Another CA"), wrong_key);
        let _ = leaf("Sigillo altrui", Some(0x15), false, &wrong_issuer, "wrong-seal");
        Pki {
            dir,
            ca,
            wrong_ca,
            seal_cert,
            seal_key,
            no_oid_cert,
            no_oid_key,
            idp_cert,
            idp_key,
            idp_no_oid_cert,
            idp_no_oid_key,
        }
    }

    pub fn settings(&self, idps: Option<PathBuf>) -> Settings {
        Settings {
            seal_cert: Some(self.seal_cert.clone()),
            seal_key: Some(self.seal_key.clone()),
            ipa_code: Some("r_piemon".into()),
            idps,
            idp_ca: Some(self.ca.clone()),
        }
    }

    pub fn rao(&self) -> Rao {
        Rao::open(&self.settings(None)).unwrap()
    }

    fn verifier(&self, ca: &Path, entity_id: Option<&str>) -> Verifier {
        Verifier {
            anchors: Anchors::read(ca).unwrap(),
            entity_id: entity_id.map(String::from),
            attempts_dir: self.dir.path().join("attempts"),
        }
    }
}

/// A citizen with everything ICRequestData needs (a mobile too), identified now by `s`.
async fn identified(db: &TestDb, s: &Session, c: &Citizen) -> i64 {
    let number = c.register(s).await;
    let mut changes = PersonalData::default();
    changes.contacts.mobile = Some("+39 347 1234567".into());
    sportello::desk::edit::edit(s, &Key::Number(number), changes).await.unwrap();
    let req = sportello::desk::book::Request {
        key: Key::Number(number),
        operation: OperationKind::Verification,
        delegate: None,
        print_code: false,
    };
    // Registering at the desk already booked a verification; a new one is the identification now.
    sportello::desk::book::book(s, &db.desk(), req).await.unwrap();
    number
}

pub fn at_desk() -> AtTheDesk {
    AtTheDesk {
        doc_expiry: Some(Utc::now().date_naive() + Duration::days(2000)),
        card: Some(Card { kind: "TS".into(), serial: "80380001234567890123".into() }),
    }
}

fn request(number: i64, idp: Option<&str>) -> desk::Request {
    desk::Request { key: Key::Number(number), at_desk: at_desk(), idp: idp.map(String::from) }
}

const PASSPHRASE_CHARS: &str = "ABCDEFGHJKMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789!$?#=*+-.:";

/// The first 6-character word of passphrase characters after `label` in `text`.
fn half_after(text: &str, label: &str) -> String {
    let at = text.find(label).unwrap_or_else(|| panic!("no {label:?} in {text}"));
    text[at + label.len()..]
        .split_whitespace()
        .find(|w| w.chars().count() == 6 && w.chars().all(|c| PASSPHRASE_CHARS.contains(c)))
        .unwrap_or_else(|| panic!("no half after {label:?} in {text}"))
        .to_string()
}

/// The letter's half, read back with poppler's pdftotext.
fn letter_half(issued: &Issued) -> String {
    let letter =
        issued.letters.iter().find(|p| p.to_string_lossy().ends_with("-spid-passphrase.pdf")).expect("the SPID letter");
    let out = std::process::Command::new("pdftotext").args(["-enc", "UTF-8"]).arg(letter).arg("-").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("30 giorni") && text.contains("R.A.O. pubblico"), "{text}");
    // The half itself as the page holds it: pdftotext joins a line ending in `-` with the next
    // (dehyphenation), and a half may end in `-`.
    let held = sportello::letters::extract_text(&std::fs::read(letter).unwrap()).unwrap();
    half_after(&held, "Prima metà della passphrase")
}

/// The email's half and attachment (if any), as received by the SMTP server.
fn email_parts(raw: &str) -> (String, Option<String>) {
    let message = mail_parser::MessageParser::default().parse(raw.as_bytes()).unwrap();
    let body = message.body_text(0).unwrap().into_owned();
    assert!(body.contains("https://www.spid.gov.it"), "{body}");
    let half = half_after(&body, "seconda metà della passphrase:");
    let token = message.attachments().next().map(|a| String::from_utf8(a.contents().to_vec()).unwrap());
    (half, token)
}

#[tokio::test]
async fn a_token_issued_at_the_desk_decrypts_with_the_two_halves_and_passes_every_check() {
    let smtp = SmtpServer::start();
    let mut db = TestDb::new().await;
    db.smtp_url = Some(smtp.url.clone());
    let s = db.admin().await;
    let pki = Pki::new();
    let c = Citizen::new("RSSMRA", "Mario", "Rossi", "1985-12-10", Sex::M);
    let number = identified(&db, &s, &c).await;
    let issued = desk::issue(&s, &db.desk(), &pki.rao(), request(number, None)).await.unwrap();
    assert_eq!(issued.model, Model::B);
    assert!(issued.handed_over);
    let raw = smtp.received().into_iter().find(|m| m.contains("SPID")).expect("the SPID email");
    let (email_half, token) = email_parts(&raw);
    let token = token.expect("model b: the token attached");
    let letter_half = letter_half(&issued);
    let passphrase = format!("{letter_half}{email_half}");
    assert!(sportello::spid::passphrase::well_formed(&passphrase), "{passphrase}");

    let verdict = pki.verifier(&pki.ca, None).verify(&token, Utc::now(), Some(&passphrase)).unwrap();
    assert_eq!(verdict.code, Some(ResponseCode::Ok), "{verdict:?}");
    assert!(verdict.checks.iter().all(|c| c.ok));
    let names: Vec<&str> = verdict.checks.iter().map(|c| c.check).collect();
    assert_eq!(names, ["conformity", "algorithm", "certificate", "seal", "iat", "exp", "passphrase", "consistency"]);
    let data = verdict.data.unwrap();
    let m = &data.spid_attributes.mandatory_attributes;
    assert_eq!(m.fiscal_number, format!("TINIT-{}", c.cf));
    assert_eq!((m.name.as_str(), m.family_name.as_str()), ("Mario", "Rossi"));
    assert_eq!(
        (m.place_of_birth.as_str(), m.county_of_birth.as_str(), m.nation_of_birth.as_str()),
        ("L219", "TO", "Z000")
    );
    assert_eq!(
        (m.address.address_type.as_str(), m.address.address_name.as_str(), m.address.municipality.as_str()),
        ("Via", "Po", "L219")
    );
    assert_eq!(
        (m.mobile_phone.country_calling_code.as_str(), m.mobile_phone.phone_number.as_str()),
        ("+39", "3471234567")
    );
    assert_eq!(m.id_card.id_card_type, "cartaIdentita");
    assert_eq!(data.info.issuer.issuer_code, "r_piemon");
    assert_eq!(data.info.id, verdict.jti.as_ref().map(|_| issued.request_id.clone()).unwrap());

    // The header and payload as the annex writes them.
    let jws = jose::Jws::parse(&token).unwrap();
    assert_eq!(jws.header["typ"], "JWT");
    assert_eq!(jws.header["alg"], "ES256");
    assert_eq!(jws.x5c[0], CertificateDer::from_pem_file(&pki.seal_cert).unwrap(), "the seal first in x5c");
    let p = &jws.payload;
    assert_eq!(p["aud"], "");
    assert_eq!(p["fiscalNumber"], c.cf.as_str());
    assert_eq!(p["jti"], issued.token_id.as_str());
    assert_eq!(
        p["iss"],
        "cl9waWVtb24=.".to_string() + &sportello::spid::token::iss("", Some(&number.to_string()))[1..]
    );
    let iat = chrono::DateTime::parse_from_rfc3339(p["iat"].as_str().unwrap()).unwrap();
    let exp = chrono::DateTime::parse_from_rfc3339(p["exp"].as_str().unwrap()).unwrap();
    assert_eq!(exp - iat, Duration::days(30));
    let encrypted = p["encryptedData"].as_str().unwrap();
    let jwe_header: serde_json::Value =
        serde_json::from_slice(&jose::unb64(encrypted.split('.').next().unwrap()).unwrap()).unwrap();
    assert_eq!(jwe_header, serde_json::json!({ "alg": annex::JWE_ALG, "enc": annex::JWE_ENC }));

    // Nothing of the passphrase or the citizen in clear in the audit log; the row says who
    // identified whom, when, the token, the model.
    let owner = db.owner().await;
    let rows = owner
        .query("SELECT details::text, target, login FROM audit_log WHERE action = 'spid-token'", &[])
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    let details: String = rows[0].get(0);
    let all: Vec<String> = owner
        .query("SELECT row_to_json(a)::text FROM audit_log a", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    for secret in [&passphrase, &letter_half, &email_half, &c.cf, &"Rossi".to_string()] {
        assert!(!all.iter().any(|r| r.contains(secret.as_str())), "{secret} in the audit log");
    }
    let d: serde_json::Value = serde_json::from_str(&details).unwrap();
    assert_eq!(d["token_id"], issued.token_id.as_str());
    assert_eq!(d["model"], "b");
    assert_eq!(d["identified_by"], "admin");
    assert_eq!(d["registration_number"], number);
    assert!(rows[0].get::<_, String>(1).starts_with("cf:"));

    // The command-line verifier: the passphrase on standard input, never on the command line.
    let file = pki.dir.path().join("token-spid.jwt");
    std::fs::write(&file, &token).unwrap();
    let verify = |passphrase: &str, extra: &[&str]| {
        use std::io::Write;
        let mut cmd = crate::harness::sportello();
        cmd.args(["spid-token", "verify"])
            .arg(&file)
            .arg("--ca")
            .arg(&pki.ca)
            .arg("--attempts-dir")
            .arg(pki.dir.path().join("cli-attempts"));
        cmd.args(extra)
            .env("SPORTELLO_CONFIG", "")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        child.stdin.take().unwrap().write_all(format!("{passphrase}\n").as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let out = verify(&passphrase, &["--format", "json"]);
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stdout} {stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["responseCode"], 1);
    let out = verify("Ab3!Ab3!Ab3!", &[]);
    assert_eq!(text(&out).2, 3, "{}", text(&out).0);
    assert!(text(&out).0.contains("4 attempts left"), "{}", text(&out).0);

    // Revoking and erasing the citizen keeps the evidence.
    let out = db.cli(Some("admin"), &["book", "--number", &number.to_string(), "--operation", "revocation"]);
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);
    let mail = smtp.received().into_iter().rfind(|m| m.contains("codice di revoca")).unwrap();
    let code = format!("code={}\n", crate::desk::code_in(&mail));
    let out = db.cli_fed(Some("portal"), &["citizen", "revoke", "--cf", &c.cf], &code);
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);
    let kept: i64 =
        owner.query_one("SELECT count(*) FROM audit_log WHERE action = 'spid-token'", &[]).await.unwrap().get(0);
    assert_eq!(kept, 1, "the token's row outlives the erasure");
    let out = db.cli(Some("admin"), &["audit", "--target", &c.cf, "--action", "spid-token", "--format", "json"]);
    let rows: serde_json::Value = serde_json::from_str(&text(&out).0).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 1, "found by the fiscal code after the erasure");
}

/// A token sealed outside the desk (the checks' negative cases need tokens the desk would never
/// make): `chain` and `key` seal it, `aud` and `iat` as given.
fn token_with(pki: &Pki, cert: &Path, key: &Path, aud: &str, iat: chrono::DateTime<Utc>) -> (String, String) {
    let rao = pki.rao();
    let seal = Seal {
        chain: sportello::spid::certs::read_chain(cert).unwrap(),
        key: Arc::new(SealKey::new(
            rustls::crypto::ring::sign::any_supported_type(&PrivateKeyDer::from_pem_file(key).unwrap()).unwrap(),
        )),
        tls_key: rao.seal.tls_key.clone(),
    };
    let c = Citizen::new("RSSMRA", "Mario", "Rossi", "1985-12-10", Sex::M);
    let fc = FiscalCode::parse(&c.cf).unwrap();
    let mut data = c.data();
    data.contacts.mobile = Some("3471234567".into());
    data.residence.province = Some("TO".into());
    data.residence.municipality = Some("001272".into());
    let r = Registration {
        registration_number: 1000001,
        fiscal_code: fc,
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
    };
    let places = sportello::spid::request_data::Places {
        county_of_birth: Some("TO".into()),
        residence_cadastral: Some("L219".into()),
    };
    let header = sportello::spid::request_data::Header {
        id: "req-1".into(),
        issued_at: iat,
        issuer_code: "r_piemon".into(),
        internal_reference: "1000001".into(),
    };
    let data = sportello::spid::request_data::build(&r, &at_desk(), &places, &header, iat.date_naive()).unwrap();
    let passphrase = sportello::spid::passphrase::new().unwrap();
    let sealed = sportello::spid::token::seal(&seal, &data, &passphrase, aud).unwrap();
    (sealed.token, passphrase.expose().to_string())
}

#[tokio::test]
async fn every_check_fails_with_the_annex_code() {
    let pki = Pki::new();
    let now = Utc::now();
    let good = || token_with(&pki, &pki.seal_cert, &pki.seal_key, "", now);
    let code = |v: &Verifier, token: &str, at, pass: Option<&str>| v.verify(token, at, pass).unwrap().code;
    let v = pki.verifier(&pki.ca, Some("https://idp.test"));

    let (token, pass) = good();
    assert_eq!(code(&v, &token, now, Some(&pass)), Some(ResponseCode::Ok));
    assert_eq!(code(&v, &token, now, None), Some(ResponseCode::Ok), "the checks on receipt");

    // A tampered payload: another fiscal code, the seal unchanged.
    let parts: Vec<&str> = token.split('.').collect();
    let mut payload: serde_json::Value = serde_json::from_slice(&jose::unb64(parts[1]).unwrap()).unwrap();
    payload["fiscalNumber"] = "BNCGLI92D58L219Y".into();
    let tampered = format!("{}.{}.{}", parts[0], jose::b64(payload.to_string().as_bytes()), parts[2]);
    assert_eq!(code(&v, &tampered, now, Some(&pass)), Some(ResponseCode::BadRequest));
    // Not a JWT, and alg none.
    assert_eq!(code(&v, "not.a.token", now, None), Some(ResponseCode::BadRequest));
    let mut header: serde_json::Value = serde_json::from_slice(&jose::unb64(parts[0]).unwrap()).unwrap();
    header["alg"] = "none".into();
    let none = format!("{}.{}.", jose::b64(header.to_string().as_bytes()), parts[1]);
    assert_eq!(code(&v, &none, now, None), Some(ResponseCode::BadRequest));

    // The wrong CA: the verifier trusts another sub-CA.
    assert_eq!(code(&pki.verifier(&pki.wrong_ca, None), &token, now, None), Some(ResponseCode::Unauthorized));
    let wrong_seal = pki.dir.path().join("wrong-seal.pem");
    let (other, _) = token_with(&pki, &wrong_seal, &pki.dir.path().join("wrong-seal.key"), "", now);
    assert_eq!(code(&v, &other, now, None), Some(ResponseCode::Unauthorized), "a seal from another CA");
    // A certificate of the right CA without the R.A.O. OID (an IdP's is not a R.A.O.'s either).
    let (no_oid, _) = token_with(&pki, &pki.no_oid_cert, &pki.no_oid_key, "", now);
    assert_eq!(code(&v, &no_oid, now, None), Some(ResponseCode::Unauthorized));
    let (idp_sealed, _) = token_with(&pki, &pki.idp_cert, &pki.idp_key, "", now);
    assert_eq!(code(&v, &idp_sealed, now, None), Some(ResponseCode::Unauthorized));
    // The seal loader refuses a certificate without the OID.
    assert!(Seal::read(&pki.no_oid_cert, &pki.no_oid_key).is_err());

    // Model a: the aud must be this IdP, iat within 5 minutes.
    let (model_a, _) = token_with(&pki, &pki.seal_cert, &pki.seal_key, "https://idp.test", now);
    assert_eq!(code(&v, &model_a, now, None), Some(ResponseCode::Ok));
    assert_eq!(
        code(&pki.verifier(&pki.ca, Some("https://other.idp")), &model_a, now, None),
        Some(ResponseCode::BadRequest),
        "wrong aud"
    );
    assert_eq!(code(&v, &model_a, now + Duration::minutes(6), None), Some(ResponseCode::BadRequest), "stale iat");
    assert_eq!(
        code(&v, &model_a, now - Duration::minutes(6), None),
        Some(ResponseCode::BadRequest),
        "iat in the future"
    );
    // Model b: accepted for 30 days, expired after.
    assert_eq!(code(&v, &token, now + Duration::days(29), None), Some(ResponseCode::Ok));
    assert_eq!(
        code(&v, &token, now + Duration::days(30) + Duration::seconds(1), None),
        Some(ResponseCode::ExpiredToken)
    );

    // A wrong passphrase: four say how many attempts are left, the fifth locks the token, and
    // the right one is then refused too.
    let (token, pass) = good();
    for left in (1..=4).rev() {
        let verdict = v.verify(&token, now, Some("Ab3!Ab3!Ab3!")).unwrap();
        assert_eq!((verdict.code, verdict.attempts_left), (None, Some(left)));
    }
    assert_eq!(code(&v, &token, now, Some("Ab3!Ab3!Ab3!")), Some(ResponseCode::InvalidToken));
    assert_eq!(code(&v, &token, now, Some(&pass)), Some(ResponseCode::InvalidToken), "locked");
    // Another token is not affected.
    let (other, pass) = good();
    assert_eq!(code(&v, &other, now, Some(&pass)), Some(ResponseCode::Ok));
}

#[tokio::test]
async fn only_on_a_fresh_identification_by_the_same_operator_and_with_every_attribute() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let pki = Pki::new();
    let rao = pki.rao();
    let c = Citizen::new("BNCGLI", "Giulia", "Bianchi", "1992-04-18", Sex::F);
    let number = c.register(&s).await;
    // Registered, nothing booked: no identification to rest on (the state table).
    let e = desk::issue(&s, &db.desk(), &rao, request(number, None)).await.unwrap_err();
    assert_eq!(e.exit_code(), sportello::error::exit::REFUSED, "{e}");
    assert!(e.to_string().contains("in-person identification"), "{e}");
    let verification = sportello::desk::book::Request {
        key: Key::Number(number),
        operation: OperationKind::Verification,
        delegate: None,
        print_code: false,
    };
    sportello::desk::book::book(&s, &db.desk(), verification).await.unwrap();
    // Identified now; but no mobile, no expiry, no card.
    let e = desk::issue(
        &s,
        &db.desk(),
        &rao,
        desk::Request { key: Key::Number(number), at_desk: AtTheDesk::default(), idp: None },
    )
    .await
    .unwrap_err();
    assert_eq!(e.exit_code(), sportello::error::exit::INVALID, "{e}");
    for field in ["mobile", "doc-expiry", "card-serial"] {
        assert!(e.to_string().contains(field), "{field}: {e}");
    }
    let owner = db.owner().await;
    let issued: i64 =
        owner.query_one("SELECT count(*) FROM audit_log WHERE action = 'spid-token'", &[]).await.unwrap().get(0);
    assert_eq!(issued, 0, "nothing issued");
    // A stale identification (booked two hours ago) is refused with the reason.
    let mut changes = PersonalData::default();
    changes.contacts.mobile = Some("3471234567".into());
    sportello::desk::edit::edit(&s, &Key::Number(number), changes).await.unwrap();
    owner
        .execute(
            "UPDATE operations SET requested_at = now() - interval '2 hours' WHERE registration_number = $1",
            &[&number],
        )
        .await
        .unwrap();
    let e = desk::issue(&s, &db.desk(), &rao, request(number, None)).await.unwrap_err();
    assert_eq!(e.exit_code(), sportello::error::exit::REFUSED, "{e}");
    assert!(e.to_string().contains("30 minutes"), "{e}");
    // By another operator: refused.
    let other = db.operator("sportellista", &["TO"], &[]).await;
    let n = Citizen::new("VRDLCU", "Luca", "Verdi", "1970-01-01", Sex::M);
    let number2 = identified(&db, &s, &n).await;
    let e = desk::issue(&other, &db.desk(), &rao, request(number2, None)).await.unwrap_err();
    assert!(e.to_string().contains("made by admin"), "{e}");
    // With no booking in progress (a revocation): refused by the state table.
    let out = db.cli(Some("admin"), &["book", "--number", &number2.to_string(), "--operation", "revocation"]);
    assert_eq!(text(&out).2, 0);
    let e = desk::issue(&s, &db.desk(), &rao, request(number2, None)).await.unwrap_err();
    assert_eq!(e.exit_code(), sportello::error::exit::REFUSED, "{e}");
    assert!(e.to_string().contains("spid-token is not allowed"), "{e}");
}

/// An IdP on loopback: mutual TLS (the client's seal must chain to the CA and carry the R.A.O.
/// OID), POST /raoic, the annex's checks on receipt, a signed answer with `answer`'s code.
struct TestIdp {
    url: String,
    received: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

const ENTITY_ID: &str = "https://idp.test";

async fn test_idp(pki: &Pki, cert: &Path, key: &Path, answer: Option<ResponseCode>) -> TestIdp {
    use hyper::service::service_fn;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from_pem_file(&pki.ca).unwrap()).unwrap();
    let client_verifier =
        rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone()).build().unwrap();
    let chain = sportello::spid::certs::read_chain(cert).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .unwrap()
        .with_client_cert_verifier(client_verifier)
        .with_single_cert(chain.clone(), PrivateKeyDer::from_pem_file(key).unwrap())
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = Arc::new(Mutex::new(Vec::new()));
    let seal_key = Arc::new(SealKey::new(
        rustls::crypto::ring::sign::any_supported_type(&PrivateKeyDer::from_pem_file(key).unwrap()).unwrap(),
    ));
    let verifier = Arc::new(pki.verifier(&pki.ca, Some(ENTITY_ID)));
    let (store, chain) = (received.clone(), Arc::new(chain));
    let task = tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else { return };
            let Ok(tls) = acceptor.accept(tcp).await else { continue };
            let client_has_oid = tls
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|c| c.first())
                .is_some_and(|c| sportello::spid::certs::has_oid(c, annex::OID_RAO_SEAL));
            let (store, chain, seal_key, verifier) = (store.clone(), chain.clone(), seal_key.clone(), verifier.clone());
            let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                let (store, chain, seal_key, verifier) =
                    (store.clone(), chain.clone(), seal_key.clone(), verifier.clone());
                async move {
                    use http_body_util::BodyExt;
                    let ok_method = req.method() == hyper::Method::POST && req.uri().path() == "/raoic";
                    let body = String::from_utf8(req.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
                    let jws = jose::Jws::parse(&body).ok();
                    let field =
                        |n: &str| jws.as_ref().and_then(|j| j.payload[n].as_str()).unwrap_or_default().to_string();
                    let checked =
                        verifier.verify(&body, Utc::now(), None).unwrap().code.unwrap_or(ResponseCode::GenericError);
                    let code = match (ok_method && client_has_oid, checked, answer) {
                        (false, _, _) => ResponseCode::Unauthorized,
                        (true, ResponseCode::Ok, Some(a)) => a,
                        (true, c, _) => c,
                    };
                    store.lock().unwrap().push(body);
                    let jwt = sportello::spid::idp::response(
                        &seal_key,
                        &chain,
                        ENTITY_ID,
                        &field("iss"),
                        &field("sub"),
                        code,
                    )
                    .unwrap();
                    Ok::<_, std::convert::Infallible>(
                        hyper::Response::builder()
                            .status(code.http_status())
                            .body(http_body_util::Full::new(hyper::body::Bytes::from(jwt)))
                            .unwrap(),
                    )
                }
            });
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    TestIdp { url: format!("https://127.0.0.1:{port}/raoic"), received, task }
}

fn registry(pki: &Pki, idp: &TestIdp) -> PathBuf {
    let port = idp.url.trim_end_matches("/raoic").rsplit(':').next().unwrap().to_string();
    let path = pki.dir.path().join(format!("idps-{port}.toml"));
    let text = format!("[[idp]]\nname = \"IdP di prova\"\nentity_id = \"{ENTITY_ID}\"\nraoic = \"{}\"\n", idp.url);
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test]
async fn model_a_posts_the_token_to_the_idp_over_mutual_tls() {
    let smtp = SmtpServer::start();
    let mut db = TestDb::new().await;
    db.smtp_url = Some(smtp.url.clone());
    let s = db.admin().await;
    let pki = Pki::new();

    // Accepted: the IdP holds the token, the citizen gets the letter and the email (no token).
    let idp = test_idp(&pki, &pki.idp_cert, &pki.idp_key, None).await;
    let rao = Rao::open(&pki.settings(Some(registry(&pki, &idp)))).unwrap();
    let c = Citizen::new("RSSMRA", "Mario", "Rossi", "1985-12-10", Sex::M);
    let number = identified(&db, &s, &c).await;
    let issued = desk::issue(&s, &db.desk(), &rao, request(number, Some("idp di prova"))).await.unwrap();
    let outcome = issued.idp.clone().unwrap();
    assert_eq!(outcome.code, Some(1), "{outcome:?}");
    assert!(outcome.message.contains("richiesta autorizzata"), "{}", outcome.message);
    assert!(issued.handed_over);
    let token = idp.received.lock().unwrap().last().cloned().expect("the IdP received the token");
    let raw = smtp.received().into_iter().find(|m| m.contains("SPID")).unwrap();
    let (email_half, attached) = email_parts(&raw);
    assert!(attached.is_none(), "model a: the token went to the IdP");
    let passphrase = format!("{}{email_half}", letter_half(&issued));
    let verdict = pki.verifier(&pki.ca, Some(ENTITY_ID)).verify(&token, Utc::now(), Some(&passphrase)).unwrap();
    assert_eq!(verdict.code, Some(ResponseCode::Ok), "{verdict:?}");
    assert_eq!(jose::Jws::parse(&token).unwrap().payload["aud"], ENTITY_ID);
    // Days later the citizen types the passphrase at the IdP: it still decrypts (the 5 minutes
    // on iat hold on receipt only).
    let later = Utc::now() + chrono::Duration::days(3);
    let verifier = pki.verifier(&pki.ca, Some(ENTITY_ID));
    assert_eq!(verifier.verify(&token, later, Some(&passphrase)).unwrap().code, Some(ResponseCode::Ok));
    assert_ne!(verifier.verify(&token, later, None).unwrap().code, Some(ResponseCode::Ok), "on receipt: stale");

    // Refused by the IdP (User Exists): nothing handed over, the attempt recorded with the code.
    let refusing = test_idp(&pki, &pki.idp_cert, &pki.idp_key, Some(ResponseCode::UserExists)).await;
    let rao = Rao::open(&pki.settings(Some(registry(&pki, &refusing)))).unwrap();
    let g = Citizen::new("BNCGLI", "Giulia", "Bianchi", "1992-04-18", Sex::F);
    let number = identified(&db, &s, &g).await;
    let issued = desk::issue(&s, &db.desk(), &rao, request(number, Some(ENTITY_ID))).await.unwrap();
    assert!(!issued.handed_over && issued.letters.is_empty() && issued.email.is_none());
    assert_eq!(issued.idp.as_ref().unwrap().code, Some(2));
    assert!(issued.idp.as_ref().unwrap().message.contains("già rilasciata"));
    let owner = db.owner().await;
    let row = owner
        .query_one("SELECT details, outcome FROM audit_log WHERE action = 'spid-token' ORDER BY seq DESC LIMIT 1", &[])
        .await
        .unwrap();
    let details: serde_json::Value = row.get(0);
    assert_eq!((details["idp_response_code"].clone(), details["model"].clone()), (2.into(), "a".into()));
    assert_eq!(row.get::<_, String>(1), "refused");

    // An IdP whose certificate lacks the IdP OID is not spoken to.
    let impostor = test_idp(&pki, &pki.idp_no_oid_cert, &pki.idp_no_oid_key, None).await;
    let rao = Rao::open(&pki.settings(Some(registry(&pki, &impostor)))).unwrap();
    let number = identified(&db, &s, &Citizen::new("VRDLCU", "Luca", "Verdi", "1970-01-01", Sex::M)).await;
    let issued = desk::issue(&s, &db.desk(), &rao, request(number, Some(ENTITY_ID))).await.unwrap();
    let o = issued.idp.unwrap();
    assert!(!issued.handed_over && o.code.is_none(), "{o:?}");
    assert!(o.message.contains("1.3.76.16.4.20"), "{}", o.message);
    assert!(impostor.received.lock().unwrap().is_empty());
    for i in [idp, refusing, impostor] {
        i.task.abort();
    }
}
