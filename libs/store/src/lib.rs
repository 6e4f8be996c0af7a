//! Storage shared by every service: connecting to SQLite or PostgreSQL by URL, running a service's
//! migrations, and the tables every service has — the transactional outbox, the consumer inbox,
//! the hash-chained audit log and the remembered answers of requests — and the protection of
//! personal data at rest.

// Outbox, inbox and pruning bookkeeping is wall-clock; what a service records is stamped by the
// caller (its engine's clock).
#![allow(clippy::disallowed_methods)]

pub mod answers;
pub mod audit;
pub mod db;
pub mod inbox;
pub mod migration;
pub mod nodelay;
pub mod outbox;
pub mod pii;
pub mod statistics;
pub mod text;

pub use db::{Db, connect, is_unique_violation};
