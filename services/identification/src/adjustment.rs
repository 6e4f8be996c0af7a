//! Dynamic adjustment (动态管理): the yearly campaign is a directive of kind
//! `identification.adjustment` issued down the chain; applications made during it name their
//! campaign task and say whether the household is newly poor or has returned to poverty (checked:
//! a member must have been in a household that exited). Wrongly identified households are
//! removed through the same procedure as identification — the village's notice, the township's
//! review and notice, the county's decision — on tasks of kind `identification.removal` (whose
//! notices `crate::procedure` follows).

use anyhow::Context;
use chain_api::events::{HOUSEHOLD_REMOVED, HouseholdRemoved};
use chain_api::identification::{CampaignEntry, Entry, Household, HouseholdStatus, ProposeRemoval};
use chain_api::step::{Decision, Step};
use chain_api::workflow::{Task, TaskState};
use chain_api::{Principal, Problem, Role};
use chain_domain::{Division, Invalid, Jurisdiction, Layer};
use chain_store::outbox;
use chain_workflow::{Action, ProcedureStep};
use sea_orm::entity::prelude::*;
use sea_orm::{DatabaseTransaction, QuerySelect, TransactionTrait};

use crate::State;
use crate::domain::household::label;
use crate::domain::remarks;
use crate::error::Result;
use crate::household::{self, REMOVAL, TOWNSHIP_NOTICE, VILLAGE_NOTICE, hidden};
use crate::store::households::{active_id, household as household_row, member};
use crate::tasks::{self, layers};

/// Kind of the campaign directive's tasks.
pub const CAMPAIGN: &str = "identification.adjustment";

/// Checks that a campaign import may enter the campaign task `id`: the task exists and is visible
/// to the caller (a task of an unrelated division is not found), is a dynamic-adjustment campaign
/// task still running, and covers the caller's whole jurisdiction, so every village the caller
/// imports for lies in the campaign.
pub async fn check_campaign(s: &State, p: &Principal, id: Uuid) -> Result<()> {
    let field = "campaign_task_id";
    let task = s.engine.task_by_id(&s.db, id).await?;
    let Some(task) = task.filter(|t| related(p, &t.division)) else {
        return Err(Problem::not_found("campaign task").into());
    };
    if task.kind != CAMPAIGN {
        return Err(Invalid::field(field, "not a dynamic-adjustment campaign task").into());
    }
    if !task.state.awaits_owner() {
        return Err(Invalid::field(field, "this campaign task is already handed in").into());
    }
    let within = Jurisdiction::parse(&task.division).is_ok_and(|j| j.covers_jurisdiction(&p.jurisdiction));
    if !within {
        let why = format!(
            "this campaign task is {}'s; its households are imported by that division's officials",
            task.division
        );
        return Err(Problem::forbidden(why).into());
    }
    Ok(())
}

/// Whether a task of `division` lies inside the caller's jurisdiction or above it.
fn related(p: &Principal, division: &str) -> bool {
    let Ok(theirs) = Jurisdiction::parse(division) else { return false };
    theirs.covers_jurisdiction(&p.jurisdiction) || p.jurisdiction.covers_jurisdiction(&theirs)
}

/// Checks an application's campaign entry: the campaign task exists, covers the village and is
/// still running; a return to poverty names someone who was in a household that exited.
pub async fn check_entry<C: ConnectionTrait>(
    s: &State,
    conn: &C,
    village: &Division,
    entry: &CampaignEntry,
    indexes: &[String],
) -> Result<()> {
    let task = s.engine.task_by_id(conn, entry.campaign_task_id).await?;
    let covers = |t: &Task| t.division == "CN" || village.as_str().starts_with(t.division.as_str());
    let field = "adjustment/campaign_task_id";
    match task {
        Some(t) if t.kind == CAMPAIGN && covers(&t) => {
            if !t.state.awaits_owner() {
                return Err(Invalid::field(field, "this campaign task is already handed in").into());
            }
        }
        _ => {
            let why = "not a dynamic-adjustment campaign task of a division covering the village";
            return Err(Invalid::field(field, why).into());
        }
    }
    if entry.entry == Entry::ReturnedToPoverty {
        let exited: Vec<Uuid> = member::Entity::find()
            .select_only()
            .column(member::Column::HouseholdId)
            .filter(member::Column::IdIndex.is_in(indexes.iter().cloned()))
            .into_tuple()
            .all(conn)
            .await?;
        let any_exited = household_row::Entity::find()
            .filter(household_row::Column::Id.is_in(exited))
            .filter(household_row::Column::Status.eq(label(HouseholdStatus::Exited)))
            .count(conn)
            .await?
            > 0;
        if !any_exited {
            let why = "no member was in a household that exited poverty; register the household as new";
            return Err(Invalid::field("adjustment/entry", why).into());
        }
    }
    Ok(())
}

