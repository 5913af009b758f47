//! The two JOSE compact serialisations the annex uses, and nothing else: a JWE with a direct
//! symmetric key and `A128CBC-HS256` (RFC 7516, RFC 7518 §5.2) and a JWS sealed with an X.509
//! certificate's key (RFC 7515, `x5c`). The primitives are ring's (signatures, through rustls
//! and webpki) and RustCrypto's (AES-CBC, HMAC-SHA-256); only the framing is written here, and
//! it is checked against the RFCs' own test vectors.

use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit, block_padding::Pkcs7};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use rustls::SignatureScheme;
use rustls::pki_types::CertificateDer;
use serde_json::{Value, json};
use sha2::Sha256;

use super::annex;

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn unb64(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// What can go wrong reading a JOSE object, for the verifier to map onto the annex's codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JoseError {
    /// Not the expected shape (parts, Base64url, JSON, header values).
    Malformed(String),
    /// An algorithm other than the ones foreseen.
    Algorithm(String),
    /// The seal does not verify with the certificate's key.
    BadSeal,
    /// The JWE's tag does not verify: a wrong key (passphrase) or a damaged ciphertext.
    Decryption,
}

impl std::fmt::Display for JoseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JoseError::Malformed(why) => write!(f, "malformed: {why}"),
            JoseError::Algorithm(alg) => write!(f, "algorithm not foreseen: {alg}"),
            JoseError::BadSeal => f.write_str("the seal does not verify with the certificate's key"),
            JoseError::Decryption => f.write_str("decryption failed"),
        }
    }
}

fn malformed(why: &str) -> JoseError {
    JoseError::Malformed(why.to_string())
}

type Aes128CbcEnc = cbc::Encryptor<aes::Aes128>;
type Aes128CbcDec = cbc::Decryptor<aes::Aes128>;

/// The authentication tag of AES_CBC_HMAC_SHA2 (RFC 7518 §5.2.2.1): HMAC-SHA-256 under the
/// first half of the key over AAD, IV, ciphertext and AAD's length in bits, truncated to 16 bytes.
fn mac(mac_key: &[u8], aad: &[u8], iv: &[u8], ciphertext: &[u8]) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(mac_key).expect("HMAC takes any key length");
    mac.update(aad);
    mac.update(iv);
    mac.update(ciphertext);
    mac.update(&((aad.len() as u64) * 8).to_be_bytes());
    mac
}

fn tag(mac_key: &[u8], aad: &[u8], iv: &[u8], ciphertext: &[u8]) -> [u8; 16] {
    let full = mac(mac_key, aad, iv, ciphertext).finalize().into_bytes();
    let mut out = [0u8; 16];
    out.copy_from_slice(&full[..16]);
    out
}

/// `plaintext` as a compact JWE (`alg` `dir`, `enc` `A128CBC-HS256`) under `key`, with `iv`.
fn encrypt_with_iv(header: &Value, key: &[u8; 32], iv: [u8; 16], plaintext: &[u8]) -> String {
    let protected = b64(header.to_string().as_bytes());
    let (mac_key, enc_key) = key.split_at(16);
    let enc_key: [u8; 16] = enc_key.try_into().expect("16 bytes");
    let ciphertext = Aes128CbcEnc::new(&enc_key.into(), &iv.into()).encrypt_padded_vec::<Pkcs7>(plaintext);
    let tag = tag(mac_key, protected.as_bytes(), &iv, &ciphertext);
    format!("{protected}..{}.{}.{}", b64(&iv), b64(&ciphertext), b64(&tag))
}

/// `plaintext` as a compact JWE under `key` (the reading of [`annex::JWE_ENC`]), with a fresh IV.
pub fn encrypt(key: &[u8; 32], plaintext: &[u8]) -> crate::Result<String> {
    let mut iv = [0u8; 16];
    getrandom::fill(&mut iv)
        .map_err(|e| crate::Error::Unavailable(crate::msg!("random-failed", detail = e.to_string())))?;
    Ok(encrypt_with_iv(&json!({ "alg": annex::JWE_ALG, "enc": annex::JWE_ENC }), key, iv, plaintext))
}

