//! TLS to a PostgreSQL server, with libpq's settings and meanings.
//!
//! `sslmode` (disable / prefer / require / verify-ca / verify-full), `sslrootcert`, `sslcert` and
//! `sslkey` are read from the connection string (URL `?sslmode=...` or `key=value` form) and from
//! `PGSSLMODE`, `PGSSLROOTCERT`, `PGSSLCERT`, `PGSSLKEY` (the connection string wins). tokio-postgres
//! rejects most of them, so they are taken out here before it parses the rest.
//!
//! Meanings, as libpq's:
//! - `disable`: clear text;
//! - `prefer` (the default): TLS when the server offers it, else clear text;
//! - `require`: TLS, the server's certificate not checked — unless `sslrootcert` is given, then as
//!   `verify-ca`;
//! - `verify-ca`: TLS, the server's certificate chains to `sslrootcert` (default
//!   `~/.postgresql/root.crt`);
//! - `verify-full`: as `verify-ca`, and the certificate names the host (an IP address SAN for an
//!   address).
//!
//! A client certificate (`sslcert` + `sslkey`, PEM; default `~/.postgresql/postgresql.crt` and
//! `.key` when present) is sent when the server asks for one. A unix socket never uses TLS.
//!
//! One rule of our own: nothing goes in clear text to a host that is not loopback (127.0.0.0/8,
//! ::1, `localhost`) unless `sslmode=disable` is explicit — `prefer` to such a host means TLS or
//! nothing.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres::config::Host;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::error::{Error, Result};

/// libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl FromStr for SslMode {
    type Err = Error;
    fn from_str(s: &str) -> Result<SslMode> {
        Ok(match s {
            "disable" => SslMode::Disable,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            // libpq's `allow` tries clear text first: not offered.
            other => {
                return Err(Error::Invalid(crate::msg!("sslmode-unknown", mode = other)));
            }
        })
    }
}

impl std::fmt::Display for SslMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        })
    }
}

/// The TLS settings of a connection, as given (connection string or environment).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsSettings {
    /// None: not given (libpq's default, `prefer`).
    pub mode: Option<SslMode>,
    pub root_cert: Option<PathBuf>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
}

/// How the server's certificate is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verify {
    /// Not at all (encryption only).
    None,
    /// Chains to the root certificates.
    Ca,
    /// Chains, and names the host.
    Full,
}

/// What a connection will do, decided before any traffic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// What tokio-postgres is told: Disable (clear), Prefer (TLS if offered) or Require.
    pub transport: tokio_postgres::config::SslMode,
    pub verify: Verify,
}

/// Connection settings: tokio-postgres's, plus the TLS settings it does not know.
#[derive(Debug, Clone)]
pub struct ConnectConfig {
    pub pg: tokio_postgres::Config,
    pub tls: TlsSettings,
    /// Each setting of a parsed connection string with where it came from (libpq's precedence;
    /// the password masked), for `sportello doctor`. Empty for settings built in code.
    pub sources: Vec<(String, String, super::libpq::Source)>,
}

impl From<tokio_postgres::Config> for ConnectConfig {
    /// Settings built in code: their `ssl_mode` (Disable counts as explicit), no environment.
    fn from(pg: tokio_postgres::Config) -> ConnectConfig {
        let mode = match pg.get_ssl_mode() {
            tokio_postgres::config::SslMode::Disable => Some(SslMode::Disable),
            tokio_postgres::config::SslMode::Require => Some(SslMode::Require),
            _ => None,
        };
        ConnectConfig { pg, tls: TlsSettings { mode, ..TlsSettings::default() }, sources: Vec::new() }
    }
}

impl From<&tokio_postgres::Config> for ConnectConfig {
    fn from(pg: &tokio_postgres::Config) -> ConnectConfig {
        pg.clone().into()
    }
}

impl From<&ConnectConfig> for ConnectConfig {
    fn from(c: &ConnectConfig) -> ConnectConfig {
        c.clone()
    }
}

