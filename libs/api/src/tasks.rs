//! The responsibility chain's contract: tasks owned by divisions, directives that decompose work
//! down the hierarchy, sign-offs up it, deadlines, public-notice windows, recurring supervision,
//! tracking and the audit trail. Every service embeds the same engine and answers the verbs in
//! [`verbs`]; the gateway finds the owning service of a task by asking all four.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::Role;

/// The NATS verbs every service answers for its tasks (`chain.<service>.<verb>`).
pub mod verbs {
    /// [`super::TaskQuery`] → `Vec<Task>`.
    pub const LIST: &str = "task.list";
    /// [`crate::identification::ById`] → [`super::Task`].
    pub const GET: &str = "task.get";
    /// [`super::IssueDirective`] → [`super::Issued`].
    pub const ISSUE: &str = "directive.issue";
    /// `Step<Decompose>` → [`super::Issued`].
    pub const DECOMPOSE: &str = "task.decompose";
    /// `Step<StepNote>` → [`super::Task`].
    pub const START: &str = "task.start";
    /// `Step<StepNote>` → [`super::Task`].
    pub const SUBMIT: &str = "task.submit";
    /// `Step<StepNote>` → [`super::Task`].
    pub const SIGN_OFF: &str = "task.sign-off";
    /// `Step<StepNote>` → [`super::Task`] (reason required).
    pub const RETURN: &str = "task.return";
    /// `Step<StepNote>` → [`super::Task`] (reason required); cancels the open subtree too.
    pub const CANCEL: &str = "task.cancel";
    /// [`super::TreeQuery`] → [`super::TaskTree`].
    pub const TREE: &str = "task.tree";
    /// [`super::EventsQuery`] → `Vec<TaskEvent>`.
    pub const EVENTS: &str = "task.events";
    /// `Step<OpenNotice>` (the task's id) → [`super::Notice`].
    pub const NOTICE_OPEN: &str = "notice.open";
    /// [`crate::identification::ById`] → [`super::Notice`].
    pub const NOTICE_GET: &str = "notice.get";
    /// `Step<LodgeObjection>` (the notice's id) → [`super::Objection`].
    pub const OBJECT: &str = "notice.object";
    /// `Step<ResolveObjection>` (the objection's id) → [`super::Objection`].
    pub const RESOLVE: &str = "objection.resolve";
    /// [`super::NewSchedule`] → [`super::Schedule`].
    pub const SCHEDULE_CREATE: &str = "schedule.create";
    /// `()`-like empty object → `Vec<Schedule>` in the caller's jurisdiction.
    pub const SCHEDULE_LIST: &str = "schedule.list";
    /// [`super::AuditQuery`] → `Vec<AuditEntry>`.
    pub const AUDIT_LIST: &str = "audit.list";
    /// [`super::AccountabilityQuery`] → `Vec<AccountabilityRecord>`.
    pub const ACCOUNTABILITY_LIST: &str = "accountability.list";
}

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

    /// The owning layer still has to act (open, in progress, returned): deadlines apply.
    pub fn awaits_owner(self) -> bool {
        matches!(self, TaskState::Open | TaskState::InProgress | TaskState::Returned)
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
    pub service: String,
    /// What kind of work, e.g. `plan.household` or `supervision.monthly`.
    pub kind: String,
    /// Human-readable title.
    pub title: String,
    /// Free-form instructions of the directive.
    #[serde(default)]
    pub body: serde_json::Value,
    /// The owning division (`CN` for the central layer).
    pub division: String,
    /// The parent task, if decomposed from one.
    pub parent_id: Option<Uuid>,
    /// The root of the tree this task belongs to (itself for a root).
    pub root_id: Uuid,
    /// The division that signs this task off: the parent's owner, or the owner itself for a root.
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
    pub division: Option<String>,
    /// Only tasks of this kind.
    pub kind: Option<String>,
    /// Only tasks in this state.
    pub state: Option<TaskState>,
    /// Only tasks about this record.
    pub subject_id: Option<Uuid>,
    /// Only tasks past their due date and not yet submitted (`true`), or only the others (`false`).
    pub overdue: Option<bool>,
    /// Page size (default 50, at most 500).
    pub limit: Option<u64>,
}

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
    pub divisions: Option<Vec<String>>,
    /// Every division of this level inside the issuer's jurisdiction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<TargetLevel>,
}

/// A quantity to divide among the targets, e.g. the people a province must identify.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
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

/// A remark with a step; required to return or cancel.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StepNote {
    /// Why (required for return and cancel).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

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
    pub division: String,
    /// What happened: `opened`, `decomposed`, `started`, `submitted`, `approved`, `signed_off`,
    /// `returned`, `cancelled`, `reminded`, `overdue`, `escalated`, `notice_opened`,
    /// `objection_lodged`, `objection_resolved`, `notice_passed`.
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

