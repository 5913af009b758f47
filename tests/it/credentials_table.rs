//! The credentials moved out of `registrations` (sql/V1) are out of every login's reach (sql/V30):
//! tried as desk, helpdesk, batch and portal logins with a modified client would, straight to the
//! table. The api functions set and verify them (api_desk.rs, api_helpdesk_portal.rs).

use sportello::domain::{OperationKind, Role};
use sportello::store;
use tokio_postgres::error::SqlState;

use crate::desk::{book, mario};
use crate::harness::TestDb;

async fn raw(db: &TestDb, login: &str) -> tokio_postgres::Client {
    store::connect(&db.login_config(login)).await.unwrap()
}

/// Refused for lack of privilege: the table named by its schema, as an attacker would.
async fn denied(c: &tokio_postgres::Client, sql: &str) {
    let e = c.batch_execute(sql).await.expect_err(sql);
    assert_eq!(e.code(), Some(&SqlState::INSUFFICIENT_PRIVILEGE), "{sql}: {e:?}");
}

#[tokio::test]
async fn no_login_reads_or_writes_the_credentials() {
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
    for login in [clerk.as_str(), help.as_str(), cron.as_str(), "portal"] {
        let c = raw(&db, login).await;
        for sql in [
            "SELECT pin_hash FROM public.registration_credentials",
            "SELECT activation_code_hash FROM public.registration_credentials",
            "SELECT count(pin_print_count) FROM public.registration_credentials",
            &format!("DELETE FROM public.registration_credentials WHERE registration_number = {number}"),
            &format!(
                "UPDATE public.registration_credentials SET pin_hash = '\\x00' WHERE registration_number = {number}"
            ),
            &format!(
                "UPDATE public.registration_credentials SET activation_code_hash = '\\x01' WHERE registration_number = {number}"
            ),
            &format!("INSERT INTO public.registration_credentials (registration_number) VALUES ({number})"),
        ] {
            denied(&c, sql).await;
        }
    }
    let after: (bool, bool) = {
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
    assert_eq!(after, (true, true), "nothing changed");
}
