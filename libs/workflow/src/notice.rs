//! Public-notice windows as a step of a task: the owning layer posts a notice for the number of
//! days its province sets for that kind; anyone whose jurisdiction covers the division may lodge an
//! objection while it is open, which interrupts the notice and sends the task back for review; the
//! step passes only when a window runs out with no open objection (the timers close it).

use chain_api::limits::{ON_BEHALF_CHARS, REMARK_CHARS};
use chain_api::step::Step;
use chain_api::workflow::{
    LodgeObjection, Notice, NoticeState, Objection, ObjectionState, OpenNotice, ResolveObjection, TaskChange, TaskState,
};
use chain_api::{Principal, Problem, ProblemKind, Role};
use chain_domain::Division;
use chain_store::text::{enum_str, parse_enum};
use chrono::{DateTime, Duration, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::SimpleExpr;
use sea_orm::{ConnectionTrait, QueryOrder, TransactionTrait};

use crate::engine::{
    Actor, Change, Engine, NoticeEvent, bump, check_version, in_txn, internal, lost_race, state_of, visible_task,
};
use crate::entity::{notice, objection, task};
use crate::rules::{clean, covers, owner_acts};
use chain_domain::text::Kind;

fn objection_api(m: &objection::Model) -> Result<Objection, DbErr> {
    Ok(Objection {
        id: m.id,
        notice_id: m.notice_id,
        task_id: m.task_id,
        division: m.division.clone(),
        lodged_by: m.lodged_by.clone(),
        lodged_for: m.lodged_for.clone(),
        reason: m.reason.clone(),
        state: parse_enum(&m.state)?,
        lodged_at: m.lodged_at,
        resolved_by: m.resolved_by.clone(),
        resolution: m.resolution.clone(),
        resolved_at: m.resolved_at,
        version: m.version,
    })
}

async fn notice_api<C: ConnectionTrait>(conn: &C, m: &notice::Model) -> Result<Notice, DbErr> {
    let objections = objection::Entity::find()
        .filter(objection::Column::NoticeId.eq(m.id))
        .order_by_asc(objection::Column::LodgedAt)
        .all(conn)
        .await?
        .iter()
        .map(objection_api)
        .collect::<Result<_, _>>()?;
    Ok(Notice {
        id: m.id,
        task_id: m.task_id,
        division: m.division.clone(),
        kind: m.kind.clone(),
        days: m.days.max(0) as u32,
        opened_at: m.opened_at,
        closes_at: m.closes_at,
        state: parse_enum(&m.state)?,
        objections,
        version: m.version,
    })
}

/// Moves a notice to `state` if it is still at the version read; false when another change won.
async fn set_notice_state<C: ConnectionTrait>(conn: &C, n: &notice::Model, state: NoticeState) -> Result<bool, DbErr> {
    let r = notice::Entity::update_many()
        .col_expr(notice::Column::State, Expr::value(enum_str(&state)))
        .col_expr(notice::Column::Version, Expr::value(n.version + 1))
        .filter(notice::Column::Id.eq(n.id))
        .filter(notice::Column::Version.eq(n.version))
        .exec(conn)
        .await?;
    Ok(r.rows_affected == 1)
}

/// What happened to a task's notice, or to an objection against it, as the task's change log,
/// audit trail and events record it.
struct Noted<'a> {
    change: TaskChange,
    actor: &'a Actor,
    reason: Option<&'a str>,
    data: serde_json::Value,
}

impl Engine {
    /// Gives the task a notice belongs to a new version with `changes` — so the change log never
    /// shows two changes at one version — and records what happened on it. `None` when another
    /// change to the task won the race.
    async fn note<C: ConnectionTrait>(
        &self,
        conn: &C,
        row: &task::Model,
        changes: Vec<(task::Column, SimpleExpr)>,
        what: Noted<'_>,
        now: DateTime<Utc>,
    ) -> Result<Option<task::Model>, DbErr> {
        if !bump(conn, row, now, changes).await? {
            return Ok(None);
        }
        let fresh = self.reload(conn, row.id).await?;
        let Noted { change, actor, reason, data } = what;
        self.record(conn, Change { task: &fresh, change, actor, reason, data, audited: true, published: true }, now)
            .await?;
        Ok(Some(fresh))
    }
}

