//! TLS to a PostgreSQL server on TCP loopback with `ssl=on` (tls_server.rs): client
//! certificates, server name and CA checks, clear text refused, SCRAM over TLS, the PGSSL*
//! environment in the binary.

use sportello::Error;
use sportello::store::{self, ConnectConfig, Database};

use crate::harness::text;
use crate::tls_server::{PASSWORD_USERS, SUPERUSER, TlsServer};

fn server() -> &'static TlsServer {
    TlsServer::shared()
}

/// Connects with these settings only (the test process's PGSSL* variables left out).
async fn connect(url: &str) -> sportello::Result<tokio_postgres::Client> {
    ConnectConfig::parse_with_env(url, |_| None)?.connect().await
}

/// A login role made afresh.
async fn role(name: &str, password: Option<&str>) {
    let password = password.map(|p| format!(" PASSWORD '{p}'")).unwrap_or_default();
    server().admin_sql("postgres", &format!("DROP ROLE IF EXISTS {name}; CREATE ROLE {name} LOGIN{password}")).await;
}

/// session_user, and whether this connection is encrypted (pg_stat_ssl).
async fn who(client: &tokio_postgres::Client) -> (String, bool) {
    let row = client
        .query_one("SELECT session_user::text, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", &[])
        .await
        .unwrap();
    (row.get(0), row.get(1))
}

fn unavailable(result: sportello::Result<tokio_postgres::Client>) -> String {
    match result {
        Ok(_) => panic!("connected, but it should have been refused"),
        Err(e) => {
            assert!(matches!(e, Error::Unavailable(_)), "not Unavailable: {e:?}");
            assert_eq!(e.exit_code(), 6, "{e}");
            e.to_string()
        }
    }
}

#[tokio::test]
async fn an_operator_authenticates_by_client_certificate() {
    role("tls_op_rossi", None).await;
    let client = connect(&server().tls_url("tls_op_rossi", "postgres")).await.unwrap();
    assert_eq!(who(&client).await, ("tls_op_rossi".to_string(), true));
}

#[tokio::test]
async fn a_certificate_for_another_role_or_none_is_refused_clearly() {
    role("tls_op_verdi", None).await;
    role("tls_op_neri", None).await;
    let s = server();
    // The certificate of tls_op_neri, presented to log in as tls_op_verdi.
    let (cert, key) = s.client_cert("tls_op_neri", true);
    let url = format!(
        "{} sslmode=verify-full sslrootcert={} sslcert={} sslkey={}",
        s.tcp_url("127.0.0.1", "tls_op_verdi", "postgres"),
        s.ca_cert.display(),
        cert.display(),
        key.display()
    );
    let msg = unavailable(connect(&url).await);
    assert!(msg.contains("rejected the client certificate") && msg.contains("CN"), "{msg}");
    // No certificate at all.
    let url = format!(
        "{} sslmode=verify-full sslrootcert={}",
        s.tcp_url("127.0.0.1", "tls_op_verdi", "postgres"),
        s.ca_cert.display()
    );
    let msg = unavailable(connect(&url).await);
    assert!(msg.contains("requires a client certificate and none was given"), "{msg}");
    // A certificate signed by a CA the server does not trust.
    let (cert, key) = s.client_cert("tls_op_verdi", false);
    let url = format!(
        "{} sslmode=verify-full sslrootcert={} sslcert={} sslkey={}",
        s.tcp_url("127.0.0.1", "tls_op_verdi", "postgres"),
        s.ca_cert.display(),
        cert.display(),
        key.display()
    );
    let msg = unavailable(connect(&url).await);
    assert!(msg.contains("the server rejected the client certificate"), "{msg}");
}

