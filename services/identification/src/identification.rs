//! The steps of the identification procedure ("two notices and one announcement"): the village
//! appraises and verifies, the county matches the data where the province has it, the township
//! reviews, the county approves and announces; the layer holding a case may turn it down. Each
//! step checks role and layer, `If-Match` and the procedure's rule, moves the engine's tasks and
//! saves the household, audited, in one transaction.

use anyhow::Context;
use chain_api::events::{HOUSEHOLD_IDENTIFIED, HouseholdIdentified};
use chain_api::identification::{Appraisal, DataMatch, Household, HouseholdStatus, Rejection};
use chain_api::step::{Decision, Step};
use chain_api::workflow::TaskState;
use chain_api::{Principal, Problem, Role};
use chain_domain::{Division, Layer};
use chain_store::outbox;
use chain_workflow::Action;
use sea_orm::entity::prelude::*;
use sea_orm::{DatabaseTransaction, TransactionTrait};

use crate::State;
use crate::domain::procedure::{self, Step as Stage};
use crate::domain::remarks;
use crate::error::Result;
use crate::household::{self, PROCEDURE, hidden};
use crate::store::households::{active_id, household as household_row};
use crate::tasks::{self, layers};

/// The village's approver records the democratic appraisal: a majority of the votes cast puts
/// the household on the list; otherwise it is turned down.
pub async fn appraise(s: State, p: Principal, req: Step<Appraisal>) -> Result<Household> {
    let passed = remarks::appraisal(&req.body)?;
    let note = remarks::appraisal_note(&req.body, remarks::note(req.body.note.as_deref())?.as_deref());
    advance(&s, &p, &req, Stage::Appraise { passed }, "household.appraise", &note).await
}

/// The county records its data matching, where the province's procedure has it.
pub async fn match_data(s: State, p: Principal, req: Step<DataMatch>) -> Result<Household> {
    let passed = req.body.passed;
    let note = format!(
        "data matching {}{}",
        if passed { "clear" } else { "found a disqualifying record" },
        remarks::suffix(remarks::note(req.body.note.as_deref())?.as_deref())
    );
    advance(&s, &p, &req, Stage::Match { passed }, "household.match", &note).await
}

/// The village verifies the case with the work team and posts the first public notice.
pub async fn verify(s: State, p: Principal, req: Step<Decision>) -> Result<Household> {
    let note = &note_of(&req.body)?;
    advance(&s, &p, &req, Stage::Verify, "household.verify", note).await
}

/// The township reviews the village's list and posts the second public notice.
pub async fn review(s: State, p: Principal, req: Step<Decision>) -> Result<Household> {
    let note = &note_of(&req.body)?;
    advance(&s, &p, &req, Stage::Review, "household.review", note).await
}

/// The county approves a household whose two notices have passed: it is identified and
/// announced, and the fact is published.
pub async fn approve(s: State, p: Principal, req: Step<Decision>) -> Result<Household> {
    let note = &note_of(&req.body)?;
    advance(&s, &p, &req, Stage::Approve, "household.approve", note).await
}

/// The layer holding the case turns the household down, with its finding.
pub async fn reject(s: State, p: Principal, req: Step<Rejection>) -> Result<Household> {
    let reason = &remarks::reason(&req.body.reason)?;
    advance(&s, &p, &req, Stage::Reject, "household.reject", reason).await
}

fn note_of(d: &Decision) -> Result<String> {
    Ok(remarks::note(d.note.as_deref())?.unwrap_or_default())
}

/// Which layer holds a case now: the lowest layer of its procedure whose task is unfinished.
async fn holder(s: &State, txn: &DatabaseTransaction, id: Uuid, village: &Division) -> Result<Layer> {
    let [county, township, village_code] = layers(village)?;
    for (division, layer) in [(&village_code, Layer::Village), (&township, Layer::Township), (&county, Layer::County)] {
        if tasks::state(&s.engine, txn, PROCEDURE, id, division).await?.is_some_and(tasks::unfinished) {
            return Ok(layer);
        }
    }
    Ok(Layer::County)
}

