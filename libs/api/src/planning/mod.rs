//! Planning: per-household assistance plans answering the recorded poverty causes.

pub mod plan;

pub use plan::*;
pub mod team;
pub use team::*;
