//! The planning database: one module per table, each with its entity and its queries.

pub mod helper;
pub mod household;
pub mod milestone;
pub mod plan;
pub mod team;