/// Takes a step of the procedure on the household `req` names.
async fn advance<T>(
    s: &State,
    p: &Principal,
    req: &Step<T>,
    step: Stage,
    action: &str,
    note: &str,
) -> Result<Household> {
    let txn = s.db.begin().await?;
    let (row, current) = household::read(&txn, req.id).await?;
    let village = household::village_of(&row)?;
    let [county, township, village_code] = layers(&village)?;
    let (roles, layer): (&[Role], Layer) = match step {
        Stage::Appraise { .. } | Stage::Verify => (&[Role::Approver], Layer::Village),
        Stage::Match { .. } => (&[Role::Operator, Role::Approver], Layer::County),
        Stage::Review => (&[Role::Approver], Layer::Township),
        Stage::Approve => (&[Role::Approver], Layer::County),
        _ => (&[Role::Approver], holder(s, &txn, row.id, &village).await?),
    };
    p.require(roles, layer, &village, hidden())?;
    household::check_version(&row, req.expected_version)?;
    let policy = s.policies.for_division(&village);
    let next = procedure::next(current.status, step, &policy)?;
    if current.status == HouseholdStatus::Objected {
        let at = match step {
            Stage::Verify => Some(&village_code),
            Stage::Review => Some(&township),
            _ => None,
        };
        if let Some(division) = at
            && tasks::state(&s.engine, &txn, PROCEDURE, row.id, division).await? != Some(TaskState::Returned)
        {
            return Err(Problem::transition(
                "the objection concerns another layer's notice; that layer posts it again",
            )
            .into());
        }
    }
    let now = s.now();
    household::set_status(&txn, &row, next, now).await?;
    let reason = Some(note).filter(|n| !n.is_empty());
    household::record(&txn, now, p, action, &row.village, row.id, reason).await?;
    match (step, next) {
        (_, HouseholdStatus::Rejected) => {
            let divisions = [&village_code, &township, &county];
            tasks::cancel_unfinished(&s.engine, &txn, p, PROCEDURE, row.id, &divisions, reason.unwrap_or("rejected"))
                .await?;
            active_id::Entity::delete_many().filter(active_id::Column::HouseholdId.eq(row.id)).exec(&txn).await?;
        }
        (Stage::Verify, _) => {
            s.engine.post_procedure_notice(&txn, p, PROCEDURE, row.id, &village_code).await?;
        }
        (Stage::Review, _) => {
            if current.status == HouseholdStatus::AwaitingTownship {
                let moves = [(&village_code, Action::SignOff), (&township, Action::Start)];
                s.engine.advance(&txn, p, PROCEDURE, row.id, &moves, reason).await?;
            }
            s.engine.post_procedure_notice(&txn, p, PROCEDURE, row.id, &township).await?;
        }
        (Stage::Approve, _) => {
            // Scale control: the village must have a place left for the year (race-safe).
            crate::quotas::take_place(&txn, &village, row.year).await?;
            let moves = tasks::county_decides(&township, &county);
            s.engine.advance(&txn, p, PROCEDURE, row.id, &moves, reason).await?;
            announce(s, &txn, p, &row, &current).await?;
        }
        _ => {}
    }
    txn.commit().await?;
    s.outbox.wake();
    household::load(s, req.id).await
}

/// The county's announcement: the household is identified, and planning and exit hear of it.
async fn announce(
    s: &State,
    txn: &DatabaseTransaction,
    p: &Principal,
    row: &household_row::Model,
    current: &Household,
) -> Result<()> {
    let payload = HouseholdIdentified {
        household_id: row.id,
        village: row.village.clone(),
        year: row.year,
        main_cause: current.main_cause.clone(),
        other_causes: current.other_causes.clone(),
        per_capita_income_fen: row.per_capita_income_fen,
        members: current.members.len() as u32,
    };
    let payload = serde_json::to_value(payload).context("encoding the announcement")?;
    let event = s.engine.event(HOUSEHOLD_IDENTIFIED, &row.village, row.id, &p.subject, payload);
    outbox::enqueue(txn, s.bus.root(), &event).await?;
    Ok(())
}
