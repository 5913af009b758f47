//! Files holding secrets or personal data (letters, postal batches and manifests, the outbox,
//! reports): private to the service's OS user, 0600 in 0700 directories, temporary files included.
//! Postal output may be shared with one group (the print shop): 0640 in 0750 directories.
//!
//! Modes are set explicitly, whatever the process's umask; a directory named for such files is
//! tightened even when it already exists (its parents are left as they are).

use std::fs::{File, OpenOptions, Permissions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use crate::error::{Error, Result};

/// Who besides the owner may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Access {
    /// Nobody: files 0600, directories 0700.
    #[default]
    Private,
    /// This group may read: files 0640, directories 0750, group-owned.
    Group(u32),
}

impl Access {
    /// The group named by a setting (e.g. `SPORTELLO_POSTAL_GROUP`), or private without one.
    pub fn group(name: Option<&str>) -> Result<Access> {
        match name.map(str::trim).filter(|n| !n.is_empty()) {
            None => Ok(Access::Private),
            Some(n) => uzers::get_group_by_name(n)
                .map(|g| Access::Group(g.gid()))
                .ok_or_else(|| Error::Invalid(crate::msg!("postal-group-unknown", group = n))),
        }
    }

    fn file_mode(self) -> u32 {
        match self {
            Access::Private => 0o600,
            Access::Group(_) => 0o640,
        }
    }

    fn dir_mode(self) -> u32 {
        match self {
            Access::Private => 0o700,
            Access::Group(_) => 0o750,
        }
    }

    fn apply(self, path: &Path, mode: u32) -> Result<()> {
        std::fs::set_permissions(path, Permissions::from_mode(mode))
            .map_err(Error::io(crate::msg!("io-restrict", path = path)))?;
        if let Access::Group(gid) = self {
            std::os::unix::fs::chown(path, None, Some(gid)).map_err(Error::io(crate::msg!(
                "io-give-to",
                path = path,
                owner = format!("group {gid}")
            )))?;
        }
        Ok(())
    }
}

/// Creates `dir` (and missing parents, 0700) and restricts it to `access`.
pub fn dir(dir: &Path, access: Access) -> Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(Error::io(crate::msg!("io-create", path = dir)))?;
    access.apply(dir, access.dir_mode())
}

/// Can the effective OS user keep secrets in `dir` as its own: a directory they own (so they
/// can make it 0700 and write in it), or one they can create (its nearest existing ancestor is
/// a directory they may write)? Another user's directory, even one root could write, is not:
/// making it private fails for a clerk ("Operation not permitted"), and a clerk's secrets do
/// not belong in another's directory. Nothing is created or changed. The error's kind is
/// `PermissionDenied` for a directory not theirs, `NotADirectory` for a file.
pub fn own_dir(dir: &Path) -> std::io::Result<()> {
    use std::io::{Error as IoError, ErrorKind};
    use std::os::unix::fs::MetadataExt;
    let euid = uzers::get_effective_uid();
    match std::fs::metadata(dir) {
        Ok(m) if !m.is_dir() => Err(IoError::from(ErrorKind::NotADirectory)),
        Ok(m) if m.uid() != euid => Err(IoError::from(ErrorKind::PermissionDenied)),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == ErrorKind::NotFound => {
            let Some(parent) = dir.ancestors().skip(1).find(|a| a.exists()) else { return Ok(()) };
            let m = std::fs::metadata(parent)?;
            if !m.is_dir() {
                return Err(IoError::from(ErrorKind::NotADirectory));
            }
            let mode = m.mode();
            let writable = euid == 0
                || if m.uid() == euid {
                    mode & 0o200 != 0
                } else if m.gid() == uzers::get_effective_gid()
                    || uzers::group_access_list().is_ok_and(|gs| gs.iter().any(|g| g.gid() == m.gid()))
                {
                    mode & 0o020 != 0
                } else {
                    mode & 0o002 != 0
                };
            if writable { Ok(()) } else { Err(IoError::from(ErrorKind::PermissionDenied)) }
        }
        Err(e) => Err(e),
    }
}

/// Creates (or truncates) `path` readable only as `access` says, from its first byte on.
pub fn create(path: &Path, access: Access) -> Result<File> {
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(access.file_mode())
        .open(path)
        .map_err(Error::io(crate::msg!("io-create", path = path)))?;
    // An existing file keeps its mode through open(): set it.
    access.apply(path, access.file_mode())?;
    Ok(file)
}

/// Writes `bytes` to a new private (or group-readable) file; `sync`: to disk before returning.
pub fn write(path: &Path, bytes: &[u8], access: Access, sync: bool) -> Result<()> {
    let mut f = create(path, access)?;
    f.write_all(bytes).map_err(Error::io(crate::msg!("io-write", path = path)))?;
    if sync {
        f.sync_all().map_err(Error::io(crate::msg!("io-sync", path = path)))?;
    }
    Ok(())
}

