//! Exit: a household leaving poverty, acknowledged by the household and approved by the county.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// "Two no-worries, three guarantees" plus safe drinking water, as verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Guarantees {
    /// No worry about food.
    pub food: bool,
    /// No worry about clothing.
    pub clothing: bool,
    /// Compulsory education guaranteed.
    pub compulsory_education: bool,
    /// Basic medical care guaranteed.
    pub basic_medical_care: bool,
    /// Safe housing guaranteed.
    pub safe_housing: bool,
    /// Safe drinking water.
    pub safe_drinking_water: bool,
}

impl Guarantees {
    /// Names of the criteria not met.
    pub fn unmet(&self) -> Vec<&'static str> {
        [
            (self.food, "food"),
            (self.clothing, "clothing"),
            (self.compulsory_education, "compulsory_education"),
            (self.basic_medical_care, "basic_medical_care"),
            (self.safe_housing, "safe_housing"),
            (self.safe_drinking_water, "safe_drinking_water"),
        ]
        .into_iter()
        .filter(|(met, _)| !met)
        .map(|(_, name)| name)
        .collect()
    }
}

/// A county official's proposal that a household exits.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProposeExit {
    /// The identified household.
    pub household_id: Uuid,
    /// The assessment year.
    #[schema(example = 2017)]
    pub year: i32,
    /// Verified per-capita net income in that year, fen.
    #[schema(example = 420_000)]
    pub per_capita_income_fen: i64,
    /// The verified guarantees.
    pub guarantees: Guarantees,
}

/// The household's acknowledgement of the result (settling accounts with the household).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Acknowledge {
    /// Name of the household member who acknowledged.
    pub acknowledged_by: String,
}

/// Exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExitStatus {
    /// Proposed; awaiting the household's acknowledgement.
    Proposed,
    /// Acknowledged by the household (账户清算); the village's public notice of the exit is up.
    Acknowledged,
    /// The village's notice passed without objection; awaiting county approval.
    Noticed,
    /// An objection interrupted the notice; once it is resolved, the household's acknowledgement
    /// of the reviewed result posts the notice again.
    Objected,
    /// Approved: the household has exited.
    Approved,
}

/// The household's plan whose measures were all delivered, as planning announced it
/// (`planning.plan-completed`): exit keeps it as the evidence that the household was assisted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AssistanceDelivered {
    /// The household's plan.
    pub plan_id: Uuid,
    /// The revision of the plan whose milestones were all reported done.
    #[schema(example = 1)]
    pub revision: i32,
    /// When planning announced the plan completed.
    pub completed_at: DateTime<Utc>,
}

/// A household exit case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ExitCase {
    /// Public id.
    pub id: Uuid,
    /// The household.
    pub household_id: Uuid,
    /// The household's village.
    #[schema(value_type = crate::schema::VillageCode)]
    pub village: String,
    /// Assessment year.
    pub year: i32,
    /// Verified per-capita net income, fen.
    pub per_capita_income_fen: i64,
    /// The poverty line that applied, fen.
    pub poverty_line_fen: i64,
    /// The verified guarantees.
    pub guarantees: Guarantees,
    /// The household's plan whose measures were all delivered, as planning announced it; absent
    /// while none is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assistance: Option<AssistanceDelivered>,
    /// Status.
    pub status: ExitStatus,
    /// The village's public notice of the exit while it is up, with its window and objections;
    /// objections are lodged at `/v1/notices/{id}/objections`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<crate::workflow::Notice>,
    /// Who acknowledged for the household.
    pub acknowledged_by: Option<String>,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// When proposed.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}
