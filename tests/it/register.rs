use sportello::Error;
use sportello::desk::register::{self, Prepared};
use sportello::domain::{Community, Sex, State};
use sportello::store::registry::Source;

use crate::fixtures::{Citizen, date};
use crate::harness::TestDb;

fn mario() -> Citizen {
    Citizen::new("RSSMRA", "Mario", "Rossi", "1985-12-10", Sex::M)
}

async fn count(db: &TestDb) -> i64 {
    db.owner().await.query_one("SELECT count(*) FROM registrations", &[]).await.unwrap().get(0)
}

async fn put_in_registry(db: &TestDb, table: &str, cf: &str, first: &str, last: &str, birth: &str) {
    db.owner()
        .await
        .execute(
            &format!(
                "INSERT INTO {table} (fiscal_code, first_name, last_name, birth_date, sex, res_address,
                    res_street_number, res_postcode, res_municipality, doc_type, doc_number, doc_issued, doc_issuer)
                 VALUES ($1, $2, $3, $4::text::date, 'M', 'Corso Francia', '23', '10138', '001272',
                         'passport', 'YA1234567', '2021-06-01', 'Questura di Torino')"
            ),
            &[&cf, &first, &last, &birth],
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn new_citizen_without_registry_data() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let Prepared::New(draft) = register::prepare(&s, mario().request()).await.unwrap() else { panic!() };
    assert_eq!(draft.source, None);
    assert!(draft.missing().is_empty());
    let reg = register::register(&s, *draft).await.unwrap();
    assert_eq!(reg.fiscal_code, mario().cf);
    assert_eq!(reg.state, State::Registrato);
    assert!(!reg.strong);
    assert_eq!(reg.community, Community::SistemaPiemonte);
    assert_eq!(reg.data.residence.municipality_name.as_deref(), Some("Torino"));
    assert_eq!(reg.data.residence.province.as_deref(), Some("TO"));
    assert!(reg.registration_number > 1_000_000);
    let stamped: String = db
        .owner()
        .await
        .query_one("SELECT created_by FROM registrations WHERE registration_number = $1", &[&reg.registration_number])
        .await
        .unwrap()
        .get(0);
    assert_eq!(stamped, "admin", "the acting operator is stamped on the write");
}

#[tokio::test]
async fn prefilled_from_cia_then_aura_and_flags_win() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let m = mario();
    put_in_registry(&db, "aura_residents", &m.cf, "MARIO AURA", "ROSSI", "1985-12-10").await;
    put_in_registry(&db, "cia_residents", &m.cf, "MARIO", "ROSSI", "1985-12-10").await;
    let mut req = m.request();
    req.data = Default::default();
    req.data.contacts.email = Some("mario@example.it".into());
    let Prepared::New(draft) = register::prepare(&s, req.clone()).await.unwrap() else { panic!() };
    assert_eq!(draft.source, Some(Source::Cia), "CIA is looked up first");
    assert_eq!(draft.data.person.first_name.as_deref(), Some("MARIO"));
    assert_eq!(draft.data.document.number.as_deref(), Some("YA1234567"));
    assert_eq!(draft.data.residence.address.as_deref(), Some("Corso Francia"));
    assert!(draft.missing().is_empty(), "{:?}", draft.missing());

    // A flag given by the operator wins over the registry.
    req.data.person.first_name = Some("Mario Giuseppe".into());
    let Prepared::New(draft) = register::prepare(&s, req).await.unwrap() else { panic!() };
    assert_eq!(draft.data.person.first_name.as_deref(), Some("Mario Giuseppe"));
    let reg = register::register(&s, *draft).await.unwrap();
    assert_eq!(reg.data.document.issuer.as_deref(), Some("Questura di Torino"));

    // Only in AURA.
    let anna = Citizen::new("RSSNNA", "Anna", "Rossetti", "1962-02-14", Sex::F);
    db.owner()
        .await
        .execute(
            "INSERT INTO aura_residents (fiscal_code, first_name, last_name, birth_date, sex, res_municipality)
             VALUES ($1, 'ANNA', 'ROSSETTI', '1962-02-14', 'F', '001272')",
            &[&anna.cf],
        )
        .await
        .unwrap();
    let mut req = anna.request();
    req.data.person = Default::default();
    let Prepared::New(draft) = register::prepare(&s, req).await.unwrap() else { panic!() };
    assert_eq!(draft.source, Some(Source::Aura));
    assert_eq!(draft.data.person.last_name.as_deref(), Some("ROSSETTI"));
}

