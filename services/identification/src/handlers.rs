//! The identification service's NATS endpoints.

use chain_api::events::{HOUSEHOLD_IDENTIFIED, HouseholdIdentified};
use chain_api::identification::{Appraisal, DataMatch, Household, HouseholdStatus, ReadHousehold, Rejection};
use chain_api::step::{Decision, Step};
use chain_api::workflow::TaskState;
use chain_api::{Principal, Problem, ProblemKind, Role};
use chain_bus::Endpoints;
use chain_bus::service::internal;
use chain_domain::{Division, Layer, Level};
use chain_store::{audit, outbox};
use chain_workflow::Action;
use sea_orm::entity::prelude::*;
use sea_orm::{DatabaseTransaction, TransactionTrait};

use crate::domain::{self, label};
use crate::store::{self, active_id, household};
use crate::{SERVICE, State};

/// The endpoints, by verb.
pub fn endpoints(state: State) -> Endpoints<State> {
    let eps = Endpoints::new(SERVICE, state)
        .handle("household.register", crate::registration::register)
        .handle("household.get", get)
        .handle("household.appraise", appraise)
        .handle("household.match", match_data)
        .handle("household.verify", verify)
        .handle("household.review", review)
        .handle("household.approve", approve)
        .handle("household.reject", reject)
        .handle("household.assign-helper", crate::registration::assign_helper)
        .handle("household.adjudicate", crate::duplicates::adjudicate)
        .handle("household.add-member", crate::members::add_member)
        .handle("household.propose-removal", crate::adjustment::propose_removal)
        .handle("household.review-removal", crate::adjustment::review_removal)
        .handle("household.approve-removal", crate::adjustment::approve_removal)
        .handle("household.withdraw-removal", crate::adjustment::withdraw_removal)
        .handle("household.list", crate::queries::list)
        .handle("household.counts", crate::queries::counts)
        .handle("board.list", crate::queries::board)
        .handle("quota.get", crate::quotas::get)
        .handle("quota.set", crate::quotas::set)
        .handle("quota.allot", crate::quotas::allot)
        .handle("household.import-batch", crate::imports::batch)
        .handle("import.start", crate::imports::start)
        .handle("import.finish", crate::imports::finish)
        .handle("import.get", crate::imports::get)
        .handle("import.errors", crate::imports::errors);
    crate::monitoring::endpoints(eps)
}

/// The notice the village posts after verifying a case (the first of the two).
pub const VILLAGE_NOTICE: &str = "identification.village";
/// The notice the township posts after its review (the second).
pub const TOWNSHIP_NOTICE: &str = "identification.township";

pub(crate) fn hidden() -> Problem {
    Problem::not_found("household")
}

pub(crate) async fn record<C: ConnectionTrait>(
    conn: &C,
    p: &Principal,
    action: &str,
    division: &Division,
    id: Uuid,
    reason: Option<&str>,
) -> Result<(), Problem> {
    audit::append(
        conn,
        chrono::Utc::now(),
        audit::Entry::by(p, action, division.as_str())
            .about(id)
            .reason(reason)
            .payload(&serde_json::json!({ "household_id": id })),
    )
    .await
    .map_err(internal)?;
    Ok(())
}

/// Audits the same action on many households, in order: `(division, payload)` for each id.
pub(crate) async fn record_many<C: ConnectionTrait>(
    conn: &C,
    p: &Principal,
    action: &str,
    entries: &[(String, serde_json::Value)],
    ids: &[Uuid],
) -> Result<(), Problem> {
    let actor = audit::Actor::of(p);
    let entries: Vec<audit::Entry> = entries
        .iter()
        .zip(ids)
        .map(|((division, payload), id)| {
            audit::Entry::new(actor.clone(), &action, division).about(*id).payload(payload)
        })
        .collect();
    audit::append_many(conn, chrono::Utc::now(), &entries).await.map_err(internal)?;
    Ok(())
}

