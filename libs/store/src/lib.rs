//! Storage shared by every service: connecting to SQLite or PostgreSQL by URL, running a service's
//! migrations, and the tables every service has — the transactional outbox, the consumer inbox and
//! the hash-chained audit log.

pub mod audit;
pub mod db;
pub mod inbox;
pub mod migration;
pub mod nodelay;
pub mod outbox;
pub mod text;

pub use db::{Db, connect, is_unique_violation};
