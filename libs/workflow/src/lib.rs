//! The responsibility-chain engine every service embeds: tasks owned by a division, with a state
//! machine, optimistic versions, jurisdiction-filtered queries and an audit entry per change.

pub mod machine;
pub mod migration;
pub mod store;

pub use machine::{Action, Refusal};
pub use store::{NewTask, list, open, transition};