fn refuse(what: &str, status: HouseholdStatus) -> Problem {
    Problem::transition(format!("{what}; this household is {}", label(status)))
}

/// Runs a step of a removal in a transaction: reads the household, takes the step, and answers
/// the household as it is afterwards.
async fn step<F>(s: &State, id: Uuid, f: F) -> Result<Household>
where
    F: AsyncFnOnce(&DatabaseTransaction, household_row::Model, Household, Division) -> Result<()>,
{
    let txn = s.db.begin().await?;
    let (row, current) = household::read(&txn, id).await?;
    let village = household::village_of(&row)?;
    f(&txn, row, current, village).await?;
    txn.commit().await?;
    s.outbox.wake();
    household::load(s, id).await
}

/// The village's approver proposes removing a wrongly identified household, posting the
/// village's notice of it (again, after an objection was resolved).
pub async fn propose_removal(s: State, p: Principal, req: Step<ProposeRemoval>) -> Result<Household> {
    let reason = &remarks::reason(&req.body.reason)?;
    step(&s, req.id, async |txn, row, current, village| {
        p.require(&[Role::Approver], Layer::Village, &village, hidden())?;
        household::check_version(&row, req.expected_version)?;
        let [county, township, village_code] = layers(&village)?;
        match current.status {
            HouseholdStatus::Identified => {
                let plan = [
                    ProcedureStep { division: county, notice_kind: None },
                    ProcedureStep { division: township, notice_kind: Some(TOWNSHIP_NOTICE) },
                    ProcedureStep { division: village_code.clone(), notice_kind: Some(VILLAGE_NOTICE) },
                ];
                let title = format!("Removal of wrongly identified household {}", row.id);
                s.engine.open_procedure_steps(txn, &p.subject, REMOVAL, &title, row.id, &plan).await?;
                s.engine.advance(txn, &p, REMOVAL, row.id, &[(&village_code, Action::Start)], Some(reason)).await?;
            }
            HouseholdStatus::RemovalObjected
                if tasks::state(&s.engine, txn, REMOVAL, row.id, &village_code).await? == Some(TaskState::Returned) => {
            }
            status => return Err(refuse("only an identified household is proposed for removal", status).into()),
        }
        s.engine.post_procedure_notice(txn, &p, REMOVAL, row.id, &village_code).await?;
        let now = s.now();
        household::set_status(txn, &row, HouseholdStatus::RemovalFirstNotice, now).await?;
        let note = match req.body.campaign_task_id {
            Some(c) => format!("{reason} (campaign task {c})"),
            None => reason.to_owned(),
        };
        household::record(txn, now, &p, "household.propose-removal", &row.village, row.id, Some(&note)).await
    })
    .await
}

