//! Suspected duplicates: an application naming a resident ID that already belongs to an active
//! household is neither refused nor merged. It is kept as `suspected_duplicate`, holding no IDs,
//! and an adjudication task opens at the lowest layer whose jurisdiction covers both households
//! (the county, a city, a province, or the centre across provinces), showing both records. The
//! adjudicator decides: a duplicate is turned down; a transfer moves the people out of the existing
//! household and lets the application into the procedure.

use chain_api::identification::{
    Adjudicate, AdjudicationDecision, AdjudicationRef, DuplicateRecord, Household, HouseholdStatus,
};
use chain_api::step::Step;
use chain_api::{Principal, Problem, ProblemKind, Role};
use chain_bus::service::internal;
use chain_domain::{Division, Level};
use chain_workflow::{Action, NewTask};
use sea_orm::entity::prelude::*;
use sea_orm::{DatabaseTransaction, TransactionTrait};

use crate::domain::{ValidHousehold, label};
use crate::handlers::{hidden, load, record, set_status};
use crate::registration::admit;
use crate::store::{self, active_id, household, member};
use crate::{SERVICE, State};

/// Kind of the adjudication task.
pub const ADJUDICATION: &str = "identification.duplicate";

/// One member of an application whose ID an active household already holds.
#[derive(Debug, Clone)]
pub struct Conflict {
    /// Position in the application.
    pub member: usize,
    /// The blind index of the ID.
    pub index: String,
    /// The household holding it.
    pub existing: Uuid,
}

/// The members among `indexes` whose IDs active households hold.
pub async fn conflicts<C: ConnectionTrait>(conn: &C, indexes: &[String]) -> Result<Vec<Conflict>, DbErr> {
    let held =
        active_id::Entity::find().filter(active_id::Column::IdIndex.is_in(indexes.iter().cloned())).all(conn).await?;
    Ok(indexes
        .iter()
        .enumerate()
        .filter_map(|(i, ix)| {
            held.iter().find(|h| &h.id_index == ix).map(|h| Conflict {
                member: i,
                index: ix.clone(),
                existing: h.household_id,
            })
        })
        .collect())
}

/// The lowest layer whose jurisdiction covers the application's village and every other one:
/// their common county, city or province, or the centre.
pub fn adjudicating_division(application: &Division, others: &[Division]) -> String {
    for level in [Level::County, Level::City, Level::Province] {
        let Some(ours) = application.ancestor_at(level) else { continue };
        if others.iter().all(|o| o.ancestor_at(level).as_ref() == Some(&ours)) {
            return ours.to_string();
        }
    }
    "CN".to_owned()
}

/// Opens the adjudication task for a new application, inside its transaction.
pub async fn open_adjudication(
    s: &State,
    txn: &DatabaseTransaction,
    p: &Principal,
    id: Uuid,
    valid: &ValidHousehold,
    found: &[Conflict],
) -> Result<(), Problem> {
    let mut records = Vec::with_capacity(found.len());
    let mut villages = Vec::with_capacity(found.len());
    for c in found {
        let existing = household::Entity::find_by_id(c.existing)
            .one(txn)
            .await
            .map_err(internal)?
            .ok_or_else(Problem::internal)?;
        let existing_member = member::Entity::find()
            .filter(member::Column::HouseholdId.eq(c.existing))
            .filter(member::Column::IdIndex.eq(c.index.as_str()))
            .one(txn)
            .await
            .map_err(internal)?
            .ok_or_else(Problem::internal)?;
        villages.push(Division::parse(&existing.village).map_err(internal)?);
        records.push(DuplicateRecord {
            member: c.member as u32,
            name: valid.members[c.member].name.clone(),
            resident_id: valid.members[c.member].resident_id.masked(),
            application_id: id,
            application_village: valid.village.to_string(),
            existing_household_id: existing.id,
            existing_village: existing.village.clone(),
            existing_status: store::parse_enum(&existing.status).map_err(internal)?,
            existing_name: existing_member.name.clone(),
        });
    }
    let division = adjudicating_division(&valid.village, &villages);
    let title = format!("Adjudicate a suspected duplicate: application {id}");
    let mut task = NewTask::new(ADJUDICATION, title, division.clone(), Role::Approver);
    task.subject_id = Some(id);
    task.body = serde_json::to_value(&records).map_err(internal)?;
    s.engine.open(txn, &p.subject, task).await.map_err(internal)?;
    chain_store::audit::append(
        txn,
        s.now(),
        chain_store::audit::Entry::by(p, "household.suspected-duplicate", valid.village.as_str()).about(id).payload(
            &serde_json::json!({
                "household_id": id,
                "adjudicated_by": division,
                "existing": records.iter().map(|r| r.existing_household_id).collect::<Vec<_>>(),
            }),
        ),
    )
    .await
    .map_err(internal)?;
    tracing::info!(household = %id, adjudicated_by = %division, "suspected duplicate filed for adjudication");
    Ok(())
}

