//! The composition root of the `chain` binary: starting the whole system in one process or one
//! service per process, a local NATS server, development keys, tokens and demo data. No domain
//! logic lives here.

pub mod demo;
pub mod keys;
pub mod nats;
pub mod system;

pub use system::{Databases, System, SystemConfig};

/// Required token issuer unless configured otherwise.
pub const DEFAULT_ISSUER: &str = "chain";
/// Required token audience unless configured otherwise.
pub const DEFAULT_AUDIENCE: &str = "chain-api";
