//! Directives: a layer issues work to divisions below it. The plan of a directive (which divisions
//! get a task, under which parent, with which share of a quota) is worked out in memory first, then
//! written in batches inside one transaction, so a directive to every village of the country is
//! either wholly issued or not at all.

use std::collections::{BTreeMap, BTreeSet};

use chain_api::step::Step;
use chain_api::workflow::{
    DeadlineStage, Decompose, IssueDirective, Issued, LevelCount, Quota, StepNote, Targets, TaskState,
};
use chain_api::{FieldError, Principal, Problem, Role};
use chain_domain::{Division, Level, registry};
use chain_domain::{apportion, calendar::end_of_day_beijing};
use chain_store::text::enum_str;
use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, ConnectionTrait, QueryOrder, TransactionTrait};

use crate::engine::{Actor, Change, Engine, bump, internal, next_timer, to_api, visible_task};
use crate::entity::{event, pending, task};
use crate::rules::{layer_of, owner_acts, valid_kind};

/// Rows per multi-row insert.
const BATCH: usize = 500;
/// Most targets a request may list by code.
const MAX_LISTED_TARGETS: usize = 5_000;

/// What a directive whose tasks are opened in the background keeps until then.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Pending {
    targets: Targets,
    quota: Option<Quota>,
    notice_kind: Option<String>,
}

/// Planned tasks per level.
fn level_counts(planned: &[PlannedTask]) -> Vec<LevelCount> {
    let mut by_level: BTreeMap<Level, u64> = BTreeMap::new();
    for p in planned {
        *by_level.entry(p.division.level()).or_default() += 1;
    }
    by_level.into_iter().map(|(l, n)| LevelCount { level: level_label(l).to_owned(), tasks: n }).collect()
}

/// One task to open, before it has an id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedTask {
    /// The owning division.
    pub division: Division,
    /// The division of the parent task (`None`: the task being decomposed).
    pub parent: Option<Division>,
    /// Quota share.
    pub quota: Option<i64>,
    /// Whether the division is one of the targets (not only a layer between the issuer and them).
    pub target: bool,
}

/// The name of a level as the API spells it.
pub fn level_name(division: &str) -> &'static str {
    Division::parse(division).map(|d| level_label(d.level())).unwrap_or("central")
}

/// The name of a level.
pub fn level_label(level: Level) -> &'static str {
    match level {
        Level::Province => "province",
        Level::City => "city",
        Level::County => "county",
        Level::Township => "township",
        Level::Village => "village",
    }
}

