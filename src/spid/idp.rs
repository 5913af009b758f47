//! Model a (annex §4.6, §4.7): the token POSTed to the `/raoic` endpoint of the IdP the citizen
//! chose, over TLS 1.2 or 1.3 with both seals (the R.A.O.'s as client certificate; the IdP's,
//! which must chain to AgID's sub-CA and carry OID 1.3.76.16.4.20); the IdP's signed JWT answer
//! verified the same way. Also the IdP's side of the answer ([`response`]), for integrators and
//! the tests' IdP.

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use serde::Deserialize;
use serde_json::{Value, json};

use super::certs::{Anchors, CertProblem};
use super::desk::IdpOutcome;
use super::jose::{Jws, SealKey};
use super::responses::ResponseCode;
use super::token::{Sealed, instant};
use super::{Rao, annex};
use crate::error::{Error, Result};

/// An identity provider of the registry (AgID publishes each `/raoic` URL).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Idp {
    /// The name the clerk types and the citizen reads (e.g. "Poste Italiane").
    pub name: String,
    /// The IdP's entityID in the SPID registry: the token's `aud`.
    pub entity_id: String,
    /// The full URL of its `/raoic` endpoint (https).
    pub raoic: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Registry {
    #[serde(default)]
    idp: Vec<Idp>,
}

/// Reads the IdPs' file (TOML, `[[idp]]` tables with `name`, `entity_id`, `raoic`).
pub fn read_registry(path: &Path) -> Result<Vec<Idp>> {
    let text = std::fs::read_to_string(path).map_err(Error::io(crate::msg!("io-read", path = path)))?;
    let registry: Registry = toml::from_str(&text)
        .map_err(|e| Error::Invalid(crate::msg!("config-malformed", path = path, detail = e.message())))?;
    for i in &registry.idp {
        if !i.raoic.starts_with("https://") {
            return Err(Error::Invalid(crate::msg!("spid-idp-not-https", idp = &i.name, url = &i.raoic)));
        }
    }
    Ok(registry.idp)
}

/// The IdP named `name` (its name or entityID, case aside).
pub fn find<'a>(idps: &'a [Idp], name: &str) -> Result<&'a Idp> {
    let n = name.trim();
    idps.iter().find(|i| i.name.eq_ignore_ascii_case(n) || i.entity_id == n).ok_or_else(|| {
        let known: Vec<&str> = idps.iter().map(|i| i.name.as_str()).collect();
        Error::Invalid(crate::msg!(
            "spid-idp-unknown",
            idp = n,
            known = if known.is_empty() { "-".to_string() } else { known.join(", ") }
        ))
    })
}

/// rustls's own checks of the IdP's certificate (chain to AgID's sub-CA, name, validity), and
/// the IdP OID on it.
#[derive(Debug)]
struct IdpSealVerifier {
    inner: Arc<rustls::client::WebPkiServerVerifier>,
}

impl ServerCertVerifier for IdpSealVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        let verified = self.inner.verify_server_cert(end_entity, intermediates, server_name, ocsp, now)?;
        if !super::certs::has_oid(end_entity, annex::OID_IDP_SEAL) {
            return Err(rustls::Error::General(format!("the IdP's certificate lacks the OID {}", annex::OID_IDP_SEAL)));
        }
        Ok(verified)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// The TLS client of model a: TLS 1.3 or 1.2 only (rustls offers no anonymous suites), the
/// R.A.O.'s seal as client certificate, the IdP's checked by [`IdpSealVerifier`].
fn tls_config(rao: &Rao, anchors: &Anchors) -> std::result::Result<rustls::ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    for c in anchors.certs() {
        roots.add(c.clone()).map_err(|e| e.to_string())?;
    }
    let inner = rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| e.to_string())?;
    rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(IdpSealVerifier { inner }))
        .with_client_auth_cert(rao.seal.chain.clone(), rao.seal.tls_key.clone_key())
        .map_err(|e| e.to_string())
}

