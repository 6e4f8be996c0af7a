//! Return-to-poverty monitoring (防返贫动态监测): cases about households at risk, the steps from the
//! first signal to the county's decision, assistance measures, risk removal and reinstatement.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// The three groups monitored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MonitoringGroup {
    /// Exited poverty but not yet stable (脱贫不稳定户).
    UnstableExited,
    /// Marginal households, close to the line (边缘易致贫户).
    Marginal,
    /// Households in sudden severe hardship (突发严重困难户).
    SuddenHardship,
}

/// How the risk came to light.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DiscoveryChannel {
    /// The household declared it (农户自主申报).
    SelfDeclaration,
    /// A cadre's visit (干部走访排查).
    CadreVisit,
    /// An alert from another sector (部门筛查预警): health, civil affairs, emergency management.
    SectorAlert,
    /// A complaint or tip-off.
    Complaint,
    /// Analysis of the monitoring data.
    DataAnalysis,
}

/// What the rigid spending is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RigidSpendingReason {
    /// Medical costs.
    Illness,
    /// Costs of a disability.
    Disability,
    /// Losses from a natural disaster or accident.
    Disaster,
}

/// Why a case is within the monitoring range; a case has at least one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RangeReason {
    /// Per-capita net income below the province's multiple of the poverty line.
    IncomeBelowCeiling,
    /// Rigid spending above the income.
    RigidSpendingAboveIncome,
    /// Income fell sharply from the year before.
    SharpIncomeDrop,
}

/// Where a case is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MonitoringStatus {
    /// The signal is recorded; the village visits the household next.
    Alerted,
    /// Visited at home; awaiting the household's consent.
    Visited,
    /// The household consented; the county matches the data next.
    Consented,
    /// The household declined to be monitored; the case is closed.
    Declined,
    /// The county's data matching confirmed the facts; the village appraises next.
    Matched,
    /// The village appraised the case; it posts the notice next.
    Appraised,
    /// The village's public notice is up.
    Notice,
    /// An objection interrupted the notice; the village reviews and posts again.
    Objected,
    /// The notice passed; the township reviews next.
    AwaitingTownship,
    /// The township reviewed; the county decides next.
    AwaitingCounty,
    /// The county included the household in monitoring.
    Included,
    /// Not included (by the county's decision, or the matching or appraisal found it out of range).
    NotIncluded,
    /// The risk was removed (风险消除); reversible by reinstatement.
    RiskRemoved,
}

/// A signal about a household: the facts that put it in the monitoring range.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OpenMonitoringCase {
    /// 12-digit village code.
    #[schema(example = "520624101201")]
    #[schema(value_type = crate::schema::VillageCode)]
    pub village: String,
    /// A household in the register; leave out for one that is not.
    #[serde(default)]
    pub household_id: Option<Uuid>,
    /// Head of a household not in the register.
    #[serde(default)]
    pub head_name: Option<String>,
    /// The head's resident ID number (validated; stored only as a keyed index and masked).
    #[serde(default)]
    #[schema(example = "52062419800101002X")]
    pub head_resident_id: Option<String>,
    /// The group.
    pub group: MonitoringGroup,
    /// How the risk came to light.
    pub channel: DiscoveryChannel,
    /// The date of the first signal; the county decides within the policy's days of it.
    pub signal_date: NaiveDate,
    /// The year the income is for.
    #[schema(example = 2021)]
    pub year: i32,
    /// Per-capita net income in the year, fen.
    #[schema(example = 520000)]
    pub per_capita_income_fen: i64,
    /// Per-capita net income of the year before, fen, when a drop is the concern.
    #[serde(default)]
    pub previous_income_fen: Option<i64>,
    /// Per-capita rigid spending in the year, fen.
    #[serde(default)]
    pub rigid_spending_fen: Option<i64>,
    /// What the rigid spending is for (required with it).
    #[serde(default)]
    pub rigid_spending_reason: Option<RigidSpendingReason>,
    /// Whether anyone in the household can work; risk is never removed without labour.
    pub has_labour: bool,
}