impl std::ops::Deref for ConnectConfig {
    type Target = tokio_postgres::Config;
    fn deref(&self) -> &tokio_postgres::Config {
        &self.pg
    }
}

impl std::ops::DerefMut for ConnectConfig {
    fn deref_mut(&mut self) -> &mut tokio_postgres::Config {
        &mut self.pg
    }
}

const TLS_KEYS: [&str; 4] = ["sslmode", "sslrootcert", "sslcert", "sslkey"];

fn invalid(e: impl std::fmt::Display) -> Error {
    Error::Invalid(crate::msg!("database-url-invalid", detail = e.to_string()))
}

fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
}

impl ConnectConfig {
    /// Parses a connection string, TLS settings from the environment filling what it leaves out.
    pub fn parse(url: &str) -> Result<ConnectConfig> {
        ConnectConfig::parse_with_env(url, |name| std::env::var(name).ok())
    }

    /// As `parse`, with the environment given (for tests): libpq's precedence (store/libpq.rs),
    /// the TLS settings taken out, the rest given to tokio-postgres.
    pub fn parse_with_env(url: &str, env: impl Fn(&str) -> Option<String>) -> Result<ConnectConfig> {
        let resolved = super::libpq::resolve(url, &env)?;
        let mode = match (resolved.get("sslmode"), resolved.source("sslmode")) {
            (None, _) => None,
            (Some(m), Some(super::libpq::Source::Environment(_))) => {
                Some(m.parse::<SslMode>().map_err(|e| Error::Invalid(crate::msg!("pgsslmode-invalid", detail = &e)))?)
            }
            (Some(m), _) => Some(m.parse::<SslMode>().map_err(invalid)?),
        };
        let path = |key: &str| resolved.get(key).filter(|v| !v.is_empty()).map(PathBuf::from);
        let tls = TlsSettings { mode, root_cert: path("sslrootcert"), cert: path("sslcert"), key: path("sslkey") };
        if tls.root_cert.as_deref() == Some(Path::new("system")) {
            return Err(Error::Invalid(crate::msg!("sslrootcert-system")));
        }
        let rest: Vec<String> = resolved
            .settings
            .iter()
            .filter(|(k, _, _)| !TLS_KEYS.contains(&k.as_str()))
            .map(|(k, v, _)| format!("{k}={}", quote(v)))
            .collect();
        let mut pg = tokio_postgres::Config::from_str(&rest.join(" ")).map_err(invalid)?;
        // Keep tokio-postgres's own field in line (e.g. for code that reads it back).
        pg.ssl_mode(match tls.mode {
            Some(SslMode::Disable) => tokio_postgres::config::SslMode::Disable,
            None | Some(SslMode::Prefer) => tokio_postgres::config::SslMode::Prefer,
            Some(_) => tokio_postgres::config::SslMode::Require,
        });
        for w in &resolved.warnings {
            tracing::warn!("{w}");
        }
        let sources = resolved
            .settings
            .into_iter()
            .map(|(k, v, s)| (k.clone(), if k == "password" { "********".into() } else { v }, s))
            .collect();
        Ok(ConnectConfig { pg, tls, sources })
    }

    /// The mode in force (libpq's default is `prefer`).
    pub fn mode(&self) -> SslMode {
        self.tls.mode.unwrap_or(SslMode::Prefer)
    }

    /// Is every host a unix socket?
    fn unix_only(&self) -> bool {
        let hosts = self.pg.get_hosts();
        !hosts.is_empty() && self.pg.get_hostaddrs().is_empty() && hosts.iter().all(|h| matches!(h, Host::Unix(_)))
    }

