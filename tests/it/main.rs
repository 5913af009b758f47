#![allow(clippy::unwrap_used)]
//! Integration tests against a real PostgreSQL (see harness.rs).

mod fixtures;
mod harness;
mod tls_server;

mod audit;
mod batch;
mod cli;
mod desk;
mod embedded;
mod help;
mod hygiene;
mod import;
mod letters;
mod ops;
mod output;
mod reference;
mod register;
mod roles;
mod search;
mod tls;
