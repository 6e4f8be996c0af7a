//! Reading the register: households by division and filters (cursor-paginated), counts per
//! division by status, and what a village's public notice board shows.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::identification::{HouseholdKind, HouseholdStatus};
use crate::workflow::NoticeState;

/// Filters of `GET /v1/households`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HouseholdQuery {
    /// Division prefix (2, 4, 6, 9 or 12 digits); default the caller's whole jurisdiction. Only
    /// households inside both the prefix and the caller's jurisdiction are listed.
    #[schema(value_type = Option<crate::schema::DivisionCode>)]
    #[param(value_type = Option<crate::schema::DivisionCode>)]
    pub division: Option<String>,
    /// Only households in this procedure status.
    pub status: Option<HouseholdStatus>,
    /// Only households with this main poverty cause, e.g. `illness`.
    #[schema(value_type = Option<crate::schema::Cause>)]
    #[param(value_type = Option<crate::schema::Cause>)]
    pub cause: Option<String>,
    /// Only households of this identification year.
    pub year: Option<i32>,
    /// Page size (default 50, at most 500).
    pub limit: Option<u64>,
    /// The `next_after` of the previous page: households after this id (ids are time-ordered).
    pub after: Option<Uuid>,
}

/// A household in a list: the file card's headline facts, resident IDs left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HouseholdSummary {
    /// Public id.
    pub id: Uuid,
    /// 12-digit village code.
    #[schema(value_type = crate::schema::VillageCode)]
    pub village: String,
    /// Year of identification.
    pub year: i32,
    /// Household kind.
    pub kind: HouseholdKind,
    /// Main poverty cause.
    #[schema(value_type = crate::schema::Cause)]
    pub main_cause: String,
    /// Procedure status.
    pub status: HouseholdStatus,
    /// Name of the head of household.
    pub head: String,
    /// Number of members.
    pub members: u32,
    /// Per-capita net income, fen.
    pub per_capita_income_fen: i64,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A page of households, in id order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HouseholdPage {
    /// The households.
    pub items: Vec<HouseholdSummary>,
    /// Pass as `after` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_after: Option<Uuid>,
}

/// The level counts are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// Per county (6 digits).
    County,
    /// Per township (9 digits).
    Township,
    /// Per village (12 digits).
    #[default]
    Village,
}

/// Filters of `GET /v1/households/counts`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CountsQuery {
    /// Division prefix; default the caller's whole jurisdiction (intersected with it, as for
    /// the list).
    #[schema(value_type = Option<crate::schema::DivisionCode>)]
    #[param(value_type = Option<crate::schema::DivisionCode>)]
    pub division: Option<String>,
    /// Only households of this identification year.
    pub year: Option<i32>,
    /// Level to group by (default `village`); not above the division's own level.
    pub group_by: Option<GroupBy>,
}

/// Counts by where households stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct StatusCounts {
    /// Identified (approved and announced), not exited; including those proposed for removal
    /// until the county decides.
    pub identified: u64,
    /// Still in the procedure (applied to awaiting county approval, objected, suspected
    /// duplicates awaiting adjudication).
    pub in_procedure: u64,
    /// Exited poverty.
    pub exited: u64,
    /// Turned down, or removed as wrongly identified.
    pub rejected: u64,
}

/// Households and their members in one division.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DivisionCounts {
    /// Division code at the grouping level.
    pub division: String,
    /// Name from the division registry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Households by status.
    pub households: StatusCounts,
    /// Members of those households by status.
    pub members: StatusCounts,
}

/// Which notices a board lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BoardState {
    /// Notices up now.
    #[default]
    Open,
    /// Notices whose window ran out (or was interrupted by an objection), newest first.
    Passed,
    /// Both, newest first.
    All,
}

/// Filters of `GET /v1/notices`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BoardQuery {
    /// 12-digit village code.
    #[schema(value_type = crate::schema::VillageCode)]
    #[param(value_type = crate::schema::VillageCode)]
    pub village: String,
    /// Which notices (default `open`).
    pub state: Option<BoardState>,
    /// At most this many (default 100, at most 500), newest first.
    pub limit: Option<u64>,
}

/// What a public notice says about a household: only what the village board shows. Never
/// resident ID numbers (not even masked), phone numbers, bank accounts or health data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BoardHousehold {
    /// Public id of the household.
    pub id: Uuid,
    /// 12-digit village code.
    #[schema(value_type = crate::schema::VillageCode)]
    pub village: String,
    /// Village name from the division registry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub village_name: Option<String>,
    /// Name of the head of household.
    pub head: String,
    /// Number of members.
    pub size: u32,
    /// Main poverty cause.
    #[schema(value_type = crate::schema::Cause)]
    pub main_cause: String,
    /// Year of identification.
    pub year: i32,
}

/// One notice on a village board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BoardNotice {
    /// Notice id; objections are lodged at `/v1/notices/{id}/objections`.
    pub id: Uuid,
    /// Kind, e.g. `identification.village` (first notice) or `identification.township` (second).
    pub kind: String,
    /// Open, passed or interrupted.
    pub state: NoticeState,
    /// The division that posted it (the village, or its township for the second notice).
    pub posted_by: String,
    /// When it went up.
    pub opened_at: DateTime<Utc>,
    /// When its window closes.
    pub closes_at: DateTime<Utc>,
    /// The household it is about.
    pub household: BoardHousehold,
}
