//! The catalog, read as a DBA reviews it (issue 16): application roles hold no privilege on any
//! table, sequence or schema but USAGE on `api` (bulk loads too: their rows are array
//! parameters); no TEMP; every function they may run is a pinned SECURITY DEFINER of the non-login definer.

use crate::harness::TestDb;

/// The group roles and every operator login of the database under test.
const APP_ROLES: &str = "SELECT r.rolname FROM pg_roles r
     WHERE r.rolname IN ('sportello_app', 'sportello_desk', 'sportello_helpdesk', 'sportello_batch',
                         'sportello_admin', 'sportello_auditor', 'sportello_portal')
        OR lower(r.rolname) IN (SELECT lower(o.id) FROM public.operators o)";

async fn rows(c: &tokio_postgres::Client, sql: &str) -> Vec<String> {
    c.query(sql, &[]).await.unwrap().iter().map(|r| r.get(0)).collect()
}

#[tokio::test]
async fn no_application_role_holds_a_privilege_beyond_the_api() {
    let db = TestDb::new().await;
    let owner = db.owner().await;
    // Tables, views, sequences, with PUBLIC (grantee 0) counted as everyone.
    let relations = rows(
        &owner,
        &format!(
            "SELECT DISTINCT c.oid::regclass::text || ': ' || coalesce(g.rolname, 'PUBLIC') || ' ' || a.privilege_type
               FROM pg_class c
               JOIN pg_namespace n ON n.oid = c.relnamespace
               CROSS JOIN LATERAL aclexplode(c.relacl) a
               LEFT JOIN pg_roles g ON g.oid = a.grantee
              WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'
                AND (a.grantee = 0 OR g.rolname IN ({APP_ROLES}))"
        ),
    )
    .await;
    assert!(relations.is_empty(), "table or sequence privileges held: {relations:?}");
    let columns = rows(
        &owner,
        &format!(
            "SELECT DISTINCT c.oid::regclass::text || '.' || at.attname || ': ' || coalesce(g.rolname, 'PUBLIC')
               FROM pg_attribute at
               JOIN pg_class c ON c.oid = at.attrelid
               JOIN pg_namespace n ON n.oid = c.relnamespace
               CROSS JOIN LATERAL aclexplode(at.attacl) a
               LEFT JOIN pg_roles g ON g.oid = a.grantee
              WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
                AND (a.grantee = 0 OR g.rolname IN ({APP_ROLES}))"
        ),
    )
    .await;
    assert!(columns.is_empty(), "column privileges held: {columns:?}");
    // Schemas: USAGE on api for everyone who works; nothing else.
    let schemas = rows(
        &owner,
        &format!(
            "SELECT n.nspname || ': ' || coalesce(g.rolname, 'PUBLIC') || ' ' || a.privilege_type
               FROM pg_namespace n
               CROSS JOIN LATERAL aclexplode(n.nspacl) a
               LEFT JOIN pg_roles g ON g.oid = a.grantee
              WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
                AND (a.grantee = 0 OR g.rolname IN ({APP_ROLES}))
                AND NOT (n.nspname = 'api' AND g.rolname = 'sportello_app' AND a.privilege_type = 'USAGE')"
        ),
    )
    .await;
    assert!(schemas.is_empty(), "schema privileges held: {schemas:?}");
    // The public schema itself: not even USAGE through PUBLIC (the owner's objects stay unseen).
    let usable = rows(
        &owner,
        &format!(
            "SELECT r || ' uses ' || s FROM ({APP_ROLES}) x(r), unnest(ARRAY['public']) s
              WHERE has_schema_privilege(r, s, 'USAGE') OR has_schema_privilege(r, s, 'CREATE')"
        ),
    )
    .await;
    assert!(usable.is_empty(), "{usable:?}");
    // The database: connect, nothing more (no TEMP, no CREATE).
    let database = rows(
        &owner,
        &format!(
            "SELECT r || ' ' || p FROM ({APP_ROLES}) x(r), unnest(ARRAY['TEMPORARY', 'CREATE']) p
              WHERE has_database_privilege(r, current_database(), p)"
        ),
    )
    .await;
    assert!(database.is_empty(), "database privileges held: {database:?}");
    // Nobody works as the definer: only the schema's owner (who hands functions over) holds it.
    let definers = rows(
        &owner,
        "SELECT m.rolname FROM pg_auth_members am
           JOIN pg_roles d ON d.oid = am.roleid AND d.rolname = 'sportello_api'
           JOIN pg_roles m ON m.oid = am.member
          WHERE m.rolname <> (SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'api')
            AND NOT m.rolsuper AND m.rolname NOT LIKE 'owner%'",
    )
    .await;
    assert!(definers.is_empty(), "logins holding the definer role: {definers:?}");
}

#[tokio::test]
async fn every_function_an_application_role_runs_is_a_pinned_definer_of_the_api() {
    let db = TestDb::new().await;
    let owner = db.owner().await;
    let bad = rows(
        &owner,
        &format!(
            "SELECT DISTINCT p.oid::regprocedure::text || ' (' ||
                    CASE WHEN n.nspname <> 'api' THEN 'outside api'
                         WHEN NOT p.prosecdef THEN 'not SECURITY DEFINER'
                         WHEN pg_get_userbyid(p.proowner) <> 'sportello_api' THEN 'owned by ' || pg_get_userbyid(p.proowner)
                         ELSE 'search_path not pinned' END || ')'
               FROM pg_proc p
               JOIN pg_namespace n ON n.oid = p.pronamespace
               CROSS JOIN ({APP_ROLES}) x(r)
              WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
                AND has_schema_privilege(x.r, n.oid, 'USAGE')
                AND has_function_privilege(x.r, p.oid, 'EXECUTE')
                AND (n.nspname <> 'api' OR NOT p.prosecdef
                     OR pg_get_userbyid(p.proowner) <> 'sportello_api'
                     OR NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c
                                     WHERE c LIKE 'search\\_path=pg\\_catalog, public, pg\\_temp'
                                        OR c LIKE 'search\\_path=pg\\_catalog, pg\\_temp'))"
        ),
    )
    .await;
    assert!(bad.is_empty(), "functions an application role may run: {bad:?}");
}
