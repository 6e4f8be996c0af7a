//! Registration — the one entry path of single applications and bulk imports — and the file
//! card's helper history.

use chain_api::card::{AssignHelper, BankAccount, Card, CardInput, HelperAssignment, IncomeSummary};
use chain_api::identification::{Household, HouseholdStatus, RegisterHousehold};
use chain_api::step::Step;
use chain_api::{Principal, Problem, ProblemKind, Role};
use chain_bus::service::internal;
use chain_domain::{Division, Layer};
use chain_workflow::{NewProcedure, ProcedureStep};
use chrono::{Datelike, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, DatabaseTransaction, TransactionTrait};

use crate::State;
use crate::domain::{self, label};
use crate::handlers::{PROCEDURE, TOWNSHIP_NOTICE, VILLAGE_NOTICE, hidden, layers, load, record};
use crate::store::{self, active_id, enum_str, household, member};

/// A village-level operator (or one above, within jurisdiction) registers a household application.
#[tracing::instrument(skip_all, fields(actor = %p.subject))]
pub async fn register(s: State, p: Principal, req: RegisterHousehold) -> Result<Household, Problem> {
    let valid = domain::validate(&req, chain_domain::calendar::beijing_date(s.now()))?;
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
/// suspected duplicate for adjudication; otherwise [`register_clear`] stores it, claims the IDs and
/// opens the procedure. On an error the caller must roll `txn` back (dropping it does).
pub(crate) async fn register_in(
    s: &State,
    txn: &DatabaseTransaction,
    p: &Principal,
    valid: &domain::ValidHousehold,
) -> Result<(Uuid, HouseholdStatus), Problem> {
    let application = Application::of(s, valid);
    if let Some(entry) = &valid.adjustment {
        crate::adjustment::check_entry(s, txn, &valid.village, entry, &application.indexes).await?;
    }
    let conflicts = crate::duplicates::conflicts(txn, &application.indexes).await.map_err(internal)?;
    if conflicts.is_empty() {
        let ids = register_clear(s, txn, p, std::slice::from_ref(&application)).await?;
        return Ok((ids[0], HouseholdStatus::Applied));
    }
    let id = Uuid::now_v7();
    store_applications(s, txn, p, std::slice::from_ref(&application), &[id], HouseholdStatus::SuspectedDuplicate)
        .await?;
    crate::duplicates::open_adjudication(s, txn, p, id, valid, &conflicts).await?;
    tracing::info!(household = %id, village = %valid.village, "household registered as a suspected duplicate");
    Ok((id, HouseholdStatus::SuspectedDuplicate))
}

/// A validated application with its members' blind indexes, in member order.
pub(crate) struct Application<'a> {
    pub valid: &'a domain::ValidHousehold,
    pub indexes: Vec<String>,
}

