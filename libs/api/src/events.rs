//! Payloads of the facts services publish. Types are `<service>.<event>`.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// `identification.household-identified`: the county approved a household.
pub const HOUSEHOLD_IDENTIFIED: &str = "identification.household-identified";
/// `identification.household-removed`: the county removed a wrongly identified household.
pub const HOUSEHOLD_REMOVED: &str = "identification.household-removed";
/// `identification.helper-changed`: a county or township assigned a household a new helper
/// (帮扶责任人), the previous one's assignment ending the day before.
pub const HELPER_CHANGED: &str = "identification.helper-changed";
/// `planning.plan-drafted`: a village or township drafted a household's plan.
pub const PLAN_DRAFTED: &str = "planning.plan-drafted";
/// `planning.plan-submitted`: the township submitted a plan (or a revision) to the county.
pub const PLAN_SUBMITTED: &str = "planning.plan-submitted";
/// `planning.plan-returned`: the county returned a submitted plan for rework.
pub const PLAN_RETURNED: &str = "planning.plan-returned";
/// `planning.plan-approved`: the county approved a household's plan (or a revision of it).
pub const PLAN_APPROVED: &str = "planning.plan-approved";
/// `planning.plan-revised`: an approved plan got a new revision, in preparation.
pub const PLAN_REVISED: &str = "planning.plan-revised";
/// `planning.plan-started`: the first milestone of an approved plan was done.
pub const PLAN_STARTED: &str = "planning.plan-started";
/// `planning.plan-completed`: every measure of a plan was delivered.
pub const PLAN_COMPLETED: &str = "planning.plan-completed";
/// `planning.milestone-done`: a milestone of a plan was reported done.
pub const MILESTONE_DONE: &str = "planning.milestone-done";
/// `planning.team-assigned`: a county sent a member (possibly the first secretary) to a village's work team.
pub const TEAM_ASSIGNED: &str = "planning.team-assigned";
/// `planning.team-member-ended`: a member's time in a village's work team was ended (recalled or rotated).
pub const TEAM_MEMBER_ENDED: &str = "planning.team-member-ended";
/// `planning.presence-short`: a work-team member stayed fewer days in the village in a month than the policy asks.
pub const PRESENCE_SHORT: &str = "planning.presence-short";
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

/// Payload of [`PLAN_DRAFTED`], [`PLAN_SUBMITTED`], [`PLAN_RETURNED`], [`PLAN_REVISED`],
/// [`PLAN_STARTED`] and [`PLAN_COMPLETED`]: the plan's new status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanChanged {
    /// The plan.
    pub plan_id: Uuid,
    /// Its household.
    pub household_id: Uuid,
    /// The household's village.
    pub village: String,
    /// The plan's current revision.
    pub revision: i32,
    /// Its status now (snake_case).
    pub status: String,
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
    /// The revision approved.
    #[serde(default = "first_revision")]
    pub revision: i32,
    /// Its measures with what they expect to cost.
    #[serde(default)]
    pub measures: Vec<ApprovedMeasure>,
    /// The measures' budgets together, fen.
    #[serde(default)]
    pub budget_fen: i64,
}

fn first_revision() -> i32 {
    1
}

/// A measure of an approved plan, as funding needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApprovedMeasure {
    /// Its position in the plan.
    pub index: usize,
    /// Kind (snake_case).
    pub kind: String,
    /// The cause it answers (snake_case).
    pub addresses: String,
    /// The budget it expects, fen.
    pub budget_fen: i64,
    /// The fund expected (snake_case), if it costs anything.
    pub fund: Option<String>,
    /// Expected yearly income effect, fen.
    pub expected_income_fen: i64,
}

/// Payload of [`MILESTONE_DONE`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MilestoneDone {
    /// The plan.
    pub plan_id: Uuid,
    /// Its household.
    pub household_id: Uuid,
    /// The household's village.
    pub village: String,
    /// The milestone.
    pub milestone_id: Uuid,
    /// Its measure's kind (snake_case).
    pub kind: String,
    /// The day it was done.
    pub done_on: chrono::NaiveDate,
    /// Whether its measure is now delivered (every milestone done).
    pub measure_delivered: bool,
}

/// Payload of [`TEAM_ASSIGNED`]. The member's phone is never in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamAssigned {
    /// The team.
    pub team_id: Uuid,
    /// Its village.
    pub village: String,
    /// The member.
    pub member_id: Uuid,
    /// Name.
    pub name: String,
    /// Sending unit.
    pub unit: String,
    /// The unit's layer.
    pub unit_layer: String,
    /// The unit's division (`CN` for the centre).
    pub unit_division: String,
    /// `first_secretary`, `leader` or `member`.
    pub role: crate::planning::TeamRole,
    /// First day of the term.
    pub term_start: chrono::NaiveDate,
    /// Last day of the term.
    pub term_end: chrono::NaiveDate,
    /// The first secretary this one replaces, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<Uuid>,
}

/// Payload of [`TEAM_MEMBER_ENDED`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamMemberEnded {
    /// The team.
    pub team_id: Uuid,
    /// Its village.
    pub village: String,
    /// The member.
    pub member_id: Uuid,
    /// The member's role.
    pub role: crate::planning::TeamRole,
    /// The last day in the team.
    pub last_day: chrono::NaiveDate,
    /// Why.
    pub reason: String,
}

/// Payload of [`PRESENCE_SHORT`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PresenceShort {
    /// The flag.
    pub flag_id: Uuid,
    /// The team.
    pub team_id: Uuid,
    /// Its village.
    pub village: String,
    /// The member.
    pub member_id: Uuid,
    /// `YYYY-MM`.
    pub month: String,
    /// Days recorded (0 when none).
    pub days: u32,
    /// Days required.
    pub required: u32,
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

/// Payload of [`HELPER_CHANGED`]: the household's helper from `since` on, the phone masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HelperChanged {
    /// The household.
    pub household_id: Uuid,
    /// Its village.
    pub village: String,
    /// The helper's full name.
    pub name: String,
    /// The helper's work unit.
    pub unit: String,
    /// The unit's layer.
    pub unit_layer: String,
    /// The unit's division (`CN` for a central unit).
    pub unit_division: String,
    /// The helper's phone, masked.
    pub phone: String,
    /// First day of the assignment.
    pub since: chrono::NaiveDate,
    /// The last day of the previous helper's assignment, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_until: Option<chrono::NaiveDate>,
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
