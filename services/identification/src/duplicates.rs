//! Suspected duplicates: an application naming a resident ID that already belongs to an active
//! household is neither refused nor merged. It is kept as `suspected_duplicate`, holding no IDs,
//! and an adjudication task opens at the lowest layer whose jurisdiction covers both households
//! (the county, a city, a province, or the centre across provinces), showing both records. The
//! adjudicator decides: a duplicate is turned down; a transfer moves the people out of the existing
//! household and lets the application into the procedure.

use anyhow::Context;
use chain_api::identification::{Adjudicate, AdjudicationDecision, DuplicateRecord, Household, HouseholdStatus};
use chain_api::step::Step;
use chain_api::{Principal, Problem, ProblemKind, Role};
use chain_domain::{Division, Level};
use chain_store::audit;
use chain_workflow::{Action, NewTask};
use sea_orm::entity::prelude::*;
use sea_orm::{DatabaseTransaction, TransactionTrait};

use crate::active_ids::{self, Conflict};
use crate::domain::household::{ValidHousehold, label};
use crate::domain::remarks;
use crate::error::Result;
use crate::household::{self, ADJUDICATION, hidden};
use crate::store::households::{active_id, household as household_row, member};
use crate::store::parse_enum;
use crate::{SERVICE, State};

/// Opens the adjudication task for a new application, inside its transaction.
pub async fn open_adjudication(
    s: &State,
    txn: &DatabaseTransaction,
    p: &Principal,
    id: Uuid,
    valid: &ValidHousehold,
    found: &[Conflict],
) -> Result<()> {
    let mut records = Vec::with_capacity(found.len());
    let mut villages = Vec::with_capacity(found.len());
    for c in found {
        let existing = household_row::Entity::find_by_id(c.existing)
            .one(txn)
            .await?
            .context("the household holding a conflicting ID")?;
        let existing_member = member::Entity::find()
            .filter(member::Column::HouseholdId.eq(c.existing))
            .filter(member::Column::IdIndex.eq(c.index.as_str()))
            .one(txn)
            .await?
            .context("the member holding a conflicting ID")?;
        villages.push(household::village_of(&existing)?);
        records.push(DuplicateRecord {
            member: c.member as u32,
            name: valid.members[c.member].name.clone(),
            resident_id: valid.members[c.member].resident_id.masked(),
            application_id: id,
            application_village: valid.village.to_string(),
            existing_household_id: existing.id,
            existing_village: existing.village.clone(),
            existing_status: parse_enum(&existing.status)?,
            existing_name: existing_member.name.clone(),
        });
    }
    let division = adjudicating_division(&valid.village, &villages);
    let title = format!("Adjudicate a suspected duplicate: application {id}");
    let mut task = NewTask::new(ADJUDICATION, title, division.clone(), Role::Approver);
    task.subject_id = Some(id);
    task.body = serde_json::to_value(&records).context("encoding the duplicate records")?;
    s.engine.open(txn, &p.subject, task).await?;
    let payload = serde_json::json!({
        "household_id": id,
        "adjudicated_by": division,
        "existing": records.iter().map(|r| r.existing_household_id).collect::<Vec<_>>(),
    });
    let entry = household::entry(p, "household.suspected-duplicate", valid.village.as_str(), id).payload(&payload);
    audit::append(txn, s.now(), entry).await?;
    tracing::info!(household = %id, adjudicated_by = %division, "suspected duplicate filed for adjudication");
    Ok(())
}

/// The adjudicator (an approver of exactly the adjudicating layer) decides a suspected duplicate.
pub async fn adjudicate(s: State, p: Principal, req: Step<Adjudicate>) -> Result<Household> {
    let reason = &remarks::reason(&req.body.reason)?;
    let txn = s.db.begin().await?;
    decide(&s, &txn, &p, &req, reason).await?;
    txn.commit().await?;
    s.outbox.wake();
    household::load(&s, req.id).await
}

