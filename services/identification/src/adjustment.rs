//! Dynamic adjustment (动态管理): the yearly campaign is a directive of kind
//! `identification.adjustment` issued down the chain; applications made during it name their
//! campaign task and say whether the household is newly poor or has returned to poverty (checked:
//! a member must have been in a household that exited). Wrongly identified households are
//! removed through the same procedure as identification — the village's notice, the township's
//! review and notice, the county's decision — on tasks of kind `identification.removal`.

use chain_api::events::{HOUSEHOLD_REMOVED, HouseholdRemoved};
use chain_api::identification::{CampaignEntry, Entry, Household, HouseholdStatus, ProposeRemoval};
use chain_api::step::{Decision, Step};
use chain_api::workflow::{Task, TaskState};
use chain_api::{Principal, Problem, Role};
use chain_bus::service::internal;
use chain_domain::{Division, Layer, Level};
use chain_store::outbox;
use chain_workflow::{Action, Engine, NoticeEvent, ProcedureStep};
use sea_orm::entity::prelude::*;
use sea_orm::{DatabaseTransaction, QuerySelect, TransactionTrait};

use crate::State;
use crate::domain::{Policies, label};
use crate::handlers::{TOWNSHIP_NOTICE, VILLAGE_NOTICE, hidden, layers, load, record, set_status};
use crate::store::{self, active_id, household, member};

/// Kind of the campaign directive's tasks.
pub const CAMPAIGN: &str = "identification.adjustment";
/// Kind of the removal procedure's tasks.
pub const REMOVAL: &str = "identification.removal";

fn field(name: &str, message: impl Into<String>) -> Problem {
    Problem::invalid(name, message)
}

/// Checks an application's campaign entry: the campaign task exists, covers the village and is
/// still running; a return to poverty names someone who was in a household that exited.
pub async fn check_entry<C: ConnectionTrait>(
    s: &State,
    conn: &C,
    village: &Division,
    entry: &CampaignEntry,
    indexes: &[String],
) -> Result<(), Problem> {
    let task = s.engine.task_by_id(conn, entry.campaign_task_id).await.map_err(internal)?;
    let covers = |t: &Task| t.division == "CN" || village.as_str().starts_with(t.division.as_str());
    match task {
        Some(t) if t.kind == CAMPAIGN && covers(&t) => {
            if !t.state.awaits_owner() {
                return Err(field("adjustment/campaign_task_id", "this campaign task is already handed in"));
            }
        }
        _ => {
            return Err(field(
                "adjustment/campaign_task_id",
                "not a dynamic-adjustment campaign task of a division covering the village",
            ));
        }
    }
    if entry.entry == Entry::ReturnedToPoverty {
        let exited: Vec<Uuid> = member::Entity::find()
            .select_only()
            .column(member::Column::HouseholdId)
            .filter(member::Column::IdIndex.is_in(indexes.iter().cloned()))
            .into_tuple()
            .all(conn)
            .await
            .map_err(internal)?;
        let any_exited = household::Entity::find()
            .filter(household::Column::Id.is_in(exited))
            .filter(household::Column::Status.eq(label(HouseholdStatus::Exited)))
            .count(conn)
            .await
            .map_err(internal)?
            > 0;
        if !any_exited {
            return Err(field(
                "adjustment/entry",
                "no member was in a household that exited poverty; register the household as new",
            ));
        }
    }
    Ok(())
}

/// Moves the removal's tasks along in order.
async fn steps(
    engine: &Engine,
    txn: &DatabaseTransaction,
    p: &Principal,
    id: Uuid,
    steps: &[(&String, Action)],
    note: Option<&str>,
) -> Result<(), Problem> {
    engine.advance(txn, p, REMOVAL, id, steps, note).await
}

async fn task_state(
    s: &State,
    txn: &DatabaseTransaction,
    id: Uuid,
    division: &str,
) -> Result<Option<TaskState>, Problem> {
    Ok(s.engine.procedure_task(txn, REMOVAL, id, Some(division)).await.map_err(internal)?.map(|t| t.state))
}

fn refuse(what: &str, status: HouseholdStatus) -> Problem {
    Problem::transition(format!("{what}; this household is {}", label(status)))
}

/// Runs `f` in a transaction, committing on success.
async fn in_txn<F>(s: &State, id: Uuid, f: F) -> Result<Household, Problem>
where
    F: AsyncFnOnce(&DatabaseTransaction) -> Result<(), Problem>,
{
    let txn = s.db.begin().await.map_err(internal)?;
    match f(&txn).await {
        Ok(()) => txn.commit().await.map_err(internal)?,
        Err(problem) => {
            let _ = txn.rollback().await;
            return Err(problem);
        }
    }
    s.outbox.wake();
    load(s, id).await
}

