//! SPID from the desk: the in-person identification of the desk issued as an AgID R.A.O.
//! pubblico token (Linee Guida per la realizzazione di un modello di R.A.O. pubblico,
//! Determinazione n. 344/2019, and its technical annex; `../shared/references/agid-rao/`).
//!
//! - [`annex`]: the annex's numbers and names, and the reading chosen for each loose point;
//! - [`passphrase`]: the 12-character passphrase, split 6 + 6;
//! - [`request_data`]: ICRequestData, from the registration and the documents at the desk;
//! - [`jose`], [`certs`], [`token`]: the JWE, the seal and the complete token;
//! - [`responses`]: the IdP's response codes and messages;
//! - [`verify`]: the IdP's checks (`sportello spid-token verify`);
//! - [`idp`]: model a, the token posted to the IdP's `/raoic` over mutual TLS;
//! - [`desk`]: issuing a token at the desk (the rule, the letter, the email, the audit row).

pub mod annex;
pub mod certs;
pub mod desk;
pub mod idp;
pub mod jose;
pub mod passphrase;
pub mod request_data;
pub mod responses;
pub mod token;
pub mod verify;

use std::path::PathBuf;

use crate::error::{Error, Result};

/// Where the desk's SPID configuration is: the settings `spid_seal_cert`, `spid_seal_key`,
/// `spid_ipa_code`, `spid_idps`, `spid_ca` (or their `SPORTELLO_SPID_*` variables).
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// PEM: the R.A.O.'s seal certificate (OID 1.3.76.16.4.21), then its chain.
    pub seal_cert: Option<PathBuf>,
    /// PEM: the seal's private key (RSA or P-256).
    pub seal_key: Option<PathBuf>,
    /// The public administration's IPA code (`issuerCode`).
    pub ipa_code: Option<String>,
    /// TOML: the identity providers of model a (`[[idp]] name, entity_id, raoic`).
    pub idps: Option<PathBuf>,
    /// PEM: AgID's sub-CA of the IdPs' seals (their TLS certificates and signed responses).
    pub idp_ca: Option<PathBuf>,
}

impl Settings {
    pub fn from_env() -> Settings {
        let var = crate::config_file::var;
        Settings {
            seal_cert: var("SPORTELLO_SPID_SEAL_CERT").map(PathBuf::from),
            seal_key: var("SPORTELLO_SPID_SEAL_KEY").map(PathBuf::from),
            ipa_code: var("SPORTELLO_SPID_IPA_CODE"),
            idps: var("SPORTELLO_SPID_IDPS").map(PathBuf::from),
            idp_ca: var("SPORTELLO_SPID_CA").map(PathBuf::from),
        }
    }
}

fn needed<T: Clone>(v: &Option<T>, setting: &str) -> Result<T> {
    v.clone().ok_or_else(|| Error::Invalid(crate::msg!("spid-not-configured", setting = setting)))
}

/// The desk's SPID tools, read from [`Settings`].
#[derive(Debug, Clone)]
pub struct Rao {
    pub seal: certs::Seal,
    pub ipa_code: String,
    pub idps: Vec<idp::Idp>,
    pub idp_anchors: Option<certs::Anchors>,
}

impl Rao {
    pub fn open(s: &Settings) -> Result<Rao> {
        let seal = certs::Seal::read(&needed(&s.seal_cert, "spid_seal_cert")?, &needed(&s.seal_key, "spid_seal_key")?)?;
        let ipa_code = needed(&s.ipa_code, "spid_ipa_code")?.trim().to_string();
        let idps = match &s.idps {
            Some(path) => idp::read_registry(path)?,
            None => Vec::new(),
        };
        let idp_anchors = s.idp_ca.as_deref().map(certs::Anchors::read).transpose()?;
        Ok(Rao { seal, ipa_code, idps, idp_anchors })
    }
}
