//! The engine's rows.

/// A task.
pub mod task {
    use sea_orm::entity::prelude::*;

    /// A task row.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "tasks")]
    pub struct Model {
        /// Public id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// Owning service.
        pub service: String,
        /// Kind of work.
        pub kind: String,
        /// Title.
        pub title: String,
        /// Instructions (JSON text).
        pub body: String,
        /// Owning division (`CN` for the centre).
        pub division: String,
        /// Parent task.
        pub parent_id: Option<Uuid>,
        /// Root of the tree.
        pub root_id: Uuid,
        /// Division that signs it off.
        pub signer: String,
        /// Assignee role (snake_case).
        pub assignee_role: String,
        /// State (snake_case).
        pub state: String,
        /// The record the task is about.
        pub subject_id: Option<Uuid>,
        /// Quota share.
        pub quota: Option<i64>,
        /// Distinct approvers needed.
        pub required_approvals: i32,
        /// Approver subjects so far (JSON array).
        pub approvals: String,
        /// Who submitted.
        pub submitted_by: Option<String>,
        /// Deadline.
        pub due_at: Option<DateTimeUtc>,
        /// When the reminder fires.
        pub remind_at: Option<DateTimeUtc>,
        /// When escalation fires.
        pub escalate_at: Option<DateTimeUtc>,
        /// Ladder stage (snake_case).
        pub deadline_stage: String,
        /// The next deadline timer, while the owning layer has to act.
        pub next_timer_at: Option<DateTimeUtc>,
        /// Notice kind required before submission.
        pub notice_kind: Option<String>,
        /// Version.
        pub version: i64,
        /// Created.
        pub created_at: DateTimeUtc,
        /// Updated.
        pub updated_at: DateTimeUtc,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The change log the tracker and event streams read.
pub mod event {
    use sea_orm::entity::prelude::*;

    /// A change row.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "task_events")]
    pub struct Model {
        /// Position.
        #[sea_orm(primary_key)]
        pub seq: i64,
        /// Task.
        pub task_id: Uuid,
        /// Tree.
        pub root_id: Uuid,
        /// Division of the task.
        pub division: String,
        /// What happened.
        pub change: String,
        /// State after.
        pub state: String,
        /// Version after.
        pub version: i64,
        /// Who.
        pub actor: String,
        /// Reason.
        pub reason: Option<String>,
        /// Extra facts (JSON text).
        pub data: String,
        /// When.
        pub at: DateTimeUtc,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Public-notice windows.
pub mod notice {
    use sea_orm::entity::prelude::*;

    /// A notice row.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "notices")]
    pub struct Model {
        /// Public id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// Task.
        pub task_id: Uuid,
        /// Tree.
        pub root_id: Uuid,
        /// Where posted.
        pub division: String,
        /// Kind.
        pub kind: String,
        /// Days.
        pub days: i32,
        /// Opened.
        pub opened_at: DateTimeUtc,
        /// Closes.
        pub closes_at: DateTimeUtc,
        /// State (snake_case).
        pub state: String,
        /// Who opened it.
        pub opened_by: String,
        /// Version.
        pub version: i64,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Objections lodged during notices.
pub mod objection {
    use sea_orm::entity::prelude::*;

    /// An objection row.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "objections")]
    pub struct Model {
        /// Public id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// Notice.
        pub notice_id: Uuid,
        /// Task.
        pub task_id: Uuid,
        /// Division.
        pub division: String,
        /// Recorder.
        pub lodged_by: String,
        /// On whose behalf.
        pub lodged_for: Option<String>,
        /// The objection.
        pub reason: String,
        /// State (snake_case).
        pub state: String,
        /// When lodged.
        pub lodged_at: DateTimeUtc,
        /// Resolver.
        pub resolved_by: Option<String>,
        /// Resolution.
        pub resolution: Option<String>,
        /// When resolved.
        pub resolved_at: Option<DateTimeUtc>,
        /// Version.
        pub version: i64,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Recurring report schedules.
pub mod schedule {
    use sea_orm::entity::prelude::*;

    /// A schedule row.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "schedules")]
    pub struct Model {
        /// Public id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// Owning service.
        pub service: String,
        /// Kind of generated tasks.
        pub kind: String,
        /// Title stem.
        pub title: String,
        /// Issuing layer.
        pub issuer: String,
        /// Cadence (snake_case).
        pub cadence: String,
        /// Target level (lowercase).
        pub level: String,
        /// Days to the deadline.
        pub due_days: i32,
        /// Next generation.
        pub next_run_at: DateTimeUtc,
        /// Generated so far.
        pub runs: i32,
        /// Creator.
        pub created_by: String,
        /// Version.
        pub version: i64,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Accountability records.
pub mod accountability {
    use sea_orm::entity::prelude::*;

    /// A record row.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "accountability")]
    pub struct Model {
        /// Public id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// Task.
        pub task_id: Uuid,
        /// Responsible division.
        pub division: String,
        /// `overdue` or `returned`.
        pub kind: String,
        /// Layer answered to.
        pub escalated_to: String,
        /// Details.
        pub detail: String,
        /// When.
        pub at: DateTimeUtc,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Directives whose tasks are still to be opened in the background.
pub mod pending {
    use sea_orm::entity::prelude::*;

    /// A pending directive.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "pending_directives")]
    pub struct Model {
        /// The directive's root task.
        #[sea_orm(primary_key, auto_increment = false)]
        pub task_id: Uuid,
        /// Targets, quota and notice kind (JSON).
        pub spec: String,
        /// When issued.
        pub created_at: DateTimeUtc,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
