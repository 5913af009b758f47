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

/// Marks a keyed hash that names its key: `TAGGED`, the key's id (8 bytes, the first half of
/// its fingerprint), then the 32-byte HMAC. A hash without it (32 bytes) predates rotation.
const TAGGED: u8 = 1;
const KEY_ID_LEN: usize = 8;
const TAGGED_LEN: usize = 1 + KEY_ID_LEN + 32;

/// The key of the keyed hashes: the current key, with which new hashes are made, and the keys
/// it replaced (`sportello key rotate`), kept so the codes and PINs they hashed stay valid until
/// they expire. Each hash names the key that made it, and is verified with that key.
#[derive(Clone)]
pub struct SecretKey {
    current: [u8; 32],
    /// Replaced keys, oldest first.
    previous: Vec<[u8; 32]>,
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(***)")
    }
}

/// The fingerprint of a key: the first 16 hex digits of its SHA-256, the same on every machine
/// that holds the same key (to compare them), and nothing from which the key can be found.
pub fn key_fingerprint(key: &SecretKey) -> String {
    hex::encode(key_id(&key.current))
}

fn key_id(key: &[u8; 32]) -> [u8; KEY_ID_LEN] {
    use sha2::Digest;
    Sha256::digest(key)[..KEY_ID_LEN].try_into().expect("8 bytes")
}

/// 32 bytes from the operating system's CSPRNG.
fn random_key() -> Result<[u8; 32]> {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|e| Error::Unavailable(crate::msg!("random-failed", detail = e.to_string())))?;
    Ok(key)
}

/// Reads one key file (32 bytes).
fn read_key(path: &Path) -> std::io::Result<std::result::Result<[u8; 32], usize>> {
    let bytes = std::fs::read(path)?;
    Ok(<[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| bytes.len()))
}

/// Writes a new key file that must not exist yet (`create_new`: never overwrites), mode 0600.
fn write_new_key(path: &Path, key: &[u8; 32]) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).map_err(|e| match e
        .kind()
    {
        std::io::ErrorKind::AlreadyExists => Error::Refused(crate::msg!("key-exists", path = path)),
        _ => Error::Io { context: crate::msg!("io-create-the-key-file", path = path), source: e },
    })?;
    std::io::Write::write_all(&mut f, key).map_err(Error::io(crate::msg!("io-write", path = path)))?;
    f.sync_all().map_err(Error::io(crate::msg!("io-write", path = path)))?;
    Ok(())
}

/// Gives `path` the owner, group and permissions of `like` (a rotated key is shared as the
/// key it replaces was: e.g. 0640 root:sportello).
fn same_access(path: &Path, like: &std::fs::Metadata) -> Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    // Only root may give a file away; anyone may keep it their own.
    if uzers::get_effective_uid() == 0 {
        std::os::unix::fs::chown(path, Some(like.uid()), Some(like.gid()))
            .map_err(Error::io(crate::msg!("io-set-permissions-on", path = path)))?;
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(like.mode() & 0o7777))
        .map_err(Error::io(crate::msg!("io-set-permissions-on", path = path)))
}

impl SecretKey {
    #[cfg(test)]
    pub(crate) fn from_bytes(bytes: [u8; 32]) -> SecretKey {
        SecretKey { current: bytes, previous: Vec::new() }
    }

    /// The directory of the keys `path` replaced: `secret.key.previous/` next to `secret.key`,
    /// files `0001.key`, `0002.key`, ... in the order they were replaced.
    pub fn previous_dir(path: &Path) -> PathBuf {
        let mut name = path.file_name().unwrap_or_default().to_os_string();
        name.push(".previous");
        path.with_file_name(name)
    }

    /// Reads the key file (and the keys it replaced); with `create`, makes it (32 random bytes,
    /// mode 0600) when absent.
    pub fn load(path: &Path, create: bool) -> Result<SecretKey> {
        match read_key(path) {
            Ok(Ok(current)) => Ok(SecretKey { current, previous: SecretKey::load_previous(path)? }),
            Ok(Err(len)) => Err(Error::Invalid(crate::msg!("key-file-length", path = path, len = len))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => match SecretKey::init(path) {
                // Another process made it meanwhile: theirs is the key.
                Err(Error::Refused(_)) => SecretKey::load(path, false),
                made => made,
            },
            // Not ours to read: the owner shares it with the desk staff, or it is not for us.
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                Err(Error::Refused(crate::msg!("key-file-denied", path = path)))
            }
            Err(e) => Err(Error::Io { context: crate::msg!("io-read-key-file", path = path), source: e }),
        }
    }

