//! Return-to-poverty monitoring on the engine (DOMAIN.md §7): a signal opens a case and a
//! `monitoring.household` procedure (county → township → village); the village visits, asks
//! consent, appraises and posts its notice, the county matches the data, the township reviews and
//! the county decides, within the policy's days of the first signal (the county's task falls due
//! then, and the deadline ladder escalates it when missed). Included households get measures; the
//! county may remove the risk after half a year, never for a household without labour, and may
//! reinstate it. Every change is audited in the transaction that makes it.
//!
//! `case` is the case's kit, `flow` how every step moves it (and what its notice does), `signal`
//! opening and reading cases, `steps` the steps themselves; the rules are in
//! `crate::domain::monitoring`.

pub mod case;
pub mod flow;
pub mod signal;
pub mod steps;
