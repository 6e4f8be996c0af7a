//! Tracking: subtree counts per level and the change log below a task.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::task::{Task, TaskState};

/// Counts over a set of tasks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Rollup {
    /// All tasks counted.
    pub total: u64,
    /// Open.
    pub open: u64,
    /// In progress.
    pub in_progress: u64,
    /// Submitted, awaiting sign-off.
    pub submitted: u64,
    /// Signed off.
    pub signed_off: u64,
    /// Returned.
    pub returned: u64,
    /// Cancelled.
    pub cancelled: u64,
    /// Past due and still with their owner.
    pub overdue: u64,
    /// Escalated to the layer above.
    pub escalated: u64,
}

/// Counts for one level of a subtree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LevelRollup {
    /// `central`, `province`, … `village`.
    #[schema(value_type = crate::schema::LayerName)]
    pub level: String,
    /// The counts.
    pub counts: Rollup,
}

/// A child in a tree answer: the task and the counts of its whole subtree (itself included).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TreeNode {
    /// The child task.
    pub task: Task,
    /// Counts over its subtree.
    pub subtree: Rollup,
}

/// A task, its subtree's counts per level, and its children (a page of them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TaskTree {
    /// The task asked about.
    pub task: Task,
    /// Counts over its whole subtree, itself included (within the caller's jurisdiction and filter).
    pub subtree: Rollup,
    /// Counts per level below and including the task.
    pub levels: Vec<LevelRollup>,
    /// Direct children matching the filter, by division code.
    pub children: Vec<TreeNode>,
    /// Pass as `after` for the next page of children.
    pub next_after: Option<String>,
}

/// Which part of a tree to show.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TreeQuery {
    /// The task (set from the path).
    #[serde(default)]
    #[param(ignore)]
    pub id: Option<Uuid>,
    /// Only the part of the subtree under this division prefix.
    #[schema(value_type = Option<crate::schema::DivisionCode>)]
    #[param(value_type = Option<crate::schema::DivisionCode>)]
    pub division: Option<String>,
    /// Only children in this state.
    pub state: Option<TaskState>,
    /// Only children of this kind.
    pub kind: Option<String>,
    /// Only children past due (`true`) or not (`false`).
    pub overdue: Option<bool>,
    /// Children after this division code (paging).
    pub after: Option<String>,
    /// Children per page (default 100, at most 1000).
    pub limit: Option<u64>,
}

/// What happened to a task: the closed set of changes its log and the event stream record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskChange {
    /// The task was opened (issued, or opened by a procedure).
    Opened,
    /// The task was split into tasks for the layer below.
    Decomposed,
    /// Its deferred split into tasks for the layers below failed (the problem is in `data`).
    Failed,
    /// A schedule opened the task for a period.
    Scheduled,
    /// Its owner started work.
    Started,
    /// Its owner submitted it for sign-off.
    Submitted,
    /// One of several required approvals was given.
    Approved,
    /// The layer above signed it off.
    SignedOff,
    /// The layer above returned it for rework.
    Returned,
    /// It was cancelled.
    Cancelled,
    /// Its deadline is near: the owner was reminded.
    Reminded,
    /// Its deadline passed.
    Overdue,
    /// Past due long enough to be escalated to the layer above.
    Escalated,
    /// Its public notice was opened.
    NoticeOpened,
    /// An objection was lodged against its notice.
    ObjectionLodged,
    /// An objection was resolved.
    ObjectionResolved,
    /// Its notice window passed with no open objection.
    NoticePassed,
}

impl TaskChange {
    /// The change as the log stores it and the wire carries it (`signed_off`).
    pub fn as_str(self) -> &'static str {
        match self {
            TaskChange::Opened => "opened",
            TaskChange::Decomposed => "decomposed",
            TaskChange::Failed => "failed",
            TaskChange::Scheduled => "scheduled",
            TaskChange::Started => "started",
            TaskChange::Submitted => "submitted",
            TaskChange::Approved => "approved",
            TaskChange::SignedOff => "signed_off",
            TaskChange::Returned => "returned",
            TaskChange::Cancelled => "cancelled",
            TaskChange::Reminded => "reminded",
            TaskChange::Overdue => "overdue",
            TaskChange::Escalated => "escalated",
            TaskChange::NoticeOpened => "notice_opened",
            TaskChange::ObjectionLodged => "objection_lodged",
            TaskChange::ObjectionResolved => "objection_resolved",
            TaskChange::NoticePassed => "notice_passed",
        }
    }
}

impl std::fmt::Display for TaskChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One change to a task, as the tracker and the event stream show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TaskEvent {
    /// Position in the service's change log (the SSE event id).
    pub seq: i64,
    /// The task changed.
    pub task_id: Uuid,
    /// Its tree.
    pub root_id: Uuid,
    /// Its division.
    #[schema(value_type = crate::schema::DivisionOrCentre)]
    pub division: String,
    /// What happened.
    #[schema(value_type = TaskChange)]
    pub change: String,
    /// The task's state after the change.
    pub state: TaskState,
    /// The task's version after the change.
    pub version: i64,
    /// Who (an official's subject, or `system` for timers).
    pub actor: String,
    /// Reason or remark.
    pub reason: Option<String>,
    /// Extra facts (e.g. how many children a decomposition opened).
    #[serde(default)]
    pub data: serde_json::Value,
    /// When.
    pub at: DateTime<Utc>,
}

/// Which changes to read.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct EventsQuery {
    /// The task whose subtree to follow.
    pub id: Uuid,
    /// Only changes after this sequence number.
    pub after: Option<i64>,
    /// At most this many (default 100, at most 1000).
    pub limit: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::TaskChange;

    #[test]
    fn a_change_is_stored_as_the_wire_names_it() {
        use TaskChange::*;
        for c in [
            Opened,
            Decomposed,
            Failed,
            Scheduled,
            Started,
            Submitted,
            Approved,
            SignedOff,
            Returned,
            Cancelled,
            Reminded,
            Overdue,
            Escalated,
            NoticeOpened,
            ObjectionLodged,
            ObjectionResolved,
            NoticePassed,
        ] {
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str(), "{c:?}");
        }
    }
}