/// Works out which divisions get a task: the targets and every existing division between the
/// issuing one (`None` for the centre) and them, each under its nearest planned ancestor. Quotas go
/// to the targets by their weights and are summed upwards. Pure apart from reading the embedded
/// division registry.
pub fn plan(
    issuer: Option<&Division>,
    targets: &Targets,
    quota: Option<(i64, Option<&BTreeMap<String, u64>>)>,
) -> Result<Vec<PlannedTask>, Problem> {
    let reg = registry();
    let within = |d: &Division| issuer.is_none_or(|i| i.contains(d) && i != d);
    let leaves: Vec<Division> = match (&targets.divisions, targets.level) {
        (Some(_), Some(_)) | (None, None) => {
            return Err(Problem::invalid("targets", "give either `divisions` or `level`"));
        }
        (Some(list), None) => {
            if list.is_empty() {
                return Err(Problem::invalid("targets/divisions", "name at least one division"));
            }
            if list.len() > MAX_LISTED_TARGETS {
                return Err(Problem::invalid(
                    "targets/divisions",
                    format!("at most {MAX_LISTED_TARGETS} divisions; use `level` for more"),
                ));
            }
            let mut errors = Vec::new();
            let mut set = BTreeSet::new();
            for (i, code) in list.iter().enumerate() {
                let field = format!("targets/divisions/{i}");
                match Division::parse(code) {
                    Err(e) => errors.push(FieldError { field, message: e.to_string() }),
                    Ok(d) if !reg.exists(&d) => errors
                        .push(FieldError { field, message: format!("{d} is not a division of the national tree") }),
                    Ok(d) if !within(&d) => errors.push(FieldError {
                        field,
                        message: format!("{d} is not below the issuing layer; a directive goes only downwards"),
                    }),
                    Ok(d) => {
                        if !set.insert(d.clone()) {
                            errors.push(FieldError { field, message: format!("{d} is listed twice") });
                        }
                    }
                }
            }
            if errors.is_empty() {
                for d in &set {
                    if let Some(a) = d.ancestors().into_iter().find(|a| set.contains(a)) {
                        errors.push(FieldError {
                            field: "targets/divisions".into(),
                            message: format!("{d} lies inside {a}, also a target; name one of them"),
                        });
                    }
                }
            }
            if !errors.is_empty() {
                return Err(Problem::validation(errors));
            }
            set.into_iter().collect()
        }
        (None, Some(level)) => {
            let level: Level = level.into();
            if issuer.is_some_and(|i| i.level() >= level) {
                return Err(Problem::invalid("targets/level", "the level must be below the issuing layer"));
            }
            let mut out = Vec::new();
            let mut frontier: Vec<Division> = match issuer {
                Some(i) => vec![i.clone()],
                None => reg.provinces().into_iter().map(|p| p.code).collect(),
            };
            while let Some(d) = frontier.pop() {
                if d.level() == level {
                    out.push(d);
                } else if d.level() < level {
                    frontier.extend(reg.children(&d).into_iter().map(|c| c.code));
                }
            }
            out.sort();
            if out.is_empty() {
                return Err(Problem::invalid("targets/level", "there is no division of that level below the issuer"));
            }
            out
        }
    };

    let shares: Vec<i64> = match quota {
        None => Vec::new(),
        Some((total, weights)) => {
            if total <= 0 || total > 1_000_000_000_000 {
                return Err(Problem::invalid("quota/total", "a positive whole number up to 10^12"));
            }
            let weights: Vec<u64> = match weights {
                None => vec![1; leaves.len()],
                Some(map) => {
                    let mut errors = Vec::new();
                    let names: BTreeSet<&str> = leaves.iter().map(|d| d.as_str()).collect();
                    for k in map.keys() {
                        if !names.contains(k.as_str()) {
                            errors.push(FieldError {
                                field: format!("quota/shares/{k}"),
                                message: "not one of the targets".into(),
                            });
                        }
                    }
                    for d in &leaves {
                        if !map.contains_key(d.as_str()) {
                            errors.push(FieldError {
                                field: format!("quota/shares/{d}"),
                                message: "every target needs a share".into(),
                            });
                        }
                    }
                    if !errors.is_empty() {
                        return Err(Problem::validation(errors));
                    }
                    leaves.iter().map(|d| map[d.as_str()]).collect()
                }
            };
            apportion(total, &weights).map_err(|e| Problem::invalid("quota/shares", e.to_string()))?
        }
    };

    let mut planned: BTreeMap<Division, (Option<Division>, Option<i64>)> = BTreeMap::new();
    for (i, leaf) in leaves.iter().enumerate() {
        let q = shares.get(i).copied();
        let mut chain: Vec<Division> =
            leaf.ancestors().into_iter().filter(|a| within(a) && reg.exists(a)).collect::<Vec<_>>();
        chain.reverse();
        chain.push(leaf.clone());
        let mut parent: Option<Division> = None;
        for d in chain {
            let entry = planned.entry(d.clone()).or_insert((parent.clone(), q.map(|_| 0)));
            if let (Some(sum), Some(q)) = (entry.1.as_mut(), q) {
                *sum += q;
            }
            parent = Some(d);
        }
    }
    // Targets never lie inside one another, so a division is a target exactly when it is a leaf.
    let targets: BTreeSet<&Division> = leaves.iter().collect();
    Ok(planned
        .into_iter()
        .map(|(division, (parent, quota))| {
            let target = targets.contains(&division);
            PlannedTask { division, parent, quota, target }
        })
        .collect())
}

