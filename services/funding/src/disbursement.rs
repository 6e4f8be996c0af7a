//! Disbursements: a county approver pays an approved household plan from one of the county's
//! fund accounts, at once or as a two-phase payment leaving the system (held until posted or
//! voided, see [`crate::transfers`]). The same transaction moves (or holds) the money in the
//! ledger under the payment's transfer id, records the audit entry and, once the money has
//! moved, the event.

use anyhow::Context;
use chain_api::events::{FUNDS_DISBURSED, FundsDisbursed};
use chain_api::funding::{CreateDisbursement, Disbursement, TransferStatus};
use chain_api::{Principal, Problem, Role};
use chain_domain::{Division, Layer, Level, Money};
use chain_store::text::{enum_str, parse_enum};
use chrono::Datelike;
use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, DatabaseTransaction};

use crate::domain::funds::Funds;
use crate::error::Result;
use crate::ledger::{self, EntryKind, Key, Transfer};
use crate::store::{approved_plan, disbursement};
use crate::{State, domain, movement};

fn no_plan() -> Problem {
    Problem::not_found("plan")
}

/// The county account to pay `amount` from: the fund and year asked for, or else the oldest of
/// the county's accounts (by year, then fund) whose available balance covers it (the first one
/// when none does, so the refusal names an account).
async fn paying_account(
    txn: &DatabaseTransaction,
    county: &str,
    fund: Option<&str>,
    year: Option<i32>,
    amount: Money,
    current_year: i32,
) -> Result<Key> {
    if let (Some(fund), Some(year)) = (fund, year) {
        return Ok(Key::of(county, fund, year));
    }
    let accounts = ledger::accounts_of(txn, county).await?;
    let mine = accounts.iter().filter(|a| fund.is_none_or(|f| a.fund == f));
    let mut candidates = mine.clone().filter(|a| a.balance_fen - a.pending_fen >= amount.fen());
    let chosen = candidates.next().or_else(|| mine.clone().next());
    Ok(match chosen {
        Some(a) => Key::of(county, &a.fund, a.year),
        None => Key::of(county, fund.unwrap_or("central-special"), current_year),
    })
}

/// `disbursement.get`: one disbursement, to officials whose jurisdiction holds the household's
/// village (404 for anyone else, as if it did not exist).
pub async fn get(s: State, p: Principal, req: chain_api::step::ById) -> Result<Disbursement> {
    let row = disbursement::Entity::find_by_id(req.id).one(&s.db).await?;
    match row {
        Some(row) if Division::parse(&row.village).is_ok_and(|v| p.covers(&v)) => to_api(row),
        _ => Err(Problem::not_found("disbursement").into()),
    }
}

/// A disbursement row in API form.
pub fn to_api(row: disbursement::Model) -> Result<Disbursement> {
    Ok(Disbursement {
        id: row.id,
        plan_id: row.plan_id,
        household_id: row.household_id,
        county: row.county,
        amount_fen: row.amount_fen,
        purpose: row.purpose,
        fund: row.fund,
        year: row.year,
        transfer_id: row.txn_id,
        status: parse_enum(&row.status).context("reading a disbursement's status")?,
        disbursed_by: row.disbursed_by,
        created_at: row.created_at,
    })
}

/// The event announcing that a disbursement's money reached the household.
pub fn disbursed_event(s: &State, p: &Principal, row: &disbursement::Model) -> Result<chain_api::Envelope> {
    let payload = FundsDisbursed {
        disbursement_id: row.id,
        plan_id: row.plan_id,
        household_id: row.household_id,
        county: row.county.clone(),
        amount_fen: row.amount_fen,
    };
    movement::event(s, FUNDS_DISBURSED, &row.village, p, row.id, payload)
}

/// Pays an approved plan of a household in the caller's county.
#[tracing::instrument(skip_all, fields(actor = %p.subject))]
pub async fn create(s: State, p: Principal, req: CreateDisbursement) -> Result<Disbursement> {
    let valid = domain::validate_disbursement(&req)?;
    let transfer_id = req.transfer_id.unwrap_or_else(Uuid::now_v7);
    let request = serde_json::json!({
        "verb": "disbursement.create",
        "by": p.jurisdiction.to_string(),
        "plan_id": req.plan_id,
        "amount_fen": valid.amount.fen(),
        "purpose": valid.purpose,
        "fund": valid.fund,
        "year": req.year,
        "pending": req.pending,
    })
    .to_string();
    let answer = movement::once(&s.db, transfer_id, &request, async |txn| {
        let plan = approved_plan::Entity::find_by_id(req.plan_id).one(txn).await?.ok_or_else(no_plan)?;
        let village = Division::parse(&plan.village).context("reading the plan's village")?;
        p.require(&[Role::Approver], Layer::County, &village, no_plan())?;
        let county =
            village.ancestor_at(Level::County).context("the plan's village lies above the county level")?.to_string();
        let from = paying_account(txn, &county, valid.fund.as_deref(), req.year, valid.amount, s.now().year()).await?;
        let fund = Funds::embedded().get(&from.fund, from.year);
        let (id, created_at) = (Uuid::now_v7(), movement::now(&s));
        let household = Key {
            holder: ledger::household_holder(plan.household_id),
            division: village.to_string(),
            fund: from.fund.clone(),
            year: from.year,
        };
        let transfer = Transfer {
            id: transfer_id,
            from_source: fund.is_some_and(|f| f.is_source(&county)),
            from: from.clone(),
            to: household,
            amount: valid.amount,
            kind: EntryKind::Disbursement,
            ref_id: id,
            request: request.clone(),
            by: p.subject.clone(),
            at: created_at,
        };
        ledger::transfer(txn, &transfer, req.pending).await?;
        let status = if req.pending { TransferStatus::Pending } else { TransferStatus::Posted };
        let row = disbursement::ActiveModel {
            id: Set(id),
            plan_id: Set(plan.plan_id),
            household_id: Set(plan.household_id),
            county: Set(county.clone()),
            village: Set(village.to_string()),
            amount_fen: Set(valid.amount.fen()),
            purpose: Set(valid.purpose.clone()),
            fund: Set(from.fund.clone()),
            year: Set(from.year),
            status: Set(enum_str(&status)),
            disbursed_by: Set(p.subject.clone()),
            txn_id: Set(transfer_id),
            created_at: Set(created_at),
        }
        .insert(txn)
        .await?;
        if req.pending {
            let entry = chain_store::audit::Entry::by(&p, "disbursement.hold", &row.village)
                .about(id)
                .payload(&serde_json::json!({ "transfer_id": transfer_id, "amount_fen": row.amount_fen }));
            chain_store::audit::append(txn, s.now(), entry).await?;
        } else {
            let event = disbursed_event(&s, &p, &row)?;
            movement::record(&s, txn, &p, "disbursement.create", id, event).await?;
        }
        let answer = to_api(row)?;
        ledger::set_answer(txn, transfer_id, &answer).await?;
        tracing::info!(disbursement = %id, %county, amount = %valid.amount, pending = req.pending, "funds disbursed");
        Ok(answer)
    })
    .await?;
    s.outbox.wake();
    Ok(answer)
}