    /// The TCP hosts (or addresses, when `hostaddr` gives them) that are not loopback.
    pub fn remote_hosts(&self) -> Vec<String> {
        let addrs = self.pg.get_hostaddrs();
        let mut remote = Vec::new();
        let n = self.pg.get_hosts().len().max(addrs.len());
        for i in 0..n {
            // The traffic goes to hostaddr when given; host is then only the name checked.
            let (name, loopback) = match (addrs.get(i), self.pg.get_hosts().get(i)) {
                (Some(addr), _) => (addr.to_string(), addr.is_loopback()),
                (None, Some(Host::Unix(_))) => continue,
                (None, Some(Host::Tcp(h))) => (h.clone(), is_loopback_name(h)),
                (None, None) => continue,
            };
            if !loopback {
                remote.push(name);
            }
        }
        remote
    }

    /// Decides what the connection does, before any traffic: refuses what is not allowed.
    pub fn plan(&self) -> Result<Plan> {
        use tokio_postgres::config::SslMode as Transport;
        let verify = match self.mode() {
            SslMode::Disable | SslMode::Prefer => Verify::None,
            SslMode::Require if self.tls.root_cert.is_some() => Verify::Ca,
            SslMode::Require => Verify::None,
            SslMode::VerifyCa => Verify::Ca,
            SslMode::VerifyFull => Verify::Full,
        };
        // libpq never uses TLS on a unix socket.
        if self.unix_only() {
            return Ok(Plan { transport: Transport::Disable, verify: Verify::None });
        }
        let transport = match self.mode() {
            SslMode::Disable => Transport::Disable,
            // Clear text only to loopback: `prefer` to another host is TLS or nothing.
            SslMode::Prefer if self.remote_hosts().is_empty() => Transport::Prefer,
            _ => Transport::Require,
        };
        Ok(Plan { transport, verify })
    }

    /// tokio-postgres's settings with the transport of the plan.
    pub fn pg_config(&self, plan: &Plan) -> tokio_postgres::Config {
        let mut pg = self.pg.clone();
        pg.ssl_mode(plan.transport);
        pg
    }