#[tokio::test]
async fn verify_full_checks_the_server_name() {
    role("tls_op_bianchi", None).await;
    let s = server();
    let (cert, key) = s.client_cert("tls_op_bianchi", true);
    let tls = format!("sslrootcert={} sslcert={} sslkey={}", s.ca_cert.display(), cert.display(), key.display());
    // The same server reached by a name its certificate does not carry (hostaddr: no DNS).
    let wrong_name =
        format!("host=db.other.example hostaddr=127.0.0.1 port={} user=tls_op_bianchi dbname=postgres {tls}", s.port);
    let msg = unavailable(connect(&format!("{wrong_name} sslmode=verify-full")).await);
    assert!(msg.contains("name mismatch") && msg.contains("db.other.example"), "{msg}");
    // verify-ca checks the chain only: the same connection is accepted.
    let client = connect(&format!("{wrong_name} sslmode=verify-ca")).await.unwrap();
    assert_eq!(who(&client).await, ("tls_op_bianchi".to_string(), true));
    // By the names it carries: a DNS name and an IP address SAN.
    for host in ["localhost", "127.0.0.1"] {
        let url = format!("{} sslmode=verify-full {tls}", s.tcp_url(host, "tls_op_bianchi", "postgres"));
        let client = connect(&url).await.unwrap_or_else(|e| panic!("{host}: {e}"));
        assert!(who(&client).await.1, "{host}");
    }
}

#[tokio::test]
async fn a_wrong_ca_is_refused_as_unknown() {
    role("tls_op_gialli", None).await;
    let s = server();
    let (cert, key) = s.client_cert("tls_op_gialli", true);
    for mode in ["verify-ca", "verify-full", "require"] {
        // require with a root behaves as verify-ca (libpq).
        let url = format!(
            "{} sslmode={mode} sslrootcert={} sslcert={} sslkey={}",
            s.tcp_url("127.0.0.1", "tls_op_gialli", "postgres"),
            s.wrong_ca_cert.display(),
            cert.display(),
            key.display()
        );
        let msg = unavailable(connect(&url).await);
        assert!(msg.contains("unknown CA") && msg.contains("wrong-ca.crt"), "{mode}: {msg}");
    }
    // require without a root encrypts without checking: accepted.
    let url = format!(
        "{} sslmode=require sslcert={} sslkey={}",
        s.tcp_url("127.0.0.1", "tls_op_gialli", "postgres"),
        cert.display(),
        key.display()
    );
    let client = connect(&url).await.unwrap();
    assert_eq!(who(&client).await, ("tls_op_gialli".to_string(), true));
}

#[tokio::test]
async fn clear_text_is_refused_by_the_server_with_a_clear_message() {
    role("tls_op_blu", None).await;
    let url = format!("{} sslmode=disable", server().tcp_url("127.0.0.1", "tls_op_blu", "postgres"));
    let msg = unavailable(connect(&url).await);
    assert!(msg.contains("refuses clear-text connections"), "{msg}");
    // The pool says the same.
    let e = Database::with_config(ConnectConfig::parse_with_env(&url, |_| None).unwrap()).await.err().unwrap();
    assert_eq!(e.exit_code(), 6);
    assert!(e.to_string().contains("refuses clear-text connections"), "{e}");
}

#[tokio::test]
async fn prefer_uses_tls_when_the_server_has_it() {
    role("tls_op_rosa", None).await;
    let s = server();
    let (cert, key) = s.client_cert("tls_op_rosa", true);
    for mode in ["sslmode=prefer ", ""] {
        let url = format!(
            "{} {mode}sslcert={} sslkey={}",
            s.tcp_url("127.0.0.1", "tls_op_rosa", "postgres"),
            cert.display(),
            key.display()
        );
        let client = connect(&url).await.unwrap_or_else(|e| panic!("{mode}: {e}"));
        assert_eq!(who(&client).await, ("tls_op_rosa".to_string(), true), "{mode}");
    }
}

