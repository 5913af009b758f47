//! The api of the helpdesk, the citizen portal and erasure (issue 16, sql/V27), attacked as the
//! review did: a psql-like session with each login's own credentials calling the functions with
//! forged arguments, parallel sessions, and the legitimate paths writing exactly one audit row.

use sportello::domain::{OperationKind, Role};
use sportello::secrets::Purpose;
use tokio_postgres::error::SqlState;

use crate::desk::{book, mario};
use crate::harness::{TestDb, denied, raw};

/// Audit rows of `action` naming the citizen `cf`.
async fn rows(db: &TestDb, action: &str, cf: &str) -> i64 {
    let target = sportello::audit::fiscal_code_target(&db.key(), cf);
    db.owner()
        .await
        .query_one("SELECT count(*) FROM audit_log WHERE action = $1 AND target = $2", &[&action, &target])
        .await
        .unwrap()
        .get(0)
}

async fn count(db: &TestDb, sql: &str, number: i64) -> i64 {
    db.owner().await.query_one(sql, &[&number]).await.unwrap().get(0)
}

async fn tombstones(db: &TestDb, number: i64) -> i64 {
    count(db, "SELECT count(*) FROM revocations WHERE registration_number = $1", number).await
}

async fn registered(db: &TestDb, number: i64) -> i64 {
    count(db, "SELECT count(*) FROM registrations WHERE registration_number = $1", number).await
}

async fn helpdesk_login(db: &TestDb) -> String {
    let help = db.unique("help");
    db.add_operator(&help, &[Role::Helpdesk], &["TO"], &[]).await;
    help
}

const HASH: &str = "'\\x0102030405060708090a0b0c0d0e0f10'::bytea";

/// `api.revoke_letter` for `number` with no mismatch (an erasure), as SQL a login could type.
fn revoke_letter_sql(number: i64, audit_name: &str) -> String {
    format!(
        "SELECT api.revoke_letter({number}, '{audit_name}', 'RACC-1', '{{}}'::jsonb, '{{}}'::text[], {HASH}, NULL, {HASH})"
    )
}

/// Item 4: a helpdesk or portal login cannot delete a registration, nor call the erasure behind
/// the api; the erasure by letter writes one tombstone and one `revoke-letter` row, and a second
/// one finds the registration gone.
#[tokio::test]
async fn erasure_only_through_the_api_with_one_tombstone_and_one_audit_row() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let number = mario().register(&s).await;
    let help = helpdesk_login(&db).await;
    for login in [help.as_str(), "portal"] {
        let c = raw(&db, login).await;
        denied(&c, "DELETE FROM registrations").await;
        denied(&c, &format!("SELECT sportello_erase({number}, {HASH}, NULL, 'online', NULL)")).await;
        denied(&c, &format!("SELECT sportello_erase_citizen({number}, {HASH}, NULL, NULL, 'online', NULL)")).await;
    }
    // A portal login is no helpdesk: it erases nobody by "letter".
    let audit_name = sportello::audit::fiscal_code_target(&db.key(), &mario().cf);
    denied(&raw(&db, "portal").await, &revoke_letter_sql(number, &audit_name)).await;
    assert_eq!((registered(&db, number).await, tombstones(&db, number).await), (1, 0));
    assert_eq!(rows(&db, "revoke-letter", &mario().cf).await, 0);

    // The helpdesk's letter, through the library: one tombstone, one row of the database's.
    let outcome =
        sportello::batch::letter_revocations::revoke_one(&s, &db.desk(), mario().letter("RACC-1")).await.unwrap();
    assert!(matches!(outcome, sportello::batch::letter_revocations::Outcome::Revoked { .. }), "{outcome:?}");
    assert_eq!((registered(&db, number).await, tombstones(&db, number).await), (0, 1));
    assert_eq!(rows(&db, "revoke-letter", &mario().cf).await, 1);
    // The read the letter was compared with is recorded too, by the database.
    let read: i64 = db
        .owner()
        .await
        .query_one("SELECT count(*) FROM audit_log WHERE action = 'view' AND details->>'for' = 'revoke-letter'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(read, 1);
    // Again, by hand: the registration is gone, nothing more is written.
    let e = raw(&db, &help).await.batch_execute(&revoke_letter_sql(number, &audit_name)).await.unwrap_err();
    assert_eq!(e.code(), Some(&SqlState::NO_DATA_FOUND), "{e:?}");
    assert_eq!((tombstones(&db, number).await, rows(&db, "revoke-letter", &mario().cf).await), (1, 1));
}

