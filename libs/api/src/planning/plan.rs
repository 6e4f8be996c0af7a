//! Household assistance plans: measures answering the recorded poverty causes, with milestones,
//! the household's wishes and acknowledgement, and the projected income against the poverty line.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// The families of measures ("five batches" and the supporting policies).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema)]
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

impl MeasureKind {
    /// Every kind, in the order above.
    pub const ALL: [MeasureKind; 10] = [
        MeasureKind::Industry,
        MeasureKind::Employment,
        MeasureKind::Relocation,
        MeasureKind::Ecological,
        MeasureKind::Education,
        MeasureKind::SafetyNet,
        MeasureKind::Health,
        MeasureKind::Housing,
        MeasureKind::DrinkingWater,
        MeasureKind::Microcredit,
    ];
}

/// The "five batches" (五个一批) a measure kind belongs to, or the supporting policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeasureBatch {
    /// Lifted out by developing production (发展生产): industry, employment.
    Production,
    /// Relocation from inhospitable areas (易地搬迁).
    Relocation,
    /// Ecological compensation (生态补偿).
    Ecological,
    /// Education (发展教育).
    Education,
    /// The social-security safety net (社会保障兜底).
    SafetyNet,
    /// The supporting policies: health, housing, drinking water, microcredit.
    Supporting,
}

/// Where the money a measure expects comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FundSource {
    /// The central special poverty-alleviation fund.
    CentralSpecial,
    /// Provincial funds.
    Provincial,
    /// County funds.
    County,
    /// The integrated agriculture-related funds (统筹整合涉农资金).
    IntegratedAgriculture,
    /// Social and paired-assistance money (社会帮扶, 东西部协作).
    SocialAssistance,
}

/// A milestone of a measure, as drafted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MilestoneDraft {
    /// What will have been done, e.g. "20 piglets delivered".
    pub what: String,
    /// The day it is due (Beijing time).
    pub due: NaiveDate,
}

/// One measure of a plan, as drafted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MeasureDraft {
    /// Family of the measure.
    pub kind: MeasureKind,
    /// What will be done.
    pub description: String,
    /// The recorded poverty cause this measure answers, e.g. `illness`.
    #[schema(value_type = crate::schema::Cause)]
    pub addresses: String,
    /// The person responsible for delivering it.
    pub responsible: String,
    /// The budget it expects, fen (0 when it costs the programme nothing).
    pub budget_fen: i64,
    /// The fund the budget is expected from; needed when the budget is above 0.
    #[serde(default)]
    pub fund: Option<FundSource>,
    /// Expected yearly income effect for the household, fen (≥ 0).
    pub expected_income_fen: i64,
    /// What will be done by when; the measure is delivered when every milestone is done.
    pub milestones: Vec<MilestoneDraft>,
}

/// A milestone's progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MilestoneState {
    /// Not yet reported done.
    Open,
    /// Reported done.
    Done,
}

/// A milestone of a measure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Milestone {
    /// Public id (stays the same across revisions that keep the milestone).
    pub id: Uuid,
    /// What will have been done.
    pub what: String,
    /// The day it is due (Beijing time).
    pub due: NaiveDate,
    /// Its progress.
    pub state: MilestoneState,
    /// The village's task for it, once the plan is approved (overdue and escalation follow it).
    pub task_id: Option<Uuid>,
    /// The day it was done, as reported.
    pub done_on: Option<NaiveDate>,
    /// The report's note.
    pub note: Option<String>,
    /// The official who reported it done.
    pub reported_by: Option<String>,
}

/// One measure of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = PlanMeasure)]
pub struct Measure {
    /// Family of the measure.
    pub kind: MeasureKind,
    /// The batch its kind belongs to.
    pub batch: MeasureBatch,
    /// What will be done.
    pub description: String,
    /// The poverty cause this measure answers, e.g. `illness`.
    #[schema(value_type = crate::schema::Cause)]
    pub addresses: String,
    /// The person responsible for delivering it.
    pub responsible: String,
    /// The budget it expects, fen.
    pub budget_fen: i64,
    /// The fund the budget is expected from.
    pub fund: Option<FundSource>,
    /// Expected yearly income effect, fen.
    pub expected_income_fen: i64,
    /// Its milestones.
    pub milestones: Vec<Milestone>,
    /// Whether every milestone is done.
    pub delivered: bool,
}

/// The household's helper (帮扶责任人) as identification records it on the file card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Helper {
    /// Full name.
    pub name: String,
    /// The helper's work unit.
    pub unit: String,
    /// The unit's layer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::schema::LayerName>)]
    pub unit_layer: Option<String>,
    /// The unit's division (`CN` for a central unit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::schema::DivisionOrCentre>)]
    pub unit_division: Option<String>,
    /// The helper's phone, masked (`138****5678`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// First day of the assignment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<NaiveDate>,
}