/// The village's approver proposes removing a wrongly identified household, posting the
/// village's notice of it (again, after an objection was resolved).
pub async fn propose_removal(s: State, p: Principal, req: Step<ProposeRemoval>) -> Result<Household, Problem> {
    let reason = req.body.reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err(Problem::invalid("reason", "1–2000 characters"));
    }
    in_txn(&s, req.id, async |txn| {
        let (row, current) = store::load(txn, req.id).await.map_err(internal)?.ok_or_else(hidden)?;
        let village = Division::parse(&row.village).map_err(internal)?;
        p.require(&[Role::Approver], Layer::Village, &village, hidden())?;
        store::check_version(&row, req.expected_version)?;
        let [county, township, village_code] = layers(&village)?;
        match current.status {
            HouseholdStatus::Identified => {
                let plan = [
                    ProcedureStep { division: county, notice_kind: None },
                    ProcedureStep { division: township, notice_kind: Some(TOWNSHIP_NOTICE) },
                    ProcedureStep { division: village_code.clone(), notice_kind: Some(VILLAGE_NOTICE) },
                ];
                let title = format!("Removal of wrongly identified household {}", row.id);
                s.engine
                    .open_procedure_steps(txn, &p.subject, REMOVAL, &title, row.id, &plan)
                    .await
                    .map_err(internal)?;
                steps(&s.engine, txn, &p, row.id, &[(&village_code, Action::Start)], Some(&reason)).await?;
            }
            HouseholdStatus::RemovalObjected
                if task_state(&s, txn, row.id, &village_code).await? == Some(TaskState::Returned) => {}
            status => return Err(refuse("only an identified household is proposed for removal", status)),
        }
        s.engine.post_procedure_notice(txn, &p, REMOVAL, row.id, &village_code).await?;
        set_status(txn, &row, HouseholdStatus::RemovalFirstNotice).await?;
        let note = match req.body.campaign_task_id {
            Some(c) => format!("{reason} (campaign task {c})"),
            None => reason.clone(),
        };
        record(txn, &p, "household.propose-removal", &village, row.id, Some(&note)).await
    })
    .await
}

/// The township reviews a removal once the village's notice has passed, and posts its own.
pub async fn review_removal(s: State, p: Principal, req: Step<Decision>) -> Result<Household, Problem> {
    in_txn(&s, req.id, async |txn| {
        let (row, current) = store::load(txn, req.id).await.map_err(internal)?.ok_or_else(hidden)?;
        let village = Division::parse(&row.village).map_err(internal)?;
        p.require(&[Role::Approver], Layer::Township, &village, hidden())?;
        store::check_version(&row, req.expected_version)?;
        let [_, township, village_code] = layers(&village)?;
        let note = req.body.note.as_deref();
        match current.status {
            HouseholdStatus::RemovalAwaitingTownship => {
                steps(
                    &s.engine,
                    txn,
                    &p,
                    row.id,
                    &[(&village_code, Action::SignOff), (&township, Action::Start)],
                    note,
                )
                .await?;
            }
            HouseholdStatus::RemovalObjected
                if task_state(&s, txn, row.id, &township).await? == Some(TaskState::Returned) => {}
            status => {
                return Err(refuse("the township reviews a removal once the village's notice has passed", status));
            }
        }
        s.engine.post_procedure_notice(txn, &p, REMOVAL, row.id, &township).await?;
        set_status(txn, &row, HouseholdStatus::RemovalSecondNotice).await?;
        record(txn, &p, "household.review-removal", &village, row.id, note).await
    })
    .await
}

/// The county decides a removal once both notices have passed: the household leaves the
/// register and its members' IDs are free again.
pub async fn approve_removal(s: State, p: Principal, req: Step<Decision>) -> Result<Household, Problem> {
    in_txn(&s, req.id, async |txn| {
        let (row, current) = store::load(txn, req.id).await.map_err(internal)?.ok_or_else(hidden)?;
        let village = Division::parse(&row.village).map_err(internal)?;
        p.require(&[Role::Approver], Layer::County, &village, hidden())?;
        store::check_version(&row, req.expected_version)?;
        if current.status != HouseholdStatus::RemovalAwaitingCounty {
            return Err(refuse("the county decides a removal once the township's notice has passed", current.status));
        }
        let [county, township, _] = layers(&village)?;
        let note = req.body.note.as_deref();
        let plan = [
            (&township, Action::SignOff),
            (&county, Action::Start),
            (&county, Action::Submit),
            (&county, Action::SignOff),
        ];
        steps(&s.engine, txn, &p, row.id, &plan, note).await?;
        set_status(txn, &row, HouseholdStatus::Removed).await?;
        active_id::Entity::delete_many()
            .filter(active_id::Column::HouseholdId.eq(row.id))
            .exec(txn)
            .await
            .map_err(internal)?;
        record(txn, &p, "household.approve-removal", &village, row.id, note).await?;
        let payload = HouseholdRemoved {
            household_id: row.id,
            village: row.village.clone(),
            reason: note.unwrap_or_default().to_owned(),
        };
        let mut event = s.engine.event(
            HOUSEHOLD_REMOVED,
            &row.village,
            &p.subject,
            serde_json::to_value(payload).map_err(internal)?,
        );
        event.correlation_id = Some(row.id);
        outbox::enqueue(txn, s.bus.root(), &event).await.map_err(internal)
    })
    .await
}