#[tokio::test]
async fn registry_address_elsewhere_is_not_the_new_residence() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let m = mario().living_in("TO", "Moncalieri", "10024");
    put_in_registry(&db, "cia_residents", &m.cf, "MARIO", "ROSSI", "1985-12-10").await;
    let mut req = m.request();
    req.data = Default::default();
    let Prepared::New(draft) = register::prepare(&s, req).await.unwrap() else { panic!() };
    assert_eq!(draft.data.residence.address, None);
    assert_eq!(draft.data.residence.municipality_name.as_deref(), Some("Moncalieri"));
    assert!(draft.missing().contains(&"address"));
}

#[tokio::test]
async fn already_weak_already_strong_and_legacy() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let number = mario().register(&s).await;
    match register::prepare(&s, mario().request()).await.unwrap() {
        Prepared::AlreadyRegistered(existing) => assert_eq!(existing.registration_number, number),
        other => panic!("expected AlreadyRegistered, got {other:?}"),
    }
    db.owner().await.execute("UPDATE registrations SET strong = true, state = 'attivato'", &[]).await.unwrap();
    let err = register::prepare(&s, mario().request()).await.unwrap_err();
    assert!(matches!(err, Error::Refused(_)), "{err}");
    assert!(err.to_string().contains("strong credentials"), "{err}");

    let luca = Citizen::new("BNCLCU", "Luca", "Bianchi", "1970-07-21", Sex::M);
    db.owner()
        .await
        .execute("INSERT INTO legacy_accounts (fiscal_code, username) VALUES ($1, 'lbianchi70')", &[&luca.cf])
        .await
        .unwrap();
    let err = register::prepare(&s, luca.request()).await.unwrap_err();
    assert!(matches!(err, Error::Refused(_)));
    assert!(err.to_string().contains("legacy credentials (username lbianchi70)"), "{err}");
    assert_eq!(count(&db).await, 1);
}

async fn refused(db: &TestDb, c: Citizen, edit: impl FnOnce(&mut register::Request)) -> String {
    let s = db.admin().await;
    let mut req = c.request();
    edit(&mut req);
    let result = match register::prepare(&s, req).await {
        Ok(Prepared::New(draft)) => register::register(&s, *draft).await.map(|_| ()),
        Ok(other) => panic!("{other:?}"),
        Err(e) => Err(e),
    };
    let err = result.expect_err("must be refused");
    assert_eq!(err.exit_code(), sportello::error::exit::INVALID, "{err}");
    err.to_string()
}

#[tokio::test]
async fn invalid_data_is_refused_and_nothing_written() {
    let db = TestDb::new().await;
    let e = refused(&db, mario(), |r| {
        r.data.document.issuer = None;
        r.data.contacts.email = None;
    })
    .await;
    assert_eq!(e, "missing mandatory fields: doc-issuer, email");
    let e = refused(&db, mario(), |r| r.data.contacts.email = Some("mario@postacertificata.gov.it".into())).await;
    assert!(e.contains("PEC"), "{e}");
    let e = refused(&db, mario(), |r| r.municipality = "Atlantide".into()).await;
    assert!(e.contains("unknown municipality 'Atlantide' in province TO"), "{e}");
    let e = refused(&db, mario(), |r| r.data.residence.postcode = Some("14100".into())).await;
    assert!(e.contains("postcode 14100 is not a postcode of Torino"), "{e}");
    let e = refused(&db, mario(), |r| r.data.person.birth_date = Some(date("1985-12-11"))).await;
    assert!(e.contains("does not agree with fiscal code"), "{e}");
    let e = refused(&db, mario(), |r| r.fiscal_code = "RSSMRA85T10L219X".into()).await;
    assert!(e.contains("check character"), "{e}");
    assert_eq!(count(&db).await, 0);
}