/// The plaintext of a compact JWE under `key`; the header must name the annex's reading.
pub fn decrypt(jwe: &str, key: &[u8; 32]) -> Result<Vec<u8>, JoseError> {
    let parts: Vec<&str> = jwe.split('.').collect();
    let [protected, encrypted_key, iv, ciphertext, tag_b64] = parts[..] else {
        return Err(malformed("a JWE has five parts"));
    };
    let header: Value = unb64(protected)
        .and_then(|h| serde_json::from_slice(&h).ok())
        .ok_or_else(|| malformed("the JWE header is not Base64url JSON"))?;
    for (name, want) in [("alg", annex::JWE_ALG), ("enc", annex::JWE_ENC)] {
        let got = header.get(name).and_then(Value::as_str).unwrap_or("(none)");
        if got != want {
            return Err(JoseError::Algorithm(format!("JWE {name} {got}")));
        }
    }
    if !encrypted_key.is_empty() {
        return Err(malformed("a JWE with a direct key has no encrypted key"));
    }
    let iv: [u8; 16] =
        unb64(iv).and_then(|v| v.try_into().ok()).ok_or_else(|| malformed("the JWE's IV is not 16 bytes"))?;
    let ciphertext = unb64(ciphertext).ok_or_else(|| malformed("the JWE's ciphertext is not Base64url"))?;
    let given = unb64(tag_b64).ok_or_else(|| malformed("the JWE's tag is not Base64url"))?;
    let (mac_key, enc_key) = key.split_at(16);
    // In constant time (the hmac crate's comparison of the truncated tag).
    if given.len() != 16 || mac(mac_key, protected.as_bytes(), &iv, &ciphertext).verify_truncated_left(&given).is_err()
    {
        return Err(JoseError::Decryption);
    }
    let enc_key: [u8; 16] = enc_key.try_into().expect("16 bytes");
    Aes128CbcDec::new(&enc_key.into(), &iv.into())
        .decrypt_padded_vec::<Pkcs7>(&ciphertext)
        .map_err(|_| JoseError::Decryption)
}

/// The seal's private key, with the JWS `alg` it signs with.
pub struct SealKey {
    key: std::sync::Arc<dyn rustls::sign::SigningKey>,
}

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SealKey({:?})", self.key.algorithm())
    }
}

impl SealKey {
    pub fn new(key: std::sync::Arc<dyn rustls::sign::SigningKey>) -> SealKey {
        SealKey { key }
    }

    /// RS256 for an RSA key, ES256 for a P-256 key (annex loose point 2, [`annex::SEAL_ALGS`]).
    fn signer(&self) -> Option<(Box<dyn rustls::sign::Signer>, &'static str)> {
        let s = self.key.choose_scheme(&[SignatureScheme::RSA_PKCS1_SHA256, SignatureScheme::ECDSA_NISTP256_SHA256])?;
        let alg = match s.scheme() {
            SignatureScheme::RSA_PKCS1_SHA256 => "RS256",
            SignatureScheme::ECDSA_NISTP256_SHA256 => "ES256",
            _ => return None,
        };
        Some((s, alg))
    }

    /// The JWS `alg` of this key, if it has one the annex's reading allows.
    pub fn alg(&self) -> Option<&'static str> {
        self.signer().map(|(_, alg)| alg)
    }

    /// `payload` sealed as a compact JWS with `typ`, `alg` and `x5c` (the seal's certificate
    /// first, then its chain) in the header.
    pub fn seal(&self, chain: &[CertificateDer<'_>], payload: &Value) -> crate::Result<String> {
        let Some((signer, alg)) = self.signer() else {
            return Err(crate::Error::Invalid(crate::msg!("spid-seal-key-kind")));
        };
        let x5c: Vec<String> =
            chain.iter().map(|c| base64::engine::general_purpose::STANDARD.encode(c.as_ref())).collect();
        let header = json!({ "typ": annex::TYP, "alg": alg, "x5c": x5c });
        let input = format!("{}.{}", b64(header.to_string().as_bytes()), b64(payload.to_string().as_bytes()));
        let signature = signer
            .sign(input.as_bytes())
            .map_err(|e| crate::Error::Internal(crate::msg!("spid-seal-failed", detail = e.to_string())))?;
        let signature = if alg == "ES256" {
            ecdsa_der_to_fixed(&signature).ok_or_else(|| {
                crate::Error::Internal(crate::msg!("spid-seal-failed", detail = "ECDSA signature not in DER"))
            })?
        } else {
            signature
        };
        Ok(format!("{input}.{}", b64(&signature)))
    }
}

