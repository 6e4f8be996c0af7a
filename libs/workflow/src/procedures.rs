//! The engine as the services' own workflows use it: a service opens a task about one of its
//! records (a household to plan for, an exit case to decide) and moves it along as its domain
//! rules allow, inside the transaction that changes the record. The service has already checked
//! the caller's role and layer; the engine checks the state machine and the version, and records
//! the change like any other.

use chain_api::workflow::{DeadlineStage, Task, TaskChange, TaskState};
use chain_api::{Principal, Problem, Role};
use chain_store::text::enum_str;
use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::{ConnectionTrait, QueryOrder, QuerySelect};

use crate::directive::Template;
use crate::engine::{Actor, Change, Engine, bump, lost_race, next_timer, state_of, to_api};
use crate::entity::task;
use crate::machine::{self, Action};

/// A task a service opens about one of its records.
#[derive(Debug, Clone)]
pub struct NewTask {
    /// Kind of work.
    pub kind: &'static str,
    /// Title.
    pub title: String,
    /// Owning division.
    pub division: String,
    /// Assignee role.
    pub assignee_role: Role,
    /// Subject record.
    pub subject_id: Option<Uuid>,
    /// Deadline.
    pub due_at: Option<DateTime<Utc>>,
    /// Free-form details (JSON).
    pub body: serde_json::Value,
    /// The division that signs the task off; `None`: the owning division decides it itself.
    pub signer: Option<String>,
    /// The public notice that must pass before the task can be submitted.
    pub notice_kind: Option<String>,
}

impl NewTask {
    /// A task of `kind` owned by `division`, decided there, with no deadline, body or notice.
    pub fn new(
        kind: &'static str,
        title: impl Into<String>,
        division: impl Into<String>,
        assignee_role: Role,
    ) -> NewTask {
        NewTask {
            kind,
            title: title.into(),
            division: division.into(),
            assignee_role,
            subject_id: None,
            due_at: None,
            body: serde_json::Value::Null,
            signer: None,
            notice_kind: None,
        }
    }
}

/// A procedure to open with [`Engine::open_procedures`]: one task per step, the deciding layer first.
#[derive(Debug, Clone)]
pub struct NewProcedure {
    /// The record the procedure is about.
    pub subject_id: Uuid,
    /// Title of its tasks.
    pub title: String,
    /// Its layers, from the deciding one down to where the work starts.
    pub steps: Vec<ProcedureStep>,
}

/// One layer of a procedure opened with [`Engine::open_procedure_steps`].
#[derive(Debug, Clone)]
pub struct ProcedureStep {
    /// The owning division.
    pub division: String,
    /// The public notice this layer must post and see pass before it submits.
    pub notice_kind: Option<&'static str>,
}

impl Engine {
    /// Opens a root task about a record inside the caller's transaction; the owning division
    /// decides it (signs it off) itself.
    pub async fn open<C: ConnectionTrait>(&self, conn: &C, actor: &str, t: NewTask) -> Result<Task, DbErr> {
        let now = self.clock.now();
        let template = Template {
            kind: t.kind.to_owned(),
            title: t.title,
            body: t.body.to_string(),
            assignee_role: t.assignee_role,
            required_approvals: 1,
            due_at: t.due_at,
            notice_kind: t.notice_kind,
        };
        let mut row = self.row(&template, &t.division, None, None, now);
        row.subject_id = t.subject_id;
        if let Some(signer) = t.signer {
            row.signer = signer;
        }
        task::ActiveModel::from(row.clone()).insert(conn).await?;
        let actor = Actor { subject: actor.to_owned(), role: "service".into(), jurisdiction: t.division.clone() };
        self.record(
            conn,
            Change {
                task: &row,
                change: TaskChange::Opened,
                actor: &actor,
                reason: None,
                data: serde_json::json!({ "subject_id": t.subject_id }),
                audited: true,
                published: true,
            },
            now,
        )
        .await?;
        to_api(&row)
    }

    /// Opens a procedure about a record as a chain of tasks, one per step from the deciding
    /// layer (`steps[0]`, the root, which signs itself off) down to where the work starts; each
    /// task is signed off by the one above, and a step may require a public notice of its layer.
    /// Inside the caller's transaction.
    pub async fn open_procedure_steps<C: ConnectionTrait>(
        &self,
        conn: &C,
        actor: &str,
        kind: &'static str,
        title: &str,
        subject_id: Uuid,
        steps: &[ProcedureStep],
    ) -> Result<Vec<Task>, DbErr> {
        let procedure = NewProcedure { subject_id, title: title.to_owned(), steps: steps.to_vec() };
        let mut opened = self.open_procedures(conn, actor, kind, std::slice::from_ref(&procedure), None).await?;
        Ok(opened.pop().unwrap_or_default())
    }