#[tokio::test]
async fn resident_abroad() {
    let db = TestDb::new().await;
    // Residents abroad are registered by an operator competent for them (STATO ESTERO), as a
    // residence is moved abroad (sql/V5: competence on INSERT too); the refusal says how.
    let out = db.cli(
        Some("admin"),
        &[
            "register",
            "--cf",
            &mario().cf,
            "--province",
            "EE",
            "--municipality",
            "ESTERO",
            "--city",
            "Lyon",
            "--country",
            "Francia",
        ],
    );
    let (_, stderr, code) = crate::harness::text(&out);
    assert_eq!(code, 5, "{stderr}");
    assert!(stderr.contains("competence includes EE") && stderr.contains("--province EE"), "{stderr}");
    db.owner()
        .await
        .batch_execute("INSERT INTO operator_competence (operator_id, province) VALUES ('admin', 'EE')")
        .await
        .unwrap();
    let s = db.admin().await;
    let mut req = mario().request();
    req.province = "STATO ESTERO".into();
    req.municipality = "ESTERO".into();
    req.data.residence.postcode = None;
    req.data.residence.street_number = None;
    req.data.residence.city = Some("Lyon".into());
    req.data.residence.country = Some("francia".into());
    let Prepared::New(draft) = register::prepare(&s, req).await.unwrap() else { panic!() };
    let reg = register::register(&s, *draft).await.unwrap();
    assert_eq!(reg.data.residence.province.as_deref(), Some("EE"));
    assert_eq!(reg.data.residence.municipality_name.as_deref(), Some("ESTERO"));
    assert_eq!(reg.data.residence.country.as_deref(), Some("Z110"));
    assert_eq!(reg.data.residence.country_name.as_deref(), Some("Francia"));

    let mut req = Citizen::new("BNCLCU", "Luca", "Bianchi", "1970-07-21", Sex::M).request();
    req.province = "EE".into();
    req.municipality = "ESTERO".into();
    // The input is checked first: an Italian postcode abroad is refused before anything else.
    assert!(register::prepare(&s, req.clone()).await.is_err());
    req.data.residence.postcode = None;
    let Prepared::New(draft) = register::prepare(&s, req).await.unwrap() else { panic!() };
    assert!(draft.missing().contains(&"city") && draft.missing().contains(&"country"));
}

#[tokio::test]
async fn omocodia_code_is_accepted() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let m = mario();
    // Replace the last digit of the place code (9 of L219) by its omocodia letter V.
    let first15 = format!("{}V", &m.cf[..14]);
    let code = format!("{first15}{}", sportello::domain::fiscal_code::check_character(first15.as_bytes()));
    let mut req = m.request();
    req.fiscal_code = code.to_lowercase();
    let Prepared::New(draft) = register::prepare(&s, req).await.unwrap() else { panic!() };
    let reg = register::register(&s, *draft).await.unwrap();
    assert_eq!(reg.fiscal_code, code, "stored upper case");
}

/// A municipality of residence or domicile goes with its own province, whoever writes it (here
/// the owner, past every function): another province is refused (sql/V40), and so is none,
/// which would pass the foreign key and leave the record out of its province (sql/V46).
#[tokio::test]
async fn a_residence_is_in_its_municipalitys_province_whoever_writes_it() {
    use tokio_postgres::error::SqlState;
    let db = TestDb::new().await;
    let s = db.admin().await;
    let number = Citizen::new("RSSMRA", "Mario", "Rossi", "1985-12-10", Sex::M).register(&s).await;
    let owner = db.owner().await;
    for column in ["res", "dom"] {
        for (province, refused) in [("'AT'", SqlState::FOREIGN_KEY_VIOLATION), ("NULL", SqlState::CHECK_VIOLATION)] {
            let sql = format!(
                "UPDATE registrations SET {column}_municipality = '001272', {column}_province = {province}
                  WHERE registration_number = $1"
            );
            let e = owner.execute(&sql, &[&number]).await.unwrap_err();
            assert_eq!(e.code(), Some(&refused), "{column} {province}: {e:?}");
        }
    }
}

/// A desk reads from the registries only residents of its competence (the registration that
/// would follow is refused outside it), and every answer is recorded (sql/V46).
#[tokio::test]
async fn a_desk_reads_the_registry_only_within_its_competence() {
    let db = TestDb::new().await;
    let cf = Citizen::new("VRDLGU", "Luigi", "Verdi", "1970-01-01", Sex::M).cf;
    put_in_registry(&db, "cia_residents", &cf, "Luigi", "Verdi", "1970-01-01").await;
    let named = sportello::audit::fiscal_code_target(&db.key(), &cf);
    let lookup = "SELECT first_name FROM api.registry_lookup($1, $2)";
    let (asti, turin) = (db.unique("asti"), db.unique("turin"));
    db.add_operator(&asti, &[sportello::domain::Role::Desk], &["AT"], &[]).await;
    db.add_operator(&turin, &[sportello::domain::Role::Desk], &["TO"], &[]).await;
    let far = crate::harness::raw(&db, &asti).await.query(lookup, &[&cf, &named]).await.unwrap();
    assert!(far.is_empty(), "a resident of Torino is not Asti's to read");
    let near = crate::harness::raw(&db, &turin).await.query(lookup, &[&cf, &named]).await.unwrap();
    assert_eq!(near.len(), 1);
    let outcomes: Vec<String> = db
        .owner()
        .await
        .query("SELECT outcome FROM audit_log WHERE action = 'registry-read' AND target = $1 ORDER BY seq", &[&named])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(outcomes, ["refused", "ok"]);
}
