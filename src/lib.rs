//! sportello: the back office of the Piedmont strong-credential registration desks.
//!
//! The library decides; the `sportello` binary (in `commands/`) only talks to people.

pub mod audit;
pub mod audit_chain;
pub mod batch;
pub mod config;
pub mod config_file;
pub mod desk;
pub mod doctor;
pub mod domain;
pub mod error;
pub mod files;
pub mod i18n;
pub mod letters;
pub mod mail;
pub mod metrics;
pub mod notices;
pub mod operators;
pub mod portal;
pub mod safe_csv;
pub mod search_key;
pub mod secrets;
pub mod session;
pub mod spid;
pub mod stats;
pub mod store;
pub mod suggest;

pub use error::{Error, Result};
