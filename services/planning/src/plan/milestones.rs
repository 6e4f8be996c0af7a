//! Delivery: the village, or the unit of the household's helper, reports a milestone of an
//! approved plan done (the day, a note); its task is signed off, the plan is started by the first
//! and completed by the last.

use chain_api::events::{MILESTONE_DONE, MilestoneDone, PLAN_COMPLETED, PLAN_STARTED};
use chain_api::limits::REMARK_CHARS;
use chain_api::planning::{MilestoneState, Plan, PlanStatus, ReportMilestone};
use chain_api::step::Step;
use chain_api::{Principal, Problem, Role};
use chain_domain::calendar::beijing_date;
use chain_domain::{Division, Invalid, Layer, text};
use chain_store::audit::Entry;
use chain_store::text::enum_str;
use chain_workflow::Action;
use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, IntoActiveModel, TransactionTrait};

use anyhow::Context as _;

use super::answer::{self, announce, changed, check_version, hidden, record, stale, village_of};
use crate::State;
use crate::domain::{self, MILESTONE_TASK};
use crate::error::Result;
use crate::store::{helper, milestone};

/// Who reports delivery: an operator or approver of the village layer over the household's
/// village, or one of the division of the current helper's unit (its layer and code), wherever
/// that unit sits — a cadre paired from another county or province reports for the households it
/// helps, and only for those. Anyone else is answered as if the plan did not exist.
fn may_report(p: &Principal, village: &Division, of_unit: bool) -> Result<()> {
    let roles = [Role::Operator, Role::Approver];
    if of_unit {
        return match roles.iter().any(|r| p.has(*r)) {
            true => Ok(()),
            false => Err(Problem::forbidden("this step needs the role operator or approver").into()),
        };
    }
    Ok(p.require(&roles, Layer::Village, village, hidden())?)
}

/// The village or the helper's unit reports a milestone done: the day it was done (not in the
/// future, not before the plan) and what was seen. The milestone's task is signed off; the plan moves to in progress with
/// its first milestone and to completed with its last.
#[tracing::instrument(skip_all, fields(actor = %p.subject, plan = %req.id))]
pub async fn report_milestone(s: State, p: Principal, req: Step<ReportMilestone>) -> Result<Plan> {
    let now = s.now();
    let today = beijing_date(now);
    let txn = s.db.begin().await?;
    let row = answer::row(&txn, req.id).await?;
    let village = village_of(&row)?;
    let of_unit = helper::sent_by(&txn, row.household_id, &p).await?;
    may_report(&p, &village, of_unit)?;
    check_version(req.expected_version, &row)?;
    let body = &req.body;
    let mut bad = Invalid::new();
    let note = text::field(&body.note, text::Kind::Prose, "note", &mut bad);
    if !(1..=REMARK_CHARS).contains(&note.chars().count()) {
        bad.push("note", format!("say what was done (1 to {REMARK_CHARS} characters)"));
    }
    let drafted = beijing_date(row.created_at);
    let done_on = body.done_on.unwrap_or(today);
    if done_on > today || done_on < drafted {
        bad.push("done_on", format!("must be between {drafted} (the plan's drafting) and today ({today})"));
    }
    let milestones = milestone::of_plan(&txn, row.id).await?;
    let Some(m) = milestones.iter().find(|m| m.id == body.milestone_id) else {
        bad.push("milestone_id", "not a milestone of this plan's current revision");
        return Err(bad.into());
    };
    bad.or(())?;
    if m.task_id.is_none() {
        return Err(Problem::transition("the milestone's revision is not approved yet").into());
    }
    if m.state()? == MilestoneState::Done {
        return Err(Problem::transition("the milestone was reported done already").into());
    }
    let moves = [(row.village.as_str(), Action::Submit), (row.village.as_str(), Action::SignOff)];
    s.engine.advance(&txn, &p, MILESTONE_TASK, m.id, &moves, Some(&note)).await?;
    let mut active = m.clone().into_active_model();
    active.state = Set(milestone::state_label(MilestoneState::Done));
    active.done_on = Set(Some(done_on));
    active.note = Set(Some(note.clone()));
    active.reported_by = Set(Some(p.subject.clone()));
    active.update(&txn).await?;
    let done_count = milestones.iter().filter(|x| x.id == m.id || x.state == enum_str(&MilestoneState::Done)).count();
    let status = row.status()?;
    let next = domain::progressed(status, done_count, milestones.len());
    // The version goes up with every report, so a report and a revision never cross unseen.
    if !crate::store::plan::update(&txn, &row, vec![crate::store::plan::status_change(next)], now).await? {
        return Err(stale().into());
    }
    let fresh = answer::row(&txn, row.id).await?;
    record(&txn, now, Entry::by(&p, "plan.milestone_done", &row.village).reason(Some(&note)), &fresh).await?;
    let stored = fresh.measures()?;
    let kind =
        usize::try_from(m.measure).ok().and_then(|i| stored.get(i)).map(|x| enum_str(&x.kind)).unwrap_or_default();
    let measure_delivered = milestones
        .iter()
        .filter(|x| x.measure == m.measure)
        .all(|x| x.id == m.id || x.state == enum_str(&MilestoneState::Done));
    let done = MilestoneDone {
        plan_id: fresh.id,
        household_id: fresh.household_id,
        village: fresh.village.clone(),
        milestone_id: m.id,
        kind,
        done_on,
        measure_delivered,
    };
    let done = serde_json::to_value(done).context("encoding the milestone-done event")?;
    announce(&txn, &s, MILESTONE_DONE, &fresh, &p.subject, done).await?;
    if next != status {
        let kind = if next == PlanStatus::Completed { PLAN_COMPLETED } else { PLAN_STARTED };
        announce(&txn, &s, kind, &fresh, &p.subject, changed(&fresh, next)?).await?;
    }
    let answer = answer::answer(&txn, &s, &fresh).await?;
    txn.commit().await?;
    s.outbox.wake();
    tracing::info!(plan = %row.id, milestone = %m.id, status = %enum_str(&next), "milestone done");
    Ok(answer)
}
