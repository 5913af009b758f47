#![allow(clippy::unwrap_used)]
//! Integration tests against a real PostgreSQL (see harness.rs).

mod fixtures;
mod harness;
mod tls_server;

mod audit;
mod batch;
mod chain;
mod cli;
mod credentials_table;
mod desk;
mod embedded;
mod erasure;
mod files;
mod help;
mod hygiene;
mod i18n;
mod import;
mod least_privilege;
mod letters;
mod lifecycle;
mod ops;
mod output;
mod reference;
mod register;
mod roles;
mod rows;
mod runs;
mod search;
mod spid;
mod stats;
mod tls;