/// Item 12: two erasures of one registration at once (two letter runs over the same letter)
/// make one tombstone and one audit row; the second is told the registration is gone.
#[tokio::test]
async fn two_letter_erasures_at_once_make_one_tombstone() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let number = mario().register(&s).await;
    let help = helpdesk_login(&db).await;
    let audit_name = sportello::audit::fiscal_code_target(&db.key(), &mario().cf);
    let (a, b) = (raw(&db, &help).await, raw(&db, &help).await);
    let erase = revoke_letter_sql(number, &audit_name);
    a.batch_execute(&format!("BEGIN; {erase}")).await.unwrap();
    let second = tokio::spawn(async move { b.batch_execute(&erase).await });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    a.batch_execute("COMMIT").await.unwrap();
    let e = second.await.unwrap().unwrap_err();
    assert_eq!(e.code(), Some(&SqlState::NO_DATA_FOUND), "{e:?}");
    assert_eq!(tombstones(&db, number).await, 1);
    assert_eq!(rows(&db, "revoke-letter", &mario().cf).await, 1);
}

/// A portal login erases nobody without the revocation code's hash matching: forged hashes
/// count as a wrong attempt (recorded), the registration stays; a helpdesk login cannot call the
/// citizen's revocation at all; the right code erases, with one tombstone and one row.
#[tokio::test]
async fn a_portal_login_cannot_erase_without_the_revocation_codes_hash() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let desk = db.desk();
    let number = mario().register(&s).await;
    book(&s, &desk, number, OperationKind::Revocation).await.unwrap();
    let code = crate::desk::code_in(db.spooled().last().unwrap());
    let cf = mario().cf;
    let key = db.key();
    let audit_name = sportello::audit::fiscal_code_target(&key, &cf);
    let forged: Vec<Vec<u8>> = vec![key.hash(Purpose::Revocation, &cf, &sportello::secrets::new_code().unwrap())];
    let tomb = sportello::portal::tombstone_hash(&key, &cf);
    let revoke = "SELECT status FROM api.citizen_revoke($1, $2, 5, $3, $4, NULL, $4)";

    let portal = raw(&db, "portal").await;
    let status: String = portal.query_one(revoke, &[&cf, &audit_name, &forged, &tomb]).await.unwrap().get(0);
    assert_eq!(status, "wrong");
    // The revocation code's hash with another purpose (an activation code's) is no better.
    let other = key.hashes(Purpose::Activation, &cf, &code);
    let status: String = portal.query_one(revoke, &[&cf, &audit_name, &other, &tomb]).await.unwrap().get(0);
    assert_eq!(status, "wrong");
    assert_eq!((registered(&db, number).await, tombstones(&db, number).await), (1, 0));
    assert_eq!(rows(&db, "citizen-wrong-code", &cf).await, 2);
    assert_eq!(
        count(&db, "SELECT failed_attempts::bigint FROM registrations WHERE registration_number = $1", number).await,
        2
    );

    let help = helpdesk_login(&db).await;
    let right = key.hashes(Purpose::Revocation, &cf, &code);
    let e = raw(&db, &help).await.query_one(revoke, &[&cf, &audit_name, &right, &tomb]).await.unwrap_err();
    assert_eq!(e.code(), Some(&SqlState::INSUFFICIENT_PRIVILEGE), "{e:?}");
    assert_eq!(registered(&db, number).await, 1);

    let status: String = portal.query_one(revoke, &[&cf, &audit_name, &right, &tomb]).await.unwrap().get(0);
    assert_eq!(status, "ok");
    assert_eq!((registered(&db, number).await, tombstones(&db, number).await), (0, 1));
    assert_eq!(rows(&db, "citizen-revoke", &cf).await, 1);
}

