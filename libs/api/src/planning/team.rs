//! Village work teams (驻村工作队) and their first secretaries (第一书记): the team of a poor
//! village, its members with their terms, their days in the village each month, and the months in
//! which a member stayed fewer days than the policy asks.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// The kind of a directive (`POST /v1/directives` with `"service": "planning"`) to send a team
/// with a first secretary to every poor village: a county's task of this kind is submitted by
/// the system once none of the county's poor villages lacks a first secretary in office, a
/// village's once the village has one (or is not poor). The issuer signs them off.
pub const SEND_TEAMS: &str = "team.send";

/// A member's role in the team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TeamRole {
    /// The first secretary (第一书记) of the village's Party branch; one at a time per team.
    FirstSecretary,
    /// The team's leader (队长).
    Leader,
    /// A member of the team (队员).
    Member,
}

/// Opening the work team of a village (county official of the village's county).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreateTeam {
    /// The village the team works in.
    #[schema(value_type = crate::schema::VillageCode)]
    pub village: String,
    /// The village is designated poor though none of its households is identified (yet): it is
    /// then owed a first secretary like any poor village, and the county gets the task of sending
    /// one.
    #[serde(default)]
    pub designated_poor: bool,
}

/// Sending a member to a village's team (county official). A new first secretary replaces the
/// current one, whose membership ends the day before the new term starts.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AssignMember {
    /// Full name.
    pub name: String,
    /// The sending unit (派出单位).
    pub unit: String,
    /// The unit's layer: `central`, `province`, `city` or `county` (a township's or village's unit
    /// is refused).
    #[schema(value_type = crate::schema::LayerName)]
    pub unit_layer: String,
    /// The unit's division: `CN` for a central unit, else the code of the province, city or county
    /// whose unit it is; it must be of `unit_layer`.
    #[schema(value_type = crate::schema::DivisionOrCentre)]
    pub unit_division: String,
    /// Role in the team.
    pub role: TeamRole,
    /// First day of the term.
    pub term_start: NaiveDate,
    /// Last day of the term; default the policy's term length (a first secretary's at most that).
    #[serde(default)]
    pub term_end: Option<NaiveDate>,
    /// Phone number, 5 to 20 characters: digits after an optional leading `+`; shown masked.
    #[schema(pattern = r"^(\+[0-9]{4,19}|[0-9]{5,20})$")]
    pub phone: String,
}

/// Ending a member's membership before or at the end of the term (county official).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EndMember {
    /// The member.
    pub member_id: Uuid,
    /// The last day in the team; not before the term started, not after it ends.
    pub last_day: NaiveDate,
    /// Why (recalled, rotated, illness, …).
    pub reason: String,
}

/// A member's days in the village in one month (an official covering the village). A later
/// record for the same member and month corrects the earlier one, which stays readable.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RecordPresence {
    /// The member.
    pub member_id: Uuid,
    /// The month, `YYYY-MM`; not after the current month.
    #[schema(pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub month: String,
    /// Days spent in the village that month.
    pub days: u32,
    /// What the record rests on (sign-in sheet, village committee's statement, …).
    #[serde(default)]
    pub note: Option<String>,
}

/// One member of a team, current or past.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TeamMember {
    /// Public id.
    pub id: Uuid,
    /// Full name.
    pub name: String,
    /// The sending unit.
    pub unit: String,
    /// The unit's layer.
    #[schema(value_type = crate::schema::LayerName)]
    pub unit_layer: String,
    /// The unit's division (`CN` for the centre).
    #[schema(value_type = crate::schema::DivisionOrCentre)]
    pub unit_division: String,
    /// Role in the team.
    pub role: TeamRole,
    /// First day of the term.
    pub term_start: NaiveDate,
    /// Last day of the term as assigned.
    pub term_end: NaiveDate,
    /// The last day in the team, when the membership was ended early (or by a rotation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_on: Option<NaiveDate>,
    /// Why it was ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_reason: Option<String>,
    /// Whether the member is in the team today (term started, not over, not ended).
    pub current: bool,
    /// Phone number, masked (`138****5678`) unless read unmasked by a `pii_reader`.
    pub phone: String,
    /// When the member was assigned.
    pub assigned_at: DateTime<Utc>,
}