impl<'a> Application<'a> {
    pub(crate) fn of(s: &State, valid: &'a domain::ValidHousehold) -> Application<'a> {
        Application { valid, indexes: valid.members.iter().map(|m| s.pii.blind_index(&m.resident_id)).collect() }
    }
}

/// Registers applications none of whose members' IDs an active household holds (the caller has
/// looked, inside `txn`): stores them, claims their IDs and opens their procedures, the village's
/// task under way — for any number of applications in a handful of multi-row statements. A claim
/// made by someone else at the same moment refuses the whole call with `duplicate-resident-id`;
/// the caller rolls back. Returns the new households' ids, in order.
pub(crate) async fn register_clear(
    s: &State,
    txn: &DatabaseTransaction,
    p: &Principal,
    applications: &[Application<'_>],
) -> Result<Vec<Uuid>, Problem> {
    let ids: Vec<Uuid> = applications.iter().map(|_| Uuid::now_v7()).collect();
    store_applications(s, txn, p, applications, &ids, HouseholdStatus::Applied).await?;
    let admitted: Vec<(Uuid, &Division, &[String])> =
        applications.iter().zip(&ids).map(|(a, id)| (*id, &a.valid.village, a.indexes.as_slice())).collect();
    admit_many(s, txn, p, &admitted).await?;
    for (a, id) in applications.iter().zip(&ids) {
        tracing::info!(household = %id, village = %a.valid.village, "household registered");
    }
    Ok(ids)
}

/// Writes the household rows, their members and a `household.register` audit entry each.
async fn store_applications(
    s: &State,
    txn: &DatabaseTransaction,
    p: &Principal,
    applications: &[Application<'_>],
    ids: &[Uuid],
    status: HouseholdStatus,
) -> Result<(), Problem> {
    let now = s.now();
    let mut households = Vec::with_capacity(applications.len());
    let mut members = vec![];
    for (a, id) in applications.iter().zip(ids) {
        let valid = a.valid;
        households.push(household::ActiveModel {
            id: Set(*id),
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
        });
        for (i, (m, index)) in valid.members.iter().zip(&a.indexes).enumerate() {
            members.push(member::ActiveModel {
                household_id: Set(*id),
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
            });
        }
    }
    for chunk in households.chunks(500) {
        household::Entity::insert_many(chunk.to_vec()).exec_without_returning(txn).await.map_err(internal)?;
    }
    for chunk in members.chunks(1000) {
        member::Entity::insert_many(chunk.to_vec()).exec_without_returning(txn).await.map_err(internal)?;
    }
    let entries: Vec<(String, serde_json::Value)> = applications
        .iter()
        .zip(ids)
        .map(|(a, id)| (a.valid.village.to_string(), serde_json::json!({ "household_id": id })))
        .collect();
    crate::handlers::record_many(txn, p, "household.register", &entries, ids).await
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
    admit_many(s, txn, p, &[(id, village, indexes)]).await
}

/// [`admit`] for many households at once, in multi-row statements.
async fn admit_many(
    s: &State,
    txn: &DatabaseTransaction,
    p: &Principal,
    households: &[(Uuid, &Division, &[String])],
) -> Result<(), Problem> {
    let claims: Vec<active_id::ActiveModel> = households
        .iter()
        .flat_map(|(id, _, indexes)| {
            indexes.iter().map(|ix| active_id::ActiveModel { id_index: Set(ix.clone()), household_id: Set(*id) })
        })
        .collect();
    // Under a savepoint, so that a lost race can still be explained from inside the transaction.
    let claiming = txn.begin().await.map_err(internal)?;
    for chunk in claims.chunks(1000) {
        if let Err(e) = active_id::Entity::insert_many(chunk.to_vec()).exec_without_returning(&claiming).await {
            if !chain_store::is_unique_violation(&e) {
                return Err(internal(e));
            }
            claiming.rollback().await.map_err(internal)?;
            return Err(claimed_meanwhile(txn, households).await);
        }
    }
    claiming.commit().await.map_err(internal)?;
    let mut procedures = Vec::with_capacity(households.len());
    for (id, village, _) in households {
        let [county, township, village] = layers(village)?;
        procedures.push(NewProcedure {
            subject_id: *id,
            title: format!("Identification of household {id}"),
            steps: vec![
                ProcedureStep { division: county, notice_kind: None },
                ProcedureStep { division: township, notice_kind: Some(TOWNSHIP_NOTICE) },
                ProcedureStep { division: village, notice_kind: Some(VILLAGE_NOTICE) },
            ],
        });
    }
    s.engine.open_procedures(txn, &p.subject, PROCEDURE, &procedures, Some(p)).await.map_err(internal)?;
    Ok(())
}

/// The refusal when another registration claimed one of these IDs at the same moment: names the
/// first member whose ID is now held.
async fn claimed_meanwhile(txn: &DatabaseTransaction, households: &[(Uuid, &Division, &[String])]) -> Problem {
    let all: Vec<String> = households.iter().flat_map(|(_, _, ix)| ix.iter().cloned()).collect();
    let held = match crate::duplicates::conflicts(txn, &all).await {
        Ok(held) => held,
        Err(e) => return internal(e),
    };
    let member = held
        .first()
        .and_then(|c| households.iter().find_map(|(_, _, ix)| ix.iter().position(|i| *i == c.index)))
        .unwrap_or(0);
    duplicate(member)
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

/// A county or township official records a new helper (帮扶责任人) for the household; the
/// previous one's assignment ends the day before.
pub async fn assign_helper(s: State, p: Principal, req: Step<AssignHelper>) -> Result<Household, Problem> {
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
    store::check_version(&row, req.expected_version)?;
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
        recorded_at: s.now(),
    });
    let changed = household::Entity::update_many()
        .col_expr(household::Column::Helpers, Expr::value(serde_json::to_string(&helpers).map_err(internal)?))
        .col_expr(household::Column::Version, Expr::value(row.version + 1))
        .col_expr(household::Column::UpdatedAt, Expr::value(s.now()))
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
