//! The responsibility chain's contract: tasks owned by divisions, directives that decompose work
//! down the hierarchy, sign-offs up it, deadlines, public-notice windows, recurring supervision,
//! tracking and the audit trail. Every service embeds the same engine and answers the verbs in
//! [`verbs`]; the gateway finds the owning service of a task by asking all four.

pub mod directive;
pub mod notice;
pub mod record;
pub mod schedule;
pub mod task;
pub mod tracking;

pub use directive::*;
pub use notice::*;
pub use record::*;
pub use schedule::*;
pub use task::*;
pub use tracking::*;

/// The NATS verbs every service answers for its tasks (`chain.<service>.<verb>`).
pub mod verbs {
    /// [`super::TaskQuery`] → [`super::TaskPage`].
    pub const LIST: &str = "task.list";
    /// [`crate::step::ById`] → [`super::Task`].
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
    /// [`crate::step::ById`] → [`super::Notice`].
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