    /// The rustls connector for the plan: reads the root and client certificates (none for clear
    /// text, whose connector is never used).
    pub fn connector(&self, plan: &Plan) -> Result<MakeRustlsConnect> {
        let clear = plan.transport == tokio_postgres::config::SslMode::Disable;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::Unavailable(crate::msg!("tls-setup-failed", detail = e.to_string())))?;
        let verifier: Arc<dyn ServerCertVerifier> = match plan.verify {
            _ if clear => Arc::new(NoCheck(provider.clone())),
            Verify::None => Arc::new(NoCheck(provider.clone())),
            Verify::Ca | Verify::Full => {
                let path = self.root_cert_path()?;
                let roots = Arc::new(read_roots(&path)?);
                let webpki =
                    WebPkiServerVerifier::builder_with_provider(roots.clone(), provider.clone()).build().map_err(
                        |e| Error::Unavailable(crate::msg!("tls-roots-unusable", path = &path, detail = e.to_string())),
                    )?;
                if plan.verify == Verify::Full {
                    webpki
                } else {
                    Arc::new(ChainOnly { roots, provider: provider.clone(), webpki })
                }
            }
        };
        let builder = builder.dangerous().with_custom_certificate_verifier(verifier);
        let client_cert = if clear { None } else { self.client_cert_paths()? };
        let config = match client_cert {
            Some((cert, key)) => {
                let chain = read_certs(&cert)?;
                check_key_permissions(&key)?;
                let key_der = PrivateKeyDer::from_pem_file(&key).map_err(|e| {
                    Error::Unavailable(crate::msg!("tls-key-unreadable", path = &key, detail = e.to_string()))
                })?;
                builder.with_client_auth_cert(chain, key_der).map_err(|e| {
                    Error::Unavailable(crate::msg!(
                        "tls-client-cert-unusable",
                        cert = &cert,
                        key = &key,
                        detail = e.to_string()
                    ))
                })?
            }
            None => builder.with_no_client_auth(),
        };
        Ok(MakeRustlsConnect::new(config))
    }

    fn root_cert_path(&self) -> Result<PathBuf> {
        if let Some(p) = &self.tls.root_cert {
            return Ok(p.clone());
        }
        let default = postgresql_dir().map(|d| d.join("root.crt"));
        match default {
            Some(p) if p.exists() => Ok(p),
            _ => Err(Error::Invalid(match default {
                Some(p) => crate::msg!("tls-root-needed-default", mode = self.mode().to_string(), path = p),
                None => crate::msg!("tls-root-needed", mode = self.mode().to_string()),
            })),
        }
    }

    /// The client certificate and key to offer: as given, else libpq's default files when the
    /// certificate exists.
    fn client_cert_paths(&self) -> Result<Option<(PathBuf, PathBuf)>> {
        let dir = postgresql_dir();
        let cert = match &self.tls.cert {
            Some(c) => c.clone(),
            None => match dir.as_ref().map(|d| d.join("postgresql.crt")) {
                Some(c) if c.exists() => c,
                _ => return Ok(None),
            },
        };
        let key = match (&self.tls.key, dir) {
            (Some(k), _) => k.clone(),
            (None, Some(d)) => d.join("postgresql.key"),
            (None, None) => {
                return Err(Error::Invalid(crate::msg!("tls-cert-without-key", path = &cert)));
            }
        };
        Ok(Some((cert, key)))
    }

    /// Host and database, for messages (never the password).
    pub fn describe(&self) -> String {
        let host = self
            .pg
            .get_hosts()
            .first()
            .map(|h| match h {
                Host::Tcp(h) => h.clone(),
                Host::Unix(p) => p.display().to_string(),
            })
            .unwrap_or_else(|| "default host".into());
        format!("{host}, database {}", self.pg.get_dbname().unwrap_or("default"))
    }

    /// What failed, in words, for an error of connecting with this configuration.
    pub fn explain(&self, e: &tokio_postgres::Error) -> crate::i18n::Message {
        use crate::msg;
        let mode = self.mode();
        if let Some(db) = e.as_db_error() {
            let msg = db.message();
            if msg.contains("requires a valid client certificate") {
                return msg!("tls-client-cert-required", detail = msg);
            }
            if msg.starts_with("certificate authentication failed") || msg.contains("certificate authentication") {
                return msg!("tls-cert-auth-failed", detail = msg);
            }
            if msg.contains("no pg_hba.conf entry") && msg.contains("no encryption") {
                return msg!("tls-clear-text-refused", mode = mode.to_string(), detail = msg);
            }
            return msg!("server-refused-connection", detail = msg);
        }
        if let Some(tls) = rustls_error(e) {
            use rustls::{AlertDescription as A, CertificateError as C};
            return match tls {
                rustls::Error::InvalidCertificate(C::UnknownIssuer) => msg!(
                    "tls-unknown-ca",
                    path = self.root_cert_path().map(|p| p.display().to_string()).unwrap_or_else(|_| "-".into())
                ),
                rustls::Error::InvalidCertificate(C::NotValidForName | C::NotValidForNameContext { .. }) => {
                    msg!("tls-name-mismatch", host = self.tls_host(), detail = tls.to_string())
                }
                rustls::Error::InvalidCertificate(C::Expired | C::ExpiredContext { .. }) => {
                    msg!("tls-expired", detail = tls.to_string())
                }
                rustls::Error::InvalidCertificate(other) => {
                    msg!("tls-cert-not-acceptable", detail = format!("{other:?}"))
                }
                rustls::Error::AlertReceived(A::CertificateRequired) => {
                    msg!("tls-client-cert-asked")
                }
                rustls::Error::AlertReceived(A::UnknownCA) => {
                    msg!("tls-client-ca-untrusted")
                }
                rustls::Error::AlertReceived(
                    alert @ (A::BadCertificate
                    | A::CertificateUnknown
                    | A::CertificateExpired
                    | A::CertificateRevoked
                    | A::UnsupportedCertificate
                    | A::AccessDenied),
                ) => msg!("tls-client-cert-rejected", alert = format!("{alert:?}")),
                other => msg!("tls-failed", detail = other.to_string()),
            };
        }
        let text = error_text(e);
        if text.contains("server does not support TLS") {
            return if matches!(mode, SslMode::Prefer) {
                msg!("tls-unsupported-prefer", hosts = self.remote_hosts().join(", "))
            } else {
                msg!("tls-unsupported", mode = mode.to_string())
            };
        }
        msg!("error-unreachable", detail = text)
    }

    /// The name TLS checks: the first TCP host.
    fn tls_host(&self) -> String {
        self.pg
            .get_hosts()
            .iter()
            .find_map(|h| match h {
                Host::Tcp(h) => Some(h.clone()),
                Host::Unix(_) => None,
            })
            .unwrap_or_default()
    }

    /// Opens a connection: the plan, the connector, and a clear message when it fails.
    pub async fn connect(&self) -> Result<tokio_postgres::Client> {
        let plan = self.plan()?;
        let tls = self.connector(&plan)?;
        let (client, connection) = self
            .pg_config(&plan)
            .connect(tls)
            .await
            .map_err(|e| Error::Unavailable(self.explain(&e).append(&format!(" ({})", self.describe()).into())))?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(client)
    }
}

