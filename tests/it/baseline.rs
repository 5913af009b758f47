//! The schema's baseline (issue 16): sql/V1–V8 are the old V1–V22 folded by concern. A database
//! migrated to V8 has the schema and data the old migrations gave (baseline_schema.txt, their
//! fingerprint), and the files keep the rules that make them one readable schema: each function
//! defined once, with a comment naming its rule, nothing redefined, altered or revoked later
//! within the baseline.

use crate::harness::TestDb;

/// The last migration of the baseline; the API's migrations follow it.
const BASELINE_LAST: i32 = 8;

fn baseline_files() -> Vec<(String, String)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/sql");
    let mut files: Vec<(u32, String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?.to_string();
            let version: u32 = name.strip_prefix('V')?.split("__").next()?.parse().ok()?;
            (version <= BASELINE_LAST as u32).then(|| (version, name, std::fs::read_to_string(&p).unwrap()))
        })
        .collect();
    files.sort();
    files.into_iter().map(|(_, name, text)| (name, text)).collect()
}

#[tokio::test]
async fn the_baseline_gives_the_schema_and_data_of_the_migrations_it_folds() {
    mod migrations {
        refinery::embed_migrations!("sql");
    }
    let db = TestDb::new().await;
    let name = format!("{}_baseline", db.name);
    db.owner().await.batch_execute(&format!("CREATE DATABASE \"{name}\" TEMPLATE template0")).await.unwrap();
    let mut config = db.config.clone();
    config.dbname(&name);
    let mut c = sportello::store::connect(&config).await.unwrap();
    migrations::migrations::runner()
        .set_target(refinery::Target::Version(BASELINE_LAST))
        .run_async(&mut c)
        .await
        .unwrap();
    // Dates and times as the expected rows were written; names qualified as there.
    c.batch_execute("SET DateStyle = ISO; SET TimeZone = 'UTC'; SET search_path = public").await.unwrap();
    let got: Vec<String> =
        c.query(include_str!("baseline_fingerprint.sql"), &[]).await.unwrap().iter().map(|r| r.get(0)).collect();
    drop(c);
    db.owner().await.batch_execute(&format!("DROP DATABASE \"{name}\" WITH (FORCE)")).await.unwrap();

    let expected: Vec<&str> =
        include_str!("baseline_schema.txt").lines().filter(|l| !l.starts_with('#') && !l.is_empty()).collect();
    let missing: Vec<&&str> = expected.iter().filter(|l| !got.iter().any(|g| g == **l)).collect();
    let extra: Vec<&String> = got.iter().filter(|g| !expected.contains(&g.as_str())).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing from the baseline: {missing:#?}\nnot in the old migrations: {extra:#?}"
    );
    assert_eq!(got.len(), expected.len(), "the same objects, once each");
    // Not vacuous: the reference data and the lifecycle's graph are there, counted.
    for line in [
        "rows public.municipalities 1181 ",
        "rows public.registration_transitions 51 ",
        "rows public.birthplaces 11032 ",
    ] {
        assert!(got.iter().any(|g| g.starts_with(line)), "{line}");
    }
}

/// The statements that would make the baseline read as history rather than as a schema.
#[test]
fn the_baseline_defines_each_thing_once() {
    let files = baseline_files();
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names.len(), BASELINE_LAST as usize, "{names:?}");
    let mut functions: Vec<(String, &str)> = Vec::new();
    for (file, text) in &files {
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let upper = line.to_uppercase();
            for banned in ["CREATE OR REPLACE", "ALTER TABLE", "DROP ", "ALTER FUNCTION", "DISABLE TRIGGER"] {
                assert!(!upper.trim_start().starts_with(banned), "{file}:{}: {line}", i + 1);
            }
            // A revoke is a grant's undoing: within the baseline only PUBLIC's defaults are
            // revoked, and nothing is granted to PUBLIC.
            let trimmed = upper.trim_start();
            if trimmed.starts_with("REVOKE ") || trimmed.starts_with("GRANT ") {
                let end = lines[i..].iter().position(|l| l.contains(';')).unwrap();
                let statement = lines[i..=i + end].join(" ").to_uppercase();
                assert_eq!(
                    trimmed.starts_with("REVOKE "),
                    statement.contains(" PUBLIC;"),
                    "{file}:{}: {statement}",
                    i + 1
                );
            }
            if let Some(rest) = line.strip_prefix("CREATE FUNCTION ") {
                let name = rest.split('(').next().unwrap().trim().to_string();
                assert!(
                    lines[..i].last().is_some_and(|above| above.starts_with("--")),
                    "{file}:{}: function {name} has no comment saying what rule it is",
                    i + 1
                );
                functions.push((name, file));
            }
        }
    }
    let mut seen = std::collections::HashMap::new();
    for (name, file) in &functions {
        if let Some(first) = seen.insert(name.clone(), *file) {
            panic!("function {name} defined in {first} and again in {file}");
        }
    }
    assert!(functions.len() >= 40, "{functions:?}");
}
