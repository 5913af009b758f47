//! The service key (issue 18): `key init` makes it once, `key fingerprint` compares machines,
//! `key rotate` replaces it while the codes and PINs of the old key stay valid.

use std::os::unix::fs::PermissionsExt;

use sha2::{Digest, Sha256};
use sportello::domain::OperationKind;
use sportello::portal;

use crate::desk::{activation, book, code_of, mario, pin_in};
use crate::harness::{TestDb, sportello, text};

fn key_cmd(file: &std::path::Path, args: &[&str]) -> (String, String, i32) {
    let out = sportello()
        .arg("key")
        .args(args)
        .env("SPORTELLO_CONFIG", "")
        .env("SPORTELLO_KEY_FILE", file)
        .env_remove("SPORTELLO_DATABASE_URL")
        .output()
        .unwrap();
    text(&out)
}

#[test]
fn key_init_makes_a_private_key_once() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("etc/secret.key");
    let (stdout, stderr, code) = key_cmd(&file, &["init"]);
    assert_eq!(code, 0, "{stderr}");
    let bytes = std::fs::read(&file).unwrap();
    assert_eq!(bytes.len(), 32);
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    let fingerprint = hex::encode(&Sha256::digest(&bytes)[..8]);
    assert!(stdout.contains(&fingerprint), "{stdout}");

    let (_, stderr, code) = key_cmd(&file, &["init"]);
    assert_eq!(code, 5, "{stderr}");
    assert!(stderr.contains("already exists") && stderr.contains("key rotate"), "{stderr}");
    assert_eq!(std::fs::read(&file).unwrap(), bytes, "never overwritten");

    let (stdout, stderr, code) = key_cmd(&file, &["fingerprint", "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["fingerprint"], fingerprint.as_str());
    assert_eq!(v["previous"], serde_json::json!([]));

    let (_, stderr, code) = key_cmd(&dir.path().join("none.key"), &["fingerprint"]);
    assert_ne!(code, 0);
    assert!(stderr.contains("none.key"), "{stderr}");
}

/// Codes and PINs handed out before a rotation complete the activation after it; new ones are
/// hashed with the new key, named in the stored hash.
#[tokio::test]
async fn codes_of_the_previous_key_stay_valid_after_a_rotation() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let file = db.files.path().join("secret.key");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
    let old = hex::encode(&Sha256::digest(std::fs::read(&file).unwrap())[..8]);
    let number = mario().register(&s).await;
    let b = book(&s, &db.desk(), number, OperationKind::Verification).await.unwrap();
    let (pin, code) = (pin_in(&b.letters), code_of(&db, &b));

    let (stdout, stderr, status) = key_cmd(&file, &["rotate"]);
    assert_eq!(status, 0, "{stderr}");
    let new = hex::encode(&Sha256::digest(std::fs::read(&file).unwrap())[..8]);
    assert_ne!(new, old);
    assert!(stdout.contains(&new) && stdout.contains(&old), "{stdout}");
    let saved = db.files.path().join("secret.key.previous/0001.key");
    assert_eq!(std::fs::metadata(&saved).unwrap().permissions().mode() & 0o777, 0o640, "shared as the key was");
    let (stdout, _, _) = key_cmd(&file, &["fingerprint", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!((v["fingerprint"].as_str(), v["previous"][0].as_str()), (Some(new.as_str()), Some(old.as_str())));

    // A machine with the new key alone (the previous one not copied) cannot verify the old code.
    let lone = tempfile::tempdir().unwrap();
    std::fs::copy(&file, lone.path().join("secret.key")).unwrap();
    let mut settings = db.desk_settings();
    settings.key_file = lone.path().join("secret.key");
    let lonely = sportello::desk::handover::Desk::open(&settings).unwrap();
    let e = portal::activate(&db.db, &lonely, activation(&mario().cf, &code, &pin)).await.unwrap_err();
    assert!(e.to_string().contains("codes are wrong"), "{e}");

    // With the key and its predecessors, the old code and PIN complete the activation.
    let desk = db.desk();
    portal::activate(&db.db, &desk, activation(&mario().cf, &code, &pin)).await.unwrap();

    // New hashes name the new key.
    let other = crate::fixtures::Citizen::new("DNGNNA", "Anna", "D'Angelo", "1980-04-12", sportello::domain::Sex::F);
    let number = other.register(&s).await;
    book(&s, &desk, number, OperationKind::Verification).await.unwrap();
    let row = db
        .owner()
        .await
        .query_one("SELECT pin_hash FROM operations WHERE registration_number = $1 AND status = 'A'", &[&number])
        .await
        .unwrap();
    let hash: Vec<u8> = row.get(0);
    assert_eq!((hash.len(), hex::encode(&hash[1..9])), (41, new));
}
