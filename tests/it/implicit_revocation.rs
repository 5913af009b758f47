//! Implicit revocation (issue 20, sql/V32): a registry export that reports a death revokes the
//! resident's registration and erases it as a revocation does, records the death once, and no
//! later import or pre-load re-creates the registration. A departure is not a death.

use std::path::{Path, PathBuf};

use crate::batch::{kill_when, registry_file, spawn};
use crate::harness::{SmtpServer, TestDb, text};

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples").join(name)
}

/// A sample registry file with a `death_date` column: `deaths` gives the date for some fiscal
/// codes, every other resident has the column empty.
fn with_deaths(sample_name: &str, deaths: &[(&str, &str)], dir: &Path) -> PathBuf {
    let all = std::fs::read_to_string(sample(sample_name)).unwrap();
    let sep = if all.lines().next().unwrap().contains(';') { ';' } else { ',' };
    let mut out = String::new();
    for (i, line) in all.lines().enumerate() {
        let died = deaths.iter().find(|(code, _)| line.starts_with(code)).map(|(_, d)| *d);
        match (i, died) {
            (0, _) => out.push_str(&format!("{line}{sep}death_date\n")),
            (_, Some(d)) => out.push_str(&format!("{line}{sep}{d}\n")),
            (_, None) => out.push_str(&format!("{line}{sep}\n")),
        }
    }
    let path = dir.join(format!("deaths-{sample_name}"));
    std::fs::write(&path, out).unwrap();
    path
}

async fn count(c: &tokio_postgres::Client, sql: &str) -> i64 {
    c.query_one(sql, &[]).await.unwrap().get(0)
}

async fn registered(c: &tokio_postgres::Client) -> Vec<String> {
    c.query("SELECT fiscal_code FROM registrations ORDER BY 1", &[]).await.unwrap().iter().map(|r| r.get(0)).collect()
}

const MARIO: &str = "RSSMRA85T10L219G";
const GIULIA: &str = "BNCGLI92D58L219Y";
const NICOLO: &str = "DMCNCL78P02F335K";
const PAOLO: &str = "CNTPLA47A06A479Q";

