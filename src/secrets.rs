//! PIN, activation and revocation codes: drawn from the operating system's CSPRNG, shown
//! once, stored only as keyed hashes (HMAC-SHA-256, key in a file outside the database).

use std::fmt;
use std::path::{Path, PathBuf};

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::error::{Error, Result};

/// Letters and digits that cannot be mistaken for each other (no 0/O, 1/I/L, 5/S, 8/B, 2/Z).
const CODE_ALPHABET: &[u8] = b"ACDEFGHJKMNPQRTUVWXY34679";

/// What a secret is for: part of the hashed message, so a code of one kind never passes as
/// another, and a code of one citizen never as another's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Pin,
    Activation,
    Revocation,
    /// Pseudonyms of personal data kept where the data itself must not be (the audit log).
    Pseudonym,
}

/// The two codes a citizen types online besides the PIN: they travel the same ways (email or
/// a letter of their own) with different words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CodeKind {
    Activation,
    Revocation,
}

impl CodeKind {
    /// The code a booking of `op` hands out.
    pub fn of(op: crate::domain::OperationKind) -> CodeKind {
        if op == crate::domain::OperationKind::Revocation { CodeKind::Revocation } else { CodeKind::Activation }
    }

    pub fn purpose(self) -> Purpose {
        match self {
            CodeKind::Activation => Purpose::Activation,
            CodeKind::Revocation => Purpose::Revocation,
        }
    }

    /// How the audit log names the message that carries it.
    pub fn message_name(self) -> &'static str {
        match self {
            CodeKind::Activation => "activation-code",
            CodeKind::Revocation => "revocation-code",
        }
    }
}

impl Purpose {
    fn tag(self) -> &'static str {
        match self {
            Purpose::Pin => "pin",
            Purpose::Activation => "activation",
            Purpose::Revocation => "revocation",
            Purpose::Pseudonym => "pseudonym",
        }
    }
}

/// A secret in clear, as it goes on a letter or in an email. Its `Debug` hides it, it has no
/// `Display`, and it is not serialisable: it cannot reach a log or an audit row by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// A secret drawn here or in another module that makes secrets (the SPID passphrase).
    pub(crate) fn new(value: String) -> Secret {
        Secret(value)
    }

    /// The value, for the one place that shows it (letter or email).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// `count` characters drawn uniformly from `alphabet` (rejection sampling on OS random bytes).
pub(crate) fn draw(alphabet: &[u8], count: usize) -> Result<String> {
    let n = alphabet.len() as u16;
    let limit = 256 - (256 % n);
    let mut out = String::with_capacity(count);
    let mut buf = [0u8; 32];
    while out.len() < count {
        getrandom::fill(&mut buf)
            .map_err(|e| Error::Unavailable(crate::msg!("random-failed", detail = e.to_string())))?;
        for &b in buf.iter().filter(|&&b| (b as u16) < limit) {
            if out.len() == count {
                break;
            }
            out.push(alphabet[(b as u16 % n) as usize] as char);
        }
    }
    Ok(out)
}

/// A new PIN: 8 digits.
pub fn new_pin() -> Result<Secret> {
    Ok(Secret(draw(b"0123456789", 8)?))
}

/// A new activation or revocation code: 12 characters in groups of four (`XXXX-XXXX-XXXX`).
pub fn new_code() -> Result<Secret> {
    let raw = draw(CODE_ALPHABET, 12)?;
    Ok(Secret(format!("{}-{}-{}", &raw[..4], &raw[4..8], &raw[8..])))
}

/// The canonical form of a typed code: upper case, no spaces or dashes.
fn canonical(input: &str) -> String {
    input.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect()
}

/// The key of the keyed hashes.
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(***)")
    }
}

impl SecretKey {
    #[cfg(test)]
    pub(crate) fn from_bytes(bytes: [u8; 32]) -> SecretKey {
        SecretKey(bytes)
    }

