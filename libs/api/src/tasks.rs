//! Tasks of the responsibility chain, as every service exposes them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::Role;

/// Where a task is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    /// Issued, nobody has started.
    Open,
    /// Being worked on by the owning layer.
    InProgress,
    /// Submitted by the owning layer for sign-off above.
    Submitted,
    /// Signed off by the layer above: done.
    SignedOff,
    /// Sent back with a reason.
    Returned,
    /// Withdrawn by the issuer.
    Cancelled,
}

/// A unit of work owned by one division.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Task {
    /// Public id.
    pub id: Uuid,
    /// The service that owns it.
    pub service: String,
    /// What kind of work, e.g. `plan.household`.
    pub kind: String,
    /// Human-readable title.
    pub title: String,
    /// The owning division.
    pub division: String,
    /// The parent task, if decomposed from one.
    pub parent_id: Option<Uuid>,
    /// Role expected to act on it.
    pub assignee_role: Role,
    /// State.
    pub state: TaskState,
    /// The record the task is about (a household, a plan…).
    pub subject_id: Option<Uuid>,
    /// Deadline, if any.
    pub due_at: Option<DateTime<Utc>>,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// When issued.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Filters for listing tasks; results are always limited to the caller's jurisdiction.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TaskQuery {
    /// Only tasks whose division starts with this prefix.
    pub division: Option<String>,
    /// Only tasks of this kind.
    pub kind: Option<String>,
    /// Only tasks in this state.
    pub state: Option<TaskState>,
    /// Only tasks about this record.
    pub subject_id: Option<Uuid>,
    /// Page size (default 50, at most 500).
    pub limit: Option<u64>,
}