/// The deadline of a request: a Beijing due date or an exact instant, in the future.
pub(crate) fn deadline(
    due_date: Option<chrono::NaiveDate>,
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
    /// change to `top` itself). Only the targets carry the template's notice requirement.
    pub(crate) async fn open_planned<C: ConnectionTrait>(
        &self,
        conn: &C,
        top: &task::Model,
        planned: &[PlannedTask],
        t: &Template,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(u64, Vec<LevelCount>), DbErr> {
        // Only the ids are kept for every planned task; rows go to the database in batches as
        // they are built, so a directive to every village never holds all its rows in memory.
        let mut ids: BTreeMap<&Division, Uuid> = BTreeMap::new();
        let mut rows = Vec::with_capacity(BATCH);
        let mut opened = 0u64;
        let mut children: BTreeMap<Uuid, (String, u64)> = BTreeMap::new();
        let mut by_level: BTreeMap<Level, u64> = BTreeMap::new();
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
            *by_level.entry(p.division.level()).or_default() += 1;
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
                change: Set("decomposed".into()),
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
        let by_level =
            by_level.into_iter().map(|(l, n)| LevelCount { level: level_label(l).to_owned(), tasks: n }).collect();
        Ok((opened, by_level))
    }

    /// Issues a directive from the caller's layer: a root task owned by that layer and tasks for
    /// the targets and every layer between.
    pub async fn issue(&self, p: &Principal, req: IssueDirective) -> Result<Issued, Problem> {
        if !p.has(Role::Approver) && !p.has(Role::Admin) {
            return Err(Problem::forbidden("issuing a directive needs the role approver or admin"));
        }
        if req.service.as_str() != self.service {
            return Err(Problem::invalid("service", format!("this is the {} service", self.service)));
        }
        let now = self.clock.now();
        let template = self.template(&req, now)?;
        let quota = req.quota.as_ref().map(|Quota { total, shares }| (*total, shares.as_ref()));
        let issuer = p.jurisdiction.division().cloned();
        let planned = plan(issuer.as_ref(), &req.targets, quota)?;
        let actor = Actor::of(p);
        let layer = layer_of(p);
        let root = {
            let own = Template { notice_kind: None, ..template.clone() };
            let mut r = self.row(&own, &layer, None, req.quota.as_ref().map(|q| q.total), now);
            r.state = enum_str(&TaskState::InProgress);
            r
        };
        let direct = planned.iter().filter(|t| t.parent.is_none()).count();
        let background = planned.len() > self.inline_limit;
        let spec =
            Pending { targets: req.targets.clone(), quota: req.quota.clone(), notice_kind: req.notice_kind.clone() };
        let spec = serde_json::to_string(&spec).map_err(|_| Problem::internal())?;
        let by_level = level_counts(&planned);
        let txn = self.db.begin().await.map_err(internal)?;
        let result = async {
            task::ActiveModel::from(root.clone()).insert(&txn).await?;
            if background {
                pending::ActiveModel { task_id: Set(root.id), spec: Set(spec), created_at: Set(now) }
                    .insert(&txn)
                    .await?;
            }
            self.record(
                &txn,
                Change {
                    task: &root,
                    change: "opened",
                    actor: &actor,
                    reason: None,
                    data: serde_json::json!({ "tasks": planned.len(), "children": direct, "background": background }),
                    audited: false,
                    published: false,
                },
                now,
            )
            .await?;
            let opened =
                if background { 0 } else { self.open_planned(&txn, &root, &planned, &template, &actor, now).await?.0 };
            let payload = serde_json::json!({
                "root_id": root.id, "kind": root.kind, "title": root.title, "tasks": planned.len(),
                "quota": root.quota, "due_at": root.due_at,
                "targets": req.targets,
            });
            chain_store::audit::append(
                &txn,
                now,
                chain_store::audit::Entry::new(actor.clone(), "directive.issue", &root.division)
                    .about(root.id)
                    .payload(&payload),
            )
            .await?;
            self.publish(&txn, crate::engine::DIRECTIVE_ISSUED, &root.division, &actor.subject, payload).await?;
            Ok::<_, DbErr>(opened)
        }
        .await;
        let opened = match result {
            Ok(v) => v,
            Err(e) => {
                let _ = txn.rollback().await;
                return Err(internal(e));
            }
        };
        txn.commit().await.map_err(internal)?;
        if background {
            self.wake.notify_one();
        }
        Ok(Issued {
            task: to_api(&root).map_err(internal)?,
            opened,
            planned: planned.len() as u64,
            complete: !background,
            by_level,
        })
    }

    /// Opens the tasks of the oldest directive still pending, in one transaction. Returns whether
    /// there was one (so the caller can look for the next).
    pub(crate) async fn complete_pending(&self) -> Result<bool, DbErr> {
        let Some(job) = pending::Entity::find().order_by_asc(pending::Column::CreatedAt).one(&self.db).await? else {
            return Ok(false);
        };
        let Some(root) = task::Entity::find_by_id(job.task_id).one(&self.db).await? else {
            pending::Entity::delete_by_id(job.task_id).exec(&self.db).await?;
            return Ok(true);
        };
        let now = self.clock.now();
        let started = std::time::Instant::now();
        let spec: Pending = serde_json::from_str(&job.spec)
            .map_err(|e| DbErr::Custom(format!("pending directive {}: {e}", root.id)))?;
        let issuer = Division::parse(&root.division).ok();
        let quota = spec.quota.as_ref().map(|Quota { total, shares }| (*total, shares.as_ref()));
        let txn = self.db.begin().await?;
        // Claim it first, so a second replica backs off: delete the job, then bump the root's version.
        let claimed = pending::Entity::delete_by_id(job.task_id).exec(&txn).await?.rows_affected == 1;
        if !claimed || !bump(&txn, &root, now, vec![]).await? {
            txn.rollback().await?;
            return Ok(true);
        }
        let fresh = self.reload(&txn, root.id).await?;
        let actor = Actor::system();
        let (change, data) = match plan(issuer.as_ref(), &spec.targets, quota) {
            Ok(planned) => {
                let template = Template {
                    kind: root.kind.clone(),
                    title: root.title.clone(),
                    body: root.body.clone(),
                    assignee_role: chain_store::text::parse_enum(&root.assignee_role)?,
                    required_approvals: root.required_approvals,
                    due_at: root.due_at,
                    notice_kind: spec.notice_kind.clone(),
                };
                let direct = planned.iter().filter(|t| t.parent.is_none()).count();
                let (opened, _) = self.open_planned(&txn, &fresh, &planned, &template, &actor, now).await?;
                ("decomposed", serde_json::json!({ "children": direct, "tasks": opened }))
            }
            Err(problem) => ("failed", serde_json::json!({ "problem": problem.detail })),
        };
        self.record(
            &txn,
            Change { task: &fresh, change, actor: &actor, reason: None, data, audited: true, published: true },
            now,
        )
        .await?;
        txn.commit().await?;
        tracing::info!(root = %root.id, change, seconds = started.elapsed().as_secs_f64(), "directive opened in the background");
        Ok(true)
    }

    fn template(&self, req: &IssueDirective, now: DateTime<Utc>) -> Result<Template, Problem> {
        let mut errors = Vec::new();
        if !valid_kind(&req.kind) {
            errors.push(FieldError {
                field: "kind".into(),
                message: "1–64 lowercase letters, digits, `.` or `-`, starting with a letter".into(),
            });
        }
        let title = req.title.trim();
        if title.is_empty() || title.chars().count() > 200 {
            errors.push(FieldError { field: "title".into(), message: "1–200 characters".into() });
        }
        let approvals = req.required_approvals.unwrap_or(1);
        if !(1..=5).contains(&approvals) {
            errors.push(FieldError { field: "required_approvals".into(), message: "between 1 and 5".into() });
        }
        if let Some(k) = &req.notice_kind
            && !self.notice_days.kinds().iter().any(|known| known == k)
        {
            errors.push(FieldError {
                field: "notice_kind".into(),
                message: format!("unknown notice kind; known: {}", self.notice_days.kinds().join(", ")),
            });
        }
        if !errors.is_empty() {
            return Err(Problem::validation(errors));
        }
        let due_at = deadline(req.due_date, req.due_at, now, true)?;
        Ok(Template {
            kind: req.kind.clone(),
            title: title.to_owned(),
            body: if req.body.is_null() { "null".into() } else { req.body.to_string() },
            assignee_role: req.assignee_role.unwrap_or(Role::Operator),
            required_approvals: approvals as i32,
            due_at,
            notice_kind: req.notice_kind.clone(),
        })
    }

    /// The task's own layer splits it among divisions below, sharing out its quota.
    pub async fn decompose(&self, p: &Principal, req: Step<Decompose>) -> Result<Issued, Problem> {
        let now = self.clock.now();
        crate::engine::in_txn(&self.db, async |txn| self.decompose_in(txn, p, req, now).await).await
    }

    async fn decompose_in<C: ConnectionTrait>(
        &self,
        txn: &C,
        p: &Principal,
        req: Step<Decompose>,
        now: DateTime<Utc>,
    ) -> Result<Issued, Problem> {
        let row = visible_task(txn, p, req.id).await?;
        owner_acts(p, &row.division, &[Role::Approver, Role::Admin])?;
        let state = crate::engine::state_of(&row)?;
        if !state.awaits_owner() {
            return Err(Problem::transition(format!(
                "only an open, in-progress or returned task can be decomposed; this one is {}",
                row.state
            )));
        }
        crate::engine::check_version(req.expected_version, row.version, "task")?;
        let issuer = Division::parse(&row.division).ok();
        let quota = match (row.quota, &req.body.shares) {
            (Some(q), shares) => Some((q, shares.as_ref())),
            (None, Some(_)) => return Err(Problem::invalid("shares", "this task carries no quota to share")),
            (None, None) => None,
        };
        let planned = plan(issuer.as_ref(), &req.body.targets, quota)?;
        let existing: Vec<String> = task::Entity::find()
            .filter(task::Column::RootId.eq(row.root_id))
            .filter(task::Column::Division.is_in(planned.iter().map(|t| t.division.as_str().to_owned())))
            .all(txn)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|t| t.division)
            .collect();
        if !existing.is_empty() {
            return Err(Problem::new(
                chain_api::ProblemKind::Conflict,
                format!("these divisions already have a task in this tree: {}", existing.join(", ")),
            ));
        }
        let due_at = deadline(req.body.due_date, req.body.due_at, now, false)?.or(row.due_at);
        if let (Some(d), Some(own)) = (due_at, row.due_at)
            && d > own
        {
            return Err(Problem::invalid("due_date", "the parts cannot be due after the task itself"));
        }
        let template = Template {
            kind: row.kind.clone(),
            title: row.title.clone(),
            body: row.body.clone(),
            assignee_role: chain_store::text::parse_enum(&row.assignee_role).map_err(internal)?,
            required_approvals: row.required_approvals,
            due_at,
            notice_kind: row.notice_kind.clone(),
        };
        let actor = Actor::of(p);
        let updated = crate::engine::bump(
            txn,
            &row,
            now,
            vec![(task::Column::State, Expr::value(enum_str(&TaskState::InProgress)))],
        )
        .await
        .map_err(internal)?;
        if !updated {
            return Err(crate::engine::lost_race());
        }
        let fresh = self.reload(txn, row.id).await.map_err(internal)?;
        let (opened, by_level) =
            self.open_planned(txn, &fresh, &planned, &template, &actor, now).await.map_err(internal)?;
        self.record(
            txn,
            Change {
                task: &fresh,
                change: "decomposed",
                actor: &actor,
                reason: None,
                data: serde_json::json!({
                    "from": row.state,
                    "opened": opened,
                    "children": planned.iter().filter(|t| t.parent.is_none()).count(),
                }),
                audited: true,
                published: true,
            },
            now,
        )
        .await
        .map_err(internal)?;
        Ok(Issued { task: to_api(&fresh).map_err(internal)?, opened, planned: opened, complete: true, by_level })
    }
}

