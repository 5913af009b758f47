//! The IdP's side (annex §4.9): every check on a received token, each failing with the response
//! code of the message table; then, with the passphrase, decryption and consistency. Wrong
//! passphrases are counted per token (by its `jti`) and after five the token is refused
//! (guidelines §3.7). This is how the tests prove the round trip, and how an IdP integrator
//! checks sportello's tokens (`sportello spid-token verify`).

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rustls::pki_types::UnixTime;
use serde::Serialize;

use super::certs::{Anchors, CertProblem};
use super::jose::{JoseError, Jws};
use super::request_data::{self, IcRequestData};
use super::responses::ResponseCode;
use super::token::{self, Payload};
use super::{annex, passphrase};
use crate::error::{Error, Result};

/// One check, as reported.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub check: &'static str,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// What the verifier concluded.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// The response code; none while a wrong passphrase still has attempts left.
    #[serde(rename = "responseCode", serialize_with = "code_number")]
    pub code: Option<ResponseCode>,
    #[serde(rename = "responseMessage")]
    pub message: Option<&'static str>,
    pub checks: Vec<Check>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    /// A wrong passphrase: how many attempts are left.
    #[serde(rename = "attemptsLeft", skip_serializing_if = "Option::is_none")]
    pub attempts_left: Option<u32>,
    /// The decrypted ICRequestData (only with the right passphrase).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<IcRequestData>,
}

fn code_number<S: serde::Serializer>(c: &Option<ResponseCode>, s: S) -> std::result::Result<S::Ok, S::Error> {
    match c {
        Some(c) => s.serialize_u16(c.code()),
        None => s.serialize_none(),
    }
}

/// What the IdP knows: AgID's sub-CA for R.A.O. seals, its own entityID (model a).
#[derive(Debug, Clone)]
pub struct Verifier {
    pub anchors: Anchors,
    pub entity_id: Option<String>,
    /// Where wrong passphrases are counted, one file per token.
    pub attempts_dir: PathBuf,
}

struct Run {
    checks: Vec<Check>,
}

impl Run {
    fn pass(&mut self, check: &'static str) {
        self.checks.push(Check { check, ok: true, detail: None });
    }

    fn fail(mut self, check: &'static str, detail: String, code: ResponseCode, jti: Option<String>) -> Verdict {
        self.checks.push(Check { check, ok: false, detail: Some(detail) });
        Verdict {
            code: Some(code),
            message: Some(code.message()),
            checks: self.checks,
            jti,
            attempts_left: None,
            data: None,
        }
    }
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc))
}

