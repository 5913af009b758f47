//! Reference data as the national registry (ANPR) has it: birthplaces valid on the birth date,
//! current municipality names with the former ones understood.

use sportello::Error;
use sportello::batch::Quiet;
use sportello::batch::registry_import::{self, Options};
use sportello::desk::register::{self, Prepared};
use sportello::domain::Sex;
use sportello::domain::fiscal_code::check_character;
use sportello::store::reference;
use sportello::store::registry::Source;

use crate::fixtures::{Citizen, cf};
use crate::harness::{TestDb, text};

/// A citizen born on `birth` at the cadastral code `place` (Turin resident).
fn born_at(place: &str, birth: &str) -> Citizen {
    let mut c = Citizen::new("RSSMRA", "Mario", "Rossi", birth, Sex::M);
    c.cf = cf("RSSMRA", c.birth, 'M', place);
    c
}

/// Registers through the library: the registration, or the error.
async fn try_register(db: &TestDb, c: &Citizen) -> Result<i64, Error> {
    let s = db.admin().await;
    match register::prepare(&s, c.request()).await? {
        Prepared::New(draft) => Ok(register::register(&s, *draft).await?.registration_number),
        Prepared::AlreadyRegistered(r) => panic!("{} already registered as {}", c.cf, r.registration_number),
    }
}

async fn refused(db: &TestDb, c: &Citizen, needle: &str) {
    match try_register(db, c).await {
        Err(e @ Error::Invalid(_)) => assert!(e.to_string().contains(needle), "{}: {e}", c.cf),
        other => panic!("{} ({}): expected a refusal containing {needle:?}, got {other:?}", c.cf, c.birth),
    }
}

#[tokio::test]
async fn a_birthplace_must_have_existed_on_the_birth_date() {
    let db = TestDb::new().await;
    // Codes that designate nothing at all.
    for place in ["Z000", "A000"] {
        refused(&db, &born_at(place, "1985-12-10"), &format!("{place} is neither a municipality nor a foreign state"))
            .await;
    }
    // Moransengo (F709) was merged into Tonengo in 1928 and made again in 1947.
    refused(&db, &born_at("F709", "1935-05-01"), "F709 did not exist on the birth date 1935-05-01").await;
    // Briga Marittima (B174, CN) went to France in 1947, long before the birth.
    refused(&db, &born_at("B174", "1985-12-10"), "B174 did not exist on the birth date 1985-12-10").await;
    // Moransengo-Tonengo (M434) was created on 2023-01-01, after the birth.
    refused(&db, &born_at("M434", "2000-01-01"), "M434 did not exist on the birth date 2000-01-01").await;
    // An omocodia variant is checked on its decoded code: Z000 written ZLLL.
    let c = born_at("ZLLL", "1985-12-10");
    refused(&db, &c, "Z000 is neither").await;
    let n: i64 = db.owner().await.query_one("SELECT count(*) FROM registrations", &[]).await.unwrap().get(0);
    assert_eq!(n, 0, "nothing written");

    // Accepted: municipalities ceased since but existing then (Moransengo in 1985, Briga
    // Marittima in 1940), a ceased
    // state existing then (Yugoslavia, Z118, until 2003), a foreign state (France).
    let ok = [
        born_at("F709", "1985-12-10"),
        Citizen { first_name: "Pia", ..born_at("B174", "1940-02-02") },
        Citizen { first_name: "Ana", ..born_at("Z118", "1990-03-04") },
        Citizen { first_name: "Luc", ..born_at("Z110", "1970-07-07") },
    ];
    for (i, mut c) in ok.into_iter().enumerate() {
        let letters = format!("RSSMR{}", (b'A' + i as u8) as char);
        c.cf = cf(&letters, c.birth, 'M', &c.cf[11..15]);
        try_register(&db, &c).await.unwrap_or_else(|e| panic!("{} ({}): {e}", c.cf, c.birth));
    }
}

#[tokio::test]
async fn the_desk_refuses_an_unknown_birthplace_with_exit_3() {
    let db = TestDb::new().await;
    let c = born_at("Z000", "1985-12-10");
    let out = db.cli(Some("admin"), &crate::cli::register_args(&c.cf, &[]));
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 3, "{stdout}\n{stderr}");
    assert!(stderr.contains("Z000 is neither a municipality nor a foreign state"), "{stderr}");
}

