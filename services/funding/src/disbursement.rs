//! Disbursements: a county approver pays an approved household plan from the county's funds. The
//! same transaction moves the money in the ledger, records the audit entry and the event.

use anyhow::Context;
use chain_api::events::{FUNDS_DISBURSED, FundsDisbursed};
use chain_api::funding::{CreateDisbursement, Disbursement};
use chain_api::{Principal, Problem, Role};
use chain_domain::{Division, Layer, Level};
use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, TransactionTrait};

use crate::error::Result;
use crate::ledger::{self, EntryKind, Transfer};
use crate::store::{approved_plan, disbursement};
use crate::{State, domain, movement};

fn no_plan() -> Problem {
    Problem::not_found("plan")
}

/// Pays an approved plan of a household in the caller's county.
#[tracing::instrument(skip_all, fields(actor = %p.subject))]
pub async fn create(s: State, p: Principal, req: CreateDisbursement) -> Result<Disbursement> {
    let valid = domain::validate_disbursement(&req)?;
    let txn = s.db.begin().await?;
    let plan = approved_plan::Entity::find_by_id(req.plan_id).one(&txn).await?.ok_or_else(no_plan)?;
    let village = Division::parse(&plan.village).context("reading the plan's village")?;
    p.require(&[Role::Approver], Layer::County, &village, no_plan())?;
    let county = village.ancestor_at(Level::County).context("the plan's village lies above the county level")?;
    let (id, created_at) = (Uuid::now_v7(), movement::now(&s));
    let household = ledger::household_account(plan.household_id);
    let transfer = Transfer {
        from: county.as_str(),
        to: &household,
        amount: valid.amount,
        kind: EntryKind::Disbursement,
        ref_id: id,
        at: created_at,
    };
    let txn_id = ledger::transfer(&txn, &transfer).await?;
    let row = disbursement::ActiveModel {
        id: Set(id),
        plan_id: Set(plan.plan_id),
        household_id: Set(plan.household_id),
        county: Set(county.to_string()),
        village: Set(village.to_string()),
        amount_fen: Set(valid.amount.fen()),
        purpose: Set(valid.purpose),
        disbursed_by: Set(p.subject.clone()),
        txn_id: Set(txn_id),
        created_at: Set(created_at),
    }
    .insert(&txn)
    .await?;
    let payload = FundsDisbursed {
        disbursement_id: id,
        plan_id: row.plan_id,
        household_id: row.household_id,
        county: row.county.clone(),
        amount_fen: row.amount_fen,
    };
    let event = movement::event(&s, FUNDS_DISBURSED, &row.village, &p, id, payload)?;
    movement::record(&s, &txn, &p, "disbursement.create", id, event).await?;
    txn.commit().await?;
    s.outbox.wake();
    tracing::info!(disbursement = %id, plan = %row.plan_id, county = %row.county, amount = %valid.amount, "funds disbursed");
    Ok(Disbursement {
        id,
        plan_id: row.plan_id,
        household_id: row.household_id,
        county: row.county,
        amount_fen: row.amount_fen,
        purpose: row.purpose,
        disbursed_by: row.disbursed_by,
        created_at,
    })
}