impl Verifier {
    /// The checks of a received token at `now`; with `passphrase`, decryption and consistency too.
    pub fn verify(&self, text: &str, now: DateTime<Utc>, passphrase: Option<&str>) -> Result<Verdict> {
        use ResponseCode as R;
        let mut run = Run { checks: Vec::new() };
        // 1. Conformity (annex §4.3, schema A.2).
        let jws = match Jws::parse(text) {
            Ok(j) => j,
            Err(e) => return Ok(run.fail("conformity", e.to_string(), R::BadRequest, None)),
        };
        let payload: Payload = match serde_json::from_value(jws.payload.clone()) {
            Ok(p) => p,
            Err(e) => return Ok(run.fail("conformity", format!("payload: {e}"), R::BadRequest, None)),
        };
        let jti = Some(payload.jti.clone());
        let (Some(iat), Some(exp)) = (parse_time(&payload.iat), parse_time(&payload.exp)) else {
            return Ok(run.fail("conformity", "iat and exp are not date-times".into(), R::BadRequest, jti));
        };
        if crate::domain::FiscalCode::parse(&payload.fiscal_number).map(|f| f.as_str() == payload.fiscal_number)
            != Ok(true)
        {
            return Ok(run.fail("conformity", "fiscalNumber is not a fiscal code".into(), R::BadRequest, jti));
        }
        run.pass("conformity");
        // 2. The algorithm.
        if let Err(e) = jws.check_alg() {
            return Ok(run.fail("algorithm", e.to_string(), R::BadRequest, jti));
        }
        run.pass("algorithm");
        // 3. The certificate: AgID's PKI, valid, the R.A.O. OID (Unauthorized); then the seal
        //    itself (a tampered token: Bad Request, annex loose point 8).
        let unix = UnixTime::since_unix_epoch(std::time::Duration::from_secs(now.timestamp().max(0) as u64));
        match self.anchors.check(&jws.x5c, annex::OID_RAO_SEAL, unix) {
            Ok(()) => run.pass("certificate"),
            Err(p @ (CertProblem::Untrusted(_) | CertProblem::NoOid(_))) => {
                return Ok(run.fail("certificate", p.to_string(), R::Unauthorized, jti));
            }
        }
        match jws.verify_seal() {
            Ok(()) => run.pass("seal"),
            Err(JoseError::Algorithm(a)) => return Ok(run.fail("seal", a, R::BadRequest, jti)),
            Err(e) => return Ok(run.fail("seal", e.to_string(), R::BadRequest, jti)),
        }
        // 4. aud (model a only: a token with an audience).
        let model_a = !payload.aud.trim().is_empty();
        if model_a {
            match &self.entity_id {
                Some(me) if *me == payload.aud => run.pass("aud"),
                Some(me) => {
                    return Ok(run.fail(
                        "aud",
                        format!("aud {} is not this IdP's entityID {me}", payload.aud),
                        R::BadRequest,
                        jti,
                    ));
                }
                None => {
                    return Ok(run.fail(
                        "aud",
                        "a model a token, and no entityID to compare".into(),
                        R::BadRequest,
                        jti,
                    ));
                }
            }
        }
        // 5. iat within 5 minutes of now on receipt of a model a token (the desk posts it at
        //    once); otherwise not in the future (loose point 5): model b is uploaded later, and a
        //    model a token is decrypted when the citizen types the passphrase, within 30 days.
        let skew = annex::clock_skew();
        let on_receipt = model_a && passphrase.is_none();
        let iat_ok = if on_receipt { now - skew < iat && iat < now + skew } else { iat < now + skew };
        if !iat_ok {
            return Ok(run.fail(
                "iat",
                format!("iat {} is not within 5 minutes of {}", payload.iat, token::instant(now)),
                R::BadRequest,
                jti,
            ));
        }
        run.pass("iat");
        // 6. exp = iat + 30 days, and not past.
        if exp != iat + annex::validity() {
            return Ok(run.fail("exp", format!("exp {} is not iat + 30 days", payload.exp), R::BadRequest, jti));
        }
        if now > exp {
            return Ok(run.fail("exp", format!("expired at {}", payload.exp), R::ExpiredToken, jti));
        }
        run.pass("exp");
        let Some(passphrase) = passphrase else {
            return Ok(Verdict {
                code: Some(R::Ok),
                message: Some(R::Ok.message()),
                checks: run.checks,
                jti,
                attempts_left: None,
                data: None,
            });
        };
        // The passphrase: five wrong ones lock the token.
        let counter = self.attempts_file(&payload.jti);
        let wrong = read_count(&counter)?;
        if wrong >= annex::MAX_PASSPHRASE_ATTEMPTS {
            return Ok(run.fail(
                "passphrase",
                format!("{wrong} wrong passphrases: the token is locked"),
                R::InvalidToken,
                jti,
            ));
        }
        let plaintext = match super::jose::decrypt(
            &payload.encrypted_data,
            &passphrase::key(passphrase.trim_end_matches(['\r', '\n'])),
        ) {
            Ok(p) => p,
            Err(JoseError::Decryption) => {
                let wrong = wrong + 1;
                write_count(&counter, wrong)?;
                if wrong >= annex::MAX_PASSPHRASE_ATTEMPTS {
                    return Ok(run.fail(
                        "passphrase",
                        format!("{wrong} wrong passphrases: the token is locked"),
                        R::InvalidToken,
                        jti,
                    ));
                }
                run.checks.push(Check { check: "passphrase", ok: false, detail: Some("wrong passphrase".into()) });
                return Ok(Verdict {
                    code: None,
                    message: None,
                    checks: run.checks,
                    jti,
                    attempts_left: Some(annex::MAX_PASSPHRASE_ATTEMPTS - wrong),
                    data: None,
                });
            }
            Err(e) => return Ok(run.fail("passphrase", e.to_string(), R::BadRequest, jti)),
        };
        run.pass("passphrase");
        // Consistency: ICRequestData (schema A.1) against sub, iat, iss, fiscalNumber.
        let data: IcRequestData = match serde_json::from_slice(&plaintext) {
            Ok(d) => d,
            Err(e) => return Ok(run.fail("consistency", format!("ICRequestData: {e}"), R::BadRequest, jti)),
        };
        let bad = request_data::nonconformities(&data);
        if !bad.is_empty() {
            return Ok(run.fail("consistency", format!("ICRequestData: {}", bad.join(", ")), R::BadRequest, jti));
        }
        let issuer = token::iss(&data.info.issuer.issuer_code, data.info.issuer.issuer_internal_reference.as_deref());
        let fiscal = data.spid_attributes.mandatory_attributes.fiscal_number.trim_start_matches(annex::TINIT);
        let mismatch = [
            (data.info.id != payload.sub, "info.id is not sub"),
            (parse_time(&data.info.issue_instant) != Some(iat), "info.issueInstant is not iat"),
            (issuer != payload.iss, "info.issuer is not iss"),
            (fiscal != payload.fiscal_number, "fiscalNumber differs"),
        ];
        if let Some((_, why)) = mismatch.iter().find(|(bad, _)| *bad) {
            return Ok(run.fail("consistency", (*why).into(), R::BadRequest, jti));
        }
        run.pass("consistency");
        Ok(Verdict {
            code: Some(R::Ok),
            message: Some(R::Ok.message()),
            checks: run.checks,
            jti,
            attempts_left: None,
            data: Some(data),
        })
    }

    fn attempts_file(&self, jti: &str) -> PathBuf {
        use sha2::{Digest, Sha256};
        self.attempts_dir.join(hex::encode(Sha256::digest(jti.as_bytes())))
    }
}

fn read_count(path: &Path) -> Result<u32> {
    match std::fs::read_to_string(path) {
        Ok(s) => Ok(s.trim().parse().unwrap_or(annex::MAX_PASSPHRASE_ATTEMPTS)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
        Err(e) => Err(Error::io(crate::msg!("io-read", path = path))(e)),
    }
}

fn write_count(path: &Path, n: u32) -> Result<()> {
    if let Some(dir) = path.parent() {
        crate::files::dir(dir, crate::files::Access::Private)?;
    }
    crate::files::write(path, n.to_string().as_bytes(), crate::files::Access::Private, false)
}