#[tokio::test]
async fn scram_over_tls() {
    role(PASSWORD_USERS, Some("correct horse")).await;
    let s = server();
    let base = format!(
        "{} sslmode=verify-full sslrootcert={}",
        s.tcp_url("localhost", PASSWORD_USERS, "postgres"),
        s.ca_cert.display()
    );
    let client = connect(&format!("{base} password='correct horse'")).await.unwrap();
    assert_eq!(who(&client).await, (PASSWORD_USERS.to_string(), true));
    let msg = unavailable(connect(&format!("{base} password=wrong")).await);
    assert!(msg.contains("password authentication failed"), "{msg}");
    // The URL form, with the TLS settings in its query.
    let url = format!(
        "postgres://{PASSWORD_USERS}:correct%20horse@127.0.0.1:{}/postgres?sslmode=verify-full&sslrootcert={}",
        s.port,
        s.ca_cert.display()
    );
    let client = connect(&url).await.unwrap();
    assert_eq!(who(&client).await, (PASSWORD_USERS.to_string(), true));
    // The password from ~/.pgpass (libpq's rules: escapes, wildcards; ignored when others may
    // read the file).
    use std::os::unix::fs::PermissionsExt;
    let home = tempfile::tempdir().unwrap();
    let pgpass = home.path().join(".pgpass");
    std::fs::write(&pgpass, format!("# desks\nlocalhost:{}:*:{PASSWORD_USERS}:correct horse\n", s.port)).unwrap();
    let with_home = |url: &str| {
        let home = home.path().to_str().unwrap().to_string();
        ConnectConfig::parse_with_env(url, move |v| (v == "HOME").then(|| home.clone()))
    };
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o600)).unwrap();
    let client = with_home(&base).unwrap().connect().await.unwrap();
    assert_eq!(who(&client).await, (PASSWORD_USERS.to_string(), true));
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o644)).unwrap();
    let msg = unavailable(with_home(&base).unwrap().connect().await);
    assert!(msg.contains("password"), "{msg}");
}

/// Server, port, database and TLS from a service of pg_service.conf named by PGSERVICE, the
/// login from PGUSER, no SPORTELLO_DATABASE_URL; then a multi-host URL whose first host is down.
#[tokio::test]
async fn the_binary_follows_libpqs_conventions() {
    migrated_database("tls_libpq").await;
    let s = server();
    let (cert, key) = s.client_cert(SUPERUSER, true);
    let dir = tempfile::tempdir().unwrap();
    let services = dir.path().join("pg_service.conf");
    std::fs::write(
        &services,
        format!(
            "[other]\nhost=nowhere.invalid\n\n[desk]\nhost=127.0.0.1\nport={}\ndbname=tls_libpq\nsslmode=verify-full\nsslrootcert={}\n",
            s.port,
            s.ca_cert.display()
        ),
    )
    .unwrap();
    let run = |args: &[&str], url: Option<&str>| {
        let mut c = crate::harness::sportello();
        c.args(args)
            .env("SPORTELLO_HOME", dir.path())
            .env("SPORTELLO_CONFIG", "")
            .env("HOME", dir.path())
            .env("PGSERVICEFILE", &services)
            .env("PGSERVICE", "desk")
            .env("PGUSER", SUPERUSER)
            .env("PGHOST", "wrong.invalid")
            .env("PGSSLCERT", &cert)
            .env("PGSSLKEY", &key)
            .env_remove("SPORTELLO_DATABASE_URL");
        if let Some(url) = url {
            c.env("SPORTELLO_DATABASE_URL", url);
        }
        text(&c.output().unwrap())
    };
    // The service wins over PGHOST; PGUSER fills in the login.
    let (stdout, stderr, code) = run(&["db", "status"], None);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("migrations:") && !stdout.contains("pending"), "{stdout}");
    // doctor says where each came from, and names the first failing check (no service key).
    let (stdout, stderr, code) = run(&["doctor"], None);
    assert!(stdout.contains("host") && stdout.contains("[service file"), "{stdout}");
    assert!(stdout.contains("[environment PGUSER]"), "{stdout}");
    assert!(stdout.contains("ok    migrations"), "{stdout}");
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stderr.contains("check 'key' failed"), "{stderr}");
    // Several hosts: the first refuses connections, the second is used.
    let url =
        format!("postgres://{SUPERUSER}@127.0.0.1:1,127.0.0.1:{}/tls_libpq?target_session_attrs=read-write", s.port);
    let (stdout, stderr, code) = run(&["db", "status"], Some(&url));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("migrations:"), "{stdout}");
}

