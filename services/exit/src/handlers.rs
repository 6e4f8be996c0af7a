//! The exit service's NATS endpoints.

use chain_api::events::{HOUSEHOLD_EXITED, HouseholdExited};
use chain_api::exit::{Acknowledge, ExitCase, ExitStatus, ProposeExit};
use chain_api::step::{ById, Decision, Step};
use chain_api::{Principal, Problem, ProblemKind, Role};
use chain_bus::Endpoints;
use chain_bus::service::internal;
use chain_domain::{Division, Layer, Level};
use chain_store::{audit, outbox};
use chain_workflow::{Action, ProcedureStep};
use chrono::Datelike;
use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, DatabaseTransaction, TransactionTrait};

use crate::domain::{self, label};
use crate::store::{self, exit_case, household};
use crate::{SERVICE, State};

/// Kind of the workflow tasks that follow an exit case: the village's (its public notice; submitted
/// when the notice passes) under the county's (approval).
pub const TASK_KIND: &str = "exit.household";

/// The village's public notice of a household's exit.
pub const VILLAGE_NOTICE: &str = "exit.household";

/// The endpoints, by verb.
pub fn endpoints(state: State) -> Endpoints<State> {
    Endpoints::new(SERVICE, state)
        .handle("case.propose", propose)
        .handle("case.get", get)
        .handle("case.acknowledge", acknowledge)
        .handle("case.approve", approve)
}

fn hidden() -> Problem {
    Problem::not_found("exit case")
}

fn household_hidden() -> Problem {
    Problem::not_found("household")
}

fn conflict() -> Problem {
    Problem::new(ProblemKind::Conflict, "this household already has an exit case")
}

