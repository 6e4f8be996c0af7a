//! The identification service's NATS endpoints.

use chain_api::card::{AssignHelper, BankAccount, Card, CardInput, HelperAssignment, IncomeSummary};
use chain_api::events::{HOUSEHOLD_IDENTIFIED, HouseholdIdentified};
use chain_api::identification::{
    Appraisal, DataMatch, Decision, Household, HouseholdStatus, ReadHousehold, RegisterHousehold, Rejection, Step,
};
use chain_api::tasks::TaskState;
use chain_api::{Envelope, Principal, Problem, ProblemKind, Role};
use chain_bus::Endpoints;
use chain_bus::service::internal;
use chain_domain::{Division, Layer, Level};
use chain_store::{audit, outbox};
use chain_workflow::{Action, ProcedureStep};
use chrono::{Datelike, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, DatabaseTransaction, TransactionTrait};

use crate::domain::{self, label};
use crate::store::{self, active_id, enum_str, household, member};
use crate::{SERVICE, State};

/// The endpoints, by verb.
pub fn endpoints(state: State) -> Endpoints<State> {
    let eps = Endpoints::new(SERVICE, state)
        .handle("household.register", register)
        .handle("household.get", get)
        .handle("household.appraise", appraise)
        .handle("household.match", match_data)
        .handle("household.verify", verify)
        .handle("household.review", review)
        .handle("household.approve", approve)
        .handle("household.reject", reject)
        .handle("household.assign-helper", assign_helper)
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

/// A village-level operator (or one above, within jurisdiction) registers a household application.
#[tracing::instrument(skip_all, fields(actor = %p.subject))]
async fn register(s: State, p: Principal, req: RegisterHousehold) -> Result<Household, Problem> {
    let valid = domain::validate(&req, Utc::now().year())?;
    may_register(&p, &valid)?;
    let txn = s.db.begin().await.map_err(internal)?;
    let id = match register_in(&s, &txn, &p, &valid).await {
        Ok((id, _)) => id,
        Err(problem) => {
            let _ = txn.rollback().await;
            return Err(problem);
        }
    };
    txn.commit().await.map_err(internal)?;
    load(&s, id).await
}

/// Whether the principal may register this (validated) application: an operator whose
/// jurisdiction covers its village.
pub(crate) fn may_register(p: &Principal, valid: &domain::ValidHousehold) -> Result<(), Problem> {
    if !p.covers(&valid.village) {
        return Err(Problem::forbidden("the village is outside your jurisdiction"));
    }
    if !p.has(Role::Operator) {
        return Err(Problem::forbidden("registering a household needs the operator role"));
    }
    Ok(())
}

/// Registers a validated application inside `txn` — the one path for single registrations and
/// bulk imports. A member ID already held by an active household files the application as a
/// suspected duplicate for adjudication; otherwise [`admit`] claims the IDs and opens the
/// procedure. On an error the caller must roll `txn` back (dropping it does).
pub(crate) async fn register_in(
    s: &State,
    txn: &DatabaseTransaction,
    p: &Principal,
    valid: &domain::ValidHousehold,
) -> Result<(Uuid, HouseholdStatus), Problem> {
    let indexes: Vec<String> = valid.members.iter().map(|m| s.pii.blind_index(&m.resident_id)).collect();
    if let Some(entry) = &valid.adjustment {
        crate::adjustment::check_entry(s, txn, &valid.village, entry, &indexes).await?;
    }
    let conflicts = crate::duplicates::conflicts(txn, &indexes).await.map_err(internal)?;
    let status = if conflicts.is_empty() { HouseholdStatus::Applied } else { HouseholdStatus::SuspectedDuplicate };
    let id = Uuid::now_v7();
    let now = Utc::now();
    household::ActiveModel {
        id: Set(id),
        village: Set(valid.village.to_string()),
        year: Set(valid.year),
        kind: Set(enum_str(&valid.kind)),
        main_cause: Set(valid.causes.main().to_string()),
        other_causes: Set(serde_json::to_string(
            &valid.causes.others().iter().map(|c| c.to_string()).collect::<Vec<_>>(),
        )
        .unwrap_or_default()),
        per_capita_income_fen: Set(valid.per_capita_income_fen),
        status: Set(label(status).to_owned()),
        version: Set(1),
        created_by: Set(p.subject.clone()),
        card: Set(serde_json::to_string(&card_of(&valid.card)).map_err(internal)?),
        bank_cipher: Set(match &valid.card.bank_account {
            Some(b) => Some(s.pii.encrypt_text(b.number.trim()).map_err(internal)?),
            None => None,
        }),
        helpers: Set(serde_json::to_string(&first_helper(&valid.card, p, now)).map_err(internal)?),
        campaign_task_id: Set(valid.adjustment.map(|a| a.campaign_task_id)),
        entry: Set(valid.adjustment.map(|a| enum_str(&a.entry))),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await
    .map_err(internal)?;
    for (i, (m, index)) in valid.members.iter().zip(&indexes).enumerate() {
        member::ActiveModel {
            household_id: Set(id),
            position: Set(i as i32),
            name: Set(m.name.clone()),
            relation: Set(enum_str(&m.relation)),
            sex: Set(enum_str(&m.resident_id.sex())),
            birth_year: Set(m.resident_id.birth_date().year()),
            id_masked: Set(m.resident_id.masked()),
            id_cipher: Set(s.pii.encrypt(&m.resident_id).map_err(internal)?),
            id_index: Set(index.clone()),
            details: Set(serde_json::to_string(&m.details).map_err(internal)?),
            ..Default::default()
        }
        .insert(txn)
        .await
        .map_err(internal)?;
    }
    record(txn, p, "household.register", &valid.village, id, None).await?;
    if conflicts.is_empty() {
        admit(s, txn, p, id, &valid.village, &indexes).await?;
    } else {
        crate::duplicates::open_adjudication(s, txn, p, id, valid, &conflicts).await?;
    }
    tracing::info!(household = %id, village = %valid.village, "household registered");
    Ok((id, status))
}

/// The card as stored with the household row: the bank account masked, helpers kept apart.
fn card_of(input: &CardInput) -> Card {
    Card {
        standard: input.standard,
        income: input.income.map(|i| IncomeSummary { by_type: i, net_fen: crate::card::net_income(&i) }),
        housing: input.housing.clone(),
        drinking_water_safe: input.drinking_water_safe,
        electricity: input.electricity,
        distance_to_market_km: input.distance_to_market_km,
        bank_account: input
            .bank_account
            .as_ref()
            .map(|b| BankAccount { bank: b.bank.trim().to_owned(), number: crate::card::mask_account(&b.number) }),
        helper: None,
        helpers: vec![],
    }
}

fn first_helper(input: &CardInput, p: &Principal, now: chrono::DateTime<Utc>) -> Vec<HelperAssignment> {
    input
        .helper
        .iter()
        .map(|h| HelperAssignment {
            name: h.name.trim().to_owned(),
            unit: h.unit.trim().to_owned(),
            since: h.since,
            until: None,
            assigned_by: p.subject.clone(),
            recorded_at: now,
        })
        .collect()
}

/// Lets an application into the procedure: claims its members' IDs nationwide (refused if one was
/// claimed at the same moment) and opens its county → township → village tasks, the village's
/// under way.
pub(crate) async fn admit(
    s: &State,
    txn: &DatabaseTransaction,
    p: &Principal,
    id: Uuid,
    village: &Division,
    indexes: &[String],
) -> Result<(), Problem> {
    for (i, index) in indexes.iter().enumerate() {
        let claim = active_id::ActiveModel { id_index: Set(index.clone()), household_id: Set(id) }.insert(txn).await;
        if let Err(e) = claim {
            return Err(if chain_store::is_unique_violation(&e) { duplicate(i) } else { internal(e) });
        }
    }
    let [county, township, village] = layers(village)?;
    let steps = [
        ProcedureStep { division: county, notice_kind: None },
        ProcedureStep { division: township, notice_kind: Some(TOWNSHIP_NOTICE) },
        ProcedureStep { division: village.clone(), notice_kind: Some(VILLAGE_NOTICE) },
    ];
    s.engine
        .open_procedure_steps(txn, &p.subject, PROCEDURE, &format!("Identification of household {id}"), id, &steps)
        .await
        .map_err(internal)?;
    procedure(s, txn, p, id, &[(&village, Action::Start)], None).await
}

fn duplicate(member: usize) -> Problem {
    Problem {
        errors: vec![chain_api::FieldError {
            field: format!("members/{member}/resident_id"),
            message: "already a member of an active household".into(),
        }],
        ..Problem::new(
            ProblemKind::DuplicateResidentId,
            "a resident ID number in this application already belongs to an active household; one person can be registered in only one household nationwide",
        )
    }
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
        audit::Entry {
            actor: &p.subject,
            role: &p.role_names(),
            jurisdiction: &p.jurisdiction.to_string(),
            action,
            division: division.as_str(),
            subject_id: Some(id),
            reason,
            payload: &serde_json::json!({ "household_id": id }),
        },
    )
    .await
    .map_err(internal)?;
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

/// A county or township official records a new helper (帮扶责任人) for the household; the
/// previous one's assignment ends the day before.
async fn assign_helper(s: State, p: Principal, req: Step<AssignHelper>) -> Result<Household, Problem> {
    let mut errors = vec![];
    crate::card::validate_helper(&req.body, "", &mut errors);
    for e in &mut errors {
        e.field = e.field.trim_start_matches('/').to_owned();
    }
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    let txn = s.db.begin().await.map_err(internal)?;
    let Some((row, current)) = store::load(&txn, req.id).await.map_err(internal)? else {
        return Err(hidden());
    };
    let village = Division::parse(&row.village).map_err(internal)?;
    p.require_within(&[Role::Operator, Role::Approver], &village, hidden())?;
    if !matches!(p.layer(), Layer::County | Layer::Township) {
        return Err(Problem::forbidden("helpers are assigned by the county or the township"));
    }
    if let Some(v) = req.expected_version
        && v != row.version
    {
        return Err(Problem::new(
            ProblemKind::PreconditionFailed,
            format!("the household is at version {}, not {v}", row.version),
        ));
    }
    if !domain::holds_ids(current.status) {
        return Err(Problem::transition("a household that was turned down or has exited gets no new helper"));
    }
    let mut helpers = current.card.helpers.clone();
    if let Some(last) = helpers.last_mut().filter(|h| h.until.is_none()) {
        if req.body.since <= last.since {
            return Err(Problem::invalid(
                "since",
                format!("must be after {}, when the current helper started", last.since),
            ));
        }
        last.until = req.body.since.pred_opt();
    }
    helpers.push(HelperAssignment {
        name: req.body.name.trim().to_owned(),
        unit: req.body.unit.trim().to_owned(),
        since: req.body.since,
        until: None,
        assigned_by: p.subject.clone(),
        recorded_at: Utc::now(),
    });
    let changed = household::Entity::update_many()
        .col_expr(household::Column::Helpers, Expr::value(serde_json::to_string(&helpers).map_err(internal)?))
        .col_expr(household::Column::Version, Expr::value(row.version + 1))
        .col_expr(household::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(household::Column::Id.eq(row.id))
        .filter(household::Column::Version.eq(row.version))
        .exec(&txn)
        .await
        .map_err(internal)?;
    if changed.rows_affected != 1 {
        return Err(Problem::new(ProblemKind::StaleVersion, "the household changed concurrently; read it again"));
    }
    let note = format!("helper {} ({}) from {}", req.body.name.trim(), req.body.unit.trim(), req.body.since);
    record(&txn, &p, "household.assign-helper", &village, row.id, Some(&note)).await?;
    txn.commit().await.map_err(internal)?;
    load(&s, req.id).await
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
    if let Some(v) = expected_version
        && v != row.version
    {
        return Err(Problem::new(
            ProblemKind::PreconditionFailed,
            format!("the household is at version {}, not {v}", row.version),
        ));
    }
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
        .col_expr(household::Column::UpdatedAt, Expr::value(Utc::now()))
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
    let mut event =
        Envelope::new(HOUSEHOLD_IDENTIFIED, &row.village, &p.subject, serde_json::to_value(payload).map_err(internal)?);
    event.traceparent = chain_telemetry::current_traceparent();
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
    for (division, action) in steps {
        match engine
            .transition_at(txn, p, PROCEDURE, household, Some(division.as_str()), *action, note)
            .await
            .map_err(internal)?
        {
            Some(Ok(_)) => {}
            Some(Err(problem)) => return Err(problem),
            None => {
                return Err(internal(anyhow::anyhow!("household {household} has no {PROCEDURE} task at {division}")));
            }
        }
    }
    Ok(())
}