pub(crate) async fn load(s: &State, id: Uuid) -> Result<Household, Problem> {
    let mut h = store::load(&s.db, id).await.map_err(internal)?.map(|(_, h)| h).ok_or_else(hidden)?;
    h.notice = match s.engine.open_notice_about(&s.db, PROCEDURE, id).await.map_err(internal)? {
        Some(n) => Some(n),
        None => s.engine.open_notice_about(&s.db, crate::adjustment::REMOVAL, id).await.map_err(internal)?,
    };
    if h.status == HouseholdStatus::SuspectedDuplicate {
        h.adjudication = crate::duplicates::adjudication_of(s, id).await?;
    }
    Ok(h)
}

/// Reads a household inside the caller's jurisdiction.
async fn get(s: State, p: Principal, req: ReadHousehold) -> Result<Household, Problem> {
    let mut h = load(&s, req.id).await?;
    let village = Division::parse(&h.village).map_err(internal)?;
    if !p.covers(&village) {
        return Err(hidden());
    }
    if req.unmask {
        crate::personal::unmask(&s, &p, &mut h).await?;
    }
    Ok(h)
}

/// The village's approver records the democratic appraisal: a majority of the votes cast puts
/// the household on the list; otherwise it is turned down.
async fn appraise(s: State, p: Principal, req: Step<Appraisal>) -> Result<Household, Problem> {
    let a = &req.body;
    let cast = a.votes_for.saturating_add(a.votes_against);
    if cast == 0 || cast > 10_000 {
        return Err(Problem::invalid("votes_for", "the votes cast (for + against) number 1 to 10000"));
    }
    let passed = a.votes_for > a.votes_against;
    let note = format!("democratic appraisal: {} for, {} against{}", a.votes_for, a.votes_against, suffix(&a.note));
    advance(&s, &p, req.id, req.expected_version, domain::Step::Appraise { passed }, "household.appraise", &note).await
}

/// The county records its data matching, where the province's procedure has it.
async fn match_data(s: State, p: Principal, req: Step<DataMatch>) -> Result<Household, Problem> {
    let passed = req.body.passed;
    let note = format!(
        "data matching {}{}",
        if passed { "clear" } else { "found a disqualifying record" },
        suffix(&req.body.note)
    );
    advance(&s, &p, req.id, req.expected_version, domain::Step::Match { passed }, "household.match", &note).await
}

/// The village verifies the case with the work team and posts the first public notice.
async fn verify(s: State, p: Principal, req: Step<Decision>) -> Result<Household, Problem> {
    let note = note_of(&req.body)?;
    advance(&s, &p, req.id, req.expected_version, domain::Step::Verify, "household.verify", &note).await
}

/// The township reviews the village's list and posts the second public notice.
async fn review(s: State, p: Principal, req: Step<Decision>) -> Result<Household, Problem> {
    let note = note_of(&req.body)?;
    advance(&s, &p, req.id, req.expected_version, domain::Step::Review, "household.review", &note).await
}

/// The county approves a household whose two notices have passed: it is identified and
/// announced, and the fact is published.
async fn approve(s: State, p: Principal, req: Step<Decision>) -> Result<Household, Problem> {
    let note = note_of(&req.body)?;
    advance(&s, &p, req.id, req.expected_version, domain::Step::Approve, "household.approve", &note).await
}

/// The layer holding the case turns the household down, with its finding.
async fn reject(s: State, p: Principal, req: Step<Rejection>) -> Result<Household, Problem> {
    let reason = req.body.reason.trim();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err(Problem::invalid("reason", "1–2000 characters"));
    }
    advance(&s, &p, req.id, req.expected_version, domain::Step::Reject, "household.reject", reason).await
}

fn suffix(note: &Option<String>) -> String {
    note.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(|n| format!("; {n}")).unwrap_or_default()
}

fn note_of(d: &Decision) -> Result<String, Problem> {
    let note = d.note.as_deref().map(str::trim).unwrap_or_default();
    if note.chars().count() > 2000 {
        return Err(Problem::invalid("note", "at most 2000 characters"));
    }
    Ok(note.to_owned())
}

