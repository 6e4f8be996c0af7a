//! Opening the tasks of a tree: what its tasks share, one task row with its deadline ladder, and
//! the planned tasks written in batches inside the caller's transaction.

use std::collections::BTreeMap;

use chain_api::workflow::{DeadlineStage, TaskChange, TaskState};
use chain_api::{Problem, Role};
use chain_domain::Division;
use chain_domain::calendar::end_of_day_beijing;
use chain_store::text::{enum_str, parse_enum};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, ConnectionTrait};

use super::plan::PlannedTask;
use crate::engine::{Actor, Engine, next_timer};
use crate::entity::{event, task};

/// Rows per multi-row insert.
const BATCH: usize = 500;

/// What a tree of tasks is about, shared by all its tasks.
#[derive(Debug, Clone)]
pub(crate) struct Template {
    pub kind: String,
    pub title: String,
    pub body: String,
    pub assignee_role: Role,
    pub required_approvals: i32,
    pub due_at: Option<DateTime<Utc>>,
    pub notice_kind: Option<String>,
}

impl Template {
    /// What the tasks opened below `row` share with it (kind, title, body, role, approvals), due
    /// at `due_at` and requiring a notice of `notice_kind`.
    pub(super) fn below(
        row: &task::Model,
        due_at: Option<DateTime<Utc>>,
        notice_kind: Option<String>,
    ) -> Result<Template, DbErr> {
        Ok(Template {
            kind: row.kind.clone(),
            title: row.title.clone(),
            body: row.body.clone(),
            assignee_role: parse_enum(&row.assignee_role)?,
            required_approvals: row.required_approvals,
            due_at,
            notice_kind,
        })
    }
}

/// Where a new task hangs in a tree: under a parent task, whose division signs it off.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Under<'a> {
    /// The parent task.
    pub parent: Uuid,
    /// The root of the parent's tree.
    pub root: Uuid,
    /// The parent's division, which signs the new task off.
    pub signer: &'a str,
}

/// The deadline of a request: a Beijing due date or an exact instant, in the future.
pub(super) fn deadline(
    due_date: Option<NaiveDate>,
    due_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    required: bool,
) -> Result<Option<DateTime<Utc>>, Problem> {
    let due = match (due_date, due_at) {
        (Some(_), Some(_)) => return Err(Problem::invalid("due_date", "give either `due_date` or `due_at`")),
        (Some(d), None) => Some(end_of_day_beijing(d)),
        (None, Some(t)) => Some(t),
        (None, None) if required => return Err(Problem::invalid("due_date", "a directive needs a deadline")),
        (None, None) => None,
    };
    if let Some(d) = due
        && d <= now
    {
        return Err(Problem::invalid("due_date", "the deadline has already passed"));
    }
    Ok(due)
}

impl Engine {
    /// A task row for a division, with its deadline ladder: under a parent, or (`None`) a root of
    /// a new tree that its own layer signs off.
    pub(crate) fn row(
        &self,
        t: &Template,
        division: &str,
        under: Option<Under<'_>>,
        quota: Option<i64>,
        now: DateTime<Utc>,
    ) -> task::Model {
        let id = Uuid::now_v7();
        let (parent, root, signer) = match under {
            Some(u) => (Some(u.parent), Some(u.root), u.signer),
            None => (None, None, division),
        };
        let (remind_at, escalate_at) = match t.due_at {
            Some(due) => {
                let ladder = self.ladder.for_task(&t.kind, Division::parse(division).ok().as_ref());
                (Some(ladder.remind_at(due)), Some(ladder.escalate_at(due)))
            }
            None => (None, None),
        };
        task::Model {
            id,
            service: self.service.to_owned(),
            kind: t.kind.clone(),
            title: t.title.clone(),
            body: t.body.clone(),
            division: division.to_owned(),
            parent_id: parent,
            root_id: root.unwrap_or(id),
            signer: signer.to_owned(),
            assignee_role: enum_str(&t.assignee_role),
            state: enum_str(&TaskState::Open),
            subject_id: None,
            quota,
            required_approvals: t.required_approvals,
            approvals: "[]".into(),
            submitted_by: None,
            due_at: t.due_at,
            remind_at,
            escalate_at,
            deadline_stage: enum_str(&DeadlineStage::OnTime),
            next_timer_at: next_timer(DeadlineStage::OnTime, remind_at, t.due_at, escalate_at),
            notice_kind: t.notice_kind.clone(),
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }

    /// Opens the planned tasks under `top` inside the caller's transaction: rows in batches, one
    /// `decomposed` change per parent below `top` that received children (the caller records the
    /// change to `top` itself). Only the targets carry the template's notice requirement. Returns
    /// how many tasks were opened.
    pub(super) async fn open_planned<C: ConnectionTrait>(
        &self,
        conn: &C,
        top: &task::Model,
        planned: &[PlannedTask],
        t: &Template,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<u64, DbErr> {
        // Only the ids are kept for every planned task; rows go to the database in batches as
        // they are built, so a directive to every village never holds all its rows in memory.
        let mut ids: BTreeMap<&Division, Uuid> = BTreeMap::new();
        let mut rows = Vec::with_capacity(BATCH);
        let mut opened = 0u64;
        let mut children: BTreeMap<Uuid, (String, u64)> = BTreeMap::new();
        let between = Template { notice_kind: None, ..t.clone() };
        for p in planned {
            // The plan is ordered by code, so every parent precedes its children.
            let (parent_id, signer) = match &p.parent {
                Some(parent) => {
                    let id = ids.get(parent).ok_or_else(|| DbErr::Custom("plan out of order".into()))?;
                    (*id, parent.as_str().to_owned())
                }
                None => (top.id, top.division.clone()),
            };
            let template = if p.target { t } else { &between };
            let row = self.row(
                template,
                p.division.as_str(),
                Some(Under { parent: parent_id, root: top.root_id, signer: &signer }),
                p.quota,
                now,
            );
            ids.insert(&p.division, row.id);
            children.entry(parent_id).or_insert_with(|| (signer.clone(), 0)).1 += 1;
            rows.push(task::ActiveModel::from(row));
            if rows.len() == BATCH {
                task::Entity::insert_many(std::mem::take(&mut rows)).exec_without_returning(conn).await?;
                opened += BATCH as u64;
            }
        }
        if !rows.is_empty() {
            opened += rows.len() as u64;
            task::Entity::insert_many(rows).exec_without_returning(conn).await?;
        }
        let mut log = Vec::with_capacity(children.len());
        for (parent_id, (division, n)) in children.iter().filter(|(id, _)| **id != top.id) {
            log.push(event::ActiveModel {
                task_id: Set(*parent_id),
                root_id: Set(top.root_id),
                division: Set(division.clone()),
                change: Set(TaskChange::Decomposed.as_str().into()),
                state: Set(enum_str(&TaskState::Open)),
                version: Set(1),
                actor: Set(actor.subject.clone()),
                reason: Set(None),
                data: Set(serde_json::json!({ "children": n }).to_string()),
                at: Set(now),
                ..Default::default()
            });
        }
        for chunk in log.chunks(BATCH) {
            event::Entity::insert_many(chunk.to_vec()).exec_without_returning(conn).await?;
        }
        Ok(opened)
    }
}