/// The township reviews a removal once the village's notice has passed, and posts its own.
pub async fn review_removal(s: State, p: Principal, req: Step<Decision>) -> Result<Household> {
    step(&s, req.id, async |txn, row, current, village| {
        p.require(&[Role::Approver], Layer::Township, &village, hidden())?;
        household::check_version(&row, req.expected_version)?;
        let [_, township, village_code] = layers(&village)?;
        let note = req.body.note.as_deref();
        match current.status {
            HouseholdStatus::RemovalAwaitingTownship => {
                let moves = [(&village_code, Action::SignOff), (&township, Action::Start)];
                s.engine.advance(txn, &p, REMOVAL, row.id, &moves, note).await?;
            }
            HouseholdStatus::RemovalObjected
                if tasks::state(&s.engine, txn, REMOVAL, row.id, &township).await? == Some(TaskState::Returned) => {}
            status => {
                let why = "the township reviews a removal once the village's notice has passed";
                return Err(refuse(why, status).into());
            }
        }
        s.engine.post_procedure_notice(txn, &p, REMOVAL, row.id, &township).await?;
        let now = s.now();
        household::set_status(txn, &row, HouseholdStatus::RemovalSecondNotice, now).await?;
        household::record(txn, now, &p, "household.review-removal", &row.village, row.id, note).await
    })
    .await
}

/// The county decides a removal once both notices have passed: the household leaves the
/// register and its members' IDs are free again.
pub async fn approve_removal(s: State, p: Principal, req: Step<Decision>) -> Result<Household> {
    step(&s, req.id, async |txn, row, current, village| {
        p.require(&[Role::Approver], Layer::County, &village, hidden())?;
        household::check_version(&row, req.expected_version)?;
        if current.status != HouseholdStatus::RemovalAwaitingCounty {
            let why = "the county decides a removal once the township's notice has passed";
            return Err(refuse(why, current.status).into());
        }
        let [county, township, _] = layers(&village)?;
        let note = req.body.note.as_deref();
        s.engine.advance(txn, &p, REMOVAL, row.id, &tasks::county_decides(&township, &county), note).await?;
        let now = s.now();
        household::set_status(txn, &row, HouseholdStatus::Removed, now).await?;
        active_id::Entity::delete_many().filter(active_id::Column::HouseholdId.eq(row.id)).exec(txn).await?;
        household::record(txn, now, &p, "household.approve-removal", &row.village, row.id, note).await?;
        let payload = HouseholdRemoved {
            household_id: row.id,
            village: row.village.clone(),
            reason: note.unwrap_or_default().to_owned(),
        };
        let payload = serde_json::to_value(payload).context("encoding the removal")?;
        let event = s.engine.event(HOUSEHOLD_REMOVED, &row.village, row.id, &p.subject, payload);
        outbox::enqueue(txn, s.bus.root(), &event).await?;
        Ok(())
    })
    .await
}

/// The layer holding a removal withdraws it (the household was rightly identified after all);
/// not while a notice is up.
pub async fn withdraw_removal(s: State, p: Principal, req: Step<Decision>) -> Result<Household> {
    step(&s, req.id, async |txn, row, current, village| {
        let [county, township, village_code] = layers(&village)?;
        let mut holder = Layer::County;
        for (division, layer) in
            [(&village_code, Layer::Village), (&township, Layer::Township), (&county, Layer::County)]
        {
            // The lowest layer whose removal task awaits its owner holds the case.
            if tasks::state(&s.engine, txn, REMOVAL, row.id, division).await?.is_some_and(TaskState::awaits_owner) {
                holder = layer;
                break;
            }
        }
        p.require(&[Role::Approver], holder, &village, hidden())?;
        household::check_version(&row, req.expected_version)?;
        if !matches!(
            current.status,
            HouseholdStatus::RemovalObjected
                | HouseholdStatus::RemovalAwaitingTownship
                | HouseholdStatus::RemovalAwaitingCounty
        ) {
            return Err(refuse("a removal is withdrawn while no notice of it is up", current.status).into());
        }
        let note = req.body.note.as_deref().unwrap_or("removal withdrawn");
        let divisions = [&village_code, &township, &county];
        tasks::cancel_unfinished(&s.engine, txn, &p, REMOVAL, row.id, &divisions, note).await?;
        let now = s.now();
        household::set_status(txn, &row, HouseholdStatus::Identified, now).await?;
        household::record(txn, now, &p, "household.withdraw-removal", &row.village, row.id, Some(note)).await
    })
    .await
}