/// A plan for an identified household, drafted by its village or township.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreatePlan {
    /// The identified household.
    pub household_id: Uuid,
    /// The household's wishes, in its own words.
    pub wishes: String,
    /// Measures; together they must answer every recorded cause of the household.
    pub measures: Vec<MeasureDraft>,
    /// Not part of a plan: the helper is recorded on the household's file card
    /// (`:assign-helper`) and the plan shows it. Accepted only to be refused with that explanation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(ignore)]
    pub helper: Option<serde_json::Value>,
    /// Why the plan is sound although its projected income stays at or below the poverty line
    /// (needed before such a plan is submitted).
    #[serde(default)]
    pub justification: Option<String>,
}

/// Why a plan is revised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RevisionKind {
    /// The yearly update of the plan.
    YearlyUpdate,
    /// An amendment during the year.
    Amendment,
}

/// New content for a plan: on a draft it replaces the draft (the household acknowledges again);
/// on an approved plan it starts a new revision, which goes through submission and approval again
/// while every earlier revision stays readable.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RevisePlan {
    /// A yearly update or an amendment (for a new revision; ignored on a draft).
    pub kind: RevisionKind,
    /// Why.
    pub reason: String,
    /// The household's wishes, in its own words.
    pub wishes: String,
    /// The measures. A milestone with the same measure kind, cause and text as one of the current
    /// revision keeps its id and whether it was done.
    pub measures: Vec<MeasureDraft>,
    /// Not part of a plan: the helper is recorded on the household's file card
    /// (`:assign-helper`) and the plan shows it. Accepted only to be refused with that explanation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(ignore)]
    pub helper: Option<serde_json::Value>,
    /// Why the plan is sound although its projected income stays at or below the poverty line.
    #[serde(default)]
    pub justification: Option<String>,
}

/// The household's acknowledgement of its plan, recorded by the village or the township.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AcknowledgePlan {
    /// The household member who acknowledged the plan.
    pub by: String,
    /// The day they did (default: today, Beijing time).
    #[serde(default)]
    pub on: Option<NaiveDate>,
}

/// The household's acknowledgement, as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PlanAcknowledgement {
    /// The household member who acknowledged the plan.
    pub by: String,
    /// The day they did.
    pub on: NaiveDate,
    /// The official who recorded it.
    pub recorded_by: String,
}

/// A milestone reported done.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReportMilestone {
    /// The milestone.
    pub milestone_id: Uuid,
    /// The day it was done (default: today, Beijing time; not later).
    #[serde(default)]
    pub done_on: Option<NaiveDate>,
    /// What was seen or delivered.
    pub note: String,
}

/// The household's projected income under the plan, against the year's poverty line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct IncomeProjection {
    /// The plan's year.
    pub year: i32,
    /// Members of the household.
    pub members: u32,
    /// Per-capita net income on the file card, fen.
    pub card_per_capita_fen: i64,
    /// The measures' expected yearly income effects together, fen (for the household).
    pub expected_effect_fen: i64,
    /// Card income plus the effects per member, fen (rounded down).
    pub projected_per_capita_fen: i64,
    /// The poverty line in force for the household's province in that year, fen.
    pub poverty_line_fen: i64,
    /// Whether the projection lies above the line.
    pub closes_gap: bool,
}

/// Plan status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    /// Drafted (or returned, or a revision in preparation); awaiting the township's submission.
    Draft,
    /// Submitted by the township; awaiting the county's approval.
    Submitted,
    /// Approved by the county; no milestone done yet.
    Approved,
    /// Approved, and some milestone done.
    InProgress,
    /// Every measure delivered.
    Completed,
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
    /// The revision (1 for the first plan; each yearly update or amendment adds one).
    pub revision: i32,
    /// Why this revision was made (none for the first).
    pub revision_kind: Option<RevisionKind>,
    /// The reason given for this revision.
    pub revision_reason: Option<String>,
    /// Status.
    pub status: PlanStatus,
    /// The household's wishes, in its own words.
    pub wishes: String,
    /// Measures.
    pub measures: Vec<Measure>,
    /// The household's helper, from its file card: the current one for the plan as it is now, the
    /// one of the time in an earlier revision's snapshot; absent while none is assigned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub helper: Option<Helper>,
    /// The household's acknowledgement of this revision; needed before it is submitted.
    pub acknowledgement: Option<PlanAcknowledgement>,
    /// Projected income against the poverty line.
    pub projection: IncomeProjection,
    /// Why the plan is sound although it does not close the gap to the line.
    pub justification: Option<String>,
    /// The township's task of preparing this revision (signed off by the county).
    pub task_id: Uuid,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// When first drafted.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Which revision of a plan to read.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RevisionRef {
    /// The plan.
    pub id: Uuid,
    /// The revision.
    pub revision: i32,
}

