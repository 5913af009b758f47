//! `sportello key`: the service key of the keyed hashes (codes, PINs, pseudonyms).

use clap::Subcommand;
use serde::Serialize;
use sportello::config::DeskSettings;
use sportello::secrets::{SecretKey, key_fingerprint};

use crate::{Env, output};

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Create the service key: 32 random bytes, readable by its owner only (0600).
    #[command(after_help = "\
The file is SPORTELLO_KEY_FILE (key_file in the configuration file),
else secret.key under --home. An existing file is never replaced:
`sportello key rotate` does that and keeps the old key. To share it
with the clerks and the batch jobs of a machine:
chgrp sportello FILE; chmod 0640 FILE.

Examples:
  sportello key init
  SPORTELLO_KEY_FILE=/etc/sportello/secret.key sportello key init")]
    Init,
    /// Print the key's fingerprint (to compare machines) and those of the keys it replaced.
    #[command(after_help = "\
The fingerprint is the first 16 hex digits of the key's SHA-256: the
same on every machine holding the same key; the key cannot be found
from it.

Examples:
  sportello key fingerprint
  sportello key fingerprint --format json")]
    Fingerprint,
    /// Replace the key with a new one; codes and PINs of the old key stay valid until they expire.
    #[command(after_help = "\
New codes and PINs are hashed with the new key; each stored hash names
its key, and the old key is kept in KEYFILE.previous/ (same owner, group
and mode) to verify what it hashed. Copy the key file and that
directory to every machine that hashes codes (rsync -a, scp -p).

Examples:
  sportello key rotate
  SPORTELLO_KEY_FILE=/etc/sportello/secret.key sportello key rotate")]
    Rotate,
}

impl KeyCommand {
    pub fn name(&self) -> &'static str {
        match self {
            KeyCommand::Init => "key init",
            KeyCommand::Fingerprint => "key fingerprint",
            KeyCommand::Rotate => "key rotate",
        }
    }
}

#[derive(Serialize)]
struct KeyInfo {
    key_file: String,
    fingerprint: String,
    previous: Vec<String>,
}

pub async fn run(env: &Env, cmd: KeyCommand) -> sportello::Result<i32> {
    let path = DeskSettings::from_env(&env.home, &env.location)?.key_file;
    match cmd {
        KeyCommand::Init => {
            let key = SecretKey::init(&path)?;
            println!("{}", tr!("key-created", path = &*path, fingerprint = key_fingerprint(&key)));
        }
        KeyCommand::Rotate => {
            let key = SecretKey::rotate(&path)?;
            let previous = key.previous_fingerprints().pop().unwrap_or_default();
            println!(
                "{}",
                tr!(
                    "key-rotated",
                    path = &*path,
                    fingerprint = key_fingerprint(&key),
                    previous = previous,
                    dir = &*SecretKey::previous_dir(&path)
                )
            );
        }
        KeyCommand::Fingerprint => {
            let key = SecretKey::load(&path, false)?;
            let info = KeyInfo {
                key_file: path.display().to_string(),
                fingerprint: key_fingerprint(&key),
                previous: key.previous_fingerprints(),
            };
            let previous = if info.previous.is_empty() { tr!("key-none-previous") } else { info.previous.join(", ") };
            output::detail(
                env.format,
                vec![
                    (tr!("key-label-file"), info.key_file.clone()),
                    (tr!("key-label-fingerprint"), info.fingerprint.clone()),
                    (tr!("key-label-previous"), previous),
                ],
                &info,
            )?;
        }
    }
    Ok(0)
}
