//! Allocations: an approver allocates funds from their own division (or the centre) to a city or
//! county below it (the centre: to a province). The same transaction moves the money in the
//! ledger, opens the allocation's tasks and submits the allocator's onward tasks it satisfies
//! (see [`tasks`]), records the audit entry and the event.

use chain_api::Principal;
use chain_api::events::{FUNDS_ALLOCATED, FundsAllocated};
use chain_api::funding::{Allocation, CreateAllocation};
use chain_api::{Problem, Role};
use chrono::Datelike;
use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, TransactionTrait};

use crate::error::Result;
use crate::ledger::{self, EntryKind, Transfer};
use crate::store::allocation;
use crate::{State, domain, movement, tasks};

/// Allocates funds down the chain.
#[tracing::instrument(skip_all, fields(actor = %p.subject))]
pub async fn create(s: State, p: Principal, req: CreateAllocation) -> Result<Allocation> {
    let valid = domain::validate_allocation(&req, s.now().year())?;
    if !p.has(Role::Approver) {
        return Err(Problem::forbidden("allocating funds needs the approver role").into());
    }
    domain::allocation_target(&p.jurisdiction, &valid.to)?;
    let (from, to) = (p.jurisdiction.to_string(), valid.to.to_string());
    let (id, created_at) = (Uuid::now_v7(), movement::now(&s));
    let txn = s.db.begin().await?;
    let transfer = Transfer {
        from: &from,
        to: &to,
        amount: valid.amount,
        kind: EntryKind::Allocation,
        ref_id: id,
        at: created_at,
    };
    let txn_id = ledger::transfer(&txn, &transfer).await?;
    let row = allocation::ActiveModel {
        id: Set(id),
        from_account: Set(from.clone()),
        to_division: Set(to.clone()),
        year: Set(valid.year),
        amount_fen: Set(valid.amount.fen()),
        fund: Set(valid.fund.clone()),
        allocated_by: Set(p.subject.clone()),
        txn_id: Set(txn_id),
        created_at: Set(created_at),
    }
    .insert(&txn)
    .await?;
    // The onward and disclosure tasks commit with the allocation or not at all.
    tasks::on_allocation(&s, &txn, &p, &row).await?;
    let payload = FundsAllocated {
        allocation_id: id,
        from: from.clone(),
        to: to.clone(),
        amount_fen: row.amount_fen,
        year: row.year,
    };
    let event = movement::event(&s, FUNDS_ALLOCATED, &to, &p, id, payload)?;
    movement::record(&s, &txn, &p, "allocation.create", id, event).await?;
    txn.commit().await?;
    s.outbox.wake();
    tracing::info!(allocation = %id, %from, %to, amount = %valid.amount, "funds allocated");
    Ok(Allocation {
        id,
        from,
        to,
        year: row.year,
        amount_fen: row.amount_fen,
        fund: row.fund,
        allocated_by: row.allocated_by,
        created_at,
    })
}