impl Engine {
    /// Posts a notice on a task (its own layer). The task is in progress while the notice runs.
    pub async fn open_notice(&self, p: &Principal, req: Step<OpenNotice>) -> Result<Notice, Problem> {
        let posted: chain_bus::Result<Notice> = in_txn(&self.db, async |txn| {
            let row = visible_task(txn, p, req.id).await?;
            owner_acts(p, &row.division, &[Role::Operator, Role::Approver])?;
            self.post_notice(txn, p, &row, req.body.kind.clone(), req.expected_version).await
        })
        .await;
        Ok(posted?)
    }

    /// Posts the notice a service procedure's task requires (the task of `kind` about `subject_id`
    /// owned by `division`), inside the caller's transaction. The service has already checked
    /// that the caller may take the step.
    pub async fn post_procedure_notice<C: ConnectionTrait>(
        &self,
        conn: &C,
        p: &Principal,
        kind: &str,
        subject_id: Uuid,
        division: &str,
    ) -> Result<Notice, Problem> {
        let row = task::Entity::find()
            .filter(task::Column::Kind.eq(kind))
            .filter(task::Column::SubjectId.eq(subject_id))
            .filter(task::Column::Division.eq(division))
            .order_by_desc(task::Column::CreatedAt)
            .one(conn)
            .await
            .map_err(internal)?
            .ok_or_else(|| Problem::not_found("task"))?;
        Ok(self.post_notice(conn, p, &row, None, None).await?)
    }

    async fn post_notice<C: ConnectionTrait>(
        &self,
        txn: &C,
        p: &Principal,
        row: &task::Model,
        kind: Option<String>,
        expected_version: Option<i64>,
    ) -> chain_bus::Result<Notice> {
        let now = self.clock.now();
        let state = state_of(row)?;
        if !state.awaits_owner() {
            let detail = format!("a notice is posted while the work is under way; the task is {}", row.state);
            return Err(Problem::transition(detail).into());
        }
        let Some(kind) = kind.or_else(|| row.notice_kind.clone()) else {
            return Err(Problem::invalid("kind", "this task requires no notice; name the kind of notice").into());
        };
        let division = Division::parse(&row.division)
            .map_err(|_| Problem::invalid("kind", "the central layer posts no public notice"))?;
        let Some(days) = self.notice_days.days_for(&kind, &division) else {
            let known = format!("unknown notice kind; known: {}", self.notice_days.kinds().join(", "));
            return Err(Problem::invalid("kind", known).into());
        };
        let open = notice::Entity::find()
            .filter(notice::Column::TaskId.eq(row.id))
            .filter(notice::Column::State.eq(enum_str(&NoticeState::Open)))
            .count(txn)
            .await?;
        if open > 0 {
            return Err(Problem::new(ProblemKind::Conflict, "a notice is already open on this task").into());
        }
        let unresolved = objection::Entity::find()
            .filter(objection::Column::TaskId.eq(row.id))
            .filter(objection::Column::State.eq(enum_str(&ObjectionState::Open)))
            .count(txn)
            .await?;
        if unresolved > 0 {
            let detail =
                format!("{unresolved} objection(s) to an earlier notice are still under review; resolve them first");
            return Err(Problem::transition(detail).into());
        }
        check_version(expected_version, row.version, "task")?;
        if !bump(txn, row, now, vec![(task::Column::State, Expr::value(enum_str(&TaskState::InProgress)))]).await? {
            return Err(lost_race().into());
        }
        let n = notice::Model {
            id: Uuid::now_v7(),
            task_id: row.id,
            root_id: row.root_id,
            division: row.division.clone(),
            kind: kind.clone(),
            days: days as i32,
            opened_at: now,
            closes_at: now + Duration::days(i64::from(days)),
            state: enum_str(&NoticeState::Open),
            opened_by: p.subject.clone(),
            version: 1,
        };
        notice::ActiveModel::from(n.clone()).insert(txn).await?;
        let fresh = self.reload(txn, row.id).await?;
        let data = serde_json::json!({ "notice_id": n.id, "kind": kind, "days": days, "closes_at": n.closes_at });
        let opened = Change {
            task: &fresh,
            change: TaskChange::NoticeOpened,
            actor: &Actor::of(p),
            reason: None,
            data,
            audited: true,
            published: true,
        };
        self.record(txn, opened, now).await?;
        Ok(notice_api(txn, &n).await?)
    }