/// The adjudication a suspected duplicate waits for.
pub async fn adjudication_of(s: &State, id: Uuid) -> Result<Option<AdjudicationRef>, Problem> {
    let Some(task) = s.engine.procedure_task(&s.db, ADJUDICATION, id, None).await.map_err(internal)? else {
        return Ok(None);
    };
    let records: Vec<DuplicateRecord> = serde_json::from_value(task.body.clone()).unwrap_or_default();
    Ok(Some(AdjudicationRef {
        task_id: task.id,
        division: task.division.clone(),
        members: records.iter().map(|r| r.member).collect(),
    }))
}

/// The adjudicator (an approver of exactly the adjudicating layer) decides a suspected duplicate.
pub async fn adjudicate(s: State, p: Principal, req: Step<Adjudicate>) -> Result<Household, Problem> {
    let reason = req.body.reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err(Problem::invalid("reason", "1–2000 characters"));
    }
    let txn = s.db.begin().await.map_err(internal)?;
    match decide(&s, &txn, &p, &req, &reason).await {
        Ok(()) => txn.commit().await.map_err(internal)?,
        Err(problem) => {
            let _ = txn.rollback().await;
            return Err(problem);
        }
    }
    s.outbox.wake();
    load(&s, req.id).await
}

async fn decide(
    s: &State,
    txn: &DatabaseTransaction,
    p: &Principal,
    req: &Step<Adjudicate>,
    reason: &str,
) -> Result<(), Problem> {
    let Some((row, current)) = store::load(txn, req.id).await.map_err(internal)? else {
        return Err(hidden());
    };
    let village = Division::parse(&row.village).map_err(internal)?;
    if !p.covers(&village) {
        return Err(hidden());
    }
    let Some(task) = s.engine.procedure_task(txn, ADJUDICATION, row.id, None).await.map_err(internal)? else {
        return Err(Problem::transition("only a suspected duplicate is adjudicated"));
    };
    if !p.has(Role::Approver) {
        return Err(Problem::forbidden("adjudicating needs the approver role"));
    }
    if p.jurisdiction.to_string() != task.division {
        return Err(Problem::forbidden(format!("the suspected duplicate is adjudicated by {}", task.division)));
    }
    store::check_version(&row, req.expected_version)?;
    if current.status != HouseholdStatus::SuspectedDuplicate {
        return Err(Problem::transition(format!(
            "only a suspected duplicate is adjudicated; this household is {}",
            label(current.status)
        )));
    }
    let members =
        member::Entity::find().filter(member::Column::HouseholdId.eq(row.id)).all(txn).await.map_err(internal)?;
    let mut ordered = members.clone();
    ordered.sort_by_key(|m| m.position);
    let indexes: Vec<String> = ordered.iter().map(|m| m.id_index.clone()).collect();
    let next = match req.body.decision {
        AdjudicationDecision::Duplicate => HouseholdStatus::Rejected,
        AdjudicationDecision::Transfer => {
            for c in conflicts(txn, &indexes).await.map_err(internal)? {
                transfer_out(txn, p, c, row.id, reason).await?;
            }
            HouseholdStatus::Applied
        }
    };
    set_status(txn, &row, next).await?;
    let action = match req.body.decision {
        AdjudicationDecision::Duplicate => "household.adjudicated-duplicate",
        AdjudicationDecision::Transfer => "household.adjudicated-transfer",
    };
    record(txn, p, action, &village, row.id, Some(reason)).await?;
    for step in [Action::Start, Action::Submit, Action::SignOff] {
        match s.engine.transition_at(txn, p, ADJUDICATION, row.id, Some(&task.division), step, Some(reason)).await {
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(problem))) => return Err(problem),
            Ok(None) => return Err(Problem::internal()),
            Err(e) => return Err(internal(e)),
        }
    }
    if next == HouseholdStatus::Applied {
        admit(s, txn, p, row.id, &village, &indexes).await?;
    }
    Ok(())
}

