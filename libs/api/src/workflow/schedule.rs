//! Recurring reports: directives generated at each period start.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::directive::TargetLevel;
use super::task::Service;

/// How often a recurring report is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Cadence {
    /// Monthly check report.
    Monthly,
    /// Quarterly supervision.
    Quarterly,
    /// Half-year evaluation.
    HalfYearly,
    /// Year-end check.
    Yearly,
}

/// A recurring report to be generated on schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NewSchedule {
    /// The service whose workflow this is.
    pub service: Service,
    /// Kind of the generated tasks, e.g. `supervision.monthly`.
    #[schema(pattern = "^[a-z][a-z0-9.-]*$")]
    pub kind: String,
    /// Title of the generated directive; the period is appended.
    pub title: String,
    /// How often.
    pub cadence: Cadence,
    /// Which level below the issuer reports.
    pub level: TargetLevel,
    /// Days from the start of the period to the deadline (1–366).
    pub due_days: u32,
    /// First period start (default: the next period boundary, Beijing time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_run: Option<NaiveDate>,
}

/// A recurring report schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Schedule {
    /// Public id.
    pub id: Uuid,
    /// Owning service.
    #[schema(value_type = crate::workflow::Service)]
    pub service: String,
    /// Kind of the generated tasks.
    pub kind: String,
    /// Title stem.
    pub title: String,
    /// The issuing layer (`CN` or a division code).
    #[schema(value_type = crate::schema::DivisionOrCentre)]
    pub issuer: String,
    /// How often.
    pub cadence: Cadence,
    /// Which level reports.
    pub level: TargetLevel,
    /// Days from period start to deadline.
    pub due_days: u32,
    /// When the next directive is generated.
    pub next_run_at: DateTime<Utc>,
    /// Directives generated so far.
    pub runs: u32,
    /// Who created it.
    pub created_by: String,
    /// Version.
    pub version: i64,
}