/// Posts `sealed` to `idp` and reads its verified answer. Never fails: an IdP that cannot be
/// reached or answers without a valid seal is an outcome without a code, said in Italian.
pub async fn send(rao: &Rao, idp: &Idp, sealed: &Sealed) -> IdpOutcome {
    let outcome = |code: Option<ResponseCode>, message: String| IdpOutcome {
        idp: idp.name.clone(),
        entity_id: idp.entity_id.clone(),
        code: code.map(ResponseCode::code),
        message,
        accepted: code.is_some_and(ResponseCode::accepted),
    };
    let Some(anchors) = &rao.idp_anchors else {
        return outcome(None, "nessun invio: manca la sub CA AgID degli IdP (spid_ca) nella configurazione".into());
    };
    let answer = tokio::time::timeout(std::time::Duration::from_secs(30), post(rao, anchors, idp, &sealed.token)).await;
    let body = match answer {
        Err(_) => return outcome(None, format!("{} non ha risposto entro 30 secondi", idp.name)),
        Ok(Err(why)) => return outcome(None, format!("invio a {} non riuscito: {why}", idp.name)),
        Ok(Ok(body)) => body,
    };
    match read_response(anchors, idp, sealed, &body, Utc::now()) {
        Ok(code) => outcome(Some(code), super::desk::idp_message(code)),
        Err(why) => outcome(None, format!("risposta di {} non valida: {why}", idp.name)),
    }
}

async fn post(rao: &Rao, anchors: &Anchors, idp: &Idp, token: &str) -> std::result::Result<Vec<u8>, String> {
    let uri: hyper::Uri = idp.raoic.parse().map_err(|e: hyper::http::uri::InvalidUri| e.to_string())?;
    if uri.scheme_str() != Some("https") {
        return Err("l'endpoint non è https".into());
    }
    let host = uri.host().ok_or("l'endpoint non ha un host")?.trim_matches(['[', ']']).to_string();
    let port = uri.port_u16().unwrap_or(443);
    let config = tls_config(rao, anchors)?;
    let tcp = tokio::net::TcpStream::connect((host.as_str(), port)).await.map_err(|e| e.to_string())?;
    let name = ServerName::try_from(host.clone()).map_err(|e| e.to_string())?;
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config)).connect(name, tcp).await.map_err(|e| e.to_string())?;
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tls)).await.map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/raoic");
    let request = hyper::Request::post(path)
        .header(hyper::header::HOST, uri.authority().map(|a| a.as_str()).unwrap_or(&host))
        .header(hyper::header::CONTENT_TYPE, "application/jwt")
        .body(Full::new(Bytes::from(token.to_string())))
        .map_err(|e| e.to_string())?;
    let response = sender.send_request(request).await.map_err(|e| e.to_string())?;
    let body = Limited::new(response.into_body(), 64 * 1024).collect().await.map_err(|e| e.to_string())?;
    Ok(body.to_bytes().to_vec())
}

/// The IdP's answer, checked: a JWT sealed by a certificate of AgID's IdP sub-CA with the IdP
/// OID, `iss` the IdP's entityID, `aud` our `iss`, `sub` our `sub`, a known response code.
pub fn read_response(
    anchors: &Anchors,
    idp: &Idp,
    sealed: &Sealed,
    body: &[u8],
    now: DateTime<Utc>,
) -> std::result::Result<ResponseCode, String> {
    let text = std::str::from_utf8(body).map_err(|_| "non è testo".to_string())?;
    let jws = Jws::parse(text).map_err(|e| e.to_string())?;
    let unix = UnixTime::since_unix_epoch(std::time::Duration::from_secs(now.timestamp().max(0) as u64));
    anchors.check(&jws.x5c, annex::OID_IDP_SEAL, unix).map_err(|p: CertProblem| p.to_string())?;
    jws.verify_seal().map_err(|e| e.to_string())?;
    let field = |name: &str| jws.payload.get(name).and_then(Value::as_str).unwrap_or_default().to_string();
    if field("iss") != idp.entity_id {
        return Err(format!("iss {} non è l'entityID {}", field("iss"), idp.entity_id));
    }
    if field("aud").trim() != sealed.iss || field("sub") != sealed.sub {
        return Err("aud o sub non corrispondono al token inviato".into());
    }
    jws.payload
        .get("responseCode")
        .and_then(Value::as_u64)
        .and_then(ResponseCode::from_code)
        .ok_or_else(|| "responseCode assente o sconosciuto".to_string())
}

/// The IdP's signed answer to a token (annex §4.7, schema A.3), sealed with the IdP's seal.
pub fn response(
    key: &SealKey,
    chain: &[CertificateDer<'_>],
    entity_id: &str,
    request_iss: &str,
    request_sub: &str,
    code: ResponseCode,
) -> Result<String> {
    let payload = json!({
        "iss": entity_id,
        "sub": request_sub,
        "jti": uuid::Uuid::new_v4().to_string(),
        "aud": request_iss,
        "iat": instant(Utc::now()),
        "responseCode": code.code(),
        "responseMessage": code.message(),
    });
    key.seal(chain, &payload)
}