/// An assistance measure recorded on a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = MonitoringMeasure)]
pub struct Measure {
    /// What was done.
    pub description: String,
    /// Who recorded it.
    pub recorded_by: String,
    /// When.
    pub recorded_at: DateTime<Utc>,
}

/// A monitoring case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MonitoringCase {
    /// Public id.
    pub id: Uuid,
    /// Village code.
    #[schema(value_type = crate::schema::VillageCode)]
    pub village: String,
    /// The registered household, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub household_id: Option<Uuid>,
    /// Head's name (households not in the register).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_name: Option<String>,
    /// Head's masked resident ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_resident_id: Option<String>,
    /// Group.
    pub group: MonitoringGroup,
    /// Discovery channel.
    pub channel: DiscoveryChannel,
    /// First signal.
    pub signal_date: NaiveDate,
    /// Income year.
    pub year: i32,
    /// Per-capita net income, fen (the latest finding).
    pub per_capita_income_fen: i64,
    /// Previous year's per-capita income, fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_income_fen: Option<i64>,
    /// Rigid spending, fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rigid_spending_fen: Option<i64>,
    /// Its reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rigid_spending_reason: Option<RigidSpendingReason>,
    /// Why the case is in range.
    pub reasons: Vec<RangeReason>,
    /// The monitoring ceiling applied (the multiple of the line), fen.
    pub income_ceiling_fen: i64,
    /// Labour capacity.
    pub has_labour: bool,
    /// Status.
    pub status: MonitoringStatus,
    /// When the county must have decided.
    pub decision_due_at: DateTime<Utc>,
    /// When the county decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<DateTime<Utc>>,
    /// Since when the household is monitored (the decision, or the latest reinstatement).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitored_since: Option<DateTime<Utc>>,
    /// When the risk was removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk_removed_at: Option<DateTime<Utc>>,
    /// Assistance measures, oldest first.
    pub measures: Vec<Measure>,
    /// The village's notice while it is up; objections go to `/v1/notices/{id}/objections`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<crate::workflow::Notice>,
    /// Optimistic-concurrency version; send it back in `If-Match`.
    pub version: i64,
    /// Opened.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// The village's home visit.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct HomeVisit {
    /// What the visit found.
    #[serde(default)]
    pub note: Option<String>,
    /// Labour capacity as found, if it corrects the signal.
    #[serde(default)]
    pub has_labour: Option<bool>,
}

/// The household's answer to being monitored.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Consent {
    /// Whether the household consents (and authorises the data matching).
    pub given: bool,
    /// Remark.
    #[serde(default)]
    pub note: Option<String>,
}

/// The county's decision.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MonitoringDecision {
    /// Include in monitoring, or not.
    pub include: bool,
    /// Remark.
    #[serde(default)]
    pub note: Option<String>,
}

/// An assistance measure to record.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NewMeasure {
    /// What was done (1–500 characters), e.g. "public-welfare job, 800 yuan a month".
    pub description: String,
}

/// The county's finding that the risk is gone.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RemoveRisk {
    /// Per-capita net income now (annualised), fen.
    #[schema(example = 900000)]
    pub per_capita_income_fen: i64,
    /// Since when the income has been stable at that level.
    pub stable_since: NaiveDate,
    /// Remark.
    #[serde(default)]
    pub note: Option<String>,
}

/// Why a case is reopened or anything needs a reason.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Reason {
    /// 1–2000 characters.
    pub reason: String,
}

/// `GET /v1/monitoring` filters.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonitoringQuery {
    /// Division code prefix (within your jurisdiction).
    #[serde(default)]
    #[param(value_type = Option<crate::schema::DivisionCode>)]
    pub division: Option<String>,
    /// Group.
    #[serde(default)]
    pub group: Option<MonitoringGroup>,
    /// Status.
    #[serde(default)]
    pub status: Option<MonitoringStatus>,
}