/// The layer holding a removal withdraws it (the household was rightly identified after all);
/// not while a notice is up.
pub async fn withdraw_removal(s: State, p: Principal, req: Step<Decision>) -> Result<Household, Problem> {
    in_txn(&s, req.id, async |txn| {
        let (row, current) = store::load(txn, req.id).await.map_err(internal)?.ok_or_else(hidden)?;
        let village = Division::parse(&row.village).map_err(internal)?;
        let [county, township, village_code] = layers(&village)?;
        let mut holder = Layer::County;
        for (division, layer) in
            [(&village_code, Layer::Village), (&township, Layer::Township), (&county, Layer::County)]
        {
            // The lowest layer whose removal task awaits its owner holds the case.
            if task_state(&s, txn, row.id, division).await?.is_some_and(TaskState::awaits_owner) {
                holder = layer;
                break;
            }
        }
        p.require(&[Role::Approver], holder, &village, hidden())?;
        store::check_version(&row, req.expected_version)?;
        if !matches!(
            current.status,
            HouseholdStatus::RemovalObjected
                | HouseholdStatus::RemovalAwaitingTownship
                | HouseholdStatus::RemovalAwaitingCounty
        ) {
            return Err(refuse("a removal is withdrawn while no notice of it is up", current.status));
        }
        let note = req.body.note.as_deref().unwrap_or("removal withdrawn");
        for division in [&village_code, &township, &county] {
            if task_state(&s, txn, row.id, division)
                .await?
                .is_some_and(|st| !matches!(st, TaskState::SignedOff | TaskState::Cancelled))
            {
                steps(&s.engine, txn, &p, row.id, &[(division, Action::Cancel)], Some(note)).await?;
            }
        }
        set_status(txn, &row, HouseholdStatus::Identified).await?;
        record(txn, &p, "household.withdraw-removal", &village, row.id, Some(note)).await
    })
    .await
}

/// The removal procedure following its notices (called by the service's notice hook).
pub async fn on_notice(
    policies: &Policies,
    engine: &Engine,
    txn: &DatabaseTransaction,
    task: &Task,
    event: NoticeEvent,
) -> Result<(), Problem> {
    let Some(id) = task.subject_id else { return Ok(()) };
    let Some((row, current)) = store::load(txn, id).await.map_err(internal)? else { return Ok(()) };
    let at_village = Division::parse(&task.division).is_ok_and(|d| d.level() == Level::Village);
    let next = match (event, current.status, at_village) {
        (NoticeEvent::Passed, HouseholdStatus::RemovalFirstNotice, true) => HouseholdStatus::RemovalAwaitingTownship,
        (NoticeEvent::Passed, HouseholdStatus::RemovalSecondNotice, false) => HouseholdStatus::RemovalAwaitingCounty,
        (
            NoticeEvent::ObjectionLodged,
            HouseholdStatus::RemovalFirstNotice | HouseholdStatus::RemovalSecondNotice,
            _,
        ) => HouseholdStatus::RemovalObjected,
        _ => return Ok(()),
    };
    set_status(txn, &row, next).await?;
    let system = Principal::system();
    chain_store::audit::append(
        txn,
        chrono::Utc::now(),
        chain_store::audit::Entry::system(
            if next == HouseholdStatus::RemovalObjected {
                "household.removal-objected"
            } else {
                "household.removal-notice-passed"
            },
            &row.village,
        )
        .about(id)
        .payload(&serde_json::json!({ "household_id": id, "task_id": task.id, "status": label(next) })),
    )
    .await
    .map_err(internal)?;
    if next == HouseholdStatus::RemovalObjected {
        return Ok(());
    }
    let village = Division::parse(&row.village).map_err(internal)?;
    let policy = policies.for_division(&village);
    let [county, township, _] = layers(&village)?;
    steps(engine, txn, &system, id, &[(&task.division, Action::Submit)], None).await?;
    let (above, days) =
        if at_village { (&township, policy.township_review_days) } else { (&county, policy.county_approval_days) };
    let due = engine.clock().now() + chrono::Duration::days(i64::from(days));
    engine.set_due(txn, REMOVAL, id, above, due).await.map_err(internal)
}
