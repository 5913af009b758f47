//! The complete token (annex §4.3): ICRequestData encrypted under the passphrase's key, the
//! payload `iss`, `sub`, `jti`, `aud`, `iat`, `exp`, `fiscalNumber`, `encryptedData`, sealed as
//! a JWT with the R.A.O.'s seal (`typ`, `alg`, `x5c`).

use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::certs::Seal;
use super::request_data::IcRequestData;
use super::{annex, jose, passphrase};
use crate::error::{Error, Result};
use crate::secrets::Secret;

/// The payload of the complete token (schema A.2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payload {
    pub iss: String,
    pub sub: String,
    pub jti: String,
    pub aud: String,
    pub iat: String,
    pub exp: String,
    #[serde(rename = "fiscalNumber")]
    pub fiscal_number: String,
    #[serde(rename = "encryptedData")]
    pub encrypted_data: String,
}

/// `iss`: Base64(issuerCode) "." Base64(issuerInternalReference) (annex loose point 4).
pub fn iss(issuer_code: &str, internal_reference: Option<&str>) -> String {
    let e = |s: &str| annex::ISS_BASE64.encode(s.as_bytes());
    format!("{}.{}", e(issuer_code), internal_reference.map(e).unwrap_or_default())
}

/// An instant as the annex writes it.
pub fn instant(t: DateTime<Utc>) -> String {
    t.format(annex::TIME_FORMAT).to_string()
}

/// A sealed token, with what the audit log and the clerk need to know of it (never its data).
#[derive(Debug, Clone)]
pub struct Sealed {
    pub token: String,
    pub jti: String,
    pub sub: String,
    pub iss: String,
    pub aud: String,
    pub iat: DateTime<Utc>,
    pub exp: DateTime<Utc>,
}

/// Encrypts `data` under `passphrase` and seals the complete token for `aud` (the IdP's
/// entityID in model a, empty in model b). `iat` is the request's `issueInstant`.
pub fn seal(seal: &Seal, data: &IcRequestData, passphrase: &Secret, aud: &str) -> Result<Sealed> {
    let iat = DateTime::parse_from_rfc3339(&data.info.issue_instant)
        .map_err(|e| Error::Internal(crate::msg!("spid-seal-failed", detail = e.to_string())))?
        .with_timezone(&Utc);
    let exp = iat + annex::validity();
    let plaintext = serde_json::to_vec(data)
        .map_err(|e| Error::Internal(crate::msg!("spid-seal-failed", detail = e.to_string())))?;
    let encrypted = jose::encrypt(&passphrase::key(passphrase.expose()), &plaintext)?;
    let fiscal_number =
        data.spid_attributes.mandatory_attributes.fiscal_number.trim_start_matches(annex::TINIT).to_string();
    let payload = Payload {
        iss: iss(&data.info.issuer.issuer_code, data.info.issuer.issuer_internal_reference.as_deref()),
        sub: data.info.id.clone(),
        jti: uuid::Uuid::new_v4().to_string(),
        aud: aud.to_string(),
        iat: data.info.issue_instant.clone(),
        exp: instant(exp),
        fiscal_number,
        encrypted_data: encrypted,
    };
    let value = serde_json::to_value(&payload)
        .map_err(|e| Error::Internal(crate::msg!("spid-seal-failed", detail = e.to_string())))?;
    let token = seal.key.seal(&seal.chain, &value)?;
    Ok(Sealed { token, jti: payload.jti, sub: payload.sub, iss: payload.iss, aud: payload.aud, iat, exp })
}
