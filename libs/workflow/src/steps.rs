//! Steps on one task: start, submit, sign off, return, cancel; and reading tasks.
//!
//! Order of checks, so that answers are predictable: the task must be visible (404), the caller
//! must be the right layer with the right role (403), a return or cancellation must say why (422),
//! the state must allow the step (409: the state machine, then unfinished children or a notice
//! not yet passed for a submission; a sign-off by the submitter is 403 and a second one by the
//! same approver 409), the `If-Match` version must be current (412), and the version-guarded
//! write must win (409 `stale-version`).

use chain_api::limits::REMARK_CHARS;
use chain_api::step::Step;
use chain_api::workflow::{NoticeState, StepNote, Task, TaskChange, TaskCursor, TaskPage, TaskQuery, TaskState};
use chain_api::{Principal, Problem, ProblemKind, Role};
use chain_store::text::enum_str;
use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::ExprTrait as _;
use sea_orm::sea_query::SimpleExpr;
use sea_orm::{ActiveValue::Set, Condition, ConnectionTrait, QueryOrder, QuerySelect};

use crate::engine::{
    Actor, Change, Engine, approvals_of, bump, check_version, internal, lost_race, next_timer, st, stage_of, state_of,
    to_api, visible_task,
};
use crate::entity::{accountability, notice, task};
use crate::machine::{self, Action};
use crate::rules::{clean, owner_acts, signer_acts};
use chain_domain::text::Kind;

impl Engine {
    /// A task the caller may see.
    pub async fn get(&self, p: &Principal, id: Uuid) -> Result<Task, Problem> {
        let row = visible_task(&self.db, p, id).await?;
        to_api(&row).map_err(internal)
    }

    /// Tasks in the caller's jurisdiction, filtered, oldest first: the first page.
    pub async fn list(&self, p: &Principal, q: &TaskQuery) -> Result<Vec<Task>, Problem> {
        self.list_page(p, q).await.map(|page| page.tasks)
    }

    /// A page of tasks in the caller's jurisdiction, filtered, oldest first, after the query's
    /// cursor: at most `limit` of them and at most [`chain_api::limits::PAGE_BYTES`] as JSON.
    pub async fn list_page(&self, p: &Principal, q: &TaskQuery) -> Result<TaskPage, Problem> {
        let now = self.clock.now();
        let mut find = task::Entity::find();
        if let Some(d) = p.jurisdiction.division() {
            find = find.filter(task::Column::Division.starts_with(d.as_str()));
        }
        if let Some(prefix) = &q.division {
            find = find.filter(task::Column::Division.starts_with(prefix.as_str()));
        }
        if let Some(kind) = &q.kind {
            find = find.filter(task::Column::Kind.eq(kind.as_str()));
        }
        if let Some(state) = q.state {
            find = find.filter(task::Column::State.eq(enum_str(&state)));
        }
        if let Some(subject) = q.subject_id {
            find = find.filter(task::Column::SubjectId.eq(subject));
        }
        match q.overdue {
            Some(true) => find = find.filter(overdue_condition(now)),
            Some(false) => find = find.filter(overdue_condition(now).not()),
            None => {}
        }
        if let Some(after) = &q.after {
            let c = TaskCursor::parse(after)
                .ok_or_else(|| Problem::invalid("after", "a cursor from the `Link` header of a page of tasks"))?;
            find =
                find.filter(Condition::any().add(task::Column::CreatedAt.gt(c.created_at)).add(
                    Condition::all().add(task::Column::CreatedAt.eq(c.created_at)).add(task::Column::Id.gt(c.id)),
                ));
        }
        let limit = q.limit.unwrap_or(50).clamp(1, chain_api::limits::page::TASKS);
        let rows = find
            .order_by_asc(task::Column::CreatedAt)
            .order_by_asc(task::Column::Id)
            .limit(limit + 1)
            .all(&self.db)
            .await
            .map_err(internal)?;
        let mut more = rows.len() as u64 > limit;
        let mut tasks: Vec<Task> =
            rows.iter().take(limit as usize).map(to_api).collect::<Result<_, _>>().map_err(internal)?;
        let fit = crate::page::fitting(&tasks);
        if fit < tasks.len() {
            tasks.truncate(fit);
            more = true;
        }
        Ok(TaskPage { tasks, more })
    }

    /// Applies a step to a task.
    pub async fn step(&self, p: &Principal, action: Action, req: Step<StepNote>) -> Result<Task, Problem> {
        let now = self.clock.now();
        let stepped: chain_bus::Result<Task> =
            crate::engine::in_txn(&self.db, async |txn| self.step_in(txn, p, action, req, now).await).await;
        Ok(stepped?)
    }

