//! The county project library (项目库): projects proposed by a village or township, reviewed by
//! the county, disclosed on the village boards, approved, implemented, accepted and closed with
//! their performance evaluated; and the payments that fund them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// How the poor households benefit from a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Benefit {
    /// The households linked to it (`households`) benefit directly.
    Households,
    /// Through wages for the work it gives.
    Wages,
    /// Through dividends on the assets it creates.
    Dividends,
    /// Through the infrastructure it builds.
    Infrastructure,
}

/// A project proposed for the county's library by a village or township operator.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProposeProject {
    /// Name.
    #[schema(example = "Tea garden irrigation")]
    pub name: String,
    /// Budget year.
    #[schema(example = 2017)]
    pub year: i32,
    /// The site: the villages it lies in (one county; the proposer's village, or villages of the
    /// proposer's township).
    #[schema(value_type = Vec<crate::schema::DivisionCode>)]
    pub villages: Vec<String>,
    /// What will be built or done.
    pub tasks: String,
    /// The subsidy standard (e.g. "300 yuan per mu").
    pub subsidy_standard: String,
    /// Fund channels expected to pay for it.
    #[schema(example = json!(["integrated-agriculture"]))]
    pub fund_sources: Vec<String>,
    /// Who carries it out (a unit or cooperative).
    pub implementer: String,
    /// The person responsible for it.
    pub responsible_person: String,
    /// Budget in fen (> 0).
    #[schema(example = 30_000_000)]
    pub budget_fen: i64,
    /// Of the budget, the planned management fee in fen (at most the policy's share, 1%).
    #[serde(default)]
    pub management_fee_fen: i64,
    /// Performance targets.
    pub performance_targets: String,
    /// How poor households benefit.
    pub benefit: Benefit,
    /// The households linked to it (required when `benefit` is `households`).
    #[serde(default)]
    pub households: Vec<Uuid>,
    /// How many poor households benefit (for `households`: the number listed).
    #[schema(example = 40)]
    pub beneficiaries: u32,
}

/// A project's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProjectStatus {
    /// Proposed; awaiting the county's review.
    Proposed,
    /// Refused by the county's review.
    Rejected,
    /// Admitted to the county's library for its year.
    InLibrary,
    /// Its plan is posted on the village boards.
    Disclosing,
    /// An objection interrupted the notice; once resolved, it is disclosed again.
    Objected,
    /// The notice passed without objection; awaiting the county's approval.
    Disclosed,
    /// Approved by the county.
    Approved,
    /// Being carried out: tranches may be paid.
    Implementing,
    /// Accepted on completion (验收): the final payment may be made.
    Accepted,
    /// Closed with its performance evaluated: nothing more is paid.
    Closed,
}

/// The evaluation a project is closed with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Evaluation {
    /// Whether its performance targets were met.
    pub targets_met: bool,
    /// The evaluation in words.
    pub summary: String,
}

/// A project of the county library.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Project {
    /// Public id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Its county.
    #[schema(value_type = crate::schema::DivisionCode)]
    pub county: String,
    /// The village or township that proposed it.
    #[schema(value_type = crate::schema::DivisionCode)]
    pub proposer: String,
    /// Budget year.
    pub year: i32,
    /// The villages of its site.
    #[schema(value_type = Vec<crate::schema::DivisionCode>)]
    pub villages: Vec<String>,
    /// What will be built or done.
    pub tasks: String,
    /// The subsidy standard.
    pub subsidy_standard: String,
    /// Fund channels expected to pay for it.
    pub fund_sources: Vec<String>,
    /// Who carries it out.
    pub implementer: String,
    /// The person responsible.
    pub responsible_person: String,
    /// Budget, fen.
    pub budget_fen: i64,
    /// Planned management fee, fen.
    pub management_fee_fen: i64,
    /// The most that may be paid as management fee, fen (the policy's share of the budget).
    pub fee_cap_fen: i64,
    /// Performance targets.
    pub performance_targets: String,
    /// How poor households benefit.
    pub benefit: Benefit,
    /// The households linked to it.
    pub households: Vec<Uuid>,
    /// How many poor households benefit.
    pub beneficiaries: u32,
    /// Status.
    pub status: ProjectStatus,
    /// Paid to it so far, fen (management fee included).
    pub paid_fen: i64,
    /// Of which management fee, fen.
    pub fee_paid_fen: i64,
    /// The evaluation it was closed with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation: Option<Evaluation>,
    /// Who proposed it.
    pub proposed_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Optimistic-concurrency version.
    pub version: i64,
}

/// A payment from the county's funds to a project in implementation (a tranche, or its
/// management fee) or on its acceptance (the final payment).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PayProject {
    /// The payment's business key within the project (e.g. `tranche-1`, `acceptance`,
    /// `fee-2017`): the same key is never paid twice — asked again with the same content it
    /// answers the first payment, with other content it is a conflict.
    #[schema(example = "tranche-1")]
    pub tranche: String,
    /// Amount in fen (> 0).
    #[schema(example = 10_000_000)]
    pub amount_fen: i64,
    /// The fund channel paying it: one of the project's sources.
    #[schema(example = "integrated-agriculture")]
    pub fund: String,
    /// The budget year of the county account paying it.
    #[schema(example = 2017)]
    pub year: i32,
    /// Whether it is management fee (capped at the policy's share of the budget).
    #[serde(default)]
    pub fee: bool,
}

/// A payment made to a project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ProjectPayment {
    /// Public id.
    pub id: Uuid,
    /// The project.
    pub project_id: Uuid,
    /// Its business key.
    pub tranche: String,
    /// Amount, fen.
    pub amount_fen: i64,
    /// Fund channel.
    pub fund: String,
    /// Budget year.
    pub year: i32,
    /// Whether it is management fee.
    pub fee: bool,
    /// Its transfer id (derived from the project and the business key).
    pub transfer_id: Uuid,
    /// Who paid it.
    pub paid_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// Filters of `GET /v1/projects`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProjectQuery {
    /// Division prefix: projects of a county under it, or whose site has a village under it
    /// (intersected with the caller's jurisdiction).
    #[schema(value_type = Option<crate::schema::DivisionCode>)]
    #[param(value_type = Option<crate::schema::DivisionCode>)]
    pub division: Option<String>,
    /// Only this budget year.
    pub year: Option<i32>,
    /// Only this status.
    pub status: Option<ProjectStatus>,
    /// Page size (default 50, at most 500).
    pub limit: Option<u64>,
    /// The `next_after` of the previous page.
    pub after: Option<Uuid>,
}

/// A page of projects, in id order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ProjectPage {
    /// The projects.
    pub items: Vec<Project>,
    /// Pass as `after` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_after: Option<Uuid>,
}
