//! The exit procedure: a county official proposes that an identified household exits (the
//! proposal must meet the exit criteria), opening the village's task under the county's; the
//! household acknowledges the result and the village posts its public notice; when the notice
//! runs out with no objection the village's task is submitted ([`NoticeOfTheExit`], inside the
//! engine's transaction, so a case never disagrees with its tasks), while an objection sends the
//! case back for review; finally the county approves and the household's exit is announced.

use anyhow::Context;
use chain_api::events::{HOUSEHOLD_EXITED, HouseholdExited};
use chain_api::exit::{Acknowledge, ExitCase, ExitStatus, ProposeExit};
use chain_api::step::{Decision, Step};
use chain_api::workflow::{Task, TaskState};
use chain_api::{Principal, Problem, ProblemKind, Role};
use chain_domain::{Division, Layer, Level};
use chain_kit::rows;
use chain_store::audit::{self, Entry};
use chain_store::outbox;
use chain_workflow::{Action, Engine, NoticeEvent, NoticeHook, ProcedureStep};
use chrono::Datelike;
use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, DatabaseTransaction, TransactionTrait};

use crate::State;
use crate::case::{self, hidden};
use crate::domain::{self, TASK_KIND, VILLAGE_NOTICE, label};
use crate::error::Result;
use crate::store::{exit_case, household};

fn no_household() -> Problem {
    Problem::not_found("household")
}

fn conflict() -> Problem {
    Problem::new(ProblemKind::Conflict, "this household already has an exit case")
}

