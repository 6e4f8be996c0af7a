//! The planning service's NATS endpoints.

use chain_api::events::{PLAN_APPROVED, PlanApproved};
use chain_api::planning::{CreatePlan, Plan, PlanStatus};
use chain_api::step::{ById, Decision, Step};
use chain_api::{Principal, Problem, ProblemKind, Role};
use chain_bus::Endpoints;
use chain_bus::service::internal;
use chain_domain::{Division, Layer};
use chain_store::{audit, outbox};
use chain_workflow::Action;
use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, DatabaseTransaction, TransactionTrait};

use crate::domain::{self, label};
use crate::reactions::PLAN_TASK;
use crate::store::{self, household, plan};
use crate::{SERVICE, State};

/// The endpoints, by verb.
pub fn endpoints(state: State) -> Endpoints<State> {
    Endpoints::new(SERVICE, state).handle("plan.create", create).handle("plan.get", get).handle("plan.approve", approve)
}

fn no_household() -> Problem {
    Problem::not_found("household")
}

fn hidden() -> Problem {
    Problem::not_found("plan")
}

/// A county official drafts the plan of an identified household in the county.
#[tracing::instrument(skip_all, fields(actor = %p.subject, household = %req.household_id))]
async fn create(s: State, p: Principal, req: CreatePlan) -> Result<Plan, Problem> {
    let Some(h) = household::Entity::find_by_id(req.household_id).one(&s.db).await.map_err(internal)? else {
        return Err(no_household());
    };
    let village = Division::parse(&h.village).map_err(internal)?;
    p.require(&[Role::Operator, Role::Approver], Layer::County, &village, no_household())?;
    let valid = domain::validate(&req, &h.causes().map_err(internal)?)?;
    let id = Uuid::now_v7();
    let now = s.now();
    let txn = s.db.begin().await.map_err(internal)?;
    if store::plan_of(&txn, h.household_id).await.map_err(internal)?.is_some() {
        let _ = txn.rollback().await;
        return Err(conflict());
    }
    let task =
        match s.engine.transition(&txn, &p, PLAN_TASK, h.household_id, Action::Start, None).await.map_err(internal)? {
            Some(Ok(task)) => task,
            Some(Err(problem)) => {
                let _ = txn.rollback().await;
                return Err(problem);
            }
            None => {
                let _ = txn.rollback().await;
                return Err(no_household());
            }
        };
    let inserted = plan::ActiveModel {
        id: Set(id),
        household_id: Set(h.household_id),
        village: Set(h.village.clone()),
        status: Set(label(PlanStatus::Draft).to_owned()),
        measures: Set(serde_json::to_string(&valid.measures).map_err(internal)?),
        helper: Set(serde_json::to_string(&valid.helper).map_err(internal)?),
        task_id: Set(task.id),
        version: Set(1),
        created_by: Set(p.subject.clone()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await;
    if let Err(e) = inserted {
        let _ = txn.rollback().await;
        return Err(if chain_store::is_unique_violation(&e) { conflict() } else { internal(e) });
    }
    record(&txn, &p, "plan.create", &h.village, id, h.household_id, None, now).await?;
    txn.commit().await.map_err(internal)?;
    tracing::info!(plan = %id, "plan drafted");
    load(&s, id).await
}

fn conflict() -> Problem {
    Problem::new(ProblemKind::Conflict, "the household already has a plan")
}

async fn record(
    txn: &DatabaseTransaction,
    p: &Principal,
    action: &str,
    village: &str,
    plan_id: Uuid,
    household_id: Uuid,
    reason: Option<&str>,
    at: DateTime<Utc>,
) -> Result<(), Problem> {
    audit::append(
        txn,
        at,
        audit::Entry::by(p, action, village)
            .about(plan_id)
            .reason(reason)
            .payload(&serde_json::json!({ "plan_id": plan_id, "household_id": household_id })),
    )
    .await
    .map_err(internal)?;
    Ok(())
}

async fn load(s: &State, id: Uuid) -> Result<Plan, Problem> {
    store::load(&s.db, id).await.map_err(internal)?.map(|(_, plan)| plan).ok_or_else(hidden)
}

/// Reads a plan inside the caller's jurisdiction.
async fn get(s: State, p: Principal, req: ById) -> Result<Plan, Problem> {
    let plan = load(&s, req.id).await?;
    let village = Division::parse(&plan.village).map_err(internal)?;
    if !p.covers(&village) {
        return Err(hidden());
    }
    Ok(plan)
}

/// The county approves a drafted plan; this completes the county's planning task and announces
/// the plan as approved.
#[tracing::instrument(skip_all, fields(actor = %p.subject, plan = %req.id))]
async fn approve(s: State, p: Principal, req: Step<Decision>) -> Result<Plan, Problem> {
    let txn = s.db.begin().await.map_err(internal)?;
    let Some((row, current)) = store::load(&txn, req.id).await.map_err(internal)? else {
        return Err(hidden());
    };
    let village = Division::parse(&row.village).map_err(internal)?;
    p.require(&[Role::Approver], Layer::County, &village, hidden())?;
    if let Some(v) = req.expected_version
        && v != row.version
    {
        let detail = format!("the plan is at version {}, not {v}", row.version);
        return Err(Problem::new(ProblemKind::PreconditionFailed, detail));
    }
    let next = domain::next(current.status, domain::Step::Approve)?;
    let changed = plan::Entity::update_many()
        .col_expr(plan::Column::Status, Expr::value(label(next)))
        .col_expr(plan::Column::Version, Expr::value(row.version + 1))
        .col_expr(plan::Column::UpdatedAt, Expr::value(s.now()))
        .filter(plan::Column::Id.eq(row.id))
        .filter(plan::Column::Version.eq(row.version))
        .exec(&txn)
        .await
        .map_err(internal)?;
    if changed.rows_affected != 1 {
        let detail = "the plan changed concurrently; read it again";
        return Err(Problem::new(ProblemKind::StaleVersion, detail));
    }
    let note = req.body.note.as_deref();
    for action in [Action::Submit, Action::SignOff] {
        match s.engine.transition(&txn, &p, PLAN_TASK, row.household_id, action, note).await.map_err(internal)? {
            Some(Ok(_)) => {}
            Some(Err(problem)) => return Err(problem),
            None => {
                return Err(internal(anyhow::anyhow!("plan {} has no planning task", row.id)));
            }
        }
    }
    record(&txn, &p, "plan.approve", &row.village, row.id, row.household_id, note, s.now()).await?;
    let payload = PlanApproved { plan_id: row.id, household_id: row.household_id, village: row.village.clone() };
    let payload = serde_json::to_value(payload).map_err(internal)?;
    let mut event = s.engine.event(PLAN_APPROVED, &row.village, &p.subject, payload);
    event.correlation_id = Some(row.household_id);
    outbox::enqueue(&txn, s.bus.root(), &event).await.map_err(internal)?;
    txn.commit().await.map_err(internal)?;
    s.outbox.wake();
    tracing::info!(plan = %row.id, "plan approved");
    load(&s, row.id).await
}
