//! The seals' certificates (guidelines §3.12): the R.A.O.'s seal read from the configuration,
//! AgID's sub-CAs as trust anchors, the OIDs that say whose seal a certificate is.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use x509_parser::extensions::ParsedExtension;
use x509_parser::prelude::FromDer;

use super::jose::SealKey;
use crate::error::{Error, Result};

/// A certificate chain (end entity first) from a PEM file.
pub fn read_chain(path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
        .and_then(|it| it.collect::<std::result::Result<Vec<_>, _>>())
        .map_err(|e| Error::Invalid(crate::msg!("spid-cert-unreadable", path = path, detail = e.to_string())))?;
    if chain.is_empty() {
        return Err(Error::Invalid(crate::msg!("spid-cert-unreadable", path = path, detail = "no certificate")));
    }
    Ok(chain)
}

/// Does the certificate carry `oid` among its policies (AgID's OIDs of guidelines §3.12)?
pub fn has_oid(cert: &CertificateDer<'_>, oid: &str) -> bool {
    let Ok((_, x509)) = x509_parser::certificate::X509Certificate::from_der(cert.as_ref()) else {
        return false;
    };
    x509.extensions().iter().any(|ext| match ext.parsed_extension() {
        ParsedExtension::CertificatePolicies(policies) => policies.iter().any(|p| p.policy_id.to_id_string() == oid),
        _ => false,
    })
}

/// Why a certificate is not accepted as a seal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertProblem {
    /// It does not chain to a configured AgID sub-CA, or is out of its validity (webpki's word).
    Untrusted(String),
    /// It chains, but lacks the OID of its kind of seal.
    NoOid(&'static str),
}

impl std::fmt::Display for CertProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CertProblem::Untrusted(why) => write!(f, "certificate not issued by the configured AgID sub-CA: {why}"),
            CertProblem::NoOid(oid) => write!(f, "certificate without the OID {oid}"),
        }
    }
}

/// Any extended key usage, or none: a seal is not a TLS server or client certificate only.
struct AnyUsage;

impl webpki::ExtendedKeyUsageValidator for AnyUsage {
    fn validate(&self, _: webpki::KeyPurposeIdIter<'_, '_>) -> std::result::Result<(), webpki::Error> {
        Ok(())
    }
}

/// AgID's sub-CAs, as trust anchors.
#[derive(Debug, Clone)]
pub struct Anchors {
    certs: Vec<CertificateDer<'static>>,
}

impl Anchors {
    pub fn read(path: &Path) -> Result<Anchors> {
        let certs = read_chain(path)?;
        for c in &certs {
            webpki::anchor_from_trusted_cert(c).map_err(|e| {
                Error::Invalid(crate::msg!("spid-cert-unreadable", path = path, detail = format!("{e:?}")))
            })?;
        }
        Ok(Anchors { certs })
    }

    pub fn certs(&self) -> &[CertificateDer<'static>] {
        &self.certs
    }

    /// Checks that `chain` (end entity first, as in `x5c` or a TLS handshake) chains to one of
    /// the anchors at `now`, and that its first certificate carries `oid`.
    pub fn check(
        &self,
        chain: &[CertificateDer<'_>],
        oid: &'static str,
        now: UnixTime,
    ) -> std::result::Result<(), CertProblem> {
        let first = chain.first().ok_or_else(|| CertProblem::Untrusted("no certificate".into()))?;
        let anchors: Vec<_> = self.certs.iter().filter_map(|c| webpki::anchor_from_trusted_cert(c).ok()).collect();
        let ee = webpki::EndEntityCert::try_from(first).map_err(|e| CertProblem::Untrusted(format!("{e:?}")))?;
        ee.verify_for_usage(webpki::ALL_VERIFICATION_ALGS, &anchors, &chain[1..], now, AnyUsage, None, None)
            .map_err(|e| CertProblem::Untrusted(format!("{e:?}")))?;
        if has_oid(first, oid) { Ok(()) } else { Err(CertProblem::NoOid(oid)) }
    }
}

/// The R.A.O.'s seal: its certificate chain (the seal first) and its private key.
#[derive(Clone)]
pub struct Seal {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: Arc<SealKey>,
    /// The same key for the TLS client of model a.
    pub tls_key: Arc<PrivateKeyDer<'static>>,
}

impl std::fmt::Debug for Seal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Seal(..)")
    }
}

impl Seal {
    /// Reads the seal's certificate chain and key (PEM files). The certificate must carry the
    /// R.A.O. OID and the key must be one the annex's reading signs with.
    pub fn read(cert: &Path, key: &Path) -> Result<Seal> {
        let chain = read_chain(cert)?;
        let der = PrivateKeyDer::from_pem_file(key)
            .map_err(|e| Error::Invalid(crate::msg!("spid-key-unreadable", path = key, detail = e.to_string())))?;
        let signing = rustls::crypto::ring::sign::any_supported_type(&der)
            .map_err(|e| Error::Invalid(crate::msg!("spid-key-unreadable", path = key, detail = e.to_string())))?;
        let seal_key = SealKey::new(signing);
        if seal_key.alg().is_none() {
            return Err(Error::Invalid(crate::msg!("spid-seal-key-kind")));
        }
        if !has_oid(&chain[0], super::annex::OID_RAO_SEAL) {
            return Err(Error::Invalid(crate::msg!("spid-seal-no-oid", path = cert, oid = super::annex::OID_RAO_SEAL)));
        }
        Ok(Seal { chain, key: Arc::new(seal_key), tls_key: Arc::new(der) })
    }
}