    /// Reads the key file; with `create`, makes it (32 random bytes, mode 0600) when absent.
    pub fn load(path: &Path, create: bool) -> Result<SecretKey> {
        use std::os::unix::fs::OpenOptionsExt;
        match std::fs::read(path) {
            Ok(bytes) if bytes.len() == 32 => Ok(SecretKey(bytes.try_into().expect("32 bytes"))),
            Ok(bytes) => Err(Error::Invalid(crate::msg!("key-file-length", path = path, len = bytes.len()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
                let mut key = [0u8; 32];
                getrandom::fill(&mut key)
                    .map_err(|e| Error::Unavailable(crate::msg!("random-failed", detail = e.to_string())))?;
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(Error::io(crate::msg!("io-create", path = dir)))?;
                }
                let mut f = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(path)
                    .map_err(Error::io(crate::msg!("io-create-the-key-file", path = path)))?;
                std::io::Write::write_all(&mut f, &key).map_err(Error::io(crate::msg!("io-write", path = path)))?;
                f.sync_all().map_err(Error::io(crate::msg!("io-write", path = path)))?;
                Ok(SecretKey(key))
            }
            // Not ours to read: the owner shares it with the desk staff, or it is not for us.
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                Err(Error::Refused(crate::msg!("key-file-denied", path = path)))
            }
            Err(e) => Err(Error::Io { context: crate::msg!("io-read-key-file", path = path), source: e }),
        }
    }

    /// The default key file of a sportello home.
    pub fn default_path(home: &Path) -> PathBuf {
        home.join("secret.key")
    }

    fn mac(&self, purpose: Purpose, subject: &str, value: &str) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0).expect("any key length");
        mac.update(purpose.tag().as_bytes());
        mac.update(b"\0");
        mac.update(subject.as_bytes());
        mac.update(b"\0");
        mac.update(canonical(value).as_bytes());
        mac
    }

    /// Keyed hash of a secret of `subject` (a fiscal code).
    pub fn hash(&self, purpose: Purpose, subject: &str, secret: &Secret) -> Vec<u8> {
        self.mac(purpose, subject, secret.expose()).finalize().into_bytes().to_vec()
    }

    /// Keyed hash of any text of a subject (e.g. a fiscal code kept pseudonymously).
    pub fn hash_text(&self, purpose: Purpose, subject: &str, text: &str) -> Vec<u8> {
        self.mac(purpose, subject, text).finalize().into_bytes().to_vec()
    }

    /// A pseudonym of `text` for `what` (e.g. a fiscal code in the audit log): 32 hex digits of
    /// a keyed hash, the same for the same text, that nobody without the key can reverse or
    /// compute.
    pub fn pseudonym(&self, what: &str, text: &str) -> String {
        let h = self.hash_text(Purpose::Pseudonym, what, text);
        hex::encode(&h[..16])
    }

    /// Does a typed value match a stored hash? Constant-time comparison.
    pub fn verify(&self, purpose: Purpose, subject: &str, typed: &str, stored: &[u8]) -> bool {
        self.mac(purpose, subject, typed).verify_slice(stored).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SecretKey {
        SecretKey([7u8; 32])
    }

    #[test]
    fn pins_and_codes_have_readable_formats() {
        for _ in 0..200 {
            let pin = new_pin().unwrap();
            assert_eq!(pin.expose().len(), 8);
            assert!(pin.expose().bytes().all(|b| b.is_ascii_digit()));
            let code = new_code().unwrap();
            assert_eq!(code.expose().len(), 14);
            assert!(code.expose().bytes().all(|b| b == b'-' || CODE_ALPHABET.contains(&b)));
        }
        assert_ne!(new_code().unwrap(), new_code().unwrap());
    }

    #[test]
    fn typed_codes_verify_tolerating_case_and_dashes() {
        let code = new_code().unwrap();
        let stored = key().hash(Purpose::Activation, "RSSMRA85T10A562S", &code);
        let typed = code.expose().to_lowercase().replace('-', " ");
        assert!(key().verify(Purpose::Activation, "RSSMRA85T10A562S", &typed, &stored));
        assert!(!key().verify(Purpose::Revocation, "RSSMRA85T10A562S", code.expose(), &stored), "other purpose");
        assert!(!key().verify(Purpose::Activation, "BNCLRA80A41L219V", code.expose(), &stored), "other citizen");
        assert!(
            !SecretKey([8u8; 32]).verify(Purpose::Activation, "RSSMRA85T10A562S", code.expose(), &stored),
            "other key"
        );
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let pin = new_pin().unwrap();
        assert!(!format!("{pin:?}").contains(pin.expose()));
    }

    #[test]
    fn key_file_is_created_private_and_reread() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k/secret.key");
        assert!(SecretKey::load(&path, false).is_err());
        let k1 = SecretKey::load(&path, true).unwrap();
        let k2 = SecretKey::load(&path, false).unwrap();
        assert_eq!(k1.0, k2.0);
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
}