#[tokio::test]
async fn the_import_rejects_rows_whose_birthplace_did_not_exist() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let row = |letters: &str, birth: &str, place: &str| {
        let code = cf(letters, crate::fixtures::date(birth), 'M', place);
        format!("{code};Mario;Rossi;{birth};M;Via Roma;1;10121;001272;;;;\n")
    };
    let mut csv = String::from(
        "fiscal_code;first_name;last_name;birth_date;sex;address;street_number;postcode;municipality;doc_type;doc_number;doc_issued;doc_issuer\n",
    );
    csv += &row("RSSMRA", "1985-12-10", "L219"); // line 2: Turin, fine
    csv += &row("RSSMRB", "1985-12-10", "Z000"); // 3: nowhere
    csv += &row("RSSMRC", "1985-12-10", "B174"); // 4: ceased in 1947
    csv += &row("RSSMRD", "2000-01-01", "M434"); // 5: created in 2023
    csv += &row("RSSMRE", "1985-12-10", "Z118"); // 6: Yugoslavia, existing then
    csv += &row("RSSMRF", "1985-12-10", "F709"); // 7: Moransengo, existing then
    csv += &row("RSSMRG", "2023-01-01", "M434"); // 8: Moransengo-Tonengo, from its first day
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cia.csv");
    std::fs::write(&path, csv).unwrap();
    let summary = registry_import::import(&s, Source::Cia, &path, &Options::default(), &Quiet).await.unwrap();
    let got: Vec<(u64, &str)> = summary.rejected.iter().map(|r| (r.line, r.field.as_str())).collect();
    assert_eq!(got, [(3, "fiscal_code"), (4, "fiscal_code"), (5, "fiscal_code")]);
    assert!(summary.rejected[0].reason.contains("Z000 is neither"), "{:?}", summary.rejected[0]);
    assert!(summary.rejected[1].reason.contains("B174 did not exist on the birth date 1985-12-10"));
    assert!(summary.rejected[2].reason.contains("M434 did not exist on the birth date 2000-01-01"));
    assert_eq!(summary.inserted, 4);
}

#[tokio::test]
async fn renamed_municipalities_have_their_current_name_and_answer_to_the_former_one() {
    let db = TestDb::new().await;
    let c = db.db.client().await.unwrap();
    for (now, before, istat) in [
        ("Calliano Monferrato", "Calliano", "005014"),
        ("Casorzo Monferrato", "Casorzo", "005020"),
        ("Grana Monferrato", "Grana", "005056"),
        ("Montemagno Monferrato", "Montemagno", "005077"),
        ("Murisengo Monferrato", "Murisengo", "006113"),
    ] {
        for input in [now, before, &now.to_uppercase(), &before.to_lowercase()] {
            let m = reference::resolve_municipality(&c, input, None).await.unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!((m.name.as_str(), m.istat_code.as_str()), (now, istat), "{input}");
        }
    }
    let m = reference::resolve_municipality(&c, "Calliano", Some("AT")).await.unwrap();
    assert_eq!(m.name, "Calliano Monferrato");
    assert!(reference::resolve_municipality(&c, "Calliano", Some("TO")).await.is_err());
    // A state by its name as typed without its accent, or with an apostrophe for it (sql/V52).
    for typed in ["Perù", "Peru'", "PERU", "Stati Uniti D'America", "stato della citta' del vaticano"] {
        let code = reference::resolve_country(&c, typed).await.unwrap_or_else(|e| panic!("{typed}: {e}"));
        assert!(["Z611", "Z404", "Z106"].contains(&code.as_str()), "{typed}: {code}");
    }
    // A name with an apostrophe, typed with whichever a keyboard or a word processor gives.
    for typed in ["Castell'Alfero", "Castell’Alfero", "castell‘alfero", "CASTELLʼALFERO"] {
        let m = reference::resolve_municipality(&c, typed, Some("AT")).await;
        assert_eq!(m.unwrap_or_else(|e| panic!("{typed}: {e}")).name, "Castell'Alfero", "{typed}");
    }

    // At the desk, by the binary, with the new name.
    let mario = Citizen::new("RSSMRA", "Mario", "Rossi", "1985-12-10", Sex::M);
    let mut args = crate::cli::register_args(&mario.cf, &[]);
    for (flag, value) in [("--province", "AT"), ("--municipality", "Calliano Monferrato"), ("--postcode", "14031")] {
        let i = args.iter().position(|a| *a == flag).unwrap();
        args[i + 1] = value;
    }
    let out = db.cli(Some("admin"), &["operator", "add", "asti", "--name", "A", "--ente", "B", "--province", "AT"]);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    db.set_password("asti").await;
    let out = db.cli(Some("asti"), &args);
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let name: String = db
        .owner()
        .await
        .query_one("SELECT m.name FROM registrations r JOIN municipalities m ON m.istat_code = r.res_municipality", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(name, "Calliano Monferrato");
}

#[test]
fn omocodia_letters_in_the_place_are_decoded() {
    // The fixture's Z000 written with omocodia letters (ZLLL) is a valid code whose birthplace is Z000.
    let first15 = "RSSMRA85T10ZLLL";
    let code = format!("{first15}{}", check_character(first15.as_bytes()));
    let fc = sportello::domain::FiscalCode::parse(&code).unwrap();
    assert_eq!(fc.birth_place(), "Z000");
}
