//! The technical annex of AgID's R.A.O. pubblico guidelines ("Token R.A.O. Pubblico",
//! Determinazione n. 344/2019, `../shared/references/agid-rao/`), as numbers and names, and the
//! reading chosen wherever the annex is loose. Everything that would follow a corrected annex is
//! here, and only here; the README ("SPID from the desk") says why each reading was chosen.

use chrono::Duration;

/// The token can be used for 30 days from `iat` (annex §4.3): `exp` = `iat` + 30 days.
pub fn validity() -> Duration {
    Duration::days(30)
}

/// `iat` must fall within 5 minutes of the receiver's clock (annex §4.9, check 5).
pub fn clock_skew() -> Duration {
    Duration::minutes(5)
}

/// Wrong passphrases an IdP accepts before the token is no longer accepted (guidelines §3.7).
pub const MAX_PASSPHRASE_ATTEMPTS: u32 = 5;

/// OID of AgID (1.3.76.16) for the seal certificates of the R.A.O. pubblici (guidelines §3.12).
pub const OID_RAO_SEAL: &str = "1.3.76.16.4.21";
/// OID of AgID for the seal certificates of the identity providers (guidelines §3.12).
pub const OID_IDP_SEAL: &str = "1.3.76.16.4.20";

/// `typ` of the token's and of the IdP response's JWT header.
pub const TYP: &str = "JWT";

/// Loose point 1 — the annex names "HS256" as the *symmetric encryption* of the JWE, with a
/// 256-bit key = SHA-256(passphrase). HS256 is a MAC, not an encryption. The JWE algorithm
/// (RFC 7518 §5.2.3) whose name carries "HS256" and whose key is exactly 256 bits is
/// `A128CBC-HS256` (AES-128-CBC + HMAC-SHA-256, 16 + 16 bytes of key): that is the reading,
/// with the key used directly as the content-encryption key (`alg` = `dir`, RFC 7518 §4.5).
pub const JWE_ALG: &str = "dir";
/// See [`JWE_ALG`].
pub const JWE_ENC: &str = "A128CBC-HS256";

/// Loose point 2 — `alg` of the seal: the annex says only "the algorithm of the seal". The
/// signature algorithms of X.509 seals in the Italian PKI are RSA and ECDSA; sportello seals
/// with RS256 (an RSA key) or ES256 (a P-256 key), and the verifier accepts those two and
/// PS256. Anything else (`none`, HMAC) is refused as not "foreseen for the certificates of the
/// Agency's sub-CA" (check 2).
pub const SEAL_ALGS: &[&str] = &["RS256", "PS256", "ES256"];

/// Loose point 3 — `iat` and `exp` are written as the annex's examples and schema A.2 write
/// them, RFC 3339 date-time strings in UTC with milliseconds ("2019-05-27T15:49:53.735Z"), not
/// the NumericDate of RFC 7519; `issueInstant` of ICRequestData is the same string.
pub const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.3fZ";

/// Loose point 4 — `iss` is "Base64(issuerCode).Base64(issuerInternalReference)": the annex's
/// example (`Y19oNTAx.MDNBYiEzNFQ=`) is standard Base64 with padding, so that is what is
/// written and compared.
///
/// Loose point 5 — the ±5 minutes of check 5 cannot hold for model b, where the citizen
/// uploads the token days later: for a token with an `aud` (model a, sent at once) `iat` must
/// be within 5 minutes of now; for a token without (model b) `iat` must not be in the future
/// beyond 5 minutes, and after `exp` the token is expired (code 7).
///
/// Loose point 6 — the annex's last consistency check compares `issuer` with `aud`; it means
/// `iss` (the issuer is in `iss`, `aud` is the IdP): `info.id` = `sub`, `info.issueInstant` =
/// `iat`, `info.issuer` = `iss`, and `fiscalNumber` = the ICRequestData's without `TINIT-`.
///
/// Loose point 7 — schema A.1 lists required names that are not its properties (`Info`,
/// `ICRequestID`, `issuerOfficeCode`, `IdCardType`): the properties of the annex's text and
/// Example 1 are the ones written and required (`info`, `id`, `issueInstant`, `issuer`,
/// `issuerCode`, `idCardType`, and the address's `addressType`, as in Example 1, not `type`).
///
/// Loose point 8 — a wrong seal over a well-formed token (a tampered payload) is "damaged"
/// (code 4, Bad Request); a certificate that does not chain to the configured AgID sub-CA, is
/// out of its validity or lacks the R.A.O. OID is "impossible to identify the author" (code 3).
pub const ISS_BASE64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// The prefix of `fiscalNumber` in ICRequestData (SPID attribute table: TIN of Italy).
pub const TINIT: &str = "TINIT-";

/// ISTAT's code of the nation, Italy (annex: Z000; unknown: Z998).
pub const ITALY: &str = "Z000";
