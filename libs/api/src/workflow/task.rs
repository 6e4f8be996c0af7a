//! Tasks: the unit of work a division owns, its states and deadline stages, and the remark on a step.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::Role;

/// The services that own workflows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Service {
    /// Registering poor households.
    Identification,
    /// Assistance plans, helpers, work teams.
    Planning,
    /// Allocations, projects, disbursements, disclosures.
    Funding,
    /// Household, village and county exit.
    Exit,
}

impl Service {
    /// Every service, in a fixed order.
    pub const ALL: [Service; 4] = [Service::Identification, Service::Planning, Service::Funding, Service::Exit];

    /// Its name on the bus.
    pub fn as_str(self) -> &'static str {
        match self {
            Service::Identification => "identification",
            Service::Planning => "planning",
            Service::Funding => "funding",
            Service::Exit => "exit",
        }
    }
}

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
    /// Sent back with a reason; the owning layer works on it again.
    Returned,
    /// Withdrawn by the issuer.
    Cancelled,
}

impl TaskState {
    /// Every state.
    pub const ALL: [TaskState; 6] = [
        TaskState::Open,
        TaskState::InProgress,
        TaskState::Submitted,
        TaskState::SignedOff,
        TaskState::Returned,
        TaskState::Cancelled,
    ];

    /// Signed off or cancelled: nothing more happens to it.
    pub fn is_final(self) -> bool {
        matches!(self, TaskState::SignedOff | TaskState::Cancelled)
    }

    /// The states in which the owning layer still has to act.
    pub const AWAITING_OWNER: [TaskState; 3] = [TaskState::Open, TaskState::InProgress, TaskState::Returned];

    /// The owning layer still has to act (open, in progress, returned): deadlines apply.
    pub fn awaits_owner(self) -> bool {
        TaskState::AWAITING_OWNER.contains(&self)
    }
}

/// How far along the escalation ladder a task's deadline has gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineStage {
    /// Nothing has fired yet.
    OnTime,
    /// The reminder before the due date was sent.
    Reminded,
    /// The due date passed with the work not submitted.
    Overdue,
    /// The grace period passed too: escalated to the layer above, recorded against the division.
    Escalated,
}

/// A unit of work owned by one division.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Task {
    /// Public id.
    pub id: Uuid,
    /// The service that owns it.
    #[schema(value_type = crate::workflow::Service)]
    pub service: String,
    /// What kind of work, e.g. `plan.household` or `supervision.monthly`.
    pub kind: String,
    /// Human-readable title.
    pub title: String,
    /// Free-form instructions of the directive.
    #[serde(default)]
    pub body: serde_json::Value,
    /// The owning division (`CN` for the central layer).
    #[schema(value_type = crate::schema::DivisionOrCentre)]
    pub division: String,
    /// The parent task, if decomposed from one.
    pub parent_id: Option<Uuid>,
    /// The root of the tree this task belongs to (itself for a root).
    pub root_id: Uuid,
    /// The division that signs this task off: the parent's owner, or the owner itself for a root.
    #[schema(value_type = crate::schema::DivisionOrCentre)]
    pub signer: String,
    /// Role expected to act on it.
    pub assignee_role: Role,
    /// State.
    pub state: TaskState,
    /// The record the task is about (a household, a plan…).
    pub subject_id: Option<Uuid>,
    /// The share of a quota this task carries (e.g. people to identify), if the directive had one.
    pub quota: Option<i64>,
    /// How many distinct approvers of the signing layer must sign it off.
    pub required_approvals: u32,
    /// Subjects of the approvers who have signed so far in this round.
    pub approvals: Vec<String>,
    /// Who submitted it (never one of its approvers).
    pub submitted_by: Option<String>,
    /// Deadline, if any.
    pub due_at: Option<DateTime<Utc>>,
    /// How far the escalation ladder has gone.
    pub deadline: DeadlineStage,
    /// A public notice of this kind must pass cleanly before the task can be submitted.
    pub notice_kind: Option<String>,
    /// Optimistic-concurrency version; strictly increases with every change.
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
    #[schema(value_type = Option<crate::schema::DivisionCode>)]
    #[param(value_type = Option<crate::schema::DivisionCode>)]
    pub division: Option<String>,
    /// Only tasks of this kind.
    pub kind: Option<String>,
    /// Only tasks in this state.
    pub state: Option<TaskState>,
    /// Only tasks about this record.
    pub subject_id: Option<Uuid>,
    /// Only tasks past their due date and not yet submitted (`true`), or only the others (`false`).
    pub overdue: Option<bool>,
    /// Page size (default 50, at most 500). A page of large tasks may hold fewer; the `Link`
    /// header then names the next one.
    pub limit: Option<u64>,
    /// Only tasks after this cursor: the `after` of the `Link: <…>; rel="next"` header of the page
    /// before.
    pub after: Option<String>,
}

/// Where a page of tasks stops, in their order (oldest first): the creation time and id of its
/// last task, written `<created_at>_<id>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TaskCursor {
    /// When the last task was issued.
    pub created_at: DateTime<Utc>,
    /// Its id, which orders tasks issued at the same moment.
    pub id: Uuid,
}

impl TaskCursor {
    /// The cursor just after `task`.
    pub fn after(task: &Task) -> Self {
        TaskCursor { created_at: task.created_at, id: task.id }
    }

    /// Reads a cursor as [`Display`](std::fmt::Display) writes it; `None` when it is not one.
    pub fn parse(text: &str) -> Option<Self> {
        let (at, id) = text.rsplit_once('_')?;
        let created_at = DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc);
        Some(TaskCursor { created_at, id: Uuid::parse_str(id).ok()? })
    }
}

impl std::fmt::Display for TaskCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = self.created_at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
        write!(f, "{at}_{}", self.id.simple())
    }
}

/// One service's answer to [`super::verbs::LIST`]: its tasks, oldest first, and whether more match
/// after the last of them (the page was cut at `limit` or at [`crate::limits::PAGE_BYTES`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskPage {
    /// The tasks.
    pub tasks: Vec<Task>,
    /// Whether tasks matching the query follow the last one.
    pub more: bool,
}

/// A remark with a step; required to return or cancel.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StepNote {
    /// Why (required for return and cancel).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_as_written() {
        let at = DateTime::parse_from_rfc3339("2026-12-01T13:22:31.123456Z").unwrap().with_timezone(&Utc);
        let cursor = TaskCursor { created_at: at, id: Uuid::now_v7() };
        let text = cursor.to_string();
        assert!(text.bytes().all(|b| b.is_ascii_alphanumeric() || b"-:._".contains(&b)), "{text}");
        assert_eq!(TaskCursor::parse(&text), Some(cursor));
        assert_eq!(TaskCursor::parse("2026-12-01"), None);
        assert_eq!(TaskCursor::parse("yesterday_0190"), None);
    }
}
