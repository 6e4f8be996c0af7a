//! The identification database's tables (sea-orm entities) and the queries that read a record
//! back in API form. Their schema is in `crate::migrations`.

pub mod helpers;
pub mod households;
pub mod imports;
pub mod monitoring;
pub mod quotas;
pub mod versioned;

pub use chain_store::text::{enum_str, parse_enum};
