//! Payloads of the facts services publish. Types are `<service>.<event>`.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// `identification.household-identified`: the county approved a household.
pub const HOUSEHOLD_IDENTIFIED: &str = "identification.household-identified";
/// `identification.household-removed`: the county removed a wrongly identified household.
pub const HOUSEHOLD_REMOVED: &str = "identification.household-removed";
/// `planning.plan-approved`: the county approved a household's plan.
pub const PLAN_APPROVED: &str = "planning.plan-approved";
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