/// Moves one person out of the household holding their ID, so that another may register them.
async fn transfer_out(
    txn: &DatabaseTransaction,
    p: &Principal,
    c: Conflict,
    to: Uuid,
    reason: &str,
) -> Result<(), Problem> {
    let existing =
        household::Entity::find_by_id(c.existing).one(txn).await.map_err(internal)?.ok_or_else(Problem::internal)?;
    let others = member::Entity::find()
        .filter(member::Column::HouseholdId.eq(existing.id))
        .filter(member::Column::IdIndex.ne(c.index.as_str()))
        .count(txn)
        .await
        .map_err(internal)?;
    if others == 0 {
        return Err(Problem::transition(format!(
            "member {} is the only member of household {}; turn this application down, or end that household first",
            c.member, existing.id
        )));
    }
    member::Entity::delete_many()
        .filter(member::Column::HouseholdId.eq(existing.id))
        .filter(member::Column::IdIndex.eq(c.index.as_str()))
        .exec(txn)
        .await
        .map_err(internal)?;
    active_id::Entity::delete_many()
        .filter(active_id::Column::IdIndex.eq(c.index.as_str()))
        .exec(txn)
        .await
        .map_err(internal)?;
    let bumped = household::Entity::update_many()
        .col_expr(household::Column::Version, Expr::value(existing.version + 1))
        .col_expr(household::Column::UpdatedAt, Expr::value(chrono::Utc::now()))
        .filter(household::Column::Id.eq(existing.id))
        .filter(household::Column::Version.eq(existing.version))
        .exec(txn)
        .await
        .map_err(internal)?;
    if bumped.rows_affected != 1 {
        return Err(Problem::new(ProblemKind::StaleVersion, "the existing household changed at the same moment"));
    }
    chain_store::audit::append(
        txn,
        chrono::Utc::now(),
        chain_store::audit::Entry::by(p, "household.member-transferred", &existing.village)
            .about(existing.id)
            .reason(Some(reason))
            .payload(&serde_json::json!({ "household_id": existing.id, "to": to, "service": SERVICE })),
    )
    .await
    .map_err(internal)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(code: &str) -> Division {
        Division::parse(code).unwrap()
    }

    #[test]
    fn the_lowest_layer_covering_both_households_adjudicates() {
        let at = |others: &[&str]| {
            adjudicating_division(&d("520624101201"), &others.iter().map(|o| d(o)).collect::<Vec<_>>())
        };
        assert_eq!(at(&["520624102203"]), "520624");
        assert_eq!(at(&["520623100201"]), "5206");
        assert_eq!(at(&["520102001001"]), "52");
        assert_eq!(at(&["110101001001"]), "CN");
        assert_eq!(at(&["520624102203", "520623100201"]), "5206", "the layer covering all of them");
    }
}
