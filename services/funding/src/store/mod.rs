//! The funding database: one module per table, each with its entity and its queries.

pub mod account;
pub mod allocation;
pub mod allocation_plan;
pub mod approved_plan;
pub mod disbursement;
pub mod ledger_entry;
pub mod lot;
pub mod lot_use;
pub mod project;
pub mod project_payment;
pub mod transfer;