    /// Opens procedures of one kind, each as [`Engine::open_procedure_steps`] opens one, with every
    /// row, change-log entry, audit entry and event written in multi-row statements: the bulk path
    /// of a service admitting many records at once. With `started_by`, the task of each
    /// procedure's last step (where the work begins) is then started by that official, recorded
    /// as its own `started` change exactly as [`Engine::advance`] records it.
    pub async fn open_procedures<C: ConnectionTrait>(
        &self,
        conn: &C,
        actor: &str,
        kind: &'static str,
        procedures: &[NewProcedure],
        started_by: Option<&Principal>,
    ) -> Result<Vec<Vec<Task>>, DbErr> {
        let now = self.clock.now();
        let mut opened: Vec<task::Model> = Vec::with_capacity(procedures.len() * 3);
        let mut bounds = Vec::with_capacity(procedures.len());
        for procedure in procedures {
            let first = opened.len();
            let mut above: Option<(Uuid, Uuid, String)> = None;
            for step in &procedure.steps {
                let template = Template {
                    kind: kind.to_owned(),
                    title: procedure.title.clone(),
                    body: "null".into(),
                    assignee_role: Role::Approver,
                    required_approvals: 1,
                    due_at: None,
                    notice_kind: step.notice_kind.map(str::to_owned),
                };
                let under = above.as_ref().map(|(parent, root, signer)| crate::directive::Under {
                    parent: *parent,
                    root: *root,
                    signer: signer.as_str(),
                });
                let mut row = self.row(&template, &step.division, under, None, now);
                row.subject_id = Some(procedure.subject_id);
                above = Some((row.id, row.root_id, row.division.clone()));
                opened.push(row);
            }
            bounds.push(first..opened.len());
        }
        let mut started: Vec<task::Model> = vec![];
        if started_by.is_some() {
            for range in bounds.iter().filter(|r| !r.is_empty()) {
                let row = &opened[range.end - 1];
                let current = state_of(row).map_err(|p| DbErr::Custom(p.title))?;
                let next = machine::next(current, Action::Start).map_err(|r| DbErr::Custom(r.to_string()))?;
                let stage: DeadlineStage = chain_store::text::parse_enum(&row.deadline_stage)?;
                let mut moved = row.clone();
                moved.state = enum_str(&next);
                moved.next_timer_at = if next.awaits_owner() {
                    next_timer(stage, row.remind_at, row.due_at, row.escalate_at)
                } else {
                    None
                };
                moved.version = row.version + 1;
                moved.updated_at = now;
                started.push(moved);
            }
        }
        // The rows as they stand once every procedure is open (and its first task started).
        let mut stored: Vec<task::ActiveModel> = Vec::with_capacity(opened.len());
        let mut next_started = started.iter().peekable();
        for row in &opened {
            match next_started.next_if(|s| s.id == row.id) {
                Some(s) => stored.push(s.clone().into()),
                None => stored.push(row.clone().into()),
            }
        }
        for chunk in stored.chunks(400) {
            task::Entity::insert_many(chunk.to_vec()).exec_without_returning(conn).await?;
        }
        let owners: Vec<Actor> = opened
            .iter()
            .map(|r| Actor { subject: actor.to_owned(), role: "service".into(), jurisdiction: r.division.clone() })
            .collect();
        let starter = started_by.map(Actor::of);
        let mut changes: Vec<Change<'_>> = opened
            .iter()
            .zip(&owners)
            .map(|(row, who)| Change {
                task: row,
                change: TaskChange::Opened,
                actor: who,
                reason: None,
                data: serde_json::json!({ "subject_id": row.subject_id }),
                audited: true,
                published: true,
            })
            .collect();
        if let Some(starter) = &starter {
            changes.extend(started.iter().map(|row| Change {
                task: row,
                change: Action::Start.change(),
                actor: starter,
                reason: None,
                data: serde_json::json!({ "from": enum_str(&TaskState::Open) }),
                audited: true,
                published: true,
            }));
        }
        self.record_many(conn, &changes, now).await?;
        let mut out = Vec::with_capacity(bounds.len());
        let mut next_started = started.iter().peekable();
        for range in bounds {
            let mut tasks = Vec::with_capacity(range.len());
            for row in &opened[range] {
                tasks.push(match next_started.next_if(|s| s.id == row.id) {
                    Some(s) => to_api(s)?,
                    None => to_api(row)?,
                });
            }
            out.push(tasks);
        }
        Ok(out)
    }

    /// A task by id, whoever asks: for a service checking a reference to one of its own tasks.
    pub async fn task_by_id<C: ConnectionTrait>(&self, conn: &C, id: Uuid) -> Result<Option<Task>, DbErr> {
        match task::Entity::find_by_id(id).one(conn).await? {
            Some(row) => Ok(Some(to_api(&row)?)),
            None => Ok(None),
        }
    }