/// Which layer holds a case now: the lowest layer of its procedure whose task is unfinished.
async fn holder(s: &State, txn: &DatabaseTransaction, id: Uuid, village: &Division) -> Result<Layer, Problem> {
    let [county, township, village_code] = layers(village)?;
    for (division, layer) in [(&village_code, Layer::Village), (&township, Layer::Township), (&county, Layer::County)] {
        let t = s.engine.procedure_task(txn, PROCEDURE, id, Some(division)).await.map_err(internal)?;
        if t.is_some_and(|t| !matches!(t.state, TaskState::SignedOff | TaskState::Cancelled)) {
            return Ok(layer);
        }
    }
    Ok(Layer::County)
}

/// Whether the procedure's task at `division` was sent back by an objection.
async fn returned_at(s: &State, txn: &DatabaseTransaction, id: Uuid, division: &str) -> Result<bool, Problem> {
    let t = s.engine.procedure_task(txn, PROCEDURE, id, Some(division)).await.map_err(internal)?;
    Ok(t.is_some_and(|t| t.state == TaskState::Returned))
}

#[allow(clippy::too_many_arguments)]
async fn advance(
    s: &State,
    p: &Principal,
    id: Uuid,
    expected_version: Option<i64>,
    step: domain::Step,
    action: &str,
    note: &str,
) -> Result<Household, Problem> {
    let txn = s.db.begin().await.map_err(internal)?;
    let Some((row, current)) = store::load(&txn, id).await.map_err(internal)? else {
        return Err(hidden());
    };
    let village = Division::parse(&row.village).map_err(internal)?;
    let [county, township, village_code] = layers(&village)?;
    let (roles, layer): (&[Role], Layer) = match step {
        domain::Step::Appraise { .. } | domain::Step::Verify => (&[Role::Approver], Layer::Village),
        domain::Step::Match { .. } => (&[Role::Operator, Role::Approver], Layer::County),
        domain::Step::Review => (&[Role::Approver], Layer::Township),
        domain::Step::Approve => (&[Role::Approver], Layer::County),
        _ => (&[Role::Approver], holder(s, &txn, id, &village).await?),
    };
    p.require(roles, layer, &village, hidden())?;
    store::check_version(&row, expected_version)?;
    let policy = s.policies.for_division(&village);
    let next = domain::next(current.status, step, &policy)?;
    if current.status == HouseholdStatus::Objected {
        let at = match step {
            domain::Step::Verify => Some(&village_code),
            domain::Step::Review => Some(&township),
            _ => None,
        };
        if let Some(division) = at
            && !returned_at(s, &txn, id, division).await?
        {
            return Err(Problem::transition(
                "the objection concerns another layer's notice; that layer posts it again",
            ));
        }
    }
    set_status(&txn, &row, next).await?;
    record(&txn, p, action, &village, row.id, Some(note).filter(|n| !n.is_empty())).await?;
    let reason = Some(note).filter(|n| !n.is_empty());
    match (step, next) {
        (_, HouseholdStatus::Rejected) => {
            for division in [&village_code, &township, &county] {
                cancel(s, &txn, p, row.id, division, reason.unwrap_or("rejected")).await?;
            }
            active_id::Entity::delete_many()
                .filter(active_id::Column::HouseholdId.eq(row.id))
                .exec(&txn)
                .await
                .map_err(internal)?;
        }
        (domain::Step::Verify, _) => {
            s.engine.post_procedure_notice(&txn, p, PROCEDURE, row.id, &village_code).await?;
        }
        (domain::Step::Review, _) => {
            if current.status == HouseholdStatus::AwaitingTownship {
                procedure(s, &txn, p, row.id, &[(&village_code, Action::SignOff), (&township, Action::Start)], reason)
                    .await?;
            }
            s.engine.post_procedure_notice(&txn, p, PROCEDURE, row.id, &township).await?;
        }
        (domain::Step::Approve, _) => {
            // Scale control: the village must have a place left for the year (race-safe).
            crate::quotas::take_place(&txn, &village, row.year).await?;
            let steps = [
                (&township, Action::SignOff),
                (&county, Action::Start),
                (&county, Action::Submit),
                (&county, Action::SignOff),
            ];
            procedure(s, &txn, p, row.id, &steps, reason).await?;
            announce(s, &txn, p, &row, &current).await?;
        }
        _ => {}
    }
    txn.commit().await.map_err(internal)?;
    s.outbox.wake();
    load(s, id).await
}