    /// Tells the service's hook, if any, what happened to a notice on one of its tasks.
    async fn tell_hook(
        &self,
        txn: &sea_orm::DatabaseTransaction,
        task: &task::Model,
        event: NoticeEvent,
    ) -> Result<(), Problem> {
        match &self.hook {
            Some(hook) => hook.on_notice(self, txn, &crate::engine::to_api(task).map_err(internal)?, event).await,
            None => Ok(()),
        }
    }

    /// The notice currently up on a task of `kind` about `subject_id`, if any.
    pub async fn open_notice_about<C: ConnectionTrait>(
        &self,
        conn: &C,
        kind: &str,
        subject_id: Uuid,
    ) -> Result<Option<Notice>, DbErr> {
        use sea_orm::QuerySelect;
        let tasks: Vec<Uuid> = task::Entity::find()
            .select_only()
            .column(task::Column::Id)
            .filter(task::Column::Kind.eq(kind))
            .filter(task::Column::SubjectId.eq(subject_id))
            .into_tuple()
            .all(conn)
            .await?;
        let open = notice::Entity::find()
            .filter(notice::Column::TaskId.is_in(tasks))
            .filter(notice::Column::State.eq(enum_str(&NoticeState::Open)))
            .one(conn)
            .await?;
        match open {
            Some(n) => Ok(Some(notice_api(conn, &n).await?)),
            None => Ok(None),
        }
    }

    /// A notice the caller may see.
    pub async fn notice(&self, p: &Principal, id: Uuid) -> Result<Notice, Problem> {
        let n = notice::Entity::find_by_id(id).one(&self.db).await.map_err(internal)?;
        match n {
            Some(n) if covers(p, &n.division) => notice_api(&self.db, &n).await.map_err(internal),
            _ => Err(Problem::not_found("notice")),
        }
    }

    /// Lodges an objection while a notice is open: the notice is interrupted and the task goes
    /// back to its owner for review.
    pub async fn object(&self, p: &Principal, req: Step<LodgeObjection>) -> Result<Objection, Problem> {
        let now = self.clock.now();
        let reason = clean(&req.body.reason, Kind::Prose, "reason")?;
        if reason.is_empty() || reason.chars().count() > REMARK_CHARS {
            return Err(Problem::invalid("reason", format!("1–{REMARK_CHARS} characters")));
        }
        let lodged_for = req.body.lodged_for.as_deref().map(|f| clean(f, Kind::Name, "lodged_for")).transpose()?;
        if lodged_for.as_ref().is_some_and(|f| f.is_empty() || f.chars().count() > ON_BEHALF_CHARS) {
            return Err(Problem::invalid("lodged_for", format!("1–{ON_BEHALF_CHARS} characters")));
        }
        let lodged: chain_bus::Result<Objection> = in_txn(&self.db, async |txn| {
            let n = match notice::Entity::find_by_id(req.id).one(txn).await? {
                Some(n) if covers(p, &n.division) => n,
                _ => return Err(Problem::not_found("notice").into()),
            };
            if n.state != enum_str(&NoticeState::Open) || now >= n.closes_at {
                return Err(Problem::transition("the notice is not open for objections").into());
            }
            check_version(req.expected_version, n.version, "notice")?;
            if !set_notice_state(txn, &n, NoticeState::Interrupted).await? {
                return Err(Problem::new(ProblemKind::StaleVersion, "the notice changed at the same moment").into());
            }
            let o = objection::Model {
                id: Uuid::now_v7(),
                notice_id: n.id,
                task_id: n.task_id,
                division: n.division.clone(),
                lodged_by: p.subject.clone(),
                lodged_for: lodged_for.clone(),
                reason: reason.clone(),
                state: enum_str(&ObjectionState::Open),
                lodged_at: now,
                resolved_by: None,
                resolution: None,
                resolved_at: None,
                version: 1,
            };
            objection::ActiveModel::from(o.clone()).insert(txn).await?;
            let row = self.reload(txn, n.task_id).await?;
            // Work still with its owner goes back for review.
            let changes = if state_of(&row)?.awaits_owner() {
                vec![(task::Column::State, Expr::value(enum_str(&TaskState::Returned)))]
            } else {
                vec![]
            };
            let lodged = Noted {
                change: TaskChange::ObjectionLodged,
                actor: &Actor::of(p),
                reason: Some(&reason),
                data: serde_json::json!({ "notice_id": n.id, "objection_id": o.id }),
            };
            let fresh = self.note(txn, &row, changes, lodged, now).await?.ok_or_else(lost_race)?;
            self.tell_hook(txn, &fresh, NoticeEvent::ObjectionLodged).await?;
            Ok(objection_api(&o)?)
        })
        .await;
        Ok(lodged?)
    }

