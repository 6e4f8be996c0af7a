//! The identification service's NATS endpoints.

use chain_api::events::{HOUSEHOLD_IDENTIFIED, HouseholdIdentified};
use chain_api::identification::{ById, Decision, Household, HouseholdStatus, RegisterHousehold, Step};
use chain_api::{Envelope, Principal, Problem, ProblemKind, Role};
use chain_bus::Endpoints;
use chain_bus::service::internal;
use chain_domain::{Division, Layer, Level};
use chain_store::{audit, outbox};
use chain_workflow::Action;
use chrono::{Datelike, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, TransactionTrait};

use crate::domain::{self, label};
use crate::store::{self, active_id, enum_str, household, member};
use crate::{SERVICE, State};

/// The endpoints, by verb.
pub fn endpoints(state: State) -> Endpoints<State> {
    Endpoints::new(SERVICE, state)
        .handle("household.register", register)
        .handle("household.get", get)
        .handle("household.review", review)
        .handle("household.approve", approve)
}

fn hidden() -> Problem {
    Problem::not_found("household")
}

/// A village-level operator (or one above, within jurisdiction) registers a household application.
#[tracing::instrument(skip_all, fields(actor = %p.subject))]
async fn register(s: State, p: Principal, req: RegisterHousehold) -> Result<Household, Problem> {
    let valid = domain::validate(&req, Utc::now().year())?;
    if !p.covers(&valid.village) {
        return Err(Problem::forbidden("the village is outside your jurisdiction"));
    }
    if !p.has(Role::Operator) {
        return Err(Problem::forbidden("registering a household needs the operator role"));
    }
    let indexes: Vec<String> = valid.members.iter().map(|m| s.pii.blind_index(&m.resident_id)).collect();
    let taken = store::active_among(&s.db, &indexes).await.map_err(internal)?;
    if let Some(i) = indexes.iter().position(|ix| taken.contains(ix)) {
        return Err(duplicate(i));
    }
    let id = Uuid::now_v7();
    let now = Utc::now();
    let txn = s.db.begin().await.map_err(internal)?;
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
        status: Set(label(HouseholdStatus::Applied).to_owned()),
        version: Set(1),
        created_by: Set(p.subject.clone()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
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
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(internal)?;
        let claim = active_id::ActiveModel { id_index: Set(index.clone()), household_id: Set(id) }.insert(&txn).await;
        if let Err(e) = claim {
            let _ = txn.rollback().await;
            return Err(if chain_store::is_unique_violation(&e) { duplicate(i) } else { internal(e) });
        }
    }
    record(&txn, &p, "household.register", &valid.village, id, None).await?;
    let [county, township, village] = layers(&valid.village)?;
    s.engine
        .open_procedure(
            &txn,
            &p.subject,
            PROCEDURE,
            &format!("Identification of household {id}"),
            id,
            &[county, township, village.clone()],
        )
        .await
        .map_err(internal)?;
    procedure(&s, &txn, &p, id, &[(&village, Action::Start), (&village, Action::Submit)], None).await?;
    txn.commit().await.map_err(internal)?;
    tracing::info!(household = %id, village = %valid.village, "household registered");
    load(&s, id).await
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

async fn record<C: ConnectionTrait>(
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

async fn load(s: &State, id: Uuid) -> Result<Household, Problem> {
    store::load(&s.db, id).await.map_err(internal)?.map(|(_, h)| h).ok_or_else(hidden)
}

/// Reads a household inside the caller's jurisdiction.
async fn get(s: State, p: Principal, req: ById) -> Result<Household, Problem> {
    let h = load(&s, req.id).await?;
    let village = Division::parse(&h.village).map_err(internal)?;
    if !p.covers(&village) {
        return Err(hidden());
    }
    Ok(h)
}

/// The township reviews an application.
async fn review(s: State, p: Principal, req: Step<Decision>) -> Result<Household, Problem> {
    advance(&s, &p, req, domain::Step::Review, Layer::Township, "household.review").await
}

/// The county approves a reviewed household: it is identified, and the fact is published.
async fn approve(s: State, p: Principal, req: Step<Decision>) -> Result<Household, Problem> {
    advance(&s, &p, req, domain::Step::Approve, Layer::County, "household.approve").await
}

async fn advance(
    s: &State,
    p: &Principal,
    req: Step<Decision>,
    step: domain::Step,
    layer: Layer,
    action: &str,
) -> Result<Household, Problem> {
    let txn = s.db.begin().await.map_err(internal)?;
    let Some((row, current)) = store::load(&txn, req.id).await.map_err(internal)? else {
        return Err(hidden());
    };
    let village = Division::parse(&row.village).map_err(internal)?;
    p.require(&[Role::Approver], layer, &village, hidden())?;
    if let Some(v) = req.expected_version
        && v != row.version
    {
        return Err(Problem::new(
            ProblemKind::PreconditionFailed,
            format!("the household is at version {}, not {v}", row.version),
        ));
    }
    let next = domain::next(current.status, step)?;
    let changed = household::Entity::update_many()
        .col_expr(household::Column::Status, Expr::value(label(next)))
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
    record(&txn, p, action, &village, row.id, req.body.note.as_deref()).await?;
    let [county, township, village_code] = layers(&village)?;
    let steps: &[(&String, Action)] = match step {
        domain::Step::Review => {
            &[(&village_code, Action::SignOff), (&township, Action::Start), (&township, Action::Submit)]
        }
        domain::Step::Approve => &[
            (&township, Action::SignOff),
            (&county, Action::Start),
            (&county, Action::Submit),
            (&county, Action::SignOff),
        ],
        _ => &[],
    };
    procedure(s, &txn, p, row.id, steps, req.body.note.as_deref()).await?;
    if next == HouseholdStatus::Identified {
        let payload = HouseholdIdentified {
            household_id: row.id,
            village: row.village.clone(),
            year: row.year,
            main_cause: current.main_cause.clone(),
            other_causes: current.other_causes.clone(),
            per_capita_income_fen: row.per_capita_income_fen,
            members: current.members.len() as u32,
        };
        let mut event = Envelope::new(
            HOUSEHOLD_IDENTIFIED,
            &row.village,
            &p.subject,
            serde_json::to_value(payload).map_err(internal)?,
        );
        event.traceparent = chain_telemetry::current_traceparent();
        event.correlation_id = Some(row.id);
        outbox::enqueue(&txn, s.bus.root(), &event).await.map_err(internal)?;
    }
    txn.commit().await.map_err(internal)?;
    s.outbox.wake();
    load(s, req.id).await
}

/// Kind of the tasks of a household's identification procedure: the village applies and
/// submits, the township reviews (signs off the village's task, submits its own), the county
/// approves (signs off the township's, then decides its own).
pub const PROCEDURE: &str = "identification.household";

/// The county, township and village codes of a village.
fn layers(village: &Division) -> Result<[String; 3], Problem> {
    let at = |l: Level| village.ancestor_at(l).map(|d| d.to_string()).ok_or_else(Problem::internal);
    Ok([at(Level::County)?, at(Level::Township)?, village.to_string()])
}

/// Moves the procedure's tasks along, in order, inside the transaction.
async fn procedure(
    s: &State,
    txn: &sea_orm::DatabaseTransaction,
    p: &Principal,
    household: Uuid,
    steps: &[(&String, Action)],
    note: Option<&str>,
) -> Result<(), Problem> {
    for (division, action) in steps {
        match s
            .engine
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