/// Sets a household's status if it is still at the version read, bumping the version.
pub(crate) async fn set_status<C: ConnectionTrait>(
    conn: &C,
    row: &household::Model,
    next: HouseholdStatus,
) -> Result<(), Problem> {
    let changed = household::Entity::update_many()
        .col_expr(household::Column::Status, Expr::value(label(next)))
        .col_expr(household::Column::Version, Expr::value(row.version + 1))
        .col_expr(household::Column::UpdatedAt, Expr::value(chrono::Utc::now()))
        .filter(household::Column::Id.eq(row.id))
        .filter(household::Column::Version.eq(row.version))
        .exec(conn)
        .await
        .map_err(internal)?;
    if changed.rows_affected != 1 {
        return Err(Problem::new(ProblemKind::StaleVersion, "the household changed concurrently; read it again"));
    }
    Ok(())
}

/// The county's announcement: the household is identified, and planning and exit hear of it.
async fn announce(
    s: &State,
    txn: &DatabaseTransaction,
    p: &Principal,
    row: &household::Model,
    current: &Household,
) -> Result<(), Problem> {
    let payload = HouseholdIdentified {
        household_id: row.id,
        village: row.village.clone(),
        year: row.year,
        main_cause: current.main_cause.clone(),
        other_causes: current.other_causes.clone(),
        per_capita_income_fen: row.per_capita_income_fen,
        members: current.members.len() as u32,
    };
    let mut event = s.engine.event(
        HOUSEHOLD_IDENTIFIED,
        &row.village,
        &p.subject,
        serde_json::to_value(payload).map_err(internal)?,
    );
    event.correlation_id = Some(row.id);
    outbox::enqueue(txn, s.bus.root(), &event).await.map_err(internal)
}

/// Cancels the procedure's task at `division` unless it is finished.
async fn cancel(
    s: &State,
    txn: &DatabaseTransaction,
    p: &Principal,
    id: Uuid,
    division: &str,
    reason: &str,
) -> Result<(), Problem> {
    let t = s.engine.procedure_task(txn, PROCEDURE, id, Some(division)).await.map_err(internal)?;
    if t.is_some_and(|t| !matches!(t.state, TaskState::SignedOff | TaskState::Cancelled)) {
        match s.engine.transition_at(txn, p, PROCEDURE, id, Some(division), Action::Cancel, Some(reason)).await {
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(problem))) => return Err(problem),
            Ok(None) => {}
            Err(e) => return Err(internal(e)),
        }
    }
    Ok(())
}

/// Kind of the tasks of a household's identification procedure: the village appraises,
/// verifies and posts the first notice (its task is submitted when the notice passes), the
/// township reviews (signs off the village's task) and posts the second notice, the county
/// approves (signs off the township's, then decides its own).
pub const PROCEDURE: &str = "identification.household";

/// The county, township and village codes of a village.
pub(crate) fn layers(village: &Division) -> Result<[String; 3], Problem> {
    let at = |l: Level| village.ancestor_at(l).map(|d| d.to_string()).ok_or_else(Problem::internal);
    Ok([at(Level::County)?, at(Level::Township)?, village.to_string()])
}

/// Moves the procedure's tasks along, in order, inside the transaction.
pub(crate) async fn procedure(
    s: &State,
    txn: &sea_orm::DatabaseTransaction,
    p: &Principal,
    household: Uuid,
    steps: &[(&String, Action)],
    note: Option<&str>,
) -> Result<(), Problem> {
    procedure_with(&s.engine, txn, p, household, steps, note).await
}

/// Like [`procedure`], with only the engine at hand.
pub(crate) async fn procedure_with(
    engine: &chain_workflow::Engine,
    txn: &sea_orm::DatabaseTransaction,
    p: &Principal,
    household: Uuid,
    steps: &[(&String, Action)],
    note: Option<&str>,
) -> Result<(), Problem> {
    engine.advance(txn, p, PROCEDURE, household, steps, note).await
}
