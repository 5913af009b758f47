//! The rules of the domain: pure, no I/O.

pub mod as_written;
pub mod birthplace;
pub mod fields;
pub mod fiscal_code;
pub mod record;
pub mod roles;
pub mod rules;
pub mod text;
pub mod transitions;
pub mod types;

pub use fiscal_code::{FiscalCode, FiscalCodeError, InvalidFiscalCode};
pub use record::*;
pub use roles::Role;
pub use rules::{Action, allowed, bookable, permits};
pub use types::*;
