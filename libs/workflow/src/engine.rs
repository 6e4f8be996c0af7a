//! The engine handle a service holds, and the plumbing every operation shares: reading and
//! version-checked writing of task rows, the change log, the audit trail and the outbox.

use chain_api::workflow::{DeadlineStage, Service, Task, TaskChange, TaskState};
use chain_api::{Envelope, Principal, Problem, ProblemKind};
pub(crate) use chain_bus::service::internal;
use chain_domain::{DeadlineLadder, NoticeDays};
pub(crate) use chain_store::audit::Actor;
use chain_store::text::{enum_str, parse_enum};
use chain_store::{Db, audit, outbox};
use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::SimpleExpr;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbBackend, Statement};

use crate::clock::Clock;
use crate::entity::{event, task};

/// Event type suffix of a task change on the bus (`<service>.task-changed`).
pub const TASK_CHANGED: &str = "task-changed";
/// Event type suffix of a directive on the bus (`<service>.directive-issued`).
pub const DIRECTIVE_ISSUED: &str = "directive-issued";

/// The responsibility-chain engine of one service: its database, its name, its clock and the
/// policy tables it applies.
#[derive(Clone)]
pub struct Engine {
    pub(crate) db: Db,
    pub(crate) service: &'static str,
    pub(crate) clock: Clock,
    pub(crate) root: String,
    pub(crate) ladder: DeadlineLadder,
    pub(crate) notice_days: NoticeDays,
    pub(crate) wake: std::sync::Arc<tokio::sync::Notify>,
    pub(crate) inline_limit: usize,
    pub(crate) hook: Option<std::sync::Arc<dyn NoticeHook>>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").field("service", &self.service).finish_non_exhaustive()
    }
}

impl Engine {
    /// The engine of `service` over its database; `root` is the bus subject root for events.
    pub fn new(db: Db, service: &'static str, clock: Clock, root: impl Into<String>) -> Engine {
        Engine {
            db,
            service,
            clock,
            root: root.into(),
            ladder: DeadlineLadder::default_table().clone(),
            notice_days: NoticeDays::default_table().clone(),
            wake: Default::default(),
            inline_limit: INLINE_LIMIT,
            hook: None,
        }
    }

    /// Replaces the policy tables (deadline ladder, notice days).
    pub fn with_policies(mut self, ladder: DeadlineLadder, notice_days: NoticeDays) -> Engine {
        self.ladder = ladder;
        self.notice_days = notice_days;
        self
    }

    /// Directives planning more tasks than `limit` open them in the background.
    pub fn with_inline_limit(mut self, limit: usize) -> Engine {
        self.inline_limit = limit;
        self
    }

    /// The service's reaction to notices on its procedure tasks.
    pub fn with_hook(mut self, hook: std::sync::Arc<dyn NoticeHook>) -> Engine {
        self.hook = Some(hook);
        self
    }

    /// The service's database.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The engine's clock.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The owning service's name.
    pub fn service(&self) -> &'static str {
        self.service
    }

    /// Refuses a request for another service's workflow.
    pub(crate) fn owns(&self, service: Service) -> Result<(), Problem> {
        if service.as_str() == self.service {
            Ok(())
        } else {
            Err(Problem::invalid("service", format!("this is the {} service", self.service)))
        }
    }
}

/// Directives planning more tasks than this answer at once and open them in the background.
pub const INLINE_LIMIT: usize = 20_000;

/// What happened to a public notice on a task, as a service's [`NoticeHook`] hears it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeEvent {
    /// An objection interrupted the notice; work still with the owner went back for review.
    ObjectionLodged,
    /// The owner resolved an objection (upheld or dismissed).
    ObjectionResolved {
        /// Whether the objection was found right.
        upheld: bool,
    },
    /// The window ran out with no objection.
    Passed,
}

/// A service's reaction to notices on its own procedure tasks, run inside the transaction that
/// changed the notice, so the service's records never disagree with its tasks.
#[async_trait::async_trait]
pub trait NoticeHook: Send + Sync {
    /// Called after `task` (already updated) saw `event`.
    async fn on_notice(
        &self,
        engine: &Engine,
        txn: &sea_orm::DatabaseTransaction,
        task: &chain_api::workflow::Task,
        event: NoticeEvent,
    ) -> Result<(), Problem>;
}

