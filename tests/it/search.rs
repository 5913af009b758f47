use sportello::desk::search::{self, Query};
use sportello::domain::{Community, OperationKind, Sex};

use crate::fixtures::Citizen;
use crate::harness::TestDb;

struct Seeded {
    db: TestDb,
    numbers: Vec<i64>,
}

/// Five citizens in different places, states and communities.
async fn seed() -> Seeded {
    let db = TestDb::new().await;
    let op = db.operator("desk", &["TO", "AT", "CN"], &[]).await;
    let people = [
        Citizen::new("RSSMRA", "Mario", "Rossi", "1985-12-10", Sex::M),
        Citizen::new("RSSMRA", "Maria", "Rossini", "1990-05-03", Sex::F)
            .living_in("TO", "Moncalieri", "10024")
            .community(Community::TorinoFacile),
        Citizen::new("BNCLCU", "Luca", "Bianchi", "1970-07-21", Sex::M).living_in("AT", "Asti", "14100"),
        Citizen::new("RSSNNA", "Anna", "Rossetti", "1962-02-14", Sex::F)
            .living_in("CN", "Cuneo", "12100")
            .community(Community::TorinoFacileLight),
        Citizen::new("VRDMRC", "Marco", "Verdi", "2001-11-30", Sex::M),
    ];
    let mut numbers = Vec::new();
    for p in &people {
        numbers.push(p.register(&op).await);
    }
    // States no command reaches yet: arranged directly.
    let owner = db.owner().await;
    owner
        .batch_execute(&format!(
            "UPDATE registrations SET registered_at = '2026-01-15 10:00+01' WHERE registration_number = {0};
             UPDATE registrations SET registered_at = '2026-02-20 23:30+01' WHERE registration_number = {1};
             UPDATE registrations SET state = 'riscontrato' WHERE registration_number = {2};
             INSERT INTO operations (registration_number, kind, ente, operator_id) VALUES ({2}, 'verification', 'ASL TO4', 'desk');
             UPDATE registrations SET state = 'attivato', strong = true WHERE registration_number = {3};
             UPDATE registrations SET state = 'respinto' WHERE registration_number = {4};",
            numbers[0], numbers[1], numbers[2], numbers[3], numbers[4]
        ))
        .await
        .unwrap();
    Seeded { db, numbers }
}

impl Seeded {
    async fn names(&self, q: Query) -> Vec<String> {
        let s = self.db.admin().await;
        let q = Query { limit: if q.limit == 0 { 50 } else { q.limit }, ..q };
        search::search(&s, q)
            .await
            .unwrap()
            .into_iter()
            .map(|r| format!("{} {}", r.first_name.unwrap(), r.last_name.unwrap()))
            .collect()
    }
}

fn q() -> Query {
    Query::default()
}

#[tokio::test]
async fn every_filter_alone() {
    let s = seed().await;
    let all = ["Luca Bianchi", "Anna Rossetti", "Mario Rossi", "Maria Rossini", "Marco Verdi"];
    assert_eq!(s.names(q()).await, all, "no filter: everything, by surname");
    assert_eq!(s.names(Query { community: Some(Community::TorinoFacile), ..q() }).await, ["Maria Rossini"]);
    assert_eq!(s.names(Query { community: Some(Community::TorinoFacileLight), ..q() }).await, ["Anna Rossetti"]);
    let rossi_cf = crate::fixtures::cf("RSSMRA", crate::fixtures::date("1985-12-10"), 'M', "L219");
    assert_eq!(s.names(Query { fiscal_code: Some(rossi_cf.to_lowercase()), ..q() }).await, ["Mario Rossi"]);
    assert_eq!(s.names(Query { fiscal_code: Some("rssmra".into()), ..q() }).await, ["Mario Rossi", "Maria Rossini"]);
    assert_eq!(s.names(Query { fiscal_code: Some("*NNA*".into()), ..q() }).await, ["Anna Rossetti"]);
    assert_eq!(
        s.names(Query { last_name: Some("ross".into()), ..q() }).await,
        ["Anna Rossetti", "Mario Rossi", "Maria Rossini"]
    );
    assert_eq!(s.names(Query { last_name: Some("*ANCH*".into()), ..q() }).await, ["Luca Bianchi"]);
    assert_eq!(
        s.names(Query { first_name: Some("Mar".into()), ..q() }).await,
        ["Mario Rossi", "Maria Rossini", "Marco Verdi"]
    );
    assert_eq!(
        s.names(Query { province: Some("TO".into()), ..q() }).await,
        ["Mario Rossi", "Maria Rossini", "Marco Verdi"]
    );
    assert_eq!(s.names(Query { province: Some("cuneo".into()), ..q() }).await, ["Anna Rossetti"]);
    assert_eq!(s.names(Query { municipality: Some("torino".into()), ..q() }).await, ["Mario Rossi", "Marco Verdi"]);
    assert_eq!(
        s.names(Query { municipality: Some("A479".into()), ..q() }).await,
        ["Luca Bianchi"],
        "cadastral code of Asti"
    );
    assert_eq!(
        s.names(Query { municipality: Some("001156".into()), ..q() }).await,
        ["Maria Rossini"],
        "ISTAT code of Moncalieri"
    );
    let day = crate::fixtures::date;
    assert_eq!(
        s.names(Query { registered_from: Some(day("2026-01-01")), registered_to: Some(day("2026-01-31")), ..q() })
            .await,
        ["Mario Rossi"]
    );
    // Days are Italian days: 23:30 in Rome on 20 February (22:30 UTC) is the 20th.
    assert_eq!(
        s.names(Query { registered_from: Some(day("2026-02-20")), registered_to: Some(day("2026-02-20")), ..q() })
            .await,
        ["Maria Rossini"]
    );
    assert_eq!(s.names(Query { registered_to: Some(day("2026-02-19")), ..q() }).await, ["Mario Rossi"]);
    assert_eq!(s.names(Query { state: Some(sportello::domain::State::Riscontrato), ..q() }).await, ["Luca Bianchi"]);
    assert_eq!(s.names(Query { state: Some(sportello::domain::State::Respinto), ..q() }).await, ["Marco Verdi"]);
    assert_eq!(s.names(Query { strong: Some(true), ..q() }).await, ["Anna Rossetti"]);
    assert_eq!(s.names(Query { strong: Some(false), ..q() }).await.len(), 4);
    assert_eq!(s.names(Query { registration_number: Some(s.numbers[1]), ..q() }).await, ["Maria Rossini"]);
    assert_eq!(s.names(Query { limit: 2, ..q() }).await, ["Luca Bianchi", "Anna Rossetti"]);
}