async fn decide(
    s: &State,
    txn: &DatabaseTransaction,
    p: &Principal,
    req: &Step<Adjudicate>,
    reason: &str,
) -> Result<()> {
    let (row, current) = household::read(txn, req.id).await?;
    let village = household::village_of(&row)?;
    if !p.covers(&village) {
        return Err(hidden().into());
    }
    let Some(task) = s.engine.procedure_task(txn, ADJUDICATION, row.id, None).await? else {
        return Err(Problem::transition("only a suspected duplicate is adjudicated").into());
    };
    if !p.has(Role::Approver) {
        return Err(Problem::forbidden("adjudicating needs the approver role").into());
    }
    if p.jurisdiction.to_string() != task.division {
        return Err(Problem::forbidden(format!("the suspected duplicate is adjudicated by {}", task.division)).into());
    }
    household::check_version(&row, req.expected_version)?;
    if current.status != HouseholdStatus::SuspectedDuplicate {
        return Err(Problem::transition(format!(
            "only a suspected duplicate is adjudicated; this household is {}",
            label(current.status)
        ))
        .into());
    }
    let mut members = member::Entity::find().filter(member::Column::HouseholdId.eq(row.id)).all(txn).await?;
    members.sort_by_key(|m| m.position);
    let indexes: Vec<String> = members.iter().map(|m| m.id_index.clone()).collect();
    let now = s.now();
    let next = match req.body.decision {
        AdjudicationDecision::Duplicate => HouseholdStatus::Rejected,
        AdjudicationDecision::Transfer => {
            for c in active_ids::conflicts(txn, &indexes).await? {
                transfer_out(s, txn, p, c, row.id, reason).await?;
            }
            HouseholdStatus::Applied
        }
    };
    household::set_status(txn, &row, next, now).await?;
    let action = match req.body.decision {
        AdjudicationDecision::Duplicate => "household.adjudicated-duplicate",
        AdjudicationDecision::Transfer => "household.adjudicated-transfer",
    };
    household::record(txn, now, p, action, &row.village, row.id, Some(reason)).await?;
    let moves = [Action::Start, Action::Submit, Action::SignOff].map(|step| (task.division.as_str(), step));
    s.engine.advance(txn, p, ADJUDICATION, row.id, &moves, Some(reason)).await?;
    if next == HouseholdStatus::Applied {
        active_ids::admit(s, txn, p, row.id, &village, &indexes).await?;
    }
    Ok(())
}

/// Moves one person out of the household holding their ID, so that another may register them.
async fn transfer_out(
    s: &State,
    txn: &DatabaseTransaction,
    p: &Principal,
    c: Conflict,
    to: Uuid,
    reason: &str,
) -> Result<()> {
    let existing =
        household_row::Entity::find_by_id(c.existing).one(txn).await?.context("the household holding the ID")?;
    let others = member::Entity::find()
        .filter(member::Column::HouseholdId.eq(existing.id))
        .filter(member::Column::IdIndex.ne(c.index.as_str()))
        .count(txn)
        .await?;
    if others == 0 {
        return Err(Problem::transition(format!(
            "member {} is the only member of household {}; turn this application down, or end that household first",
            c.member, existing.id
        ))
        .into());
    }
    member::Entity::delete_many()
        .filter(member::Column::HouseholdId.eq(existing.id))
        .filter(member::Column::IdIndex.eq(c.index.as_str()))
        .exec(txn)
        .await?;
    active_id::Entity::delete_many().filter(active_id::Column::IdIndex.eq(c.index.as_str())).exec(txn).await?;
    let now = s.now();
    if !household::update_if_current(txn, &existing, now, vec![]).await? {
        return Err(Problem::new(ProblemKind::StaleVersion, "the existing household changed at the same moment").into());
    }
    let payload = serde_json::json!({ "household_id": existing.id, "to": to, "service": SERVICE });
    let entry = household::entry(p, "household.member-transferred", &existing.village, existing.id)
        .reason(Some(reason))
        .payload(&payload);
    audit::append(txn, now, entry).await?;
    Ok(())
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