/// A database on the TLS server, migrated over TLS by the superuser's certificate.
async fn migrated_database(name: &str) -> String {
    let s = server();
    s.admin_sql("postgres", &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
    s.admin_sql("postgres", &format!("CREATE DATABASE {name}")).await;
    let url = s.tls_url(SUPERUSER, name);
    store::migrate(ConnectConfig::parse_with_env(&url, |_| None).unwrap()).await.unwrap();
    url
}

/// An operator authenticated by their certificate: the pool and the session are that login.
#[tokio::test]
async fn the_pool_runs_over_tls() {
    let url = migrated_database("tls_pool").await;
    role("tls_op_pool", None).await;
    // The first administrator, added by the owner (here the superuser, by its certificate).
    let owner = ConnectConfig::parse_with_env(&url, |_| None).unwrap();
    sportello::operators::bootstrap(&owner, crate::harness::new_operator("tls_op_pool", &["TO"], &[])).await.unwrap();
    let mine = ConnectConfig::parse_with_env(&server().tls_url("tls_op_pool", "tls_pool"), |_| None).unwrap();
    let db = Database::with_config(mine).await.unwrap();
    let session = sportello::session::Session::open(db.clone(), None, "test").await.unwrap();
    assert_eq!(session.operator.id, "tls_op_pool");
    let client = db.client().await.unwrap();
    let row = client.query_one("SELECT session_user::text, pg_backend_pid()", &[]).await.unwrap();
    assert_eq!(row.get::<_, String>(0), "tls_op_pool");
    // An operator's login cannot see its own pg_stat_ssl row; the superuser can.
    let pid: i32 = row.get(1);
    let (admin, connection) = server().admin("postgres").connect(tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    let ssl: bool = admin.query_one("SELECT ssl FROM pg_stat_ssl WHERE pid = $1", &[&pid]).await.unwrap().get(0);
    assert!(ssl);
}

#[tokio::test]
async fn the_binary_honours_the_pgssl_environment() {
    let url = migrated_database("tls_cli").await;
    let s = server();
    let (cert, key) = s.client_cert(SUPERUSER, true);
    let home = tempfile::tempdir().unwrap();
    let run = |url: &str, root: &std::path::Path| {
        let out = crate::harness::sportello()
            .args(["db", "status"])
            .env("SPORTELLO_DATABASE_URL", url)
            .env("SPORTELLO_HOME", home.path())
            .env("PGSSLMODE", "verify-full")
            .env("PGSSLROOTCERT", root)
            .env("PGSSLCERT", &cert)
            .env("PGSSLKEY", &key)
            .output()
            .unwrap();
        text(&out)
    };
    let plain = s.tcp_url("localhost", SUPERUSER, "tls_cli");
    let (stdout, stderr, code) = run(&plain, &s.ca_cert);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("migrations:") && !stdout.contains("pending"), "{stdout}");
    assert!(url.contains("tls_cli"));
    // The variables are read: a wrong root fails as unknown CA, exit 6.
    let (_, stderr, code) = run(&plain, &s.wrong_ca_cert);
    assert_eq!(code, 6, "{stderr}");
    assert!(stderr.contains("unknown CA"), "{stderr}");
    // The connection string wins over the environment.
    let (_, stderr, code) = run(&format!("{plain} sslmode=disable"), &s.ca_cert);
    assert_eq!(code, 6, "{stderr}");
    assert!(stderr.contains("refuses clear-text connections"), "{stderr}");
}
