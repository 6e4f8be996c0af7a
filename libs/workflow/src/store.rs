//! The engine as the services' own workflows use it: a service opens a task about one of its
//! records (a household to plan for, an exit case to decide) and moves it along as its domain
//! rules allow, inside the transaction that changes the record. The service has already checked
//! the caller's role and layer; the engine checks the state machine and the version, and records
//! the change like any other.

use chain_api::tasks::{DeadlineStage, Task, TaskState};
use chain_api::{Principal, Problem, Role};
use chain_store::text::enum_str;
use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::{ConnectionTrait, QueryOrder};

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
}

impl Engine {
    /// Opens a root task about a record inside the caller's transaction; the owning division
    /// decides it (signs it off) itself.
    pub async fn open<C: ConnectionTrait>(&self, conn: &C, actor: &str, t: NewTask) -> Result<Task, DbErr> {
        let now = self.clock.now();
        let template = Template {
            kind: t.kind.to_owned(),
            title: t.title,
            body: "null".into(),
            assignee_role: t.assignee_role,
            required_approvals: 1,
            due_at: t.due_at,
            notice_kind: None,
        };
        let mut row = self.row(&template, &t.division, None, None, now);
        row.subject_id = t.subject_id;
        task::ActiveModel::from(row.clone()).insert(conn).await?;
        let actor = Actor { subject: actor.to_owned(), role: "service".into(), jurisdiction: t.division.clone() };
        self.record(
            conn,
            Change {
                task: &row,
                change: "opened",
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
        let now = self.clock.now();
        let Some(row) = task::Entity::find()
            .filter(task::Column::Kind.eq(kind))
            .filter(task::Column::SubjectId.eq(subject_id))
            .order_by_desc(task::Column::CreatedAt)
            .one(conn)
            .await?
        else {
            return Ok(None);
        };
        let current = match state_of(&row) {
            Ok(s) => s,
            Err(p) => return Ok(Some(Err(p))),
        };
        let next = match machine::next(current, action) {
            Ok(s) => s,
            Err(refusal) => return Ok(Some(Err(Problem::transition(refusal.to_string())))),
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
            return Ok(Some(Err(lost_race())));
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
        Ok(Some(Ok(to_api(&fresh)?)))
    }
}