    /// The task of `kind` about `subject_id` (owned by `division` when given; the newest one).
    pub async fn procedure_task<C: ConnectionTrait>(
        &self,
        conn: &C,
        kind: &str,
        subject_id: Uuid,
        division: Option<&str>,
    ) -> Result<Option<Task>, DbErr> {
        match self.find_procedure_task(conn, kind, subject_id, division).await? {
            Some(row) => Ok(Some(to_api(&row)?)),
            None => Ok(None),
        }
    }

    async fn find_procedure_task<C: ConnectionTrait>(
        &self,
        conn: &C,
        kind: &str,
        subject_id: Uuid,
        division: Option<&str>,
    ) -> Result<Option<task::Model>, DbErr> {
        let mut find =
            task::Entity::find().filter(task::Column::Kind.eq(kind)).filter(task::Column::SubjectId.eq(subject_id));
        if let Some(d) = division {
            find = find.filter(task::Column::Division.eq(d));
        }
        // Ids are time-ordered: the later of two tasks opened at one instant comes first.
        find.order_by_desc(task::Column::CreatedAt).order_by_desc(task::Column::Id).one(conn).await
    }

    /// Sets the deadline of the task of `kind` about `subject_id` owned by `division` (once the work
    /// reaches that layer); the reminder and escalation of the deadline ladder follow it.
    pub async fn set_due<C: ConnectionTrait>(
        &self,
        conn: &C,
        kind: &str,
        subject_id: Uuid,
        division: &str,
        due_at: DateTime<Utc>,
    ) -> Result<(), DbErr> {
        let now = self.clock.now();
        let Some(row) = self.find_procedure_task(conn, kind, subject_id, Some(division)).await? else {
            return Err(DbErr::RecordNotFound(format!("{kind} task at {division}")));
        };
        let ladder = self.ladder.for_task(kind, chain_domain::Division::parse(division).ok().as_ref());
        let (remind_at, escalate_at) = (ladder.remind_at(due_at), ladder.escalate_at(due_at));
        let awaiting = state_of(&row).map(TaskState::awaits_owner).unwrap_or(false);
        let timer = if awaiting {
            next_timer(DeadlineStage::OnTime, Some(remind_at), Some(due_at), Some(escalate_at))
        } else {
            None
        };
        let changes = vec![
            (task::Column::DueAt, Expr::value(Some(due_at))),
            (task::Column::RemindAt, Expr::value(Some(remind_at))),
            (task::Column::EscalateAt, Expr::value(Some(escalate_at))),
            (task::Column::DeadlineStage, Expr::value(enum_str(&DeadlineStage::OnTime))),
            (task::Column::NextTimerAt, Expr::value(timer)),
        ];
        if !bump(conn, &row, now, changes).await? {
            return Err(DbErr::Custom("the task changed at the same moment".into()));
        }
        let fresh = self.reload(conn, row.id).await?;
        self.record(
            conn,
            Change {
                task: &fresh,
                change: TaskChange::Scheduled,
                actor: &Actor::system(),
                reason: None,
                data: serde_json::json!({ "due_at": due_at }),
                audited: false,
                published: true,
            },
            now,
        )
        .await?;
        Ok(())
    }

    /// Moves the newest task of `kind` about `subject_id` along, inside the caller's transaction.
    /// `Ok(None)` when there is no such task.
    pub async fn transition<C: ConnectionTrait>(
        &self,
        conn: &C,
        principal: &Principal,
        kind: &str,
        subject_id: Uuid,
        action: Action,
        reason: Option<&str>,
    ) -> Result<Option<Result<Task, Problem>>, DbErr> {
        self.transition_at(conn, principal, kind, subject_id, None, action, reason).await
    }

    /// Moves a procedure's tasks along in order — each `(division, action)` on the task of `kind`
    /// about `subject_id` owned by that division — inside the caller's transaction. The first
    /// refusal is the answer; a missing task is an internal error (the service opened them all).
    pub async fn advance<C: ConnectionTrait, D: AsRef<str>>(
        &self,
        conn: &C,
        principal: &Principal,
        kind: &str,
        subject_id: Uuid,
        moves: &[(D, Action)],
        reason: Option<&str>,
    ) -> Result<(), Problem> {
        for (division, action) in moves {
            let division = division.as_ref();
            let moved = self
                .transition_at(conn, principal, kind, subject_id, Some(division), *action, reason)
                .await
                .map_err(crate::engine::internal)?;
            match moved {
                Some(Ok(_)) => {}
                Some(Err(problem)) => return Err(problem),
                None => {
                    tracing::error!(%subject_id, kind, division, "a procedure task is missing");
                    return Err(Problem::internal());
                }
            }
        }
        Ok(())
    }