/// Restricts an existing file (one written by a library that chose its own mode).
pub fn restrict(path: &Path, access: Access) -> Result<()> {
    access.apply(path, access.file_mode())
}

/// Removes letters no longer needed (their operation is over, or their registration erased),
/// each given with its registration's number; returns those now gone (removed, or already
/// absent), for the caller to forget. Any other failure is logged and the rest still removed.
/// The paths come from the database, which other logins write: only regular files in the
/// registration's own directory under the letters directory `dir` (`dir/<number>/`) are
/// removed, never a link or anything elsewhere (a planted path must not make us delete it).
/// A registration's directory left empty goes too.
pub fn remove_letters(dir: &Path, letters: &[(String, i64)]) -> Vec<String> {
    let mut gone = Vec::new();
    let Ok(dir) = dir.canonicalize() else { return gone };
    for (p, number) in letters {
        let path = Path::new(p);
        let parent = path.parent().and_then(|d| d.canonicalize().ok());
        let inside = parent.as_ref().is_some_and(|d| *d == dir.join(number.to_string()));
        match std::fs::symlink_metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                gone.push(p.clone());
                continue;
            }
            Ok(m) if inside && m.file_type().is_file() => {}
            _ => {
                tracing::warn!(path = %p, letters = %dir.display(), "not a letter under the letters directory: left alone");
                continue;
            }
        }
        match std::fs::remove_file(path) {
            Ok(()) => gone.push(p.clone()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => gone.push(p.clone()),
            Err(e) => tracing::warn!(path = %p, "cannot remove a letter no longer needed: {e}"),
        }
        if let Some(parent) = parent {
            // Fails, as it should, while the directory holds other letters.
            let _ = std::fs::remove_dir(parent);
        }
    }
    gone
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    #[test]
    fn private_whatever_the_umask_and_existing_modes() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path().join("a/b");
        std::fs::create_dir_all(&d).unwrap();
        std::fs::set_permissions(&d, Permissions::from_mode(0o777)).unwrap();
        dir(&d, Access::Private).unwrap();
        assert_eq!(std::fs::metadata(&d).unwrap().mode() & 0o777, 0o700);
        let f = d.join("x");
        std::fs::write(&f, b"old").unwrap();
        std::fs::set_permissions(&f, Permissions::from_mode(0o666)).unwrap();
        write(&f, b"new", Access::Private, true).unwrap();
        assert_eq!(std::fs::metadata(&f).unwrap().mode() & 0o777, 0o600);
        assert_eq!(std::fs::read(&f).unwrap(), b"new");
        let gid = std::fs::metadata(&d).unwrap().gid();
        let g = d.join("g");
        dir(&g, Access::Group(gid)).unwrap();
        assert_eq!(std::fs::metadata(&g).unwrap().mode() & 0o777, 0o750);
        write(&g.join("y"), b"y", Access::Group(gid), false).unwrap();
        assert_eq!(std::fs::metadata(g.join("y")).unwrap().mode() & 0o777, 0o640);
        let n = g.join("7");
        dir(&n, Access::Group(gid)).unwrap();
        write(&n.join("y"), b"y", Access::Group(gid), false).unwrap();
        let (y, gone) = (n.join("y").display().to_string(), n.join("gone").display().to_string());
        assert_eq!(remove_letters(&g, &[(y.clone(), 7), (gone.clone(), 7)]), [y, gone]);
        assert!(!n.exists(), "the registration's directory, left empty, goes too");
    }

    #[test]
    fn only_letters_under_the_letters_directory_are_removed() {
        let t = tempfile::tempdir().unwrap();
        let letters = t.path().join("letters");
        std::fs::create_dir_all(letters.join("1000001")).unwrap();
        let victim = t.path().join("secret.key");
        std::fs::write(&victim, b"k").unwrap();
        let link = letters.join("1000001").join("link.pdf");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        let letter = letters.join("1000001").join("pin.pdf");
        std::fs::write(&letter, b"%PDF").unwrap();
        let other = letters.join("1000002").join("pin.pdf");
        std::fs::create_dir_all(other.parent().unwrap()).unwrap();
        std::fs::write(&other, b"%PDF").unwrap();
        let planted = [
            (victim.display().to_string(), 1000001),
            (letters.join("1000001/../../secret.key").display().to_string(), 1000001),
            (link.display().to_string(), 1000001),
            (other.display().to_string(), 1000001),
            (letter.display().to_string(), 1000001),
        ];
        let gone = remove_letters(&letters, &planted);
        assert!(victim.exists(), "a path outside the letters directory is never removed");
        assert!(std::fs::symlink_metadata(&link).is_ok(), "nor a link");
        assert!(other.exists(), "nor a letter of another registration");
        assert!(!letter.exists(), "the letter itself is");
        assert_eq!(gone, [letter.display().to_string()]);
    }
}