    /// The owning layer resolves an objection after review.
    pub async fn resolve(&self, p: &Principal, req: Step<ResolveObjection>) -> Result<Objection, Problem> {
        let now = self.clock.now();
        let finding = req.body.reason.trim().to_owned();
        if finding.is_empty() || finding.chars().count() > REMARK_CHARS {
            return Err(Problem::invalid("reason", format!("1–{REMARK_CHARS} characters")));
        }
        let resolved: chain_bus::Result<Objection> = in_txn(&self.db, async |txn| {
            let o = match objection::Entity::find_by_id(req.id).one(txn).await? {
                Some(o) if covers(p, &o.division) => o,
                _ => return Err(Problem::not_found("objection").into()),
            };
            owner_acts(p, &o.division, &[Role::Approver])?;
            if o.state != enum_str(&ObjectionState::Open) {
                return Err(Problem::transition("the objection is already resolved").into());
            }
            check_version(req.expected_version, o.version, "objection")?;
            let state = if req.body.upheld { ObjectionState::Upheld } else { ObjectionState::Dismissed };
            let r = objection::Entity::update_many()
                .col_expr(objection::Column::State, Expr::value(enum_str(&state)))
                .col_expr(objection::Column::ResolvedBy, Expr::value(p.subject.clone()))
                .col_expr(objection::Column::Resolution, Expr::value(finding.clone()))
                .col_expr(objection::Column::ResolvedAt, Expr::value(now))
                .col_expr(objection::Column::Version, Expr::value(o.version + 1))
                .filter(objection::Column::Id.eq(o.id))
                .filter(objection::Column::Version.eq(o.version))
                .exec(txn)
                .await?;
            if r.rows_affected != 1 {
                return Err(Problem::new(ProblemKind::StaleVersion, "the objection changed at the same moment").into());
            }
            let row = self.reload(txn, o.task_id).await?;
            let resolved = Noted {
                change: TaskChange::ObjectionResolved,
                actor: &Actor::of(p),
                reason: Some(&finding),
                data: serde_json::json!({ "objection_id": o.id, "upheld": req.body.upheld }),
            };
            let fresh = self.note(txn, &row, vec![], resolved, now).await?.ok_or_else(lost_race)?;
            self.tell_hook(txn, &fresh, NoticeEvent::ObjectionResolved { upheld: req.body.upheld }).await?;
            let fresh_o = objection::Entity::find_by_id(o.id).one(txn).await?.ok_or_else(Problem::internal)?;
            Ok(objection_api(&fresh_o)?)
        })
        .await;
        Ok(resolved?)
    }

    /// Closes the notices whose window has run out with no open objection. Returns how many passed.
    pub(crate) async fn close_notices(&self, now: DateTime<Utc>, limit: u64) -> Result<usize, DbErr> {
        use sea_orm::QuerySelect;
        let due = notice::Entity::find()
            .filter(notice::Column::State.eq(enum_str(&NoticeState::Open)))
            .filter(notice::Column::ClosesAt.lte(now))
            .order_by_asc(notice::Column::ClosesAt)
            .limit(limit)
            .all(&self.db)
            .await?;
        let mut passed = 0;
        for n in due {
            let txn = self.db.begin().await?;
            if !set_notice_state(&txn, &n, NoticeState::Passed).await? {
                txn.rollback().await?;
                continue;
            }
            let row = self.reload(&txn, n.task_id).await?;
            let passed_now = Noted {
                change: TaskChange::NoticePassed,
                actor: &Actor::system(),
                reason: None,
                data: serde_json::json!({ "notice_id": n.id, "kind": n.kind, "days": n.days }),
            };
            let Some(fresh) = self.note(&txn, &row, vec![], passed_now, now).await? else {
                txn.rollback().await?;
                continue;
            };
            if let Err(p) = self.tell_hook(&txn, &fresh, NoticeEvent::Passed).await {
                // The notice stays open and is tried again at the next sweep.
                tracing::error!(notice = %n.id, problem = ?p.detail, "a service refused a passed notice");
                txn.rollback().await?;
                continue;
            }
            txn.commit().await?;
            passed += 1;
        }
        Ok(passed)
    }
}