/// Item 3: a helpdesk (or desk) login cannot complete an activation, even with the right codes'
/// hashes in hand: refused, and nothing written (not even an attempt counted).
#[tokio::test]
async fn a_helpdesk_login_cannot_complete_an_activation() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let desk = db.desk();
    let number = mario().register(&s).await;
    let booked = book(&s, &desk, number, OperationKind::Verification).await.unwrap();
    let pin = crate::desk::pin_in(&booked.letters);
    let code = crate::desk::code_in(db.spooled().last().unwrap());
    let cf = mario().cf;
    let key = db.key();
    let audit_name = sportello::audit::fiscal_code_target(&key, &cf);
    let (codes, pins) = (key.hashes(Purpose::Activation, &cf, &code), key.hashes(Purpose::Pin, &cf, &pin));
    let activate =
        "SELECT status FROM api.citizen_activate($1, $2, 5, $3, $4, true, 'mario.rossi', 'x', true, 'q', 'y')";
    let help = helpdesk_login(&db).await;
    let clerk = db.unique("clerk");
    db.add_operator(&clerk, &[Role::Desk], &["TO"], &[]).await;
    for login in [help, clerk] {
        let e = raw(&db, &login).await.query_one(activate, &[&cf, &audit_name, &codes, &pins]).await.unwrap_err();
        assert_eq!(e.code(), Some(&SqlState::INSUFFICIENT_PRIVILEGE), "{login}: {e:?}");
    }
    let state: String = db
        .owner()
        .await
        .query_one(
            "SELECT state || ' ' || failed_attempts FROM registrations WHERE registration_number = $1",
            &[&number],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(state, "riscontrato 0");
    assert_eq!(rows(&db, "citizen-activate", &cf).await + rows(&db, "citizen-wrong-code", &cf).await, 0);

    // The portal with the same hashes completes it, with exactly one row of the database's.
    let status: String =
        raw(&db, "portal").await.query_one(activate, &[&cf, &audit_name, &codes, &pins]).await.unwrap().get(0);
    assert_eq!(status, "ok");
    assert_eq!(rows(&db, "citizen-activate", &cf).await, 1);
    let state: String = db
        .owner()
        .await
        .query_one("SELECT state || ' ' || strong FROM registrations WHERE registration_number = $1", &[&number])
        .await
        .unwrap()
        .get(0);
    assert_eq!(state, "attivato true");
}

/// Item 11: 20 guesses sent at once from 20 psql-like portal sessions, each claiming a limit of
/// 1000 attempts, get no more than the attempts the database allows (5) verified; the right codes sent after them are refused (locked out); an
/// unknown fiscal code gets the same answer and the same one row as a wrong code.
#[tokio::test]
async fn a_raw_burst_of_twenty_guesses_gets_no_more_than_the_attempts_allowed() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let desk = db.desk();
    let number = mario().register(&s).await;
    let booked = book(&s, &desk, number, OperationKind::Verification).await.unwrap();
    let pin = crate::desk::pin_in(&booked.letters);
    let code = crate::desk::code_in(db.spooled().last().unwrap());
    let cf = mario().cf;
    let key = db.key();
    let audit_name = sportello::audit::fiscal_code_target(&key, &cf);
    let pins = key.hashes(Purpose::Pin, &cf, &pin);
    let activate =
        "SELECT status FROM api.citizen_activate($1, $2, 1000, $3, $4, true, 'mario.rossi', 'x', true, 'q', 'y')";
    let mut sessions = Vec::new();
    for _ in 0..20 {
        sessions.push(raw(&db, "portal").await);
    }
    let guesses: Vec<_> = sessions
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let (cf, audit_name, pins) = (cf.clone(), audit_name.clone(), pins.clone());
            let guess = key.hashes(Purpose::Activation, &cf, &format!("AAAA-BBBB-{i:04}"));
            tokio::spawn(async move {
                c.query_one(activate, &[&cf, &audit_name, &guess, &pins]).await.map(|r| r.get::<_, String>(0))
            })
        })
        .collect();
    for g in guesses {
        assert_eq!(g.await.unwrap().unwrap(), "wrong");
    }
    let owner = db.owner().await;
    let verified: i64 = owner
        .query_one(
            "SELECT count(*) FROM audit_log WHERE action = 'citizen-wrong-code' AND details->'attempt' <> 'null'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(verified, 5, "attempts verified of a burst of 20");
    assert_eq!(rows(&db, "citizen-wrong-code", &cf).await, 20, "each guess recorded");
    let portal = raw(&db, "portal").await;
    let codes = key.hashes(Purpose::Activation, &cf, &code);
    let status: String = portal.query_one(activate, &[&cf, &audit_name, &codes, &pins]).await.unwrap().get(0);
    assert_eq!(status, "wrong", "locked out");
    assert_eq!(rows(&db, "citizen-activate", &cf).await, 0);

    // An unknown fiscal code: the same answer, one row, nothing else.
    let before: i64 = owner.query_one("SELECT count(*) FROM audit_log", &[]).await.unwrap().get(0);
    let unknown = "VRDGPP70A01L219K";
    let other = sportello::audit::fiscal_code_target(&key, unknown);
    let status: String = portal.query_one(activate, &[&unknown, &other, &codes, &pins]).await.unwrap().get(0);
    assert_eq!(status, "wrong");
    let after: i64 = owner.query_one("SELECT count(*) FROM audit_log", &[]).await.unwrap().get(0);
    assert_eq!(after - before, 1);
}