    async fn step_in<C: ConnectionTrait>(
        &self,
        txn: &C,
        p: &Principal,
        action: Action,
        req: Step<StepNote>,
        now: DateTime<Utc>,
    ) -> chain_bus::Result<Task> {
        let row = visible_task(txn, p, req.id).await?;
        let state = state_of(&row)?;
        match action {
            Action::Start | Action::Submit => owner_acts(p, &row.division, &[Role::Operator, Role::Approver])?,
            Action::SignOff | Action::Return => signer_acts(p, &row.division, &row.signer, &[Role::Approver])?,
            Action::Cancel => signer_acts(p, &row.division, &row.signer, &[Role::Approver, Role::Admin])?,
        }
        let reason = match action {
            Action::Return => Some(required_reason(&req.body, "return")?),
            Action::Cancel => Some(required_reason(&req.body, "cancel")?),
            _ => {
                let given = req.body.reason.as_deref().map(|r| clean(r, Kind::Prose, "reason")).transpose()?;
                given.filter(|r| !r.is_empty())
            }
        };
        if reason.as_ref().is_some_and(|r| r.chars().count() > REMARK_CHARS) {
            return Err(Problem::invalid("reason", format!("at most {REMARK_CHARS} characters")).into());
        }
        let mut next = machine::next(state, action).map_err(|r| Problem::transition(r.to_string()))?;
        let mut changes: Vec<(task::Column, SimpleExpr)> = Vec::new();
        let mut change = action.change();
        match action {
            Action::Submit => {
                ready_to_submit(txn, &row).await?;
                changes.push((task::Column::SubmittedBy, Expr::value(p.subject.clone())));
                changes.push((task::Column::Approvals, Expr::value("[]")));
                changes.push((task::Column::NextTimerAt, Expr::value(Option::<DateTime<Utc>>::None)));
            }
            Action::SignOff => {
                if row.submitted_by.as_deref() == Some(p.subject.as_str()) {
                    return Err(Problem::forbidden("whoever submitted the work cannot sign it off").into());
                }
                let mut approvals = approvals_of(&row);
                if approvals.contains(&p.subject) {
                    return Err(Problem::new(ProblemKind::Conflict, "you have already signed this task off").into());
                }
                approvals.push(p.subject.clone());
                if (approvals.len() as i32) < row.required_approvals {
                    next = TaskState::Submitted;
                    change = TaskChange::Approved;
                }
                changes.push((
                    task::Column::Approvals,
                    Expr::value(serde_json::to_string(&approvals).unwrap_or_default()),
                ));
            }
            Action::Return | Action::Start => {
                changes.push((task::Column::Approvals, Expr::value("[]")));
                let stage = stage_of(&row)?;
                let timer = next_timer(stage, row.remind_at, row.due_at, row.escalate_at);
                changes.push((task::Column::NextTimerAt, Expr::value(timer)));
            }
            Action::Cancel => {
                changes.push((task::Column::NextTimerAt, Expr::value(Option::<DateTime<Utc>>::None)));
            }
        }
        check_version(req.expected_version, row.version, "task")?;
        let row =
            if action == Action::Submit { self.catch_up(txn, &row, now).await?.ok_or_else(lost_race)? } else { row };
        changes.push((task::Column::State, Expr::value(enum_str(&next))));
        if !bump(txn, &row, now, changes).await? {
            return Err(lost_race().into());
        }
        let fresh = self.reload(txn, row.id).await?;
        let actor = Actor::of(p);
        let mut data = serde_json::json!({ "from": row.state });
        if action == Action::Cancel {
            // The subtree first: its rows are locked before the audit chain's head, the order
            // every other writer takes them in.
            let withdrawn = self.cancel_below(txn, &fresh, &actor, reason.as_deref(), now).await?;
            data["withdrawn"] = withdrawn.into();
        }
        self.record(
            txn,
            Change {
                task: &fresh,
                change,
                actor: &actor,
                reason: reason.as_deref(),
                data,
                audited: true,
                published: true,
            },
            now,
        )
        .await?;
        if action == Action::Return {
            self.hold_accountable(txn, &fresh, "returned", reason.as_deref().unwrap_or_default(), now).await?;
        }
        Ok(to_api(&fresh)?)
    }