/// A note's reason, required for some steps.
pub(crate) fn required_reason(note: &StepNote, step: &str) -> Result<String, Problem> {
    match note.reason.as_deref().map(str::trim) {
        Some(r) if !r.is_empty() && r.chars().count() <= 2000 => Ok(r.to_owned()),
        Some(r) if !r.is_empty() => Err(Problem::invalid("reason", "at most 2000 characters")),
        _ => Err(Problem::invalid("reason", format!("say why you {step} it"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chain_api::workflow::TargetLevel;

    fn d(s: &str) -> Division {
        Division::parse(s).unwrap()
    }

    #[test]
    fn a_county_level_directive_from_guizhou_opens_cities_and_counties() {
        let planned =
            plan(Some(&d("52")), &Targets { divisions: None, level: Some(TargetLevel::County) }, None).unwrap();
        let cities = planned.iter().filter(|t| t.division.level() == Level::City).count();
        let counties: Vec<_> = planned.iter().filter(|t| t.division.level() == Level::County).collect();
        assert_eq!(cities, registry().children(&d("52")).len());
        assert!(counties.len() > 80, "{}", counties.len());
        for c in counties {
            assert_eq!(c.parent.as_ref().map(|p| p.as_str().len()), Some(4));
        }
    }

    #[test]
    fn quotas_split_exactly_and_sum_upwards() {
        let mut shares = BTreeMap::new();
        shares.insert("520624".to_owned(), 2);
        shares.insert("520623".to_owned(), 1);
        let targets = Targets { divisions: Some(vec!["520624".into(), "520623".into()]), level: None };
        let planned = plan(None, &targets, Some((1000, Some(&shares)))).unwrap();
        let q = |code: &str| planned.iter().find(|t| t.division.as_str() == code).unwrap().quota.unwrap();
        assert_eq!(q("520624"), 667);
        assert_eq!(q("520623"), 333);
        assert_eq!(q("5206"), 1000);
        assert_eq!(q("52"), 1000);
        assert_eq!(planned.iter().find(|t| t.division.as_str() == "52").unwrap().parent, None);
    }

    #[test]
    fn targets_must_lie_below_the_issuer_and_not_inside_each_other() {
        let t = |v: &[&str]| Targets { divisions: Some(v.iter().map(|s| (*s).to_owned()).collect()), level: None };
        assert_eq!(plan(Some(&d("52")), &t(&["53"]), None).unwrap_err().status, 422);
        assert_eq!(plan(Some(&d("52")), &t(&["52"]), None).unwrap_err().status, 422);
        assert_eq!(plan(None, &t(&["52", "5206"]), None).unwrap_err().status, 422);
        assert_eq!(plan(None, &t(&["529999"]), None).unwrap_err().status, 422);
        let none = Targets::default();
        assert_eq!(plan(None, &none, None).unwrap_err().status, 422);
        let above = Targets { divisions: None, level: Some(TargetLevel::Province) };
        assert_eq!(plan(Some(&d("52")), &above, None).unwrap_err().status, 422);
    }
}