/// The API form of a task row.
pub fn to_api(m: &task::Model) -> Result<Task, DbErr> {
    Ok(Task {
        id: m.id,
        service: m.service.clone(),
        kind: m.kind.clone(),
        title: m.title.clone(),
        body: serde_json::from_str(&m.body).unwrap_or(serde_json::Value::Null),
        division: m.division.clone(),
        parent_id: m.parent_id,
        root_id: m.root_id,
        signer: m.signer.clone(),
        assignee_role: parse_enum(&m.assignee_role)?,
        state: parse_enum(&m.state)?,
        subject_id: m.subject_id,
        quota: m.quota,
        required_approvals: m.required_approvals.max(0) as u32,
        approvals: approvals_of(m),
        submitted_by: m.submitted_by.clone(),
        due_at: m.due_at,
        deadline: parse_enum(&m.deadline_stage)?,
        notice_kind: m.notice_kind.clone(),
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

pub(crate) fn approvals_of(m: &task::Model) -> Vec<String> {
    serde_json::from_str(&m.approvals).unwrap_or_default()
}

pub(crate) fn state_of(m: &task::Model) -> Result<TaskState, Problem> {
    parse_enum(&m.state).map_err(internal)
}

pub(crate) fn stage_of(m: &task::Model) -> Result<DeadlineStage, Problem> {
    parse_enum(&m.deadline_stage).map_err(internal)
}

/// The next moment the deadline ladder fires, given the stage reached; `None` when nothing is left.
pub(crate) fn next_timer(
    stage: DeadlineStage,
    remind_at: Option<DateTime<Utc>>,
    due_at: Option<DateTime<Utc>>,
    escalate_at: Option<DateTime<Utc>>,
) -> Option<DateTime<Utc>> {
    match stage {
        DeadlineStage::OnTime => remind_at.or(due_at),
        DeadlineStage::Reminded => due_at,
        DeadlineStage::Overdue => escalate_at,
        DeadlineStage::Escalated => None,
    }
}

/// Reads a task the caller may see, or answers 404.
pub(crate) async fn visible_task<C: ConnectionTrait>(
    conn: &C,
    p: &Principal,
    id: Uuid,
) -> Result<task::Model, Problem> {
    let row = task::Entity::find_by_id(id).one(conn).await.map_err(internal)?;
    match row {
        Some(r) if crate::rules::covers(p, &r.division) => Ok(r),
        _ => Err(Problem::not_found("task")),
    }
}

/// Refuses a stale `If-Match`.
pub(crate) fn check_version(expected: Option<i64>, actual: i64, what: &str) -> Result<(), Problem> {
    match expected {
        Some(v) if v != actual => Err(Problem::new(
            ProblemKind::PreconditionFailed,
            format!("the {what} is at version {actual}, not {v}; read it again"),
        )),
        _ => Ok(()),
    }
}

/// Applies column changes to a task if it is still at `row.version`, bumping the version.
/// Returns whether the row was updated (false: someone else changed it first).
pub(crate) async fn bump<C: ConnectionTrait>(
    conn: &C,
    row: &task::Model,
    now: DateTime<Utc>,
    changes: Vec<(task::Column, SimpleExpr)>,
) -> Result<bool, DbErr> {
    let mut update = task::Entity::update_many()
        .col_expr(task::Column::Version, Expr::value(row.version + 1))
        .col_expr(task::Column::UpdatedAt, Expr::value(now));
    for (c, e) in changes {
        update = update.col_expr(c, e);
    }
    let r = update.filter(task::Column::Id.eq(row.id)).filter(task::Column::Version.eq(row.version)).exec(conn).await?;
    Ok(r.rows_affected == 1)
}

/// The answer when a version-guarded write lost a race.
pub(crate) fn lost_race() -> Problem {
    Problem::new(ProblemKind::StaleVersion, "the task changed at the same moment; read it again")
}

/// Everything recorded about one change to a task: its log entry, its audit entry and its event.
pub(crate) struct Change<'a> {
    pub task: &'a task::Model,
    pub change: TaskChange,
    pub actor: &'a Actor,
    pub reason: Option<&'a str>,
    pub data: serde_json::Value,
    pub audited: bool,
    pub published: bool,
}

impl Engine {
    /// Records a change to a task (already written) in the change log and, as asked, in the audit
    /// trail and the outbox.
    pub(crate) async fn record<C: ConnectionTrait>(
        &self,
        conn: &C,
        c: Change<'_>,
        now: DateTime<Utc>,
    ) -> Result<(), DbErr> {
        self.record_many(conn, std::slice::from_ref(&c), now).await
    }

    /// Records changes to tasks (already written), in order, as [`Engine::record`] does one: the
    /// change log, the audit entries and the outbox events each in multi-row statements.
    pub(crate) async fn record_many<C: ConnectionTrait>(
        &self,
        conn: &C,
        changes: &[Change<'_>],
        now: DateTime<Utc>,
    ) -> Result<(), DbErr> {
        for chunk in changes.chunks(1000) {
            let log = chunk.iter().map(|c| event::ActiveModel {
                task_id: Set(c.task.id),
                root_id: Set(c.task.root_id),
                division: Set(c.task.division.clone()),
                change: Set(c.change.as_str().to_owned()),
                state: Set(c.task.state.clone()),
                version: Set(c.task.version),
                actor: Set(c.actor.subject.clone()),
                reason: Set(c.reason.map(str::to_owned)),
                data: Set(c.data.to_string()),
                at: Set(now),
                ..Default::default()
            });
            event::Entity::insert_many(log).exec_without_returning(conn).await?;
        }
        let audited: Vec<(&Change<'_>, String, serde_json::Value)> = changes
            .iter()
            .filter(|c| c.audited)
            .map(|c| {
                let payload = serde_json::json!({
                    "task": c.task.id, "kind": c.task.kind, "state": c.task.state, "version": c.task.version, "data": c.data,
                });
                (c, format!("task.{}", c.change), payload)
            })
            .collect();
        if !audited.is_empty() {
            let entries: Vec<audit::Entry> = audited
                .iter()
                .map(|(c, action, payload)| {
                    audit::Entry::new(c.actor.clone(), action, &c.task.division)
                        .about(c.task.id)
                        .reason(c.reason)
                        .payload(payload)
                })
                .collect();
            audit::append_many(conn, now, &entries).await?;
        }
        let traceparent = chain_telemetry::current_traceparent();
        let cause = chain_bus::flow::current();
        let events: Vec<Envelope> = changes
            .iter()
            .filter(|c| c.published)
            .map(|c| {
                let payload = serde_json::json!({
                    "task_id": c.task.id,
                    "root_id": c.task.root_id,
                    "parent_id": c.task.parent_id,
                    "kind": c.task.kind,
                    "division": c.task.division,
                    "change": c.change,
                    "state": c.task.state,
                    "version": c.task.version,
                    "reason": c.reason,
                });
                let mut env = Envelope::new(
                    &format!("{}.{TASK_CHANGED}", self.service),
                    &c.task.division,
                    c.task.id,
                    &c.actor.subject,
                    &cause,
                    now,
                    payload,
                );
                env.traceparent = traceparent.clone();
                env
            })
            .collect();
        if !events.is_empty() {
            outbox::enqueue_many(conn, &self.root, &events).await?;
        }
        Ok(())
    }

    /// Writes an event of this service into the outbox.
    pub(crate) async fn publish<C: ConnectionTrait>(
        &self,
        conn: &C,
        event: &str,
        division: &str,
        subject_id: Uuid,
        actor: &str,
        payload: serde_json::Value,
    ) -> Result<(), DbErr> {
        let env = self.event(&format!("{}.{event}", self.service), division, subject_id, actor, payload);
        outbox::enqueue(conn, &self.root, &env).await
    }

    /// An event of type `kind` (one of `chain_api::events`) about the record `subject_id` in
    /// `division`, by `actor`, occurring now by the engine's clock and carrying the current cause
    /// ([`chain_bus::flow::current`]) and trace.
    pub fn event(
        &self,
        kind: &str,
        division: &str,
        subject_id: Uuid,
        actor: &str,
        payload: serde_json::Value,
    ) -> Envelope {
        let cause = chain_bus::flow::current();
        let mut env = Envelope::new(kind, division, subject_id, actor, &cause, self.clock.now(), payload);
        env.traceparent = chain_telemetry::current_traceparent();
        env
    }

    /// Re-reads a task after a write.
    pub(crate) async fn reload<C: ConnectionTrait>(&self, conn: &C, id: Uuid) -> Result<task::Model, DbErr> {
        task::Entity::find_by_id(id).one(conn).await?.ok_or_else(|| DbErr::RecordNotFound("task".into()))
    }
}

/// A statement with `?` placeholders, rewritten to `$n` for PostgreSQL.
pub(crate) fn statement(backend: DbBackend, sql: &str, values: Vec<sea_orm::Value>) -> Statement {
    let sql = match backend {
        DbBackend::Postgres => {
            let mut out = String::with_capacity(sql.len() + 8);
            let mut n = 0;
            for ch in sql.chars() {
                if ch == '?' {
                    n += 1;
                    out.push('$');
                    out.push_str(&n.to_string());
                } else {
                    out.push(ch);
                }
            }
            out
        }
        _ => sql.to_owned(),
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// The snake_case text of a state, for queries.
pub(crate) fn st(s: TaskState) -> String {
    enum_str(&s)
}

/// Runs `f` in a transaction: committed when it succeeds, rolled back when it answers an error
/// (a problem, or a service error that becomes one at the endpoint).
pub(crate) async fn in_txn<T, E, F>(db: &Db, f: F) -> Result<T, E>
where
    F: AsyncFnOnce(&sea_orm::DatabaseTransaction) -> Result<T, E>,
    E: From<chain_bus::Error>,
{
    let txn = sea_orm::TransactionTrait::begin(db).await.map_err(|e| E::from(e.into()))?;
    match f(&txn).await {
        Ok(v) => {
            txn.commit().await.map_err(|e| E::from(e.into()))?;
            Ok(v)
        }
        Err(e) => {
            let _ = txn.rollback().await;
            Err(e)
        }
    }
}