/// A county official proposes that an identified household exits; the proposal must meet the
/// exit criteria. Opens the procedure's tasks and starts the village's.
#[tracing::instrument(skip_all, fields(actor = %p.subject))]
pub async fn propose(s: State, p: Principal, req: ProposeExit) -> Result<ExitCase> {
    let h = household::Entity::find_by_id(req.household_id).one(&s.db).await?.ok_or_else(no_household)?;
    let village = Division::parse(&h.village).context("reading the household's village")?;
    p.require(&[Role::Operator, Role::Approver], Layer::County, &village, no_household())?;
    let now = s.now();
    let line = domain::validate(&req, h.year, now.year(), &s.lines, &village)?;
    let county = village.ancestor_at(Level::County).with_context(|| format!("{village} has no county"))?;
    let txn = s.db.begin().await?;
    if exit_case::of_household(&txn, h.household_id).await?.is_some() {
        return Err(conflict().into());
    }
    let new = exit_case::ActiveModel {
        id: Set(Uuid::now_v7()),
        household_id: Set(h.household_id),
        village: Set(h.village.clone()),
        year: Set(req.year),
        per_capita_income_fen: Set(req.per_capita_income_fen),
        poverty_line_fen: Set(line.fen()),
        guarantees: Set(serde_json::to_string(&req.guarantees).context("encoding the guarantees")?),
        status: Set(label(ExitStatus::Proposed).to_owned()),
        acknowledged_by: Set(None),
        version: Set(1),
        proposed_by: Set(p.subject.clone()),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let row = rows::insert_or(&txn, new, conflict).await?;
    let steps = [
        ProcedureStep { division: county.to_string(), notice_kind: None },
        ProcedureStep { division: village.to_string(), notice_kind: Some(VILLAGE_NOTICE) },
    ];
    let title = format!("Exit of household {}", h.household_id);
    s.engine.open_procedure_steps(&txn, &p.subject, TASK_KIND, &title, h.household_id, &steps).await?;
    s.engine.advance(&txn, &p, TASK_KIND, h.household_id, &[(&village, Action::Start)], None).await?;
    case::record(&txn, now, Entry::by(&p, "case.propose", &row.village), &row).await?;
    txn.commit().await?;
    tracing::info!(exit = %row.id, household = %h.household_id, village = %village, "exit proposed");
    case::load(&s, row.id).await
}

/// Records the household's acknowledgement of the result and posts the village's notice;
/// entered by an operator of any layer covering the village.
#[tracing::instrument(skip_all, fields(actor = %p.subject))]
pub async fn acknowledge(s: State, p: Principal, req: Step<Acknowledge>) -> Result<ExitCase> {
    let name = domain::validate_acknowledgement(&req.body)?;
    let now = s.now();
    let txn = s.db.begin().await?;
    let (row, village) = case::for_step(&txn, req.id).await?;
    p.require_within(&[Role::Operator], &village, hidden())?;
    case::expect_version(&row, req.expected_version)?;
    let current = row.status()?;
    let next = domain::next(current, domain::Step::Acknowledge)?;
    case::set_status(&txn, &row, next, Some(&name), now).await?;
    if current == ExitStatus::Objected {
        let task = s.engine.procedure_task(&txn, TASK_KIND, row.household_id, Some(village.as_str())).await?;
        if !task.is_some_and(|t| t.state == TaskState::Returned) {
            return Err(Problem::transition("the objection is still under review").into());
        }
    }
    case::record(&txn, now, Entry::by(&p, "case.acknowledge", &row.village), &row).await?;
    s.engine.post_procedure_notice(&txn, &p, TASK_KIND, row.household_id, village.as_str()).await?;
    txn.commit().await?;
    case::load(&s, row.id).await
}

/// The county approves an acknowledged exit whose notice passed: the tasks are signed off and
/// the household's exit is announced.
#[tracing::instrument(skip_all, fields(actor = %p.subject))]
pub async fn approve(s: State, p: Principal, req: Step<Decision>) -> Result<ExitCase> {
    let now = s.now();
    let txn = s.db.begin().await?;
    let (row, village) = case::for_step(&txn, req.id).await?;
    p.require(&[Role::Approver], Layer::County, &village, hidden())?;
    case::expect_version(&row, req.expected_version)?;
    let next = domain::next(row.status()?, domain::Step::Approve)?;
    case::set_status(&txn, &row, next, None, now).await?;
    let note = req.body.note.as_deref();
    let county = village.ancestor_at(Level::County).with_context(|| format!("{village} has no county"))?;
    let moves = [
        (village.as_str(), Action::SignOff),
        (county.as_str(), Action::Start),
        (county.as_str(), Action::Submit),
        (county.as_str(), Action::SignOff),
    ];
    s.engine.advance(&txn, &p, TASK_KIND, row.household_id, &moves, note).await?;
    case::record(&txn, now, Entry::by(&p, "case.approve", &row.village).reason(note), &row).await?;
    let exited = HouseholdExited {
        exit_id: row.id,
        household_id: row.household_id,
        village: row.village.clone(),
        year: row.year,
    };
    let exited = serde_json::to_value(exited).context("encoding the household-exited event")?;
    let event = s.engine.event(HOUSEHOLD_EXITED, &row.village, row.household_id, &p.subject, exited);
    outbox::enqueue(&txn, s.bus.root(), &event).await?;
    txn.commit().await?;
    s.outbox.wake();
    tracing::info!(exit = %row.id, household = %row.household_id, "exit approved");
    case::load(&s, row.id).await
}

/// Keeps exit cases in step with the village's notice: when it passes, the case is noticed and
/// the village's task submitted for the county's approval; an objection marks the case objected.
#[derive(Debug)]
pub struct NoticeOfTheExit;

#[async_trait::async_trait]
impl NoticeHook for NoticeOfTheExit {
    async fn on_notice(
        &self,
        engine: &Engine,
        txn: &DatabaseTransaction,
        task: &Task,
        event: NoticeEvent,
    ) -> Result<(), Problem> {
        follow_notice(engine, txn, task, event).await.map_err(Problem::from)
    }
}

/// Moves the case of the household `task` is about as the village's notice says, with the
/// engine's clock; notices of other tasks, and events that do not apply to the case's status,
/// change nothing.
async fn follow_notice(engine: &Engine, txn: &DatabaseTransaction, task: &Task, event: NoticeEvent) -> Result<()> {
    let (Some(household), true) = (task.subject_id, task.kind == TASK_KIND) else {
        return Ok(());
    };
    let Some(row) = exit_case::of_household(txn, household).await? else {
        return Ok(());
    };
    let step = match event {
        NoticeEvent::Passed => domain::Step::NoticePassed,
        NoticeEvent::ObjectionLodged => domain::Step::Objection,
        NoticeEvent::ObjectionResolved { .. } => return Ok(()),
    };
    let next = match domain::next(row.status()?, step) {
        Ok(next) => next,
        Err(refusal) => {
            tracing::info!(exit = %row.id, %refusal, "notice event does not apply");
            return Ok(());
        }
    };
    let now = engine.clock().now();
    if !exit_case::set_status(txn, &row, next, None, now).await? {
        return Err(Problem::new(ProblemKind::StaleVersion, "the exit case changed at the same moment").into());
    }
    let action = if next == ExitStatus::Objected { "case.objected" } else { "case.notice-passed" };
    let payload = serde_json::json!({ "exit_id": row.id, "household_id": household, "task_id": task.id });
    audit::append(txn, now, Entry::system(action, &row.village).about(row.id).payload(&payload)).await?;
    if next == ExitStatus::Noticed {
        engine
            .advance(txn, &Principal::system(), TASK_KIND, household, &[(&task.division, Action::Submit)], None)
            .await?;
    }
    Ok(())
}
