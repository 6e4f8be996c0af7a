//! Household assistance plans: measures answering the recorded poverty causes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// The families of measures ("five batches" and the supporting policies).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeasureKind {
    /// Industry development.
    Industry,
    /// Employment and skills training.
    Employment,
    /// Relocation from inhospitable areas.
    Relocation,
    /// Ecological compensation (e.g. forest-ranger jobs).
    Ecological,
    /// Education support.
    Education,
    /// Social-security safety net (低保, 五保).
    SafetyNet,
    /// Health: medical insurance, serious-illness relief.
    Health,
    /// Housing renovation.
    Housing,
    /// Safe drinking water.
    DrinkingWater,
    /// Poverty-alleviation microcredit.
    Microcredit,
}

/// One measure of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = PlanMeasure)]
pub struct Measure {
    /// Family of the measure.
    pub kind: MeasureKind,
    /// What will be done.
    pub description: String,
    /// The poverty cause this measure answers, e.g. `illness`.
    #[schema(value_type = crate::schema::Cause)]
    pub addresses: String,
    /// Expected yearly income effect, fen (≥ 0).
    pub expected_income_fen: i64,
}

/// The responsible helper (帮扶责任人).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Helper {
    /// Full name.
    pub name: String,
    /// The helper's work unit.
    pub unit: String,
}

/// A county official's plan for an identified household.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreatePlan {
    /// The identified household.
    pub household_id: Uuid,
    /// Measures; together they must answer the household's main cause.
    pub measures: Vec<Measure>,
    /// The responsible helper.
    pub helper: Helper,
}

/// Plan status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    /// Drafted; awaiting county approval.
    Draft,
    /// Approved by the county.
    Approved,
}

/// An assistance plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Plan {
    /// Public id.
    pub id: Uuid,
    /// The household.
    pub household_id: Uuid,
    /// The household's village.
    #[schema(value_type = crate::schema::VillageCode)]
    pub village: String,
    /// Status.
    pub status: PlanStatus,
    /// Measures.
    pub measures: Vec<Measure>,
    /// Responsible helper.
    pub helper: Helper,
    /// The county task this plan answers.
    pub task_id: Uuid,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// When drafted.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}