#[tokio::test]
async fn a_death_in_cia_or_aura_revokes_erases_and_is_never_preloaded_again() {
    let smtp = SmtpServer::start();
    let mut db = TestDb::new().await;
    db.smtp_url = Some(smtp.url.clone());
    let dir = tempfile::tempdir().unwrap();
    let owner = db.owner().await;
    let cia = sample("cia.csv");
    let out = db.cli(Some("admin"), &["import-cia", cia.to_str().unwrap(), "--preload", "001272"]);
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);
    assert_eq!(registered(&owner).await, [GIULIA, "CSTFNC88C65L219X", "GLLNDR00L07L219X", MARIO]);
    let mario_number: i64 = owner
        .query_one("SELECT registration_number FROM registrations WHERE fiscal_code = $1", &[&MARIO])
        .await
        .unwrap()
        .get(0);
    // Mario gave an address at the desk since: the death that erases his record is told there.
    owner
        .execute(
            "UPDATE registrations SET email = 'mario.rossi@example.it' WHERE registration_number = $1",
            &[&mario_number],
        )
        .await
        .unwrap();

    // The municipal registry reports Mario (registered) and Nicolò (never registered) dead (the
    // sample of the README). A dry run tells the deaths and changes nothing.
    let dry = db.cli(Some("admin"), &["import-cia", sample("cia-deaths.csv").to_str().unwrap(), "--dry-run"]);
    assert!(text(&dry).1.contains("4 unchanged, 0 rejected, 2 deaths reported"), "{}", text(&dry).1);
    assert_eq!(registered(&owner).await.len(), 4, "nothing revoked by a dry run");
    let deaths = sample("cia-deaths.csv");
    let made = with_deaths("cia.csv", &[(MARIO, "2026-10-01"), (NICOLO, "15/11/2026")], dir.path());
    assert_eq!(std::fs::read_to_string(&deaths).unwrap(), std::fs::read_to_string(made).unwrap());
    let out = db.cli(Some("admin"), &["import-cia", deaths.to_str().unwrap()]);
    let (_, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("6 rows: 0 new, 0 changed, 4 unchanged, 0 rejected, 2 deaths (1 revoked)"), "{stderr}");
    assert_eq!(registered(&owner).await, [GIULIA, "CSTFNC88C65L219X", "GLLNDR00L07L219X"], "Mario's erased");
    // Told at the address the record had, in Italian, with whom to call (a death reported by
    // mistake, or by a forged file, reaches the citizen); nobody else is written to.
    let received = smtp.received();
    assert_eq!(received.len(), 1, "{received:?}");
    let notice = mail_parser::MessageParser::default().parse(received[0].as_bytes()).unwrap();
    let body = sportello::mail::inbound_text(&notice);
    assert_eq!(notice.to().and_then(|a| a.first()).and_then(|a| a.address()), Some("mario.rossi@example.it"));
    assert!(notice.subject().unwrap_or_default().contains("decesso"), "{:?}", notice.subject());
    assert!(body.contains("Gentile Mario Rossi") && body.contains("segnalato il decesso"), "{body}");
    assert!(!body.contains(MARIO), "no fiscal code in a notice: {body}");
    let tombstone: (i64, String) = {
        let r = owner.query_one("SELECT registration_number, channel FROM revocations", &[]).await.unwrap();
        (r.get(0), r.get(1))
    };
    assert_eq!(tombstone, (mario_number, "registry-death".to_string()), "the tombstone of a revocation");
    assert_eq!(count(&owner, "SELECT count(*) FROM registry_deaths").await, 2, "both deaths recorded");
    assert_eq!(
        count(&owner, "SELECT count(*) FROM revocations v JOIN registry_deaths d USING (fiscal_code_hash)").await,
        1,
        "the same keyed hash"
    );
    assert_eq!(
        count(&owner, &format!("SELECT count(*) FROM cia_residents WHERE fiscal_code IN ('{MARIO}', '{NICOLO}')"))
            .await,
        0,
        "the dead leave the mirror"
    );
    // Recorded by the database: the revocation as the citizen's, implicit, with its run; the
    // chunk's deaths with how many; no fiscal code anywhere.
    let rows = owner
        .query(
            "SELECT action, target, details::text, outcome FROM audit_log
              WHERE action IN ('revoke-death', 'import-deaths') ORDER BY id",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    let details: serde_json::Value = serde_json::from_str(rows[0].get::<_, &str>(2)).unwrap();
    assert_eq!(rows[0].get::<_, &str>(0), "revoke-death");
    assert!(rows[0].get::<_, &str>(1).starts_with("cf:"));
    assert_eq!(details["implicit"], true);
    assert_eq!(details["outcome"]["revoked"]["registration_number"], mario_number);
    assert_eq!((details["source"].as_str(), details["run"].as_i64()), (Some("cia"), Some(2)));
    assert_eq!(rows[1].get::<_, &str>(0), "import-deaths");
    assert!(rows[1].get::<_, &str>(2).contains("\"deaths\": 2"), "{}", rows[1].get::<_, &str>(2));
    let everything: String =
        owner.query_one("SELECT string_agg(target || details::text, ' ') FROM audit_log", &[]).await.unwrap().get(0);
    assert!(!everything.contains(MARIO) && !everything.contains(NICOLO), "no fiscal code in the log");
    let counts: serde_json::Value =
        owner.query_one("SELECT counts FROM batch_runs WHERE id = 2", &[]).await.unwrap().get(0);
    assert_eq!((counts["deaths"].as_i64(), counts["deaths_revoked"].as_i64()), (Some(2), Some(1)), "{counts}");

    let counted = "SELECT coalesce(sum(n), 0)::bigint FROM stats_counts WHERE event = 'revoked' AND kind = 'death'";
    assert_eq!(count(&owner, counted).await, 1, "the statistics count a revocation by death");

    // The health registry reports Giulia (registered, from the pre-load) and Paolo dead.
    let aura = with_deaths("aura.csv", &[(PAOLO, "2026-01-06")], dir.path());
    let giulia = format!("{GIULIA},Giulia,Bianchi,1992-04-18,F,Corso Francia,23/B,10138,001272,,,,,2026-11-30\n");
    let mut body = std::fs::read_to_string(&aura).unwrap();
    body.push_str(&giulia);
    std::fs::write(&aura, body).unwrap();
    let out = db.cli(Some("admin"), &["import-aura", aura.to_str().unwrap()]);
    let (_, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("5 rows: 3 new") && stderr.contains("2 deaths (1 revoked)"), "{stderr}");
    assert_eq!(registered(&owner).await, ["CSTFNC88C65L219X", "GLLNDR00L07L219X"], "Giulia's erased");
    assert_eq!(count(&owner, "SELECT count(*) FROM revocations WHERE channel = 'registry-death'").await, 2);

    // The same death file again, forced: nothing is written twice; a known death is unchanged.
    let out = db.cli(Some("admin"), &["import-cia", deaths.to_str().unwrap(), "--force"]);
    let (_, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("6 unchanged, 0 rejected, 0 deaths (0 revoked)"), "{stderr}");
    assert_eq!(count(&owner, "SELECT count(*) FROM revocations").await, 2);
    assert_eq!(count(&owner, "SELECT count(*) FROM registry_deaths").await, 4);
    assert_eq!(count(&owner, "SELECT count(*) FROM audit_log WHERE action = 'revoke-death'").await, 2);
    assert_eq!(count(&owner, "SELECT count(*) FROM audit_log WHERE action = 'import-deaths'").await, 2);

    // A later export without the column lists them alive again (a stale file, a registry's
    // mistake): the mirror takes them back, but no pre-load, of any area, registers them again.
    let out = db.cli(
        Some("admin"),
        &["import-cia", cia.to_str().unwrap(), "--force", "--preload", "001272", "--preload", "001156"],
    );
    let (_, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("2 new") && stderr.contains("0 pre-loaded"), "{stderr}");
    assert_eq!(registered(&owner).await, ["CSTFNC88C65L219X", "GLLNDR00L07L219X"], "the dead are not pre-loaded");
    assert_eq!(count(&owner, &format!("SELECT count(*) FROM cia_residents WHERE fiscal_code = '{MARIO}'")).await, 1);
}