/// State of a public-notice window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticeState {
    /// Posted; objections may be lodged until it closes.
    Open,
    /// The window passed with no open objection.
    Passed,
    /// An objection sent the case back for review; a new notice is needed.
    Interrupted,
}

/// State of an objection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ObjectionState {
    /// Lodged, not yet resolved.
    Open,
    /// Found justified.
    Upheld,
    /// Found unjustified.
    Dismissed,
}

/// An objection lodged during a notice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Objection {
    /// Public id.
    pub id: Uuid,
    /// The notice.
    pub notice_id: Uuid,
    /// The task the notice belongs to.
    pub task_id: Uuid,
    /// Division of the notice.
    pub division: String,
    /// Who recorded it.
    pub lodged_by: String,
    /// On whose behalf (e.g. a villager's name), if not the recorder's own.
    pub lodged_for: Option<String>,
    /// The objection.
    pub reason: String,
    /// State.
    pub state: ObjectionState,
    /// When lodged.
    pub lodged_at: DateTime<Utc>,
    /// Who resolved it.
    pub resolved_by: Option<String>,
    /// The resolution.
    pub resolution: Option<String>,
    /// When resolved.
    pub resolved_at: Option<DateTime<Utc>>,
    /// Version.
    pub version: i64,
}

/// A public-notice window on a task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Notice {
    /// Public id.
    pub id: Uuid,
    /// The task whose step this is.
    pub task_id: Uuid,
    /// Where it is posted.
    pub division: String,
    /// Kind (selects the number of days, per province).
    pub kind: String,
    /// Length of the window in days.
    pub days: u32,
    /// Opened.
    pub opened_at: DateTime<Utc>,
    /// Closes.
    pub closes_at: DateTime<Utc>,
    /// State.
    pub state: NoticeState,
    /// Objections lodged.
    pub objections: Vec<Objection>,
    /// Version.
    pub version: i64,
}

/// Open a notice on a task (its own layer).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OpenNotice {
    /// The notice kind (default: the kind the task requires).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// Lodge an objection during a notice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LodgeObjection {
    /// The objection (1–2000 characters).
    pub reason: String,
    /// On whose behalf, if not the recorder's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lodged_for: Option<String>,
}

/// Resolve an objection after review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ResolveObjection {
    /// Whether the objection is justified.
    pub upheld: bool,
    /// The finding (required).
    pub reason: String,
}

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
    pub service: String,
    /// Kind of the generated tasks.
    pub kind: String,
    /// Title stem.
    pub title: String,
    /// The issuing layer (`CN` or a division code).
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

/// Audit entries to read.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only this service's chain (default: all four).
    pub service: Option<Service>,
    /// Only entries about divisions under this prefix.
    pub division: Option<String>,
    /// Only entries about this record.
    pub subject_id: Option<Uuid>,
    /// Only entries after this sequence number (per service).
    pub after: Option<i64>,
    /// At most this many per service (default 100, at most 1000).
    pub limit: Option<u64>,
}

/// One entry of a service's hash-chained audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditEntry {
    /// The service whose chain holds it.
    pub service: String,
    /// Position in that chain.
    pub seq: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// The official (or `system`).
    pub actor: String,
    /// The roles the official acted with.
    pub role: String,
    /// The official's jurisdiction.
    pub jurisdiction: String,
    /// The decision or change, e.g. `task.signed_off`.
    pub action: String,
    /// Division of the record.
    pub division: String,
    /// The record.
    pub subject_id: Option<Uuid>,
    /// Reason given.
    pub reason: Option<String>,
    /// SHA-256 of the change's payload.
    pub payload_hash: String,
    /// Hash of the previous entry.
    pub prev_hash: String,
    /// Hash of this entry.
    pub hash: String,
}

/// Accountability records to read.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccountabilityQuery {
    /// Only records against divisions under this prefix.
    pub division: Option<String>,
    /// At most this many per service (default 100, at most 1000).
    pub limit: Option<u64>,
}

/// Overdue or rejected work, recorded against the responsible division.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AccountabilityRecord {
    /// Public id.
    pub id: Uuid,
    /// The service.
    pub service: String,
    /// The task.
    pub task_id: Uuid,
    /// The responsible division.
    pub division: String,
    /// `overdue` (escalated after the grace period) or `returned` (work sent back).
    pub kind: String,
    /// The layer it was escalated or answered to.
    pub escalated_to: String,
    /// Details.
    pub detail: String,
    /// When.
    pub at: DateTime<Utc>,
}