/// A county official proposes that an identified household exits; the proposal must meet the
/// exit criteria. Opens the approval task.
#[tracing::instrument(skip_all, fields(actor = %p.subject))]
async fn propose(s: State, p: Principal, req: ProposeExit) -> Result<ExitCase, Problem> {
    let Some(h) = household::Entity::find_by_id(req.household_id).one(&s.db).await.map_err(internal)? else {
        return Err(household_hidden());
    };
    let village = Division::parse(&h.village).map_err(internal)?;
    p.require(&[Role::Operator, Role::Approver], Layer::County, &village, household_hidden())?;
    let line = domain::validate(&req, h.year, s.now().year(), &s.lines, &village)?;
    let county =
        village.ancestor_at(Level::County).ok_or_else(|| internal(anyhow::anyhow!("{village} has no county")))?;
    let txn = s.db.begin().await.map_err(internal)?;
    if store::case_of(&txn, h.household_id).await.map_err(internal)?.is_some() {
        return Err(conflict());
    }
    let id = Uuid::now_v7();
    let now = s.now();
    let inserted = exit_case::ActiveModel {
        id: Set(id),
        household_id: Set(h.household_id),
        village: Set(h.village.clone()),
        year: Set(req.year),
        per_capita_income_fen: Set(req.per_capita_income_fen),
        poverty_line_fen: Set(line.fen()),
        guarantees: Set(serde_json::to_string(&req.guarantees).map_err(internal)?),
        status: Set(label(ExitStatus::Proposed).to_owned()),
        acknowledged_by: Set(None),
        version: Set(1),
        proposed_by: Set(p.subject.clone()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await;
    if let Err(e) = inserted {
        let _ = txn.rollback().await;
        return Err(if chain_store::is_unique_violation(&e) { conflict() } else { internal(e) });
    }
    let steps = [
        ProcedureStep { division: county.to_string(), notice_kind: None },
        ProcedureStep { division: village.to_string(), notice_kind: Some(VILLAGE_NOTICE) },
    ];
    let title = format!("Exit of household {}", h.household_id);
    s.engine
        .open_procedure_steps(&txn, &p.subject, TASK_KIND, &title, h.household_id, &steps)
        .await
        .map_err(internal)?;
    task_step(&s.engine, &txn, &p, h.household_id, village.as_str(), Action::Start, None).await?;
    record(&txn, &p, "case.propose", &village, id, h.household_id, None).await?;
    txn.commit().await.map_err(internal)?;
    tracing::info!(exit = %id, household = %h.household_id, village = %village, "exit proposed");
    load(&s, id).await
}

/// Reads an exit case inside the caller's jurisdiction.
async fn get(s: State, p: Principal, req: ById) -> Result<ExitCase, Problem> {
    let case = load(&s, req.id).await?;
    let village = Division::parse(&case.village).map_err(internal)?;
    if !p.covers(&village) {
        return Err(hidden());
    }
    Ok(case)
}

/// Records the household's acknowledgement of the result; entered by an operator of any layer
/// covering the village.
#[tracing::instrument(skip_all, fields(actor = %p.subject))]
async fn acknowledge(s: State, p: Principal, req: Step<Acknowledge>) -> Result<ExitCase, Problem> {
    let name = domain::validate_acknowledgement(&req.body)?;
    let txn = s.db.begin().await.map_err(internal)?;
    let (row, current) = load_for_step(&txn, &req).await?;
    let village = Division::parse(&row.village).map_err(internal)?;
    p.require_within(&[Role::Operator], &village, hidden())?;
    check_version(&row, req.expected_version)?;
    let next = domain::next(current.status, domain::Step::Acknowledge)?;
    let changed = exit_case::Entity::update_many()
        .col_expr(exit_case::Column::Status, Expr::value(label(next)))
        .col_expr(exit_case::Column::AcknowledgedBy, Expr::value(name))
        .col_expr(exit_case::Column::Version, Expr::value(row.version + 1))
        .col_expr(exit_case::Column::UpdatedAt, Expr::value(s.now()))
        .filter(exit_case::Column::Id.eq(row.id))
        .filter(exit_case::Column::Version.eq(row.version))
        .exec(&txn)
        .await
        .map_err(internal)?;
    if changed.rows_affected != 1 {
        return Err(stale());
    }
    if current.status == ExitStatus::Objected && !village_task_returned(&s, &txn, row.household_id, &village).await? {
        return Err(Problem::transition("the objection is still under review"));
    }
    record(&txn, &p, "case.acknowledge", &village, row.id, row.household_id, None).await?;
    s.engine.post_procedure_notice(&txn, &p, TASK_KIND, row.household_id, village.as_str()).await?;
    txn.commit().await.map_err(internal)?;
    load(&s, row.id).await
}

/// The county approves an acknowledged exit: the task is signed off and the household's exit is
/// published.
#[tracing::instrument(skip_all, fields(actor = %p.subject))]
async fn approve(s: State, p: Principal, req: Step<Decision>) -> Result<ExitCase, Problem> {
    let txn = s.db.begin().await.map_err(internal)?;
    let (row, current) = load_for_step(&txn, &req).await?;
    let village = Division::parse(&row.village).map_err(internal)?;
    p.require(&[Role::Approver], Layer::County, &village, hidden())?;
    check_version(&row, req.expected_version)?;
    let next = domain::next(current.status, domain::Step::Approve)?;
    let changed = exit_case::Entity::update_many()
        .col_expr(exit_case::Column::Status, Expr::value(label(next)))
        .col_expr(exit_case::Column::Version, Expr::value(row.version + 1))
        .col_expr(exit_case::Column::UpdatedAt, Expr::value(s.now()))
        .filter(exit_case::Column::Id.eq(row.id))
        .filter(exit_case::Column::Version.eq(row.version))
        .exec(&txn)
        .await
        .map_err(internal)?;
    if changed.rows_affected != 1 {
        return Err(stale());
    }
    let note = req.body.note.as_deref();
    let county = village.ancestor_at(Level::County).ok_or_else(Problem::internal)?;
    for (division, action) in [
        (village.as_str(), Action::SignOff),
        (county.as_str(), Action::Start),
        (county.as_str(), Action::Submit),
        (county.as_str(), Action::SignOff),
    ] {
        task_step(&s.engine, &txn, &p, row.household_id, division, action, note).await?;
    }
    record(&txn, &p, "case.approve", &village, row.id, row.household_id, note).await?;
    let payload = HouseholdExited {
        exit_id: row.id,
        household_id: row.household_id,
        village: row.village.clone(),
        year: row.year,
    };
    let mut event =
        s.engine.event(HOUSEHOLD_EXITED, &row.village, &p.subject, serde_json::to_value(payload).map_err(internal)?);
    event.correlation_id = Some(row.household_id);
    outbox::enqueue(&txn, s.bus.root(), &event).await.map_err(internal)?;
    txn.commit().await.map_err(internal)?;
    s.outbox.wake();
    tracing::info!(exit = %row.id, household = %row.household_id, "exit approved");
    load(&s, row.id).await
}

async fn load_for_step<T>(txn: &DatabaseTransaction, req: &Step<T>) -> Result<(exit_case::Model, ExitCase), Problem> {
    store::load(txn, req.id).await.map_err(internal)?.ok_or_else(hidden)
}

fn check_version(row: &exit_case::Model, expected: Option<i64>) -> Result<(), Problem> {
    match expected {
        Some(v) if v != row.version => Err(Problem::new(
            ProblemKind::PreconditionFailed,
            format!("the exit case is at version {}, not {v}", row.version),
        )),
        _ => Ok(()),
    }
}

fn stale() -> Problem {
    Problem::new(ProblemKind::StaleVersion, "the exit case changed concurrently; read it again")
}

/// Whether the village's exit task was sent back by an objection.
async fn village_task_returned(
    s: &State,
    txn: &DatabaseTransaction,
    household_id: Uuid,
    village: &Division,
) -> Result<bool, Problem> {
    let t = s.engine.procedure_task(txn, TASK_KIND, household_id, Some(village.as_str())).await.map_err(internal)?;
    Ok(t.is_some_and(|t| t.state == chain_api::workflow::TaskState::Returned))
}

/// Moves the household's exit task at `division` one step, inside the transaction.
pub(crate) async fn task_step(
    engine: &chain_workflow::Engine,
    txn: &DatabaseTransaction,
    p: &Principal,
    household_id: Uuid,
    division: &str,
    action: Action,
    reason: Option<&str>,
) -> Result<(), Problem> {
    engine.advance(txn, p, TASK_KIND, household_id, &[(division, action)], reason).await
}

async fn record<C: ConnectionTrait>(
    conn: &C,
    p: &Principal,
    action: &str,
    division: &Division,
    id: Uuid,
    household_id: Uuid,
    reason: Option<&str>,
) -> Result<(), Problem> {
    audit::append(
        conn,
        chrono::Utc::now(),
        audit::Entry::by(p, action, division.as_str())
            .about(id)
            .reason(reason)
            .payload(&serde_json::json!({ "exit_id": id, "household_id": household_id })),
    )
    .await
    .map_err(internal)?;
    Ok(())
}

async fn load(s: &State, id: Uuid) -> Result<ExitCase, Problem> {
    let mut case = store::load(&s.db, id).await.map_err(internal)?.map(|(_, c)| c).ok_or_else(hidden)?;
    case.notice = s.engine.open_notice_about(&s.db, TASK_KIND, case.household_id).await.map_err(internal)?;
    Ok(case)
}