#[tokio::test]
async fn filters_combined() {
    let s = seed().await;
    assert_eq!(
        s.names(Query { last_name: Some("ross".into()), province: Some("TO".into()), strong: Some(false), ..q() })
            .await,
        ["Mario Rossi", "Maria Rossini"]
    );
    assert_eq!(
        s.names(Query {
            last_name: Some("ross".into()),
            first_name: Some("mari".into()),
            community: Some(Community::TorinoFacile),
            state: Some(sportello::domain::State::Registrato),
            ..q()
        })
        .await,
        ["Maria Rossini"]
    );
    assert!(
        s.names(Query { municipality: Some("Torino".into()), state: Some(sportello::domain::State::Attivato), ..q() })
            .await
            .is_empty()
    );
    assert_eq!(
        s.names(Query {
            fiscal_code: Some("RSS".into()),
            registered_from: Some(crate::fixtures::date("2026-02-01")),
            ..q()
        })
        .await,
        ["Anna Rossetti", "Maria Rossini"]
    );
}

#[tokio::test]
async fn columns_show_operation_and_actions() {
    let s = seed().await;
    let admin = s.db.admin().await;
    let rows = search::search(&admin, Query { limit: 10, ..q() }).await.unwrap();
    let by_name = |n: &str| rows.iter().find(|r| r.last_name.as_deref() == Some(n)).unwrap();
    assert_eq!(by_name("Bianchi").operation_in_progress, Some(OperationKind::Verification));
    assert_eq!(by_name("Bianchi").municipality.as_deref(), Some("Asti"));
    assert_eq!(by_name("Rossi").operation_in_progress, None);
    assert!(by_name("Verdi").actions.is_empty(), "respinto: view only");
    assert_eq!(
        by_name("Rossetti").actions,
        [
            "book --operation pin",
            "book --operation reset",
            "book --operation revocation",
            "edit",
            "print-letters",
            "change-residence",
            "print-letters --pin-by-post",
            "suspend"
        ],
        "no operation in progress: no code to regenerate, no delegate to edit"
    );
    assert_eq!(
        by_name("Bianchi").actions,
        [
            "book --operation verification",
            "book --operation revocation",
            "edit",
            "regenerate-code",
            "edit-delegate",
            "print-letters",
            "change-residence",
            "spid-token",
            "suspend"
        ],
        "a verification in progress: its PIN was handed over at the desk, none by post; an identification a SPID token can rest on"
    );
    assert_eq!(
        by_name("Rossi").actions,
        [
            "book --operation verification",
            "book --operation revocation",
            "edit",
            "print-letters",
            "change-residence",
            "print-letters --pin-by-post",
            "suspend"
        ]
    );
}

#[tokio::test]
async fn bad_filters_are_refused() {
    let s = seed().await;
    let admin = s.db.admin().await;
    let err =
        search::search(&admin, Query { municipality: Some("Atlantide".into()), limit: 5, ..q() }).await.unwrap_err();
    assert!(err.to_string().contains("unknown municipality 'Atlantide'"), "{err}");
    let err = search::search(&admin, Query { province: Some("XX".into()), limit: 5, ..q() }).await.unwrap_err();
    assert!(err.to_string().contains("unknown province"), "{err}");
    let err = search::search(&admin, Query { limit: 0, ..q() }).await.unwrap_err();
    assert!(err.to_string().contains("--limit"), "{err}");
    let day = crate::fixtures::date;
    let err = search::search(
        &admin,
        Query { registered_from: Some(day("2026-03-01")), registered_to: Some(day("2026-01-01")), limit: 5, ..q() },
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("after"), "{err}");
}
