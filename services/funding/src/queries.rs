//! Reading funding in bulk: allocations, allocation plans, transfers, disbursements and ledger
//! entries (account statements) by division prefix, fund, year and status, cursor-paged in id (or journal) order
//! and limited to the caller's jurisdiction: the prefix asked for is intersected with it
//! ([`chain_kit::query::scope`]) and the centre's own records are read by the central layer only.

use chain_api::funding::{
    AllocationPage, AllocationPlanPage, AllocationPlanQuery, AllocationQuery, DisbursementPage, DisbursementQuery,
    EntryPage, EntryQuery, LedgerEntry, TransferPage, TransferQuery,
};
use chain_api::limits::page;
use chain_api::{Principal, Problem};
use chain_domain::Jurisdiction;
use chain_kit::query::{limit, scope};
use chain_store::text::enum_str;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::Condition;
use sea_orm::{QueryOrder, QuerySelect};

use crate::State;
use crate::domain::funds::Funds;
use crate::error::Result;
use crate::ledger::CENTRE;
use crate::store::{allocation, allocation_plan, disbursement, ledger_entry, transfer};
use crate::{allocation as allocations, disbursement as disbursements, plans, transfers};

/// Checks a fund filter against the catalogue.
fn check_fund(fund: Option<&str>) -> Result<()> {
    match fund {
        Some(f) if !Funds::embedded().knows(f) => {
            Err(Problem::invalid("fund", "no such fund in the fund catalogue").into())
        }
        _ => Ok(()),
    }
}

/// The prefix to read for `division` (`CN`: the centre's own records, central layer only), or
/// `None` when nothing is visible.
fn prefix(p: &Principal, division: Option<&str>) -> Result<Option<String>> {
    if division == Some(CENTRE) {
        return Ok((p.jurisdiction == Jurisdiction::National).then(|| CENTRE.to_owned()));
    }
    Ok(scope(p, division)?)
}

/// `allocation.list`: allocations whose recipient lies under the prefix.
pub async fn allocations(s: State, p: Principal, q: AllocationQuery) -> Result<AllocationPage> {
    let size = limit(q.limit, 50, page::HOUSEHOLDS)?;
    check_fund(q.fund.as_deref())?;
    let Some(prefix) = prefix(&p, q.division.as_deref())? else {
        return Ok(AllocationPage { items: vec![], next_after: None });
    };
    let mut find = allocation::Entity::find().filter(allocation::Column::ToDivision.starts_with(prefix.as_str()));
    if let Some(fund) = &q.fund {
        find = find.filter(allocation::Column::Fund.eq(fund.as_str()));
    }
    if let Some(year) = q.year {
        find = find.filter(allocation::Column::Year.eq(year));
    }
    if let Some(plan) = q.plan_id {
        find = find.filter(allocation::Column::PlanId.eq(plan));
    }
    if let Some(after) = q.after {
        find = find.filter(allocation::Column::Id.gt(after));
    }
    let mut rows = find.order_by_asc(allocation::Column::Id).limit(size + 1).all(&s.db).await?;
    let more = rows.len() as u64 > size;
    rows.truncate(size as usize);
    let next_after = if more { rows.last().map(|r| r.id) } else { None };
    Ok(AllocationPage { items: rows.into_iter().map(allocations::to_api).collect(), next_after })
}

/// `allocation-plan.list`: plans whose allocator lies under the prefix (the centre's: `CN`, or
/// no prefix, for the central layer).
pub async fn plans(s: State, p: Principal, q: AllocationPlanQuery) -> Result<AllocationPlanPage> {
    let size = limit(q.limit, 50, page::HOUSEHOLDS)?;
    check_fund(q.fund.as_deref())?;
    let Some(prefix) = prefix(&p, q.division.as_deref())? else {
        return Ok(AllocationPlanPage { items: vec![], next_after: None });
    };
    let mut find =
        allocation_plan::Entity::find().filter(allocation_plan::Column::Allocator.starts_with(prefix.as_str()));
    if let Some(fund) = &q.fund {
        find = find.filter(allocation_plan::Column::Fund.eq(fund.as_str()));
    }
    if let Some(year) = q.year {
        find = find.filter(allocation_plan::Column::Year.eq(year));
    }
    if let Some(status) = q.status {
        find = find.filter(allocation_plan::Column::Status.eq(enum_str(&status)));
    }
    if let Some(after) = q.after {
        find = find.filter(allocation_plan::Column::Id.gt(after));
    }
    let mut rows = find.order_by_asc(allocation_plan::Column::Id).limit(size + 1).all(&s.db).await?;
    let more = rows.len() as u64 > size;
    rows.truncate(size as usize);
    let next_after = if more { rows.last().map(|r| r.id) } else { None };
    let rows: Vec<_> = rows.into_iter().filter(|r| plans::visible(&p, &r.allocator)).collect();
    Ok(AllocationPlanPage { items: rows.into_iter().map(plans::to_api).collect::<Result<_>>()?, next_after })
}