/// The README's example, as it prints.
#[tokio::test]
async fn the_readme_example_prints_what_it_says() {
    let db = TestDb::new().await;
    let owner = db.owner().await;
    let run = |file: &str, extra: &[&str]| {
        let file = sample(file);
        let mut args = vec!["import-cia", file.to_str().unwrap()];
        args.extend(extra);
        let (_, stderr, code) = text(&db.cli(Some("admin"), &args));
        assert_eq!(code, 0, "{stderr}");
        stderr.lines().last().unwrap().to_string()
    };
    assert_eq!(
        run("cia.csv", &["--preload", "TO"]),
        "CIA (municipal registry): 6 rows: 6 new, 0 changed, 0 unchanged, 0 rejected, 5 pre-loaded (run 1)"
    );
    assert_eq!(
        run("cia-deaths.csv", &[]),
        "CIA (municipal registry): 6 rows: 0 new, 0 changed, 4 unchanged, 0 rejected, 2 deaths (2 revoked) (run 2)"
    );
    assert_eq!(
        run("cia.csv", &["--force", "--preload", "TO"]),
        "CIA (municipal registry): 6 rows: 2 new, 0 changed, 4 unchanged, 0 rejected, 0 pre-loaded (run 3)"
    );
    assert_eq!(registered(&owner).await, [GIULIA, "CSTFNC88C65L219X", "GLLNDR00L07L219X"]);

    // `runs` says every count in words, in each language, never a raw key.
    for (lang, says) in [
        ("C", &["2 deaths (2 revoked)", "0 new", "5 pre-loaded", "0 not pre-loaded"][..]),
        ("it_IT.UTF-8", &["2 decessi (2 revocate)", "0 nuovi", "5 precaricati", "0 residenti non precaricati"]),
    ] {
        let mut cmd = db.command(Some("admin"), &["runs"]);
        let (stdout, stderr, code) = text(&cmd.env("LANG", lang).output().unwrap());
        assert_eq!(code, 0, "{stderr}");
        for said in says {
            assert!(stdout.contains(said), "{lang}: {said:?} in\n{stdout}");
        }
        for raw in ["deaths_revoked", "preload_withheld", "inserted", ": "] {
            assert!(!stdout.contains(raw), "{lang}: {raw:?} in\n{stdout}");
        }
    }
}

