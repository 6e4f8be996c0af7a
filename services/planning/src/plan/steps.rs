//! The decisions on a plan: the township submits it, the county approves or returns it. Approval
//! opens a village task per milestone, due at the end of its day.

use anyhow::Context as _;
use chain_api::events::{
    ApprovedMeasure, PLAN_APPROVED, PLAN_COMPLETED, PLAN_RETURNED, PLAN_STARTED, PLAN_SUBMITTED, PlanApproved,
};
use chain_api::limits::REMARK_CHARS;
use chain_api::monitoring::Reason;
use chain_api::planning::{MilestoneState, Plan, PlanStatus};
use chain_api::step::{Decision, Step};
use chain_api::{Principal, Problem, Role};
use chain_domain::calendar::end_of_day_beijing;
use chain_domain::{Invalid, Layer, text};
use chain_store::audit::Entry;
use chain_store::text::enum_str;
use chain_workflow::{Action, NewTask};
use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, IntoActiveModel, TransactionTrait};

use super::answer::{self, announce, changed, check_version, hidden, record, stale, village_of};
use crate::State;
use crate::domain::{self, MILESTONE_TASK, PLAN_TASK};
use crate::error::Result;
use crate::store::{milestone, plan};

/// Moves the plan's current township task, or answers why it cannot move.
async fn move_task<C: sea_orm::ConnectionTrait>(
    conn: &C,
    s: &State,
    p: &Principal,
    row: &plan::Model,
    action: Action,
    note: Option<&str>,
) -> Result<()> {
    match s.engine.transition(conn, p, PLAN_TASK, row.household_id, action, note).await? {
        Some(Ok(_)) => Ok(()),
        Some(Err(problem)) => Err(problem.into()),
        None => Err(anyhow::anyhow!("the plan's township task is missing").into()),
    }
}

/// A decision's note, cleaned: at most [`REMARK_CHARS`] characters.
fn note(decision: &Decision) -> Result<Option<String>> {
    let Some(n) = decision.note.as_deref() else { return Ok(None) };
    let mut bad = Invalid::new();
    let n = text::field(n, text::Kind::Prose, "note", &mut bad);
    if n.chars().count() > REMARK_CHARS {
        bad.push("note", format!("at most {REMARK_CHARS} characters"));
    }
    bad.or(Some(n).filter(|n| !n.is_empty())).map_err(Into::into)
}

/// The township submits an acknowledged draft to the county; a plan whose projected income stays
/// at or below the poverty line needs its justification first.
#[tracing::instrument(skip_all, fields(actor = %p.subject, plan = %req.id))]
pub async fn submit(s: State, p: Principal, req: Step<Decision>) -> Result<Plan> {
    let now = s.now();
    let note = note(&req.body)?;
    let txn = s.db.begin().await?;
    let row = answer::row(&txn, req.id).await?;
    p.require(&[Role::Operator, Role::Approver], Layer::Township, &village_of(&row)?, hidden())?;
    check_version(req.expected_version, &row)?;
    let next = domain::next(row.status()?, domain::Step::Submit)?;
    if row.acknowledgement.is_none() {
        let detail = "the household has not acknowledged this plan yet; record its acknowledgement first";
        return Err(Problem::transition(detail).into());
    }
    let current = answer::answer(&txn, &s, &row).await?;
    let pr = &current.projection;
    if !pr.closes_gap && row.justification.is_none() {
        let detail = format!(
            "the projected income of {} fen a person stays at or below the {} poverty line of {} fen; say why the plan is sound",
            pr.projected_per_capita_fen, pr.year, pr.poverty_line_fen
        );
        return Err(Invalid::field("justification", detail).into());
    }
    move_task(&txn, &s, &p, &row, Action::Submit, note.as_deref()).await?;
    if !plan::update(&txn, &row, vec![plan::status_change(next)], now).await? {
        return Err(stale().into());
    }
    let fresh = answer::row(&txn, row.id).await?;
    record(&txn, now, Entry::by(&p, "plan.submit", &row.village).reason(note.as_deref()), &fresh).await?;
    announce(&txn, &s, PLAN_SUBMITTED, &fresh, &p.subject, changed(&fresh, next)?).await?;
    let answer = answer::answer(&txn, &s, &fresh).await?;
    txn.commit().await?;
    s.outbox.wake();
    Ok(answer)
}

