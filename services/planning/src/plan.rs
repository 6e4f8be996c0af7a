//! Plans: a county official drafts the plan of an identified household in the county (measures
//! answering its recorded causes, a responsible helper), starting the county's planning task; the
//! county approves it, completing the task and announcing the approved plan. Also the plan's kit
//! the verbs share: loading it, hiding it outside the caller's reach, recording a change in the
//! audit log.

use anyhow::Context;
use chain_api::events::{PLAN_APPROVED, PlanApproved};
use chain_api::planning::{CreatePlan, Plan, PlanStatus};
use chain_api::step::{ById, Decision, Step};
use chain_api::{Principal, Problem, ProblemKind, Role};
use chain_domain::{Division, Layer, Level};
use chain_kit::rows;
use chain_store::audit::{self, Entry};
use chain_store::outbox;
use chain_workflow::Action;
use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, TransactionTrait};

use crate::State;
use crate::domain::{self, PLAN_TASK, label};
use crate::error::Result;
use crate::store::{household, plan};

/// A plan that does not exist or lies outside the caller's jurisdiction.
pub fn hidden() -> Problem {
    Problem::not_found("plan")
}

fn no_household() -> Problem {
    Problem::not_found("household")
}

fn conflict() -> Problem {
    Problem::new(ProblemKind::Conflict, "the household already has a plan")
}

/// A county official drafts the plan of an identified household in the county.
#[tracing::instrument(skip_all, fields(actor = %p.subject, household = %req.household_id))]
pub async fn create(s: State, p: Principal, req: CreatePlan) -> Result<Plan> {
    let h = household::Entity::find_by_id(req.household_id).one(&s.db).await?.ok_or_else(no_household)?;
    let village = Division::parse(&h.village).context("reading the household's village")?;
    p.require(&[Role::Operator, Role::Approver], Layer::County, &village, no_household())?;
    let valid = domain::validate(&req, &h.causes()?)?;
    let now = s.now();
    let txn = s.db.begin().await?;
    if plan::of_household(&txn, h.household_id).await?.is_some() {
        return Err(conflict().into());
    }
    let task = match s.engine.transition(&txn, &p, PLAN_TASK, h.household_id, Action::Start, None).await? {
        Some(started) => started?,
        None => return Err(no_household().into()),
    };
    let new = plan::ActiveModel {
        id: Set(Uuid::now_v7()),
        household_id: Set(h.household_id),
        village: Set(h.village.clone()),
        status: Set(label(PlanStatus::Draft).to_owned()),
        measures: Set(serde_json::to_string(&valid.measures).context("encoding the measures")?),
        helper: Set(serde_json::to_string(&valid.helper).context("encoding the helper")?),
        task_id: Set(task.id),
        version: Set(1),
        created_by: Set(p.subject.clone()),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let row = rows::insert_or(&txn, new, conflict).await?;
    record(&txn, now, Entry::by(&p, "plan.create", &row.village), &row).await?;
    txn.commit().await?;
    tracing::info!(plan = %row.id, "plan drafted");
    load(&s, row.id).await
}

/// Reads a plan inside the caller's jurisdiction.
pub async fn get(s: State, p: Principal, req: ById) -> Result<Plan> {
    let plan = load(&s, req.id).await?;
    let village = Division::parse(&plan.village).context("reading the plan's village")?;
    p.covers(&village).then_some(plan).ok_or_else(|| hidden().into())
}

/// The county approves a drafted plan; this completes the county's planning task and announces
/// the plan as approved.
#[tracing::instrument(skip_all, fields(actor = %p.subject, plan = %req.id))]
pub async fn approve(s: State, p: Principal, req: Step<Decision>) -> Result<Plan> {
    let now = s.now();
    let txn = s.db.begin().await?;
    let row = plan::Entity::find_by_id(req.id).one(&txn).await?.ok_or_else(hidden)?;
    let village = Division::parse(&row.village).context("reading the plan's village")?;
    p.require(&[Role::Approver], Layer::County, &village, hidden())?;
    if let Some(v) = req.expected_version
        && v != row.version
    {
        let detail = format!("the plan is at version {}, not {v}", row.version);
        return Err(Problem::new(ProblemKind::PreconditionFailed, detail).into());
    }
    let next = domain::next(row.status()?, domain::Step::Approve)?;
    if !plan::set_status(&txn, &row, next, now).await? {
        return Err(Problem::new(ProblemKind::StaleVersion, "the plan changed concurrently; read it again").into());
    }
    let note = req.body.note.as_deref();
    let county = village.ancestor_at(Level::County).context("the plan's village lies above the county level")?;
    let moves = [(county.as_str(), Action::Submit), (county.as_str(), Action::SignOff)];
    s.engine.advance(&txn, &p, PLAN_TASK, row.household_id, &moves, note).await?;
    record(&txn, now, Entry::by(&p, "plan.approve", &row.village).reason(note), &row).await?;
    let approved = PlanApproved { plan_id: row.id, household_id: row.household_id, village: row.village.clone() };
    let approved = serde_json::to_value(approved).context("encoding the plan-approved event")?;
    let event = s.engine.event(PLAN_APPROVED, &row.village, row.id, &p.subject, approved);
    outbox::enqueue(&txn, s.bus.root(), &event).await?;
    txn.commit().await?;
    s.outbox.wake();
    tracing::info!(plan = %row.id, "plan approved");
    load(&s, row.id).await
}

/// A plan in API form, or hidden when there is none.
async fn load(s: &State, id: Uuid) -> Result<Plan> {
    let row = plan::Entity::find_by_id(id).one(&s.db).await?.ok_or_else(hidden)?;
    Ok(row.to_api()?)
}

/// Appends `entry` (made at `at`) about the plan, carrying the plan's and the household's ids,
/// inside the caller's transaction.
pub async fn record<C: ConnectionTrait>(conn: &C, at: DateTime<Utc>, entry: Entry, row: &plan::Model) -> Result<()> {
    let payload = serde_json::json!({ "plan_id": row.id, "household_id": row.household_id });
    audit::append(conn, at, entry.about(row.id).payload(&payload)).await?;
    Ok(())
}
