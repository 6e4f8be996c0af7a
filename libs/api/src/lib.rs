//! The contract between the gateway and the services: request and response types (serde + OpenAPI
//! schemas), RFC 9457 problems, principals and the event envelope. Nothing here performs I/O.

pub mod body;
pub mod card;
pub mod envelope;
pub mod events;
pub mod exit;
pub mod funding;
pub mod identification;
pub mod imports;
pub mod limits;
pub mod monitoring;
pub mod planning;
pub mod principal;
pub mod problem;
pub mod projects;
pub mod queries;
pub mod quotas;
pub mod schema;
pub mod step;
pub mod verbs;
pub mod workflow;

pub use envelope::{Cause, Envelope};
pub use principal::{Principal, Role};
pub use problem::{FieldError, Problem, ProblemKind};