#[tokio::test]
async fn a_departure_is_not_a_death() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let owner = db.owner().await;
    let out = db.cli(Some("admin"), &["import-cia", sample("cia.csv").to_str().unwrap(), "--preload", "001272"]);
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);
    // A full snapshot, with the death column, that no longer lists Mario.
    let full = with_deaths("cia.csv", &[], dir.path());
    let kept: Vec<String> =
        std::fs::read_to_string(&full).unwrap().lines().filter(|l| !l.starts_with(MARIO)).map(String::from).collect();
    std::fs::write(&full, kept.join("\n") + "\n").unwrap();
    let out = db.cli(Some("admin"), &["import-cia", full.to_str().unwrap(), "--full-snapshot"]);
    let (_, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("5 unchanged, 0 rejected, 1 ceased, 0 deaths (0 revoked)"), "{stderr}");
    assert!(registered(&owner).await.contains(&MARIO.to_string()), "a departure revokes nothing");
    assert_eq!(count(&owner, "SELECT count(*) FROM revocations").await, 0);
    assert_eq!(count(&owner, "SELECT count(*) FROM registry_deaths").await, 0);
    assert_eq!(count(&owner, &format!("SELECT count(*) FROM cia_residents WHERE fiscal_code = '{MARIO}'")).await, 0);
}

#[tokio::test]
async fn bad_future_and_prebirth_death_dates_are_rejected_by_line() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let owner = db.owner().await;
    let out = db.cli(Some("admin"), &["import-cia", sample("cia.csv").to_str().unwrap(), "--preload", "001272"]);
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);
    let file = with_deaths(
        "cia.csv",
        &[(MARIO, "31/02/2024"), (GIULIA, "ieri"), (NICOLO, "2099-01-01"), ("GLLNDR00L07L219X", "1999-12-31")],
        dir.path(),
    );
    let out = db.cli(Some("admin"), &["import-cia", file.to_str().unwrap(), "--rejects", "-"]);
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 8, "done with rejected rows: {stderr}");
    assert!(stderr.contains("0 deaths (0 revoked)"), "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "line,field,value,reason");
    assert!(
        lines[1].starts_with("2,death_date,31/02/2024,") && lines[1].contains("not a day of the calendar"),
        "{stdout}"
    );
    assert!(lines[2].starts_with("3,death_date,ieri,"), "{stdout}");
    assert!(lines[3].starts_with("4,death_date,2099-01-01,is in the future"), "{stdout}");
    assert!(lines[4].starts_with("6,death_date,1999-12-31,is before the birth date 2000-07-07"), "{stdout}");
    assert_eq!(lines.len(), 5, "{stdout}");
    assert_eq!(registered(&owner).await.len(), 4, "nothing revoked");
    assert_eq!(count(&owner, "SELECT count(*) FROM registry_deaths").await, 0);

    // Without the key file the deaths cannot be named by their keyed hashes: refused before
    // anything is written, in both languages.
    let runs = count(&owner, "SELECT count(*) FROM batch_runs").await;
    let deaths = sample("cia-deaths.csv");
    for (lang, said) in [("C", "the key file is needed"), ("it_IT.UTF-8", "serve il file della chiave")] {
        let mut cmd = db.command(Some("admin"), &["import-cia", deaths.to_str().unwrap()]);
        cmd.env("SPORTELLO_KEY_FILE", dir.path().join("no/such/dir/secret.key")).env("LANG", lang);
        let (_, stderr, code) = text(&cmd.output().unwrap());
        assert_eq!(code, 3, "{stderr}");
        assert!(stderr.contains(said) && stderr.contains("death_date"), "{stderr}");
    }
    assert_eq!(count(&owner, "SELECT count(*) FROM batch_runs").await, runs, "no run started");
}