fn is_loopback_name(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.eq_ignore_ascii_case("localhost") || host.to_ascii_lowercase().ends_with(".localhost") {
        return true;
    }
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) => v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
        Ok(ip) => ip.is_loopback(),
        Err(_) => false,
    }
}

/// `~/.postgresql`, where libpq looks for default certificates.
fn postgresql_dir() -> Option<PathBuf> {
    std::env::var_os("HOME").filter(|h| !h.is_empty()).map(|h| PathBuf::from(h).join(".postgresql"))
}

fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|it| it.collect::<std::result::Result<Vec<_>, _>>())
        .map_err(|e| Error::Unavailable(crate::msg!("tls-certs-unreadable", path = path, detail = e.to_string())))?;
    if certs.is_empty() {
        return Err(Error::Unavailable(crate::msg!("tls-no-pem", path = path)));
    }
    Ok(certs)
}

fn read_roots(path: &Path) -> Result<RootCertStore> {
    let mut roots = RootCertStore::empty();
    for cert in read_certs(path)? {
        roots
            .add(cert)
            .map_err(|e| Error::Unavailable(crate::msg!("tls-bad-root", path = path, detail = e.to_string())))?;
    }
    Ok(roots)
}

/// libpq's rule: a private key readable by group or others is refused (0640 allowed when root
/// owns it, for a group such as ssl-cert).
fn check_key_permissions(path: &Path) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path)
        .map_err(|e| Error::Unavailable(crate::msg!("tls-key-unreadable", path = path, detail = e.to_string())))?;
    let mode = meta.mode() & 0o777;
    let allowed = if meta.uid() == 0 { 0o640 } else { 0o600 };
    if mode & !allowed != 0 {
        return Err(Error::Unavailable(crate::msg!("tls-key-readable", path = path, mode = format!("{mode:o}"))));
    }
    Ok(())
}

/// The rustls error inside a connection error, if any (an io::Error carries it as its payload).
fn rustls_error(e: &tokio_postgres::Error) -> Option<&rustls::Error> {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(c) = cause {
        if let Some(r) = c.downcast_ref::<rustls::Error>() {
            return Some(r);
        }
        if let Some(r) = c
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            return Some(r);
        }
        cause = c.source();
    }
    None
}

fn error_text(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(&format!(": {c}"));
        cause = c.source();
    }
    text
}

/// `require` without a root: encryption only, but the handshake signatures are still checked.
#[derive(Debug)]
struct NoCheck(Arc<CryptoProvider>);

impl ServerCertVerifier for NoCheck {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `verify-ca`: the chain to the roots, not the name.
#[derive(Debug)]
struct ChainOnly {
    roots: Arc<RootCertStore>,
    provider: Arc<CryptoProvider>,
    webpki: Arc<WebPkiServerVerifier>,
}

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        let cert = rustls::server::ParsedCertificate::try_from(end_entity)?;
        rustls::client::verify_server_cert_signed_by_trust_anchor(
            &cert,
            &self.roots,
            intermediates,
            now,
            self.provider.signature_verification_algorithms.all,
        )?;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_postgres::config::SslMode as T;