/// `transfer.list`: transfers from or to a division under the prefix.
pub async fn transfers(s: State, p: Principal, q: TransferQuery) -> Result<TransferPage> {
    let size = limit(q.limit, 50, page::HOUSEHOLDS)?;
    check_fund(q.fund.as_deref())?;
    let Some(prefix) = prefix(&p, q.division.as_deref())? else {
        return Ok(TransferPage { items: vec![], next_after: None });
    };
    let mut side = Condition::any().add(transfer::Column::ToDivision.starts_with(prefix.as_str()));
    // The centre's outgoing movements are the central layer's to read.
    if p.jurisdiction == Jurisdiction::National || prefix != CENTRE {
        side = side.add(transfer::Column::FromDivision.starts_with(prefix.as_str()));
    }
    let mut find = transfer::Entity::find().filter(side);
    if let Some(fund) = &q.fund {
        find = find.filter(transfer::Column::Fund.eq(fund.as_str()));
    }
    if let Some(year) = q.year {
        find = find.filter(transfer::Column::Year.eq(year));
    }
    if let Some(status) = q.status {
        find = find.filter(transfer::Column::Status.eq(enum_str(&status)));
    }
    if let Some(after) = q.after {
        find = find.filter(transfer::Column::Id.gt(after));
    }
    let mut rows = find.order_by_asc(transfer::Column::Id).limit(size + 1).all(&s.db).await?;
    let more = rows.len() as u64 > size;
    rows.truncate(size as usize);
    let next_after = if more { rows.last().map(|r| r.id) } else { None };
    let items = rows.into_iter().map(transfers::to_api).collect::<Result<_>>()?;
    Ok(TransferPage { items, next_after })
}

/// `disbursement.list`: disbursements to households of villages under the prefix.
pub async fn disbursements(s: State, p: Principal, q: DisbursementQuery) -> Result<DisbursementPage> {
    let size = limit(q.limit, 50, page::HOUSEHOLDS)?;
    check_fund(q.fund.as_deref())?;
    // Households are paid by counties: the centre has none of its own.
    let prefix = match q.division.as_deref() {
        Some(CENTRE) => scope(&p, None)?,
        d => scope(&p, d)?,
    };
    let Some(prefix) = prefix else {
        return Ok(DisbursementPage { items: vec![], next_after: None });
    };
    let mut find = disbursement::Entity::find().filter(disbursement::Column::Village.starts_with(prefix.as_str()));
    if let Some(household) = q.household_id {
        find = find.filter(disbursement::Column::HouseholdId.eq(household));
    }
    if let Some(plan) = q.plan_id {
        find = find.filter(disbursement::Column::PlanId.eq(plan));
    }
    if let Some(fund) = &q.fund {
        find = find.filter(disbursement::Column::Fund.eq(fund.as_str()));
    }
    if let Some(year) = q.year {
        find = find.filter(disbursement::Column::Year.eq(year));
    }
    if let Some(status) = q.status {
        find = find.filter(disbursement::Column::Status.eq(enum_str(&status)));
    }
    if let Some(after) = q.after {
        find = find.filter(disbursement::Column::Id.gt(after));
    }
    let mut rows = find.order_by_asc(disbursement::Column::Id).limit(size + 1).all(&s.db).await?;
    let more = rows.len() as u64 > size;
    rows.truncate(size as usize);
    let next_after = if more { rows.last().map(|r| r.id) } else { None };
    let items = rows.into_iter().map(disbursements::to_api).collect::<Result<_>>()?;
    Ok(DisbursementPage { items, next_after })
}

/// `ledger.entries`: the journal of the accounts whose holder lies under the prefix (a
/// household's: its village), in journal order — an account statement.
pub async fn entries(s: State, p: Principal, q: EntryQuery) -> Result<EntryPage> {
    let size = limit(q.limit, 100, page::RECORDS)?;
    check_fund(q.fund.as_deref())?;
    let Some(prefix) = prefix(&p, q.division.as_deref())? else {
        return Ok(EntryPage { items: vec![], next_after: None });
    };
    let mut find = ledger_entry::Entity::find().filter(ledger_entry::Column::Division.starts_with(prefix.as_str()));
    if let Some(fund) = &q.fund {
        find = find.filter(ledger_entry::Column::Fund.eq(fund.as_str()));
    }
    if let Some(year) = q.year {
        find = find.filter(ledger_entry::Column::Year.eq(year));
    }
    if let Some(after) = q.after {
        find = find.filter(ledger_entry::Column::Seq.gt(after));
    }
    let mut rows = find.order_by_asc(ledger_entry::Column::Seq).limit(size + 1).all(&s.db).await?;
    let more = rows.len() as u64 > size;
    rows.truncate(size as usize);
    let next_after = if more { rows.last().map(|r| r.seq) } else { None };
    let items = rows
        .into_iter()
        .map(|e| LedgerEntry {
            seq: e.seq,
            transfer_id: e.txn_id,
            holder: e.holder,
            fund: e.fund,
            year: e.year,
            amount_fen: e.amount_fen,
            kind: e.kind,
            ref_id: e.ref_id,
            created_at: e.created_at,
        })
        .collect();
    Ok(EntryPage { items, next_after })
}