/// The county approves a submitted plan: the township's task is signed off, each milestone not
/// yet tracked gets a village task due at the end of its day, and the approved plan is announced
/// with its measures and budgets. A revision whose milestones are all done already is completed
/// at once.
#[tracing::instrument(skip_all, fields(actor = %p.subject, plan = %req.id))]
pub async fn approve(s: State, p: Principal, req: Step<Decision>) -> Result<Plan> {
    let now = s.now();
    let note = note(&req.body)?;
    let txn = s.db.begin().await?;
    let row = answer::row(&txn, req.id).await?;
    p.require(&[Role::Approver], Layer::County, &village_of(&row)?, hidden())?;
    check_version(req.expected_version, &row)?;
    let approved = domain::next(row.status()?, domain::Step::Approve)?;
    move_task(&txn, &s, &p, &row, Action::SignOff, note.as_deref()).await?;
    let county = village_of(&row)?
        .ancestor_at(chain_domain::Level::County)
        .context("the plan's village lies above the county")?
        .to_string();
    let milestones = milestone::of_plan(&txn, row.id).await?;
    let done = milestones.iter().filter(|m| m.state == milestone::state_label(MilestoneState::Done)).count();
    for m in
        milestones.iter().filter(|m| m.task_id.is_none() && m.state == milestone::state_label(MilestoneState::Open))
    {
        // The county answers for the milestone: past due and grace, it is escalated there.
        let task = NewTask {
            subject_id: Some(m.id),
            due_at: Some(end_of_day_beijing(m.due)),
            signer: Some(county.clone()),
            ..NewTask::new(
                MILESTONE_TASK,
                format!("Milestone of household {}'s plan: {}", row.household_id, m.what),
                row.village.clone(),
                Role::Operator,
            )
        };
        let task = s.engine.open(&txn, &p.subject, task).await?;
        let mut active = m.clone().into_active_model();
        active.task_id = Set(Some(task.id));
        active.update(&txn).await?;
    }
    let status = domain::progressed(approved, done, milestones.len());
    if !plan::update(&txn, &row, vec![plan::status_change(status)], now).await? {
        return Err(stale().into());
    }
    let fresh = answer::row(&txn, row.id).await?;
    record(&txn, now, Entry::by(&p, "plan.approve", &row.village).reason(note.as_deref()), &fresh).await?;
    let measures: Vec<ApprovedMeasure> = fresh
        .measures()?
        .iter()
        .enumerate()
        .map(|(index, m)| ApprovedMeasure {
            index,
            kind: enum_str(&m.kind),
            addresses: m.addresses.clone(),
            budget_fen: m.budget_fen,
            fund: m.fund.map(|f| enum_str(&f)),
            expected_income_fen: m.expected_income_fen,
        })
        .collect();
    let budget_fen = measures.iter().map(|m| m.budget_fen).fold(0i64, i64::saturating_add);
    let event = PlanApproved {
        plan_id: fresh.id,
        household_id: fresh.household_id,
        village: fresh.village.clone(),
        revision: fresh.revision,
        measures,
        budget_fen,
    };
    let event = serde_json::to_value(event).context("encoding the plan-approved event")?;
    announce(&txn, &s, PLAN_APPROVED, &fresh, &p.subject, event).await?;
    match status {
        PlanStatus::InProgress => {
            announce(&txn, &s, PLAN_STARTED, &fresh, &p.subject, changed(&fresh, status)?).await?
        }
        PlanStatus::Completed => {
            announce(&txn, &s, PLAN_COMPLETED, &fresh, &p.subject, changed(&fresh, status)?).await?
        }
        _ => {}
    }
    let answer = answer::answer(&txn, &s, &fresh).await?;
    txn.commit().await?;
    s.outbox.wake();
    tracing::info!(plan = %row.id, revision = fresh.revision, "plan approved");
    Ok(answer)
}

/// The county returns a submitted plan to the township for rework, saying why.
#[tracing::instrument(skip_all, fields(actor = %p.subject, plan = %req.id))]
pub async fn return_plan(s: State, p: Principal, req: Step<Reason>) -> Result<Plan> {
    let now = s.now();
    let mut bad = Invalid::new();
    let reason = text::field(&req.body.reason, text::Kind::Prose, "reason", &mut bad);
    if !(1..=REMARK_CHARS).contains(&reason.chars().count()) {
        bad.push("reason", format!("say why you return it (1 to {REMARK_CHARS} characters)"));
    }
    bad.or(())?;
    let txn = s.db.begin().await?;
    let row = answer::row(&txn, req.id).await?;
    p.require(&[Role::Approver], Layer::County, &village_of(&row)?, hidden())?;
    check_version(req.expected_version, &row)?;
    let next = domain::next(row.status()?, domain::Step::Return)?;
    move_task(&txn, &s, &p, &row, Action::Return, Some(&reason)).await?;
    if !plan::update(&txn, &row, vec![plan::status_change(next)], now).await? {
        return Err(stale().into());
    }
    let fresh = answer::row(&txn, row.id).await?;
    record(&txn, now, Entry::by(&p, "plan.return", &row.village).reason(Some(&reason)), &fresh).await?;
    announce(&txn, &s, PLAN_RETURNED, &fresh, &p.subject, changed(&fresh, next)?).await?;
    let answer = answer::answer(&txn, &s, &fresh).await?;
    txn.commit().await?;
    s.outbox.wake();
    Ok(answer)
}