/// A village's work team with every member it has had.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Team {
    /// Public id.
    pub id: Uuid,
    /// The village.
    #[schema(value_type = crate::schema::VillageCode)]
    pub village: String,
    /// Whether the village is poor (has identified households): it must then have a first secretary.
    pub poor: bool,
    /// Whether a first secretary is in office today.
    pub covered: bool,
    /// The current first secretary's member id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_secretary_id: Option<Uuid>,
    /// Members, current and past, in the order they were assigned.
    pub members: Vec<TeamMember>,
    /// Version, for `If-Match`.
    pub version: i64,
    /// Opened.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// Reading a team, by its id or its village's code.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReadTeam {
    /// The team.
    #[serde(default)]
    pub id: Option<Uuid>,
    /// The village (when no id is given).
    #[serde(default)]
    pub village: Option<String>,
    /// Phones in clear (`pii_reader` only; audited).
    #[serde(default)]
    pub unmask: bool,
}

/// Filters of `GET /v1/teams/uncovered`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CoverageQuery {
    /// Division prefix; default the caller's whole jurisdiction (intersected with it).
    #[schema(value_type = Option<crate::schema::DivisionCode>)]
    #[param(value_type = Option<crate::schema::DivisionCode>)]
    pub division: Option<String>,
    /// Page size (default 50, at most 500).
    pub limit: Option<u64>,
    /// The `next_after` of the previous page: villages after this code.
    #[schema(value_type = Option<crate::schema::VillageCode>)]
    #[param(value_type = Option<crate::schema::VillageCode>)]
    pub after: Option<String>,
}

/// A poor village without a first secretary in office.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UncoveredVillage {
    /// The village.
    #[schema(value_type = crate::schema::VillageCode)]
    pub village: String,
    /// Its team.
    pub team_id: Uuid,
    /// Why: `no_first_secretary`, `term_ended` (the last one's term is over or was ended), or
    /// `term_not_started` (the next one's term starts later).
    pub reason: String,
    /// The last day of the latest first secretary's term, if the village had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_term_end: Option<NaiveDate>,
}

/// A page of uncovered villages, in code order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UncoveredPage {
    /// The villages.
    pub items: Vec<UncoveredVillage>,
    /// Pass as `after` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_after: Option<String>,
}

/// One version of a member's record for a month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PresenceRecord {
    /// The member.
    pub member_id: Uuid,
    /// `YYYY-MM`.
    pub month: String,
    /// Days in the village.
    pub days: u32,
    /// 1 for the first record of the month, one more for each correction.
    pub version: i64,
    /// What the record rests on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Who recorded it.
    pub recorded_by: String,
    /// When.
    pub recorded_at: DateTime<Utc>,
}

/// Query of `GET /v1/teams/{id}/presence`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PresenceQuery {
    /// The month, `YYYY-MM`.
    #[schema(pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
    #[param(pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub month: String,
}

/// The presence of a team in a month: every record, corrections included, oldest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReadPresence {
    /// The team.
    pub id: Uuid,
    /// The month, `YYYY-MM`.
    pub month: String,
}

/// A member who stayed fewer days in the village in a month than the policy asks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PresenceFlag {
    /// Public id.
    pub id: Uuid,
    /// The team.
    pub team_id: Uuid,
    /// The village.
    #[schema(value_type = crate::schema::VillageCode)]
    pub village: String,
    /// The member.
    pub member_id: Uuid,
    /// The member's name.
    pub name: String,
    /// The member's role.
    pub role: TeamRole,
    /// `YYYY-MM`.
    pub month: String,
    /// Days recorded (0 when nothing was recorded).
    pub days: u32,
    /// Days required: the policy's minimum, in proportion for a member in the team part of the month.
    pub required: u32,
    /// When the month was judged.
    pub flagged_at: DateTime<Utc>,
}

/// Filters of `GET /v1/presence-flags`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FlagQuery {
    /// Division prefix; default the caller's whole jurisdiction (intersected with it).
    #[schema(value_type = Option<crate::schema::DivisionCode>)]
    #[param(value_type = Option<crate::schema::DivisionCode>)]
    pub division: Option<String>,
    /// Only flags of this month, `YYYY-MM`.
    #[schema(pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
    #[param(pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub month: Option<String>,
    /// Page size (default 50, at most 500).
    pub limit: Option<u64>,
    /// The `next_after` of the previous page (ids are time-ordered).
    pub after: Option<Uuid>,
}

/// A page of presence flags, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FlagPage {
    /// The flags.
    pub items: Vec<PresenceFlag>,
    /// Pass as `after` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_after: Option<Uuid>,
}
