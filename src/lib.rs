//! sportello: the back office of the Piedmont strong-credential registration desks.
//!
//! The library decides; the `sportello` binary (in `commands/`) only talks to people.

pub mod audit;
pub mod config;
pub mod domain;
pub mod error;
pub mod operators;
pub mod register;
pub mod registry_import;
pub mod search;
pub mod session;
pub mod store;

pub use error::{Error, Result};
