#![allow(clippy::unwrap_used)]
//! Integration tests against a real PostgreSQL (see harness.rs).

mod fixtures;
mod harness;

mod audit;
mod batch;
mod cli;
mod desk;
mod embedded;
mod help;
mod import;
mod ops;
mod output;
mod register;
mod search;
