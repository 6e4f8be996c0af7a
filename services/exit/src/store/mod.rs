//! The exit database: one module per table, each with its entity and its queries.

pub mod exit_case;
pub mod household;
