//! Directives: work issued down the hierarchy to listed divisions or a whole level, with quotas.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::Role;

use super::task::{Service, Task};

/// The level a directive reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TargetLevel {
    /// 2-digit divisions.
    Province,
    /// 4-digit divisions.
    City,
    /// 6-digit divisions.
    County,
    /// 9-digit divisions.
    Township,
    /// 12-digit divisions.
    Village,
}

impl From<TargetLevel> for chain_domain::Level {
    fn from(l: TargetLevel) -> Self {
        match l {
            TargetLevel::Province => chain_domain::Level::Province,
            TargetLevel::City => chain_domain::Level::City,
            TargetLevel::County => chain_domain::Level::County,
            TargetLevel::Township => chain_domain::Level::Township,
            TargetLevel::Village => chain_domain::Level::Village,
        }
    }
}

/// Who receives a directive: some divisions below the issuer, or every division at one level below
/// it. Tasks are opened for the targets and for every division between the issuer and them, so
/// sign-offs can climb back layer by layer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Targets {
    /// These divisions (each strictly inside the issuer's jurisdiction).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<crate::schema::DivisionCode>>)]
    pub divisions: Option<Vec<String>>,
    /// Every division of this level inside the issuer's jurisdiction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<TargetLevel>,
}

/// A quantity to divide among the targets, e.g. the people a province must identify.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = DirectiveQuota)]
pub struct Quota {
    /// The whole amount (a positive integer).
    pub total: i64,
    /// Relative weights by target division; every target needs one. Without it the split is equal.
    /// The split is exact (largest remainder): the parts always add up to `total`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shares: Option<BTreeMap<String, u64>>,
}

/// A directive from one layer to layers below it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct IssueDirective {
    /// The service whose workflow this is.
    pub service: Service,
    /// Kind of work: lowercase letters, digits, `.` and `-`, e.g. `supervision.monthly`.
    #[schema(pattern = "^[a-z][a-z0-9.-]*$")]
    pub kind: String,
    /// Title (1–200 characters).
    pub title: String,
    /// Free-form instructions.
    #[serde(default)]
    pub body: serde_json::Value,
    /// Who receives it.
    pub targets: Targets,
    /// Due date (end of that day, Beijing time). Give this or `due_at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<NaiveDate>,
    /// Exact deadline. Give this or `due_date`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_at: Option<DateTime<Utc>>,
    /// A quantity divided among the targets; intermediate layers carry the sum below them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota: Option<Quota>,
    /// Distinct approvers each sign-off needs (1–5, default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_approvals: Option<u32>,
    /// Role expected to do the work (default operator).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee_role: Option<Role>,
    /// Each target task must pass a public notice of this kind before it is submitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice_kind: Option<String>,
}

/// A task's own layer splits it further among divisions below it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Decompose {
    /// Who receives the parts.
    pub targets: Targets,
    /// Weights for dividing the task's quota among the targets (equal without them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shares: Option<BTreeMap<String, u64>>,
    /// Due date for the parts (default: the task's own deadline).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<NaiveDate>,
    /// Exact deadline for the parts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_at: Option<DateTime<Utc>>,
}

/// How many tasks a directive opened at one level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LevelCount {
    /// `central`, `province`, … `village`.
    #[schema(value_type = crate::schema::LayerName)]
    pub level: String,
    /// Tasks opened there.
    pub tasks: u64,
}

/// What a directive or decomposition opened. A directive of more than 20,000 tasks answers at
/// once with `complete: false` and opens its tasks in the background (one transaction); the tree
/// and the event stream show them when they are in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Issued {
    /// The task the work hangs under (the new root, or the task decomposed).
    pub task: Task,
    /// Tasks opened below it so far.
    pub opened: u64,
    /// Tasks the directive opens below it in all.
    pub planned: u64,
    /// Whether every planned task is open.
    pub complete: bool,
    /// The planned tasks per level.
    pub by_level: Vec<LevelCount>,
}
