#![allow(clippy::unwrap_used)]
//! Integration tests against a real PostgreSQL (see harness.rs).

mod fixtures;
mod harness;
mod tls_server;

mod as_written;
mod api_admin;
mod audit;
mod backup;
mod batch;
mod boundary;
mod chain;
mod cli;
mod credentials_table;
mod desk;
mod embedded;
mod erasure;
mod failover;
mod files;
mod help;
mod hygiene;
mod i18n;
mod import;
mod key;
mod least_privilege;
mod letters;
mod lifecycle;
mod model;
mod ops;
mod output;
mod package;
mod postal_seam;
mod reference;
mod register;
mod registry_files;
mod roles;
mod rows;
mod runs;
mod search;
mod spid;
mod stats;
mod tls;
