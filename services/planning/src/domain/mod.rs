//! Pure rules of planning: no I/O, refusals as `chain_domain::Invalid` or an own enum.

pub mod plan;
pub mod rules;

pub use plan::*;
pub mod team;