/// A run killed in the middle of its chunks, deaths among them, resumes: each death recorded,
/// each registration erased and recorded, once.
#[tokio::test]
async fn an_import_with_deaths_killed_midway_writes_each_death_once() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let owner = db.owner().await;
    // The first 3,000 residents are registered (pre-loaded).
    std::fs::create_dir(dir.path().join("first")).unwrap();
    let (first, _, _) = registry_file(&dir.path().join("first"), 3_000);
    let out = db.cli(Some("admin"), &["import-cia", first.to_str().unwrap(), "--preload", "001272"]);
    assert_eq!(text(&out).2, 8, "{}", text(&out).1);
    let before = registered(&owner).await.len();
    // The whole registry, one resident in 250 reported dead (the bad rows stay bad).
    let (file, _, _) = registry_file(dir.path(), 60_000);
    let mut out = String::new();
    let mut dead = 0usize;
    let mut dead_registered = 0usize;
    for (i, line) in std::fs::read_to_string(&file).unwrap().lines().enumerate() {
        let n = i.wrapping_sub(1);
        if i == 0 {
            out.push_str(&format!("{line};death_date\n"));
        } else if n % 250 == 7 {
            out.push_str(&format!("{line};2025-03-01\n"));
            dead += 1;
            dead_registered += usize::from(n < 3_000);
        } else {
            out.push_str(&format!("{line};\n"));
        }
    }
    let with_deaths = dir.path().join("with-deaths.csv");
    std::fs::write(&with_deaths, out).unwrap();
    let args = ["import-cia", with_deaths.to_str().unwrap(), "--chunk-size", "1000"];
    let mut child = spawn(&db, &args);
    kill_when(&db, &mut child, "SELECT coalesce(max(position), 0) >= 5000 FROM batch_runs").await;
    let killed_at: i64 = count(&owner, "SELECT max(position) FROM batch_runs").await;
    assert!(killed_at < 60_000, "killed in the middle");
    let out = db.cli(Some("admin"), &args);
    let (_, stderr, code) = text(&out);
    assert_eq!(code, 8, "{stderr}");
    assert!(
        stderr.contains("resumed") && stderr.contains(&format!("{dead} deaths ({dead_registered} revoked)")),
        "{stderr}"
    );
    assert_eq!(count(&owner, "SELECT count(*) FROM registry_deaths").await as usize, dead);
    assert_eq!(count(&owner, "SELECT count(*) FROM revocations").await as usize, dead_registered);
    assert_eq!(
        count(&owner, "SELECT count(*) FROM audit_log WHERE action = 'revoke-death'").await as usize,
        dead_registered
    );
    assert_eq!(
        count(&owner, "SELECT coalesce(sum(result_count), 0)::bigint FROM audit_log WHERE action = 'import-deaths'")
            .await as usize,
        dead
    );
    assert_eq!(registered(&owner).await.len(), before - dead_registered);
    let (ok, read, rejected): (i64, i64, i64) = {
        let r = owner
            .query_one("SELECT rows_ok, rows_read, rows_rejected FROM batch_runs ORDER BY id DESC LIMIT 1", &[])
            .await
            .unwrap();
        (r.get(0), r.get(1), r.get(2))
    };
    assert_eq!(ok + rejected, read, "each row ok (the dead among them) or rejected");
}

