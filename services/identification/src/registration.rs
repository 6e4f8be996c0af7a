//! Registration — the one entry path of single applications and bulk imports: validation, the
//! jurisdiction check, a campaign entry's rules, then either admission into the procedure or, when
//! a member's ID is held by an active household, filing as a suspected duplicate.

use anyhow::Context;
use chain_api::identification::{Household, HouseholdStatus, RegisterHousehold};
use chain_api::{Principal, Problem, Role};
use chain_domain::Division;
use chain_store::audit;
use chrono::Datelike;
use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, DatabaseTransaction, TransactionTrait};

use crate::State;
use crate::domain::household::{self as rules, ValidHousehold, label};
use crate::error::Result;
use crate::household;
use crate::store::enum_str;
use crate::store::households::{household as household_row, member};

/// A village-level operator (or one above, within jurisdiction) registers a household application.
#[tracing::instrument(skip_all, fields(actor = %p.subject))]
pub async fn register(s: State, p: Principal, req: RegisterHousehold) -> Result<Household> {
    let valid = rules::validate(&req, chain_domain::calendar::beijing_date(s.now()))?;
    may_register(&p, &valid)?;
    let txn = s.db.begin().await?;
    let (id, _) = register_in(&s, &txn, &p, &valid).await?;
    txn.commit().await?;
    household::load(&s, id).await
}

/// Whether the principal may register this (validated) application: an operator whose
/// jurisdiction covers its village.
pub fn may_register(p: &Principal, valid: &ValidHousehold) -> Result<(), Problem> {
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
pub async fn register_in(
    s: &State,
    txn: &DatabaseTransaction,
    p: &Principal,
    valid: &ValidHousehold,
) -> Result<(Uuid, HouseholdStatus)> {
    let application = Application::of(s, valid);
    if let Some(entry) = &valid.adjustment {
        crate::adjustment::check_entry(s, txn, &valid.village, entry, &application.indexes).await?;
    }
    let conflicts = crate::active_ids::conflicts(txn, &application.indexes).await?;
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
pub struct Application<'a> {
    /// The application.
    pub valid: &'a ValidHousehold,
    /// Its members' blind indexes.
    pub indexes: Vec<String>,
}

impl<'a> Application<'a> {
    /// The application with its members' blind indexes.
    pub fn of(s: &State, valid: &'a ValidHousehold) -> Application<'a> {
        Application { valid, indexes: valid.members.iter().map(|m| s.pii.blind_index(&m.resident_id)).collect() }
    }
}

/// Registers applications none of whose members' IDs an active household holds (the caller has
/// looked, inside `txn`): stores them, claims their IDs and opens their procedures, the village's
/// task under way — for any number of applications in a handful of multi-row statements. A claim
/// made by someone else at the same moment refuses the whole call with `duplicate-resident-id`;
/// the caller rolls back. Returns the new households' ids, in order.
pub async fn register_clear(
    s: &State,
    txn: &DatabaseTransaction,
    p: &Principal,
    applications: &[Application<'_>],
) -> Result<Vec<Uuid>> {
    let ids: Vec<Uuid> = applications.iter().map(|_| Uuid::now_v7()).collect();
    store_applications(s, txn, p, applications, &ids, HouseholdStatus::Applied).await?;
    let admitted: Vec<(Uuid, &Division, &[String])> =
        applications.iter().zip(&ids).map(|(a, id)| (*id, &a.valid.village, a.indexes.as_slice())).collect();
    crate::active_ids::admit_many(s, txn, p, &admitted).await?;
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
) -> Result<()> {
    let now = s.now();
    let mut households = Vec::with_capacity(applications.len());
    let mut members = vec![];
    for (a, id) in applications.iter().zip(ids) {
        let valid = a.valid;
        households.push(household_row::ActiveModel {
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
            card: Set(serde_json::to_string(&crate::card::stored(&valid.card)).context("encoding a file card")?),
            bank_cipher: Set(match &valid.card.bank_account {
                Some(b) => Some(s.pii.encrypt_text(b.number.trim())?),
                None => None,
            }),
            campaign_task_id: Set(valid.adjustment.map(|a| a.campaign_task_id)),
            entry: Set(valid.adjustment.map(|a| enum_str(&a.entry))),
            created_at: Set(now),
            updated_at: Set(now),
        });
        for (i, (m, index)) in valid.members.iter().zip(&a.indexes).enumerate() {
            members.push(member_row(s, *id, i as i32, m, index)?);
        }
    }
    for chunk in households.chunks(500) {
        household_row::Entity::insert_many(chunk.to_vec()).exec_without_returning(txn).await?;
    }
    for chunk in members.chunks(1000) {
        member::Entity::insert_many(chunk.to_vec()).exec_without_returning(txn).await?;
    }
    let entries: Vec<audit::Entry> = applications
        .iter()
        .zip(ids)
        .map(|(a, id)| household::entry(p, "household.register", a.valid.village.as_str(), *id))
        .collect();
    audit::append_many(txn, now, &entries).await?;
    Ok(())
}

/// The row of a member at `position` of household `household`: the ID only encrypted, masked and
/// as its blind index.
pub fn member_row(
    s: &State,
    household: Uuid,
    position: i32,
    m: &rules::ValidMember,
    index: &str,
) -> Result<member::ActiveModel> {
    Ok(member::ActiveModel {
        household_id: Set(household),
        position: Set(position),
        name: Set(m.name.clone()),
        relation: Set(enum_str(&m.relation)),
        sex: Set(enum_str(&m.resident_id.sex())),
        birth_year: Set(m.resident_id.birth_date().year()),
        id_masked: Set(m.resident_id.masked()),
        id_cipher: Set(s.pii.encrypt(&m.resident_id)?),
        id_index: Set(index.to_owned()),
        details: Set(serde_json::to_string(&m.details).context("encoding a member's details")?),
        ..Default::default()
    })
}