/// A compact JWS taken apart (not verified yet).
#[derive(Debug, Clone)]
pub struct Jws {
    pub header: Value,
    pub payload: Value,
    /// The `x5c` certificates, DER, in order.
    pub x5c: Vec<CertificateDer<'static>>,
    pub alg: String,
    signing_input: String,
    signature: Vec<u8>,
}

impl Jws {
    /// Reads the compact form: three parts, JSON header with `typ` JWT, `alg`, `x5c`.
    pub fn parse(text: &str) -> Result<Jws, JoseError> {
        let text = text.trim();
        let parts: Vec<&str> = text.split('.').collect();
        let [h, p, s] = parts[..] else {
            return Err(malformed("a JWT has three parts"));
        };
        let json = |part: &str, what: &str| -> Result<Value, JoseError> {
            unb64(part)
                .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
                .filter(Value::is_object)
                .ok_or_else(|| JoseError::Malformed(format!("the {what} is not Base64url JSON")))
        };
        let header = json(h, "header")?;
        let payload = json(p, "payload")?;
        if header.get("typ").and_then(Value::as_str) != Some(annex::TYP) {
            return Err(malformed("typ is not JWT"));
        }
        let alg = header.get("alg").and_then(Value::as_str).ok_or_else(|| malformed("no alg"))?.to_string();
        let x5c = header
            .get("x5c")
            .and_then(Value::as_array)
            .filter(|a| !a.is_empty())
            .ok_or_else(|| malformed("no x5c"))?
            .iter()
            .map(|c| {
                c.as_str()
                    .and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok())
                    .map(CertificateDer::from)
                    .ok_or_else(|| malformed("an x5c entry is not Base64 DER"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let signature = unb64(s).ok_or_else(|| malformed("the seal is not Base64url"))?;
        Ok(Jws { header, payload, x5c, alg, signing_input: format!("{h}.{p}"), signature })
    }

    /// Is `alg` one the annex's reading foresees (check 2)?
    pub fn check_alg(&self) -> Result<(), JoseError> {
        if annex::SEAL_ALGS.contains(&self.alg.as_str()) { Ok(()) } else { Err(JoseError::Algorithm(self.alg.clone())) }
    }

    /// Verifies the seal with the key of the first `x5c` certificate (its chain is checked
    /// apart, [`super::certs`]).
    pub fn verify_seal(&self) -> Result<(), JoseError> {
        self.check_alg()?;
        let first = self.x5c.first().ok_or_else(|| malformed("no x5c"))?;
        let ee = webpki::EndEntityCert::try_from(first).map_err(|_| malformed("the x5c certificate is not X.509"))?;
        let (alg, signature): (&dyn rustls::pki_types::SignatureVerificationAlgorithm, Vec<u8>) =
            match self.alg.as_str() {
                "RS256" => (webpki::ring::RSA_PKCS1_2048_8192_SHA256, self.signature.clone()),
                "PS256" => (webpki::ring::RSA_PSS_2048_8192_SHA256_LEGACY_KEY, self.signature.clone()),
                "ES256" => {
                    (webpki::ring::ECDSA_P256_SHA256, ecdsa_fixed_to_der(&self.signature).ok_or(JoseError::BadSeal)?)
                }
                other => return Err(JoseError::Algorithm(other.to_string())),
            };
        ee.verify_signature(alg, self.signing_input.as_bytes(), &signature).map_err(|_| JoseError::BadSeal)
    }
}

/// An ECDSA signature from DER (`SEQUENCE { INTEGER r, INTEGER s }`) to JWS's fixed `r || s`.
fn ecdsa_der_to_fixed(der: &[u8]) -> Option<Vec<u8>> {
    let (tag, body, rest) = der_item(der)?;
    if tag != 0x30 || !rest.is_empty() {
        return None;
    }
    let (t1, r, rest) = der_item(body)?;
    let (t2, s, rest) = der_item(rest)?;
    if t1 != 2 || t2 != 2 || !rest.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(64);
    for n in [r, s] {
        let n = if n.len() > 32 && n[0] == 0 { &n[n.len() - 32..] } else { n };
        if n.len() > 32 {
            return None;
        }
        out.extend(std::iter::repeat_n(0u8, 32 - n.len()));
        out.extend_from_slice(n);
    }
    Some(out)
}

/// JWS's fixed `r || s` (64 bytes for P-256) to DER, as webpki verifies it.
fn ecdsa_fixed_to_der(fixed: &[u8]) -> Option<Vec<u8>> {
    if fixed.len() != 64 {
        return None;
    }
    let int = |n: &[u8]| {
        let mut n: Vec<u8> = n.iter().copied().skip_while(|&b| b == 0).collect();
        if n.is_empty() || n[0] & 0x80 != 0 {
            n.insert(0, 0);
        }
        let mut out = vec![2u8, n.len() as u8];
        out.extend(n);
        out
    };
    let body = [int(&fixed[..32]), int(&fixed[32..])].concat();
    let mut out = vec![0x30u8, body.len() as u8];
    out.extend(body);
    Some(out)
}

/// One DER item with a short or one-byte long length: tag, contents, the rest.
fn der_item(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *b.first()?;
    let (len, start): (usize, usize) = match *b.get(1)? {
        l if l < 0x80 => (l as usize, 2),
        0x81 => (*b.get(2)? as usize, 3),
        _ => return None,
    };
    let end = start.checked_add(len)?;
    Some((tag, b.get(start..end)?, b.get(end..)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7516 Appendix A.3: A128CBC-HS256 with the example's content-encryption key and IV
    /// ("Live long and prosper."), ciphertext and tag as the RFC prints them.
    #[test]
    fn rfc7516_appendix_a3() {
        let cek: [u8; 32] = [
            4, 211, 31, 197, 84, 157, 252, 254, 11, 100, 157, 250, 63, 170, 106, 206, 107, 124, 212, 45, 111, 107, 9,
            219, 200, 177, 0, 240, 143, 156, 44, 207,
        ];
        let iv: [u8; 16] = [3, 22, 60, 12, 43, 67, 104, 105, 108, 108, 105, 99, 111, 116, 104, 101];
        // The RFC's header, byte for byte (its own JSON serialisation).
        let protected = "eyJhbGciOiJBMTI4S1ciLCJlbmMiOiJBMTI4Q0JDLUhTMjU2In0";
        let (mac_key, enc_key) = cek.split_at(16);
        let enc_key: [u8; 16] = enc_key.try_into().unwrap();
        let ct = Aes128CbcEnc::new(&enc_key.into(), &iv.into()).encrypt_padded_vec::<Pkcs7>(b"Live long and prosper.");
        assert_eq!(b64(&ct), "KDlTtXchhZTGufMYmOYGS4HffxPSUrfmqCHXaI9wOGY");
        assert_eq!(b64(&tag(mac_key, protected.as_bytes(), &iv, &ct)), "U0m_YmjN04DJvceFICbCVQ");
    }

    #[test]
    fn round_trip_and_wrong_key() {
        let key = [7u8; 32];
        let jwe = encrypt(&key, "{\"a\":\"è\"}".as_bytes()).unwrap();
        assert_eq!(jwe.split('.').count(), 5);
        assert_eq!(decrypt(&jwe, &key).unwrap(), "{\"a\":\"è\"}".as_bytes());
        assert_eq!(decrypt(&jwe, &[8u8; 32]), Err(JoseError::Decryption));
        let mut parts: Vec<String> = jwe.split('.').map(String::from).collect();
        let mut ct = unb64(&parts[3]).unwrap();
        ct[0] ^= 1;
        parts[3] = b64(&ct);
        assert_eq!(decrypt(&parts.join("."), &key), Err(JoseError::Decryption), "a flipped bit");
        let other = encrypt_with_iv(&json!({"alg": "dir", "enc": "A256GCM"}), &key, [0; 16], b"x");
        assert!(matches!(decrypt(&other, &key), Err(JoseError::Algorithm(_))));
    }

    #[test]
    fn ecdsa_signature_forms() {
        let mut fixed = vec![0u8; 64];
        fixed[1] = 0x80;
        fixed[63] = 5;
        let der = ecdsa_fixed_to_der(&fixed).unwrap();
        assert_eq!(ecdsa_der_to_fixed(&der).unwrap(), fixed);
    }
}
