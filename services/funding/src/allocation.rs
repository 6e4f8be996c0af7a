//! Allocations: an approver allocates funds of one fund and year from their own division (or the
//! centre) to a city or county below it (the centre: to a province), by hand with a reason, or
//! as a line of an approved allocation plan ([`crate::plans`]). The same transaction moves the
//! money in the ledger under the allocation's transfer id, opens the allocation's tasks and
//! submits the allocator's onward tasks it satisfies (see [`tasks`]), records the audit entry
//! and the event.

use chain_api::Principal;
use chain_api::events::{FUNDS_ALLOCATED, FundsAllocated};
use chain_api::funding::{Allocation, CreateAllocation};
use chain_api::{Problem, Role};
use chain_domain::{Division, Money};
use chrono::Datelike;
use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, DatabaseTransaction};

use crate::domain::funds::{Fund, Funds};
use crate::error::Result;
use crate::ledger::{self, CENTRE, EntryKind, Key, Transfer};
use crate::store::allocation;
use crate::{State, domain, movement, tasks};

/// One allocation to make inside a caller's transaction.
#[derive(Debug, Clone)]
pub struct Allot<'a> {
    /// The allocating division; `None` for the centre.
    pub from: Option<&'a Division>,
    /// The recipient.
    pub to: &'a Division,
    /// The fund, running in `year`.
    pub fund: &'a Fund,
    /// Budget year.
    pub year: i32,
    /// Amount.
    pub amount: Money,
    /// Why.
    pub reason: &'a str,
    /// The plan it comes from.
    pub plan_id: Option<Uuid>,
    /// Its transfer id.
    pub transfer_id: Uuid,
    /// What was asked, canonical JSON.
    pub request: String,
}

/// The fund `code` in `year` as an official of `from` may allocate it, or a problem at `field`.
pub fn allocatable(code: &str, year: i32, from: Option<&Division>, field: &str) -> Result<&'static Fund> {
    let fund = Funds::embedded().get(code, year).ok_or_else(|| Problem::invalid(field, "no such fund that year"))?;
    if !fund.allocatable_by(from) {
        return Err(Problem::invalid(field, "this fund does not come from your layer or above it").into());
    }
    Ok(fund)
}

/// Makes one allocation inside `txn`: the ledger movement, the row, the tasks, the audit entry
/// and the event. The caller commits.
pub async fn allot(s: &State, txn: &DatabaseTransaction, p: &Principal, a: Allot<'_>) -> Result<Allocation> {
    let from = a.from.map_or_else(|| CENTRE.to_owned(), Division::to_string);
    let to = a.to.to_string();
    let (id, created_at) = (Uuid::now_v7(), movement::now(s));
    let transfer = Transfer {
        id: a.transfer_id,
        from: Key::of(&from, &a.fund.code, a.year),
        from_source: a.fund.is_source(&from),
        to: Key::of(&to, &a.fund.code, a.year),
        amount: a.amount,
        kind: EntryKind::Allocation,
        ref_id: id,
        request: a.request,
        by: p.subject.clone(),
        at: created_at,
    };
    ledger::transfer(txn, &transfer, false).await?;
    let row = allocation::ActiveModel {
        id: Set(id),
        from_account: Set(from.clone()),
        to_division: Set(to.clone()),
        year: Set(a.year),
        amount_fen: Set(a.amount.fen()),
        fund: Set(a.fund.code.clone()),
        reason: Set(a.reason.to_owned()),
        plan_id: Set(a.plan_id),
        allocated_by: Set(p.subject.clone()),
        txn_id: Set(a.transfer_id),
        created_at: Set(created_at),
    }
    .insert(txn)
    .await?;
    // The onward and disclosure tasks commit with the allocation or not at all.
    tasks::on_allocation(s, txn, p, &row).await?;
    let payload = FundsAllocated {
        allocation_id: id,
        from: from.clone(),
        to: to.clone(),
        amount_fen: row.amount_fen,
        year: row.year,
    };
    let event = movement::event(s, FUNDS_ALLOCATED, &to, p, id, payload)?;
    movement::record(s, txn, p, "allocation.create", id, event).await?;
    let answer = to_api(row);
    ledger::set_answer(txn, a.transfer_id, &answer).await?;
    tracing::info!(allocation = %id, %from, %to, amount = %a.amount, fund = %a.fund.code, "funds allocated");
    Ok(answer)
}

/// An allocation row in API form.
pub fn to_api(row: allocation::Model) -> Allocation {
    Allocation {
        id: row.id,
        from: row.from_account,
        to: row.to_division,
        year: row.year,
        amount_fen: row.amount_fen,
        fund: row.fund,
        reason: row.reason,
        plan_id: row.plan_id,
        transfer_id: row.txn_id,
        allocated_by: row.allocated_by,
        created_at: row.created_at,
    }
}

/// Allocates funds down the chain by hand.
#[tracing::instrument(skip_all, fields(actor = %p.subject))]
pub async fn create(s: State, p: Principal, req: CreateAllocation) -> Result<Allocation> {
    let valid = domain::validate_allocation(&req, s.now().year())?;
    if !p.has(Role::Approver) {
        return Err(Problem::forbidden("allocating funds needs the approver role").into());
    }
    domain::allocation_target(&p.jurisdiction, &valid.to)?;
    let from = p.jurisdiction.division().cloned();
    let fund = allocatable(&valid.fund, valid.year, from.as_ref(), "fund")?;
    let transfer_id = req.transfer_id.unwrap_or_else(Uuid::now_v7);
    let request = serde_json::json!({
        "verb": "allocation.create",
        "from": p.jurisdiction.to_string(),
        "to": valid.to.to_string(),
        "year": valid.year,
        "amount_fen": valid.amount.fen(),
        "fund": fund.code,
        "reason": valid.reason,
    })
    .to_string();
    let answer = movement::once(&s.db, transfer_id, &request, async |txn| {
        let one = Allot {
            from: from.as_ref(),
            to: &valid.to,
            fund,
            year: valid.year,
            amount: valid.amount,
            reason: &valid.reason,
            plan_id: None,
            transfer_id,
            request: request.clone(),
        };
        allot(&s, txn, &p, one).await
    })
    .await?;
    s.outbox.wake();
    Ok(answer)
}