    /// Like [`Engine::transition`], for the task of a procedure owned by `division`.
    #[allow(clippy::too_many_arguments)]
    pub async fn transition_at<C: ConnectionTrait>(
        &self,
        conn: &C,
        principal: &Principal,
        kind: &str,
        subject_id: Uuid,
        division: Option<&str>,
        action: Action,
        reason: Option<&str>,
    ) -> Result<Option<Result<Task, Problem>>, DbErr> {
        let Some(row) = self.find_procedure_task(conn, kind, subject_id, division).await? else {
            return Ok(None);
        };
        self.move_row(conn, principal, row, action, reason).await.map(Some)
    }

    /// Moves every task of `kind` owned by `division` that awaits its owner along, inside the
    /// caller's transaction: work a service finds done in its own records (a directive that the
    /// records satisfy). Answers what each move gave, in creation order.
    pub async fn transition_owned<C: ConnectionTrait>(
        &self,
        conn: &C,
        principal: &Principal,
        kind: &str,
        division: &str,
        action: Action,
        reason: Option<&str>,
    ) -> Result<Vec<Result<Task, Problem>>, DbErr> {
        let rows = task::Entity::find()
            .filter(task::Column::Kind.eq(kind))
            .filter(task::Column::Division.eq(division))
            .filter(task::Column::State.is_in(TaskState::AWAITING_OWNER.map(|s| enum_str(&s))))
            .order_by_asc(task::Column::CreatedAt)
            .order_by_asc(task::Column::Id)
            .all(conn)
            .await?;
        let mut moved = Vec::with_capacity(rows.len());
        for row in rows {
            moved.push(self.move_row(conn, principal, row, action, reason).await?);
        }
        Ok(moved)
    }

    /// The divisions owning tasks of `kind` that await their owner, in code order after `after`,
    /// at most `limit`: where a service looks for work its records may have done.
    pub async fn divisions_awaiting<C: ConnectionTrait>(
        &self,
        conn: &C,
        kind: &str,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<String>, DbErr> {
        let mut find = task::Entity::find()
            .select_only()
            .column(task::Column::Division)
            .distinct()
            .filter(task::Column::Kind.eq(kind))
            .filter(task::Column::State.is_in(TaskState::AWAITING_OWNER.map(|s| enum_str(&s))));
        if let Some(after) = after {
            find = find.filter(task::Column::Division.gt(after));
        }
        find.order_by_asc(task::Column::Division).limit(limit).into_tuple().all(conn).await
    }

    /// Applies `action` to the task `row` as the state machine and the submission rule allow.
    async fn move_row<C: ConnectionTrait>(
        &self,
        conn: &C,
        principal: &Principal,
        row: task::Model,
        action: Action,
        reason: Option<&str>,
    ) -> Result<Result<Task, Problem>, DbErr> {
        let now = self.clock.now();
        let current = match state_of(&row) {
            Ok(s) => s,
            Err(p) => return Ok(Err(p)),
        };
        let next = match machine::next(current, action) {
            Ok(s) => s,
            Err(refusal) => return Ok(Err(Problem::transition(refusal.to_string()))),
        };
        if action == Action::Submit
            && let Err(p) = crate::steps::ready_to_submit(conn, &row).await
        {
            return Ok(Err(p));
        }
        let row = if action == Action::Submit {
            match self.catch_up(conn, &row, now).await? {
                Some(row) => row,
                None => return Ok(Err(lost_race())),
            }
        } else {
            row
        };
        let stage: DeadlineStage = chain_store::text::parse_enum(&row.deadline_stage)?;
        let timer =
            if next.awaits_owner() { next_timer(stage, row.remind_at, row.due_at, row.escalate_at) } else { None };
        let mut changes =
            vec![(task::Column::State, Expr::value(enum_str(&next))), (task::Column::NextTimerAt, Expr::value(timer))];
        if action == Action::Submit {
            changes.push((task::Column::SubmittedBy, Expr::value(principal.subject.clone())));
        }
        if next == TaskState::SignedOff {
            changes.push((
                task::Column::Approvals,
                Expr::value(serde_json::to_string(&[&principal.subject]).unwrap_or_default()),
            ));
        }
        if !bump(conn, &row, now, changes).await? {
            return Ok(Err(lost_race()));
        }
        let fresh = self.reload(conn, row.id).await?;
        self.record(
            conn,
            Change {
                task: &fresh,
                change: action.change(),
                actor: &Actor::of(principal),
                reason,
                data: serde_json::json!({ "from": row.state }),
                audited: true,
                published: true,
            },
            now,
        )
        .await?;
        Ok(Ok(to_api(&fresh)?))
    }
}