/// The mailbox's decisions from a psql-like helpdesk session: no claim without a running mailbox
/// run, no decision on a message not claimed, no code set for a sender who is not the address
/// registered (and nothing of the record read for them); a refusal writes its one row, and a
/// message whose reply went out is never claimed again.
#[tokio::test]
async fn the_mailbox_decides_only_claimed_messages_from_the_registered_address() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let desk = db.desk();
    let number = mario().register(&s).await;
    book(&s, &desk, number, OperationKind::Verification).await.unwrap();
    let cf = mario().cf;
    let help = helpdesk_login(&db).await;
    let c = raw(&db, &help).await;
    let claim = "SELECT claimed, registration_number, from_registered, first_name, doc_number
                 FROM api.mailbox_claim($1, $2, 'm.eml', $3, $4, $5)";
    // The message as the client describes it to the log: its Message-ID by a keyed hash.
    let decide = "SELECT api.mailbox_decide($1, $2, $3, NULL, NULL, $4, now() + interval '1 day',
                                           '{\"message\": \"<email:5e1f>\"}'::jsonb)";
    let code_hash = db.key().hash(Purpose::Activation, &cf, &sportello::secrets::new_code().unwrap());
    let no_code: Option<Vec<u8>> = None;
    let named = sportello::audit::fiscal_code_target(&db.key(), &cf);

    // No running mailbox run: no claim.
    let e = c.query_one(claim, &[&"<m1@x>", &999_999i64, &"mario.rossi@example.it", &cf, &named]).await.unwrap_err();
    assert_eq!(e.code(), Some(&SqlState::INSUFFICIENT_PRIVILEGE), "{e:?}");
    let run: i64 = db
        .owner()
        .await
        .query_one(
            "INSERT INTO batch_runs (kind, input, checksum, operator_id) VALUES ('helpdesk-mailbox', 'dir', 'x', $1)
             RETURNING id",
            &[&help],
        )
        .await
        .unwrap()
        .get(0);
    // Not claimed: no decision.
    let e = c.execute(decide, &[&"<m1@x>", &true, &None::<String>, &code_hash]).await.unwrap_err();
    assert_eq!(e.code(), Some(&SqlState::INSUFFICIENT_PRIVILEGE), "{e:?}");

    // From another address: claimed, the registration named, nothing of it read.
    let r = c.query_one(claim, &[&"<m1@x>", &run, &"attacker@example.it", &cf, &named]).await.unwrap();
    assert!(r.get::<_, bool>(0));
    assert_eq!(r.get::<_, Option<i64>>(1), Some(number));
    assert!(!r.get::<_, bool>(2));
    assert_eq!((r.get::<_, Option<String>>(3), r.get::<_, Option<String>>(4)), (None, None));
    // Honoured anyway: refused, no code set, no row.
    let e = c.execute(decide, &[&"<m1@x>", &true, &None::<String>, &code_hash]).await.unwrap_err();
    assert_eq!(e.code(), Some(&SqlState::INSUFFICIENT_PRIVILEGE), "{e:?}");
    let set: i64 = db
        .owner()
        .await
        .query_one(
            "SELECT count(*) FROM registration_credentials WHERE registration_number = $1 AND activation_code_hash = $2",
            &[&number, &code_hash],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(set, 0);
    assert_eq!(rows(&db, "regenerate-code", &cf).await, 0);

    // Refused: one row, naming the message as described (sql/V41), never by what its sender wrote.
    c.execute(decide, &[&"<m1@x>", &false, &Some("the sender is not registered"), &no_code]).await.unwrap();
    let refused: i64 = db
        .owner()
        .await
        .query_one(
            "SELECT count(*) FROM audit_log WHERE action = 'regenerate-code' AND outcome = 'refused' AND target = 'message <email:5e1f>'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(refused, 1);
    // Its reply went out: never claimed again, never decided again.
    c.execute("SELECT api.mailbox_replied($1)", &[&"<m1@x>"]).await.unwrap();
    let r = c.query_one(claim, &[&"<m1@x>", &run, &"attacker@example.it", &cf, &named]).await.unwrap();
    assert!(!r.get::<_, bool>(0));
    let e = c.execute(decide, &[&"<m1@x>", &false, &Some("again"), &no_code]).await.unwrap_err();
    assert_eq!(e.code(), Some(&SqlState::INSUFFICIENT_PRIVILEGE), "{e:?}");
    // From the registered address: the record read (and recorded), the new code set, one row.
    let r = c.query_one(claim, &[&"<m3@x>", &run, &"Mario.Rossi@example.it", &cf, &named]).await.unwrap();
    assert!(r.get::<_, bool>(0) && r.get::<_, bool>(2));
    assert_eq!(r.get::<_, Option<String>>(3).as_deref(), Some("Mario"));
    assert_eq!(rows(&db, "view", &cf).await, 1);
    c.execute(decide, &[&"<m3@x>", &true, &None::<String>, &code_hash]).await.unwrap();
    assert_eq!(rows(&db, "regenerate-code", &cf).await, 1);
    let set: i64 = db
        .owner()
        .await
        .query_one(
            "SELECT count(*) FROM registration_credentials WHERE registration_number = $1 AND activation_code_hash = $2",
            &[&number, &code_hash],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(set, 1);
    // A portal login is no helpdesk.
    let e = raw(&db, "portal").await.query_one(claim, &[&"<m2@x>", &run, &"mario.rossi@example.it", &cf, &named]).await;
    assert_eq!(e.unwrap_err().code(), Some(&SqlState::INSUFFICIENT_PRIVILEGE));
}

/// One call, one guess: a portal login sending the hashes of many codes at once (a brute force
/// in one call, rolled back after) is refused before anything is compared.
#[tokio::test]
async fn an_attempt_carries_the_hashes_of_one_code_and_one_pin() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let desk = db.desk();
    let number = mario().register(&s).await;
    book(&s, &desk, number, OperationKind::Verification).await.unwrap();
    let cf = mario().cf;
    let key = db.key();
    let audit_name = sportello::audit::fiscal_code_target(&key, &cf);
    let guesses: Vec<Vec<u8>> =
        (0..20).flat_map(|i| key.hashes(Purpose::Activation, &cf, &format!("AAAA-BBBB-{i:04}"))).collect();
    let pins = key.hashes(Purpose::Pin, &cf, "12345678");
    let activate =
        "SELECT status FROM api.citizen_activate($1, $2, 5, $3, $4, true, 'mario.rossi', 'x', true, 'q', 'y')";
    let e = raw(&db, "portal").await.query_one(activate, &[&cf, &audit_name, &guesses, &pins]).await.unwrap_err();
    assert_eq!(e.code(), Some(&SqlState::INVALID_PARAMETER_VALUE), "{e:?}");
    assert_eq!(rows(&db, "citizen-activate", &cf).await + rows(&db, "citizen-wrong-code", &cf).await, 0);
    // One code's hashes (two per key) are one attempt, counted.
    let one = key.hashes(Purpose::Activation, &cf, "AAAA-BBBB-0000");
    let status: String =
        raw(&db, "portal").await.query_one(activate, &[&cf, &audit_name, &one, &pins]).await.unwrap().get(0);
    assert_eq!(status, "wrong");
    assert_eq!(rows(&db, "citizen-wrong-code", &cf).await, 1);
}