#[tokio::test]
async fn a_run_revokes_no_more_than_its_limit_and_resumes_with_a_higher_one() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let owner = db.owner().await;
    let out = db.cli(Some("admin"), &["import-cia", sample("cia.csv").to_str().unwrap(), "--preload", "001272"]);
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);
    // A file reporting two registered residents dead, where the operator expects one at most:
    // the run stops, in either language, before the chunk that would pass it is written.
    let deaths = with_deaths("cia.csv", &[(MARIO, "2026-10-01"), (GIULIA, "2026-10-02")], dir.path());
    let deaths = deaths.to_str().unwrap();
    let (_, stderr, code) = text(&db.cli(Some("admin"), &["import-cia", deaths, "--max-deaths", "1"]));
    assert_eq!(code, sportello::error::exit::REFUSED, "{stderr}");
    assert!(stderr.contains("would revoke more than 1 registrations") && stderr.contains("--max-deaths"), "{stderr}");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_sportello"));
    db.cli_env(&mut cmd, Some("admin"));
    let (_, stderr, code) =
        text(&cmd.env("LANG", "it_IT.UTF-8").args(["import-cia", deaths, "--max-deaths", "1"]).output().unwrap());
    assert_eq!(code, sportello::error::exit::REFUSED, "{stderr}");
    assert!(stderr.contains("revocherebbero più di 1 registrazioni"), "{stderr}");
    assert_eq!(registered(&owner).await.len(), 4, "nothing erased");
    assert_eq!(count(&owner, "SELECT count(*) FROM registry_deaths").await, 0, "nothing recorded");
    assert_eq!(count(&owner, "SELECT count(*) FROM revocations").await, 0);
    // The deaths are real: the same command with the number resumes the run.
    let (_, stderr, code) = text(&db.cli(Some("admin"), &["import-cia", deaths, "--max-deaths", "2"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("2 deaths (2 revoked) (run 2)"), "the run refused, finished: {stderr}");
    assert_eq!(registered(&owner).await, ["CSTFNC88C65L219X", "GLLNDR00L07L219X"]);
}

/// A person a registry import reported dead cannot be registered by hand at the desk either
/// (sql/V38): the database refuses the audit name a death carries.
#[tokio::test]
async fn the_desk_cannot_register_a_person_a_registry_reported_dead() {
    use crate::fixtures::Citizen;
    use sportello::desk::register::{self, Prepared};
    use sportello::domain::Sex;

    let smtp = SmtpServer::start();
    let mut db = TestDb::new().await;
    db.smtp_url = Some(smtp.url.clone());
    let dir = tempfile::tempdir().unwrap();
    let luca = Citizen::new("VRDLCU", "Luca", "Verdi", "1950-03-04", Sex::M);
    let file = dir.path().join("cia-death.csv");
    std::fs::write(
        &file,
        format!(
            "fiscal_code;first_name;last_name;birth_date;sex;address;street_number;postcode;municipality;death_date\n\
             {};Luca;Verdi;1950-03-04;M;Via Roma;1;10121;001272;2026-11-20\n",
            luca.cf
        ),
    )
    .unwrap();
    let out = db.cli(Some("admin"), &["import-cia", file.to_str().unwrap()]);
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(format!("{stdout}{stderr}").contains("1 death"), "{stdout}{stderr}");

    let s = db.admin().await;
    let Prepared::New(draft) = register::prepare(&s, luca.request()).await.unwrap() else {
        panic!("{} is not registered", luca.cf)
    };
    let e = register::register(&s, *draft).await.unwrap_err();
    assert_eq!(e.exit_code(), sportello::error::exit::REFUSED, "{e}");
    assert!(e.to_string().contains("reported the death"), "{e}");
    let owner = db.owner().await;
    assert!(registered(&owner).await.is_empty(), "nothing registered");
    // Someone alive is registered as ever.
    Citizen::new("BNCGLI", "Giulia", "Bianchi", "1992-04-18", Sex::F).register(&s).await;
    assert_eq!(registered(&owner).await.len(), 1);
}
