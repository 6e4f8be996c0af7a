//! Payloads of the facts services publish. Types are `<service>.<event>`.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// `identification.household-identified`: the county approved a household.
pub const HOUSEHOLD_IDENTIFIED: &str = "identification.household-identified";
/// `identification.household-removed`: the county removed a wrongly identified household.
pub const HOUSEHOLD_REMOVED: &str = "identification.household-removed";
/// `planning.plan-approved`: the county approved a household's plan.
pub const PLAN_APPROVED: &str = "planning.plan-approved";
/// `funding.funds-allocated`: a division allocated funds to one below it.
pub const FUNDS_ALLOCATED: &str = "funding.funds-allocated";
/// `funding.funds-disbursed`: a county paid out to a household plan.
pub const FUNDS_DISBURSED: &str = "funding.funds-disbursed";
/// `exit.household-exited`: the county approved a household's exit.
pub const HOUSEHOLD_EXITED: &str = "exit.household-exited";

/// Payload of [`HOUSEHOLD_IDENTIFIED`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HouseholdIdentified {
    /// The household.
    pub household_id: Uuid,
    /// Its village.
    pub village: String,
    /// Year of identification.
    pub year: i32,
    /// Main poverty cause.
    pub main_cause: String,
    /// Further causes.
    pub other_causes: Vec<String>,
    /// Per-capita net income, fen.
    pub per_capita_income_fen: i64,
    /// Number of members.
    pub members: u32,
}

/// Payload of [`PLAN_APPROVED`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanApproved {
    /// The plan.
    pub plan_id: Uuid,
    /// Its household.
    pub household_id: Uuid,
    /// The household's village.
    pub village: String,
}

/// Payload of [`FUNDS_ALLOCATED`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FundsAllocated {
    /// The allocation.
    pub allocation_id: Uuid,
    /// From (`CN` for the centre).
    pub from: String,
    /// To.
    pub to: String,
    /// Amount, fen.
    pub amount_fen: i64,
    /// Budget year.
    pub year: i32,
}

/// Payload of [`FUNDS_DISBURSED`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FundsDisbursed {
    /// The disbursement.
    pub disbursement_id: Uuid,
    /// The plan paid.
    pub plan_id: Uuid,
    /// Its household.
    pub household_id: Uuid,
    /// The paying county.
    pub county: String,
    /// Amount, fen.
    pub amount_fen: i64,
}

/// Payload of [`HOUSEHOLD_EXITED`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HouseholdExited {
    /// The exit case.
    pub exit_id: Uuid,
    /// The household.
    pub household_id: Uuid,
    /// Its village.
    pub village: String,
    /// Assessment year.
    pub year: i32,
}

/// Payload of [`HOUSEHOLD_REMOVED`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HouseholdRemoved {
    /// The household.
    pub household_id: Uuid,
    /// Its village.
    pub village: String,
    /// Why it was wrongly identified.
    pub reason: String,
}