    fn parse(url: &str, env: &[(&str, &str)]) -> ConnectConfig {
        let env: Vec<(String, String)> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        ConnectConfig::parse_with_env(url, |name| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())).unwrap()
    }

    #[test]
    fn url_settings_are_taken_out_and_the_rest_kept() {
        let c = parse(
            "postgres://op1@db.example:5433/sportello?application_name=x&sslmode=verify-full&sslrootcert=%2Fetc%2Fca.crt&sslcert=/c.crt&sslkey=/c.key",
            &[],
        );
        assert_eq!(c.tls.mode, Some(SslMode::VerifyFull));
        assert_eq!(c.tls.root_cert.as_deref(), Some(Path::new("/etc/ca.crt")));
        assert_eq!(c.tls.cert.as_deref(), Some(Path::new("/c.crt")));
        assert_eq!(c.tls.key.as_deref(), Some(Path::new("/c.key")));
        assert_eq!(c.get_application_name(), Some("x"));
        assert_eq!(c.get_user(), Some("op1"));
        assert_eq!(c.get_ports(), &[5433]);
        assert_eq!(c.get_ssl_mode(), T::Require);
    }

    #[test]
    fn key_value_settings_are_taken_out_and_quoting_survives() {
        let c = parse(
            r"host=127.0.0.1 port = 5433 sslmode=verify-ca sslrootcert='/a dir/ca.crt' password='it\'s' dbname=s",
            &[],
        );
        assert_eq!(c.tls.mode, Some(SslMode::VerifyCa));
        assert_eq!(c.tls.root_cert.as_deref(), Some(Path::new("/a dir/ca.crt")));
        assert_eq!(c.get_password(), Some(&b"it's"[..]));
        assert_eq!(c.get_dbname(), Some("s"));
        assert_eq!(c.get_ports(), &[5433]);
    }

    #[test]
    fn the_environment_fills_in_and_the_url_wins() {
        let env = [("PGSSLMODE", "verify-full"), ("PGSSLROOTCERT", "/env/ca.crt"), ("PGSSLCERT", "/env/c.crt")];
        let c = parse("host=db.example sslmode=require", &env);
        assert_eq!(c.tls.mode, Some(SslMode::Require));
        assert_eq!(c.tls.root_cert.as_deref(), Some(Path::new("/env/ca.crt")));
        assert_eq!(c.tls.cert.as_deref(), Some(Path::new("/env/c.crt")));
        // require with a root behaves as verify-ca, as in libpq.
        assert_eq!(c.plan().unwrap(), Plan { transport: T::Require, verify: Verify::Ca });
        let c = parse("postgres://db.example/s", &env);
        assert_eq!(c.plan().unwrap(), Plan { transport: T::Require, verify: Verify::Full });
    }

    #[test]
    fn a_bad_sslmode_is_invalid_input() {
        let e = ConnectConfig::parse_with_env("host=x sslmode=allow", |_| None).unwrap_err();
        assert!(matches!(e, Error::Invalid(_)), "{e}");
        assert!(e.to_string().starts_with("invalid database URL: sslmode 'allow'"), "{e}");
        let e =
            ConnectConfig::parse_with_env("host=x", |v| (v == "PGSSLMODE").then(|| "verify_full".into())).unwrap_err();
        assert!(e.to_string().starts_with("invalid PGSSLMODE: sslmode 'verify_full'"), "{e}");
    }

    #[test]
    fn clear_text_to_a_remote_host_needs_an_explicit_disable() {
        // Default and prefer to a remote host: TLS or nothing.
        for url in ["host=db.example dbname=s", "host=db.example sslmode=prefer", "postgres://10.1.2.3/s"] {
            assert_eq!(parse(url, &[]).plan().unwrap().transport, T::Require, "{url}");
        }
        // A loopback host among remote ones does not make clear text acceptable.
        assert_eq!(parse("host=127.0.0.1,db.example", &[]).plan().unwrap().transport, T::Require);
        // hostaddr is where the traffic goes.
        assert_eq!(parse("host=localhost hostaddr=10.0.0.1", &[]).plan().unwrap().transport, T::Require);
        assert_eq!(parse("host=db.example hostaddr=127.0.0.1", &[]).plan().unwrap().transport, T::Prefer);
        // Explicit disable: clear text, wherever.
        assert_eq!(parse("host=db.example sslmode=disable", &[]).plan().unwrap().transport, T::Disable);
        assert_eq!(parse("host=db.example", &[("PGSSLMODE", "disable")]).plan().unwrap().transport, T::Disable);
        // Loopback: prefer may fall back to clear text.
        for host in ["127.0.0.1", "127.1.2.3", "localhost", "::1", "LOCALHOST"] {
            let c = parse(&format!("host={host}"), &[]);
            assert_eq!(c.plan().unwrap().transport, T::Prefer, "{host}");
        }
        // A unix socket never uses TLS.
        assert_eq!(parse("host=/run/postgresql sslmode=verify-full", &[]).plan().unwrap().transport, T::Disable);
    }

    #[test]
    fn refusing_prefer_to_a_remote_host_says_why() {
        let c = parse("host=db.example", &[]);
        let text = c.explain(&tokio_postgres_error_server_without_tls());
        assert!(text.contains("does not support TLS") && text.contains("sslmode=disable"), "{text}");
    }

    /// The error tokio-postgres gives when the server answers 'N' to a TLS request, made by
    /// connecting to a tiny listener that answers so.
    fn tokio_postgres_error_server_without_tls() -> tokio_postgres::Error {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut request = [0u8; 8];
            s.read_exact(&mut request).unwrap();
            s.write_all(b"N").unwrap();
        });
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let mut pg = tokio_postgres::Config::new();
        pg.host("127.0.0.1").port(port).user("x").ssl_mode(T::Require);
        let e = rt.block_on(pg.connect(tokio_postgres::NoTls)).err().unwrap();
        server.join().unwrap();
        e
    }

    #[test]
    fn clear_text_reads_no_certificate_and_a_shared_key_is_refused() {
        let missing = "sslcert=/nonexistent/c.crt sslkey=/nonexistent/c.key sslrootcert=/nonexistent/ca.crt";
        let c = parse(&format!("host=db.example sslmode=disable {missing}"), &[]);
        assert!(c.connector(&c.plan().unwrap()).is_ok());
        let c = parse(&format!("host=db.example sslmode=verify-full {missing}"), &[]);
        assert!(c.connector(&c.plan().unwrap()).is_err());

        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let pair = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["op".to_string()]).unwrap().self_signed(&pair).unwrap();
        std::fs::write(dir.path().join("c.crt"), cert.pem()).unwrap();
        std::fs::write(dir.path().join("c.key"), pair.serialize_pem()).unwrap();
        let url = format!("host=127.0.0.1 sslmode=require sslcert={0}/c.crt sslkey={0}/c.key", dir.path().display());
        let c = parse(&url, &[]);
        std::fs::set_permissions(dir.path().join("c.key"), std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = c.connector(&c.plan().unwrap()).err().unwrap();
        assert!(e.to_string().contains("readable by others"), "{e}");
        std::fs::set_permissions(dir.path().join("c.key"), std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(c.connector(&c.plan().unwrap()).is_ok());
    }

    #[test]
    fn the_default_root_is_libpqs_and_its_absence_is_explained() {
        let c = parse("host=127.0.0.1 sslmode=verify-full", &[]);
        match c.root_cert_path() {
            Ok(p) => assert!(p.ends_with(".postgresql/root.crt")),
            Err(e) => assert!(e.to_string().contains("sslrootcert"), "{e}"),
        }
    }
}