    fn load_previous(path: &Path) -> Result<Vec<[u8; 32]>> {
        let dir = SecretKey::previous_dir(path);
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                return Err(Error::Refused(crate::msg!("key-file-denied", path = &*dir)));
            }
            Err(e) => return Err(Error::Io { context: crate::msg!("io-read-key-file", path = &*dir), source: e }),
        };
        let mut files: Vec<PathBuf> =
            entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "key")).collect();
        files.sort();
        files
            .iter()
            .map(|f| match read_key(f) {
                Ok(Ok(key)) => Ok(key),
                Ok(Err(len)) => Err(Error::Invalid(crate::msg!("key-file-length", path = &**f, len = len))),
                Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                    Err(Error::Refused(crate::msg!("key-file-denied", path = &**f)))
                }
                Err(e) => Err(Error::Io { context: crate::msg!("io-read-key-file", path = &**f), source: e }),
            })
            .collect()
    }

    /// Creates the key file: 32 bytes from the OS CSPRNG, readable by its owner only (0600).
    /// Refuses when the file exists: a new key makes every code and PIN hashed with the old
    /// one unverifiable (`rotate` replaces a key and keeps the old one).
    pub fn init(path: &Path) -> Result<SecretKey> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(Error::io(crate::msg!("io-create", path = dir)))?;
        }
        let key = random_key()?;
        write_new_key(path, &key)?;
        Ok(SecretKey { current: key, previous: Vec::new() })
    }

    /// Replaces the key of `path` with a new one; the old key moves to [`Self::previous_dir`]
    /// (with the same owner, group and mode), so what it hashed still verifies. The old key is
    /// saved before the new one takes its place: an interruption loses no key.
    pub fn rotate(path: &Path) -> Result<SecretKey> {
        let old = SecretKey::load(path, false)?;
        let meta = std::fs::metadata(path).map_err(Error::io(crate::msg!("io-read-key-file", path = path)))?;
        let dir = SecretKey::previous_dir(path);
        std::fs::create_dir_all(&dir).map_err(Error::io(crate::msg!("io-create", path = &*dir)))?;
        {
            use std::os::unix::fs::{MetadataExt, PermissionsExt};
            if uzers::get_effective_uid() == 0 {
                std::os::unix::fs::chown(&dir, Some(meta.uid()), Some(meta.gid()))
                    .map_err(Error::io(crate::msg!("io-set-permissions-on", path = &*dir)))?;
            }
            // Searchable by whoever may read the key (the group's read bit gives it x).
            let mode = 0o700 | ((meta.mode() & 0o040) >> 2) | (meta.mode() & 0o040);
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(mode))
                .map_err(Error::io(crate::msg!("io-set-permissions-on", path = &*dir)))?;
        }
        // After the highest number present (a deleted older key leaves a gap, not a clash).
        let next = std::fs::read_dir(&dir)
            .map_err(Error::io(crate::msg!("io-read-key-file", path = &*dir)))?
            .flatten()
            .filter_map(|e| e.path().file_stem()?.to_str()?.parse::<u32>().ok())
            .max()
            .unwrap_or(0)
            + 1;
        let saved = dir.join(format!("{next:04}.key"));
        write_new_key(&saved, &old.current)?;
        same_access(&saved, &meta)?;
        let key = random_key()?;
        let tmp = path.with_file_name(format!(".{}.new", path.file_name().unwrap_or_default().to_string_lossy()));
        let _ = std::fs::remove_file(&tmp);
        write_new_key(&tmp, &key)?;
        same_access(&tmp, &meta)?;
        std::fs::rename(&tmp, path).map_err(Error::io(crate::msg!("io-write", path = path)))?;
        if let Some(parent) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            // The rename itself made durable.
            if let Ok(d) = std::fs::File::open(parent) {
                let _ = d.sync_all();
            }
        }
        let mut previous = old.previous;
        previous.push(old.current);
        Ok(SecretKey { current: key, previous })
    }

    /// The fingerprints of the replaced keys, oldest first.
    pub fn previous_fingerprints(&self) -> Vec<String> {
        self.previous.iter().map(|k| hex::encode(key_id(k))).collect()
    }

    /// The default key file of a sportello home.
    pub fn default_path(home: &Path) -> PathBuf {
        home.join("secret.key")
    }

    /// The key of the hashes that must stay the same for the same input whatever the key in
    /// force (pseudonyms in the audit log, tombstones, statistics' person keys): the oldest
    /// key, so a rotation does not change them.
    fn stable(&self) -> &[u8; 32] {
        self.previous.first().unwrap_or(&self.current)
    }

    fn mac(key: &[u8; 32], purpose: Purpose, subject: &str, value: &str) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("any key length");
        mac.update(purpose.tag().as_bytes());
        mac.update(b"\0");
        mac.update(subject.as_bytes());
        mac.update(b"\0");
        mac.update(canonical(value).as_bytes());
        mac
    }

    /// Keyed hash of a secret of `subject` (a fiscal code), made with the current key and
    /// naming it: 41 bytes, verified by [`Self::verify`] with the key it names.
    pub fn hash(&self, purpose: Purpose, subject: &str, secret: &Secret) -> Vec<u8> {
        let mut out = Vec::with_capacity(TAGGED_LEN);
        out.push(TAGGED);
        out.extend_from_slice(&key_id(&self.current));
        out.extend_from_slice(
            &SecretKey::mac(&self.current, purpose, subject, secret.expose()).finalize().into_bytes(),
        );
        out
    }

    /// Every hash a typed value may be stored as: with each key kept, tagged with it (as
    /// [`Self::hash`] makes them) and untagged (made before rotation existed). The database
    /// verifies a typed value by finding its stored hash among these (issue 16: the client
    /// never reads a stored hash), which is what [`Self::verify`] accepts.
    pub fn hashes(&self, purpose: Purpose, subject: &str, typed: &str) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for k in std::iter::once(&self.current).chain(self.previous.iter()) {
            let mac = SecretKey::mac(k, purpose, subject, typed).finalize().into_bytes();
            let mut tagged = Vec::with_capacity(TAGGED_LEN);
            tagged.push(TAGGED);
            tagged.extend_from_slice(&key_id(k));
            tagged.extend_from_slice(&mac);
            out.push(tagged);
            out.push(mac.to_vec());
        }
        out
    }

    /// Keyed hash of any text of a subject (e.g. a fiscal code kept pseudonymously): the same
    /// for the same text across rotations (the oldest key's).
    pub fn hash_text(&self, purpose: Purpose, subject: &str, text: &str) -> Vec<u8> {
        SecretKey::mac(self.stable(), purpose, subject, text).finalize().into_bytes().to_vec()
    }

    /// A pseudonym of `text` for `what` (e.g. a fiscal code in the audit log): 32 hex digits of
    /// a keyed hash, the same for the same text, that nobody without the key can reverse or
    /// compute.
    pub fn pseudonym(&self, what: &str, text: &str) -> String {
        let h = self.hash_text(Purpose::Pseudonym, what, text);
        hex::encode(&h[..16])
    }

    /// Does a typed value match a stored hash? Verified with the key the hash names (a hash
    /// of a key no longer kept, or unknown here, never matches); an untagged hash (made before
    /// rotation existed) with each key kept. Constant-time comparison.
    pub fn verify(&self, purpose: Purpose, subject: &str, typed: &str, stored: &[u8]) -> bool {
        let keys = || std::iter::once(&self.current).chain(self.previous.iter());
        if stored.len() == TAGGED_LEN && stored[0] == TAGGED {
            let id = &stored[1..1 + KEY_ID_LEN];
            return keys().find(|k| key_id(k) == id).is_some_and(|k| {
                SecretKey::mac(k, purpose, subject, typed).verify_slice(&stored[1 + KEY_ID_LEN..]).is_ok()
            });
        }
        keys().any(|k| SecretKey::mac(k, purpose, subject, typed).verify_slice(stored).is_ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_files_fingerprint_is_the_start_of_its_sha256() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        std::fs::write(&path, [7u8; 32]).unwrap();
        let key = SecretKey::load(&path, false).unwrap();
        assert_eq!(key_fingerprint(&key), "4bb06f8e4e3a7715", "the SHA-256 of the file's 32 bytes");
    }

    fn key() -> SecretKey {
        SecretKey::from_bytes([7u8; 32])
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
            !SecretKey::from_bytes([8u8; 32]).verify(Purpose::Activation, "RSSMRA85T10A562S", code.expose(), &stored),
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
        assert_eq!(k1.current, k2.current);
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }

    #[test]
    fn init_refuses_to_overwrite_a_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.key");
        let k = SecretKey::init(&path).unwrap();
        let e = SecretKey::init(&path).unwrap_err();
        assert!(matches!(e, Error::Refused(_)), "{e}");
        assert!(e.to_string().contains("already exists"), "{e}");
        assert_eq!(SecretKey::load(&path, false).unwrap().current, k.current, "the key is untouched");
        assert_eq!(key_fingerprint(&k).len(), 16);
        assert_ne!(key_fingerprint(&k), key_fingerprint(&SecretKey::init(&dir.path().join("other.key")).unwrap()));
    }

    #[test]
    fn rotation_keeps_what_the_old_key_hashed_valid() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.key");
        let old = SecretKey::init(&path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let code = new_code().unwrap();
        let under_old = old.hash(Purpose::Activation, "RSSMRA85T10A562S", &code);
        let legacy = SecretKey::mac(&old.current, Purpose::Pin, "RSSMRA85T10A562S", "12345678").finalize().into_bytes();
        let pseudonym = old.pseudonym("audit fiscal code", "RSSMRA85T10A562S");

        let new = SecretKey::rotate(&path).unwrap();
        let reread = SecretKey::load(&path, false).unwrap();
        assert_eq!(reread.current, new.current);
        assert_eq!(reread.previous, vec![old.current]);
        assert_ne!(key_fingerprint(&new), key_fingerprint(&old));
        assert_eq!(reread.previous_fingerprints(), vec![key_fingerprint(&old)]);
        let saved = SecretKey::previous_dir(&path).join("0001.key");
        assert_eq!(std::fs::metadata(&saved).unwrap().permissions().mode() & 0o777, 0o640, "shared as before");
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o640);

        assert!(reread.verify(Purpose::Activation, "RSSMRA85T10A562S", code.expose(), &under_old), "old code");
        assert!(reread.verify(Purpose::Pin, "RSSMRA85T10A562S", "12345678", &legacy), "untagged hash");
        let under_new = reread.hash(Purpose::Activation, "RSSMRA85T10A562S", &code);
        assert_eq!(&under_new[1..9], &key_id(&new.current), "new hashes name the new key");
        assert!(reread.verify(Purpose::Activation, "RSSMRA85T10A562S", code.expose(), &under_new));
        assert!(!old.verify(Purpose::Activation, "RSSMRA85T10A562S", code.expose(), &under_new), "unknown key");
        assert!(!reread.verify(Purpose::Activation, "RSSMRA85T10A562S", "AAAA-AAAA-AAAA", &under_old));
        assert_eq!(reread.pseudonym("audit fiscal code", "RSSMRA85T10A562S"), pseudonym, "pseudonyms stay");

        // A hash naming a key that is no longer kept never verifies, even with a matching MAC.
        let mut forged = under_new.clone();
        forged[1..9].copy_from_slice(&key_id(&[9u8; 32]));
        assert!(!reread.verify(Purpose::Activation, "RSSMRA85T10A562S", code.expose(), &forged));

        // What the database compares a typed value with: every form verify() accepts, typed as
        // the citizen may (lower case), and nothing of another value.
        let typed = code.expose().to_lowercase();
        let candidates = reread.hashes(Purpose::Activation, "RSSMRA85T10A562S", &typed);
        assert!(candidates.contains(&under_old) && candidates.contains(&under_new), "tagged, each key");
        assert!(reread.hashes(Purpose::Pin, "RSSMRA85T10A562S", "12345678").contains(&legacy.to_vec()), "untagged");
        assert!(!candidates.contains(&forged));
        let other = reread.hashes(Purpose::Activation, "RSSMRA85T10A562S", "AAAA-AAAA-AAAA");
        assert!(!other.contains(&under_old) && !other.contains(&under_new));
        assert!(!reread.hashes(Purpose::Pin, "RSSMRA85T10A562S", &typed).contains(&under_new), "another purpose");

        let third = SecretKey::rotate(&path).unwrap();
        assert_eq!(third.previous, vec![old.current, new.current]);
        assert!(third.verify(Purpose::Activation, "RSSMRA85T10A562S", code.expose(), &under_old));
        assert_eq!(SecretKey::load(&path, false).unwrap().previous.len(), 2);
    }
}
