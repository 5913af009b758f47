//! The credentials moved out of `registrations` (sql/V15) keep V18's least privilege: tried as
//! desk, helpdesk and batch operators with a modified client would, straight to the table.

use sportello::domain::{OperationKind, Role};
use sportello::store;
use tokio_postgres::error::SqlState;

use crate::desk::{book, mario};
use crate::harness::TestDb;

async fn raw(db: &TestDb, login: &str) -> tokio_postgres::Client {
    store::connect(&db.login_config(login)).await.unwrap()
}

async fn denied(c: &tokio_postgres::Client, sql: &str) {
    let e = c.batch_execute(sql).await.expect_err(sql);
    assert_eq!(e.code(), Some(&SqlState::INSUFFICIENT_PRIVILEGE), "{sql}: {e:?}");
}

#[tokio::test]
async fn nobody_reads_a_pin_hash_and_the_credentials_change_only_as_the_lifecycle_says() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let number = mario().register(&s).await;
    // A booking at the desk: the PIN possessed and the activation code are in the new table.
    book(&s, &db.desk(), number, OperationKind::Verification).await.unwrap();
    let owner = db.owner().await;
    let (possessed, code): (bool, bool) = {
        let r = owner
            .query_one(
                "SELECT pin_possessed, activation_code_hash IS NOT NULL FROM registration_credentials
                 WHERE registration_number = $1",
                &[&number],
            )
            .await
            .unwrap();
        (r.get(0), r.get(1))
    };
    assert!(possessed && code);
    let (clerk, help, cron) = (db.unique("clerk"), db.unique("help"), db.unique("cron"));
    db.add_operator(&clerk, &[Role::Desk], &["TO"], &[]).await;
    db.add_operator(&help, &[Role::Helpdesk], &["TO"], &[]).await;
    db.add_operator(&cron, &[Role::Batch], &["TO"], &[]).await;
    for login in [&clerk, &help, &cron] {
        let c = raw(&db, login).await;
        for sql in [
            "SELECT pin_hash FROM registration_credentials",
            "SELECT activation_code_hash FROM registration_credentials",
            "SELECT * FROM registration_credentials",
            "SELECT count(*) FROM registration_credentials WHERE pin_hash IS NOT NULL",
        ] {
            denied(&c, sql).await;
        }
        // A row is made empty: never with a secret of one's choosing.
        denied(&c, &format!("DELETE FROM registration_credentials WHERE registration_number = {number}")).await;
        // What they need they read.
        let n: i64 =
            c.query_one("SELECT count(pin_print_count) FROM registration_credentials", &[]).await.unwrap().get(0);
        assert_eq!(n, 1);
    }
    let c = raw(&db, &clerk).await;
    // The desk writes no PIN in force and no print count; a code only for an operation in progress.
    denied(&c, &format!("UPDATE registration_credentials SET pin_hash = '\\x00' WHERE registration_number = {number}"))
        .await;
    denied(
        &c,
        &format!("UPDATE registration_credentials SET pin_print_count = 9 WHERE registration_number = {number}"),
    )
    .await;
    owner.execute("UPDATE operations SET status = 'D', closed_at = now() WHERE status = 'A'", &[]).await.unwrap();
    denied(
        &c,
        &format!(
            "UPDATE registration_credentials SET activation_code_hash = '\\x01' WHERE registration_number = {number}"
        ),
    )
    .await;
    // pin_possessed goes only with a booking in the same transaction (or a postal letter).
    owner
        .execute("UPDATE registration_credentials SET pin_possessed = false WHERE registration_number = $1", &[&number])
        .await
        .unwrap();
    denied(
        &c,
        &format!("UPDATE registration_credentials SET pin_possessed = true WHERE registration_number = {number}"),
    )
    .await;
    // An empty row may be made; one with a secret may not.
    owner.execute("DELETE FROM registration_credentials WHERE registration_number = $1", &[&number]).await.unwrap();
    denied(
        &c,
        &format!("INSERT INTO registration_credentials (registration_number, pin_possessed) VALUES ({number}, true)"),
    )
    .await;
    c.batch_execute(&crate::harness::recorded(&format!(
        "INSERT INTO registration_credentials (registration_number) VALUES ({number})"
    )))
    .await
    .unwrap();
    // The portal verifies the activation code: it reads its hash, never the PIN in force.
    let p = raw(&db, "portal").await;
    p.batch_execute("SELECT activation_code_hash FROM registration_credentials").await.unwrap();
    denied(&p, "SELECT pin_hash FROM registration_credentials").await;
}