/// Which causes may be answered by which measure kinds.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RulesQuery {
    /// The year (default: this year).
    pub year: Option<i32>,
    /// A province whose own rules apply (2-digit code; default: the national rules).
    #[schema(value_type = Option<crate::schema::ProvinceCode>)]
    #[param(value_type = Option<crate::schema::ProvinceCode>)]
    pub province: Option<String>,
}

/// The kinds of measure allowed for one cause.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CauseRule {
    /// The poverty cause.
    #[schema(value_type = crate::schema::Cause)]
    pub cause: String,
    /// The kinds that answer it.
    pub kinds: Vec<MeasureKind>,
}

/// The batch of one measure kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct KindBatch {
    /// The kind.
    pub kind: MeasureKind,
    /// Its batch.
    pub batch: MeasureBatch,
}

/// The cause → measure rules and the batches in force for a year and province.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PlanRules {
    /// The year.
    pub year: i32,
    /// The province whose own rules were applied, if any.
    pub province: Option<String>,
    /// One rule per cause.
    pub causes: Vec<CauseRule>,
    /// One batch per measure kind.
    pub batches: Vec<KindBatch>,
}

/// Filters of `GET /v1/plans`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlanQuery {
    /// Division prefix (2, 4, 6, 9 or 12 digits); default the caller's whole jurisdiction. Only
    /// plans inside both the prefix and the caller's jurisdiction are listed.
    #[schema(value_type = Option<crate::schema::DivisionCode>)]
    #[param(value_type = Option<crate::schema::DivisionCode>)]
    pub division: Option<String>,
    /// Only plans in this status.
    pub status: Option<PlanStatus>,
    /// Only plans with a measure of this kind.
    pub kind: Option<MeasureKind>,
    /// Only plans with a measure answering this cause, e.g. `illness`.
    #[schema(value_type = Option<crate::schema::Cause>)]
    #[param(value_type = Option<crate::schema::Cause>)]
    pub cause: Option<String>,
    /// Only plans with (`true`) or without (`false`) a milestone past its due day and not done.
    pub overdue: Option<bool>,
    /// Page size (default 50, at most 500).
    pub limit: Option<u64>,
    /// The `next_after` of the previous page: plans after this id (ids are time-ordered).
    pub after: Option<Uuid>,
}

/// A plan in a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PlanSummary {
    /// Public id.
    pub id: Uuid,
    /// The household.
    pub household_id: Uuid,
    /// The household's village.
    #[schema(value_type = crate::schema::VillageCode)]
    pub village: String,
    /// Current revision.
    pub revision: i32,
    /// Status.
    pub status: PlanStatus,
    /// The kinds of its measures, each once.
    pub kinds: Vec<MeasureKind>,
    /// The causes its measures answer, each once.
    #[schema(value_type = Vec<crate::schema::Cause>)]
    pub causes: Vec<String>,
    /// The measures' budgets together, fen.
    pub budget_fen: i64,
    /// Milestones of the current revision.
    pub milestones: u32,
    /// Of which done.
    pub done: u32,
    /// Of which past their due day and not done.
    pub overdue: u32,
    /// The earliest due day of a milestone not done.
    pub next_due: Option<NaiveDate>,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A page of plans.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PlanPage {
    /// The plans.
    pub items: Vec<PlanSummary>,
    /// Pass as `after` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_after: Option<Uuid>,
}

/// Filters of `GET /v1/plans/coverage`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlanCoverageQuery {
    /// Division prefix; default the caller's whole jurisdiction (intersected with it).
    #[schema(value_type = Option<crate::schema::DivisionCode>)]
    #[param(value_type = Option<crate::schema::DivisionCode>)]
    pub division: Option<String>,
    /// Level to group by (default `village`); not above the division's own level.
    pub group_by: Option<crate::queries::GroupBy>,
    /// Divisions after this code (paging).
    #[schema(value_type = Option<crate::schema::DivisionCode>)]
    #[param(value_type = Option<crate::schema::DivisionCode>)]
    pub after: Option<String>,
    /// Divisions per page (default 100, at most 1000).
    pub limit: Option<u64>,
}

/// How far planning has reached the identified households of one division.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PlanCoverage {
    /// Division code at the grouping level.
    #[schema(value_type = crate::schema::DivisionCode)]
    pub division: String,
    /// Name from the division registry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Identified households planning knows.
    pub households: u64,
    /// With a plan in any status.
    pub planned: u64,
    /// With a plan approved at least once (approved, in progress, completed, or under revision).
    pub approved: u64,
    /// With every measure delivered.
    pub completed: u64,
    /// Milestones past their due day and not done.
    pub overdue_milestones: u64,
}

/// A page of coverage per division.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CoveragePage {
    /// One row per division, by code.
    pub items: Vec<PlanCoverage>,
    /// Pass as `after` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_after: Option<String>,
}