    /// Cancels every unfinished task below a cancelled one; returns how many.
    ///
    /// The rows are read locked (`FOR UPDATE` on PostgreSQL, in division order so that two
    /// cancellations in one tree wait for each other instead of deadlocking), so the versions
    /// logged are the ones written and a step taken on one of them at the same moment either
    /// lands first (and is seen here) or waits and then loses its version race.
    async fn cancel_below<C: ConnectionTrait>(
        &self,
        txn: &C,
        top: &task::Model,
        actor: &Actor,
        reason: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<u64, DbErr> {
        let prefix = if top.division == "CN" { String::new() } else { top.division.clone() };
        let below = task::Entity::find()
            .filter(task::Column::RootId.eq(top.root_id))
            .filter(task::Column::Division.starts_with(prefix.as_str()))
            .filter(task::Column::Id.ne(top.id))
            .filter(task::Column::State.is_not_in([st(TaskState::SignedOff), st(TaskState::Cancelled)]))
            .order_by_asc(task::Column::Division)
            .lock_exclusive()
            .all(txn)
            .await?;
        for chunk in below.chunks(500) {
            task::Entity::update_many()
                .col_expr(task::Column::State, Expr::value(st(TaskState::Cancelled)))
                .col_expr(task::Column::Version, Expr::col(task::Column::Version).add(1))
                .col_expr(task::Column::UpdatedAt, Expr::value(now))
                .col_expr(task::Column::NextTimerAt, Expr::value(Option::<DateTime<Utc>>::None))
                .filter(task::Column::Id.is_in(chunk.iter().map(|t| t.id)))
                .exec(txn)
                .await?;
        }
        let log: Vec<_> = below
            .iter()
            .map(|t| crate::entity::event::ActiveModel {
                task_id: Set(t.id),
                root_id: Set(t.root_id),
                division: Set(t.division.clone()),
                change: Set(TaskChange::Cancelled.as_str().into()),
                state: Set(st(TaskState::Cancelled)),
                version: Set(t.version + 1),
                actor: Set(actor.subject.clone()),
                reason: Set(reason.map(str::to_owned)),
                data: Set(serde_json::json!({ "with": top.id }).to_string()),
                at: Set(now),
                ..Default::default()
            })
            .collect();
        for chunk in log.chunks(500) {
            crate::entity::event::Entity::insert_many(chunk.to_vec()).exec_without_returning(txn).await?;
        }
        Ok(below.len() as u64)
    }

    /// Records overdue or returned work against the division that owns it.
    pub(crate) async fn hold_accountable<C: ConnectionTrait>(
        &self,
        conn: &C,
        t: &task::Model,
        kind: &str,
        detail: &str,
        now: DateTime<Utc>,
    ) -> Result<(), DbErr> {
        accountability::ActiveModel {
            id: Set(Uuid::now_v7()),
            task_id: Set(t.id),
            division: Set(t.division.clone()),
            kind: Set(kind.to_owned()),
            escalated_to: Set(answers_to(t)),
            detail: Set(detail.to_owned()),
            at: Set(now),
        }
        .insert(conn)
        .await?;
        Ok(())
    }
}

/// A note's reason, required for some steps.
fn required_reason(note: &StepNote, step: &str) -> Result<String, Problem> {
    let given = note.reason.as_deref().map(|r| clean(r, Kind::Prose, "reason")).transpose()?;
    match given {
        Some(r) if !r.is_empty() && r.chars().count() <= REMARK_CHARS => Ok(r),
        Some(r) if !r.is_empty() => Err(Problem::invalid("reason", format!("at most {REMARK_CHARS} characters"))),
        _ => Err(Problem::invalid("reason", format!("say why you {step} it"))),
    }
}

/// Refuses to submit a task while a task below it is unfinished (lower layers sign off first) or
/// while the public notice it requires has not passed without objection.
pub(crate) async fn ready_to_submit<C: ConnectionTrait>(txn: &C, row: &task::Model) -> Result<(), Problem> {
    let pending = task::Entity::find()
        .filter(task::Column::ParentId.eq(row.id))
        .filter(task::Column::State.is_not_in([st(TaskState::SignedOff), st(TaskState::Cancelled)]))
        .count(txn)
        .await
        .map_err(internal)?;
    if pending > 0 {
        return Err(Problem::transition(format!(
            "{pending} task(s) below this one are not signed off yet; lower layers sign off first"
        )));
    }
    if let Some(kind) = &row.notice_kind {
        // The latest notice of the required kind decides: an earlier one that passed does not
        // cover a later one still open or interrupted.
        let latest = notice::Entity::find()
            .filter(notice::Column::TaskId.eq(row.id))
            .filter(notice::Column::Kind.eq(kind.as_str()))
            .order_by_desc(notice::Column::OpenedAt)
            .order_by_desc(notice::Column::Id)
            .one(txn)
            .await
            .map_err(internal)?;
        if latest.is_none_or(|n| n.state != enum_str(&NoticeState::Passed)) {
            return Err(Problem::transition(format!("the {kind} public notice has not yet passed without objection")));
        }
    }
    Ok(())
}

/// The layer a task's owner answers to: its signer, or for a task its own layer signs (a root),
/// the layer above that one (the centre answers to itself).
pub(crate) fn answers_to(t: &task::Model) -> String {
    if t.signer != t.division {
        return t.signer.clone();
    }
    match chain_domain::Division::parse(&t.division) {
        Ok(d) => d.parent().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "CN".to_owned()),
        Err(_) => t.division.clone(),
    }
}

/// Tasks whose deadline has passed while their owner still has to act.
pub(crate) fn overdue_condition(now: DateTime<Utc>) -> sea_orm::Condition {
    // `IS NOT NULL` keeps the condition two-valued, so its negation holds tasks without a deadline.
    sea_orm::Condition::all()
        .add(task::Column::DueAt.is_not_null())
        .add(task::Column::DueAt.lt(now))
        .add(task::Column::State.is_in([st(TaskState::Open), st(TaskState::InProgress), st(TaskState::Returned)]))
}

/// Whether a task row is overdue at `now`.
pub(crate) fn is_overdue(t: &task::Model, now: DateTime<Utc>) -> bool {
    let awaiting = state_of(t).map(TaskState::awaits_owner).unwrap_or(false);
    awaiting && t.due_at.is_some_and(|d| d < now)
}
