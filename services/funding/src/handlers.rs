//! The funding service's NATS endpoints.

use chain_api::events::{FUNDS_ALLOCATED, FUNDS_DISBURSED, FundsAllocated, FundsDisbursed};
use chain_api::funding::{
    Account, AccountQuery, Allocation, CreateAllocation, CreateDisbursement, Disbursement, LedgerCheck,
};
use chain_api::{Envelope, Principal, Problem, Role};
use chain_bus::Endpoints;
use chain_bus::service::internal;
use chain_domain::{Division, Jurisdiction, Layer, Level, registry};
use chain_store::{audit, outbox};
use chrono::{DateTime, Datelike, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, DatabaseTransaction, TransactionTrait};
use serde::Deserialize;

use crate::ledger::{self, CENTRE, EntryKind, Transfer};
use crate::store::{allocation, approved_plan, disbursement};
use crate::{SERVICE, State, domain, tasks};

/// The body of requests that take no input: an empty JSON object.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub struct Empty {}

/// The endpoints, by verb.
pub fn endpoints(state: State) -> Endpoints<State> {
    Endpoints::new(SERVICE, state)
        .handle("allocation.create", create_allocation)
        .handle("disbursement.create", create_disbursement)
        .handle("account.get", get_account)
        .handle("ledger.check", check_ledger)
}

/// Now, at the precision the databases keep (microseconds).
fn now(s: &State) -> DateTime<Utc> {
    let now = s.now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}

/// Records a movement, rolling the transaction back if it is refused.
async fn move_money(txn: DatabaseTransaction, t: &Transfer<'_>) -> Result<(DatabaseTransaction, Uuid), Problem> {
    match ledger::transfer(&txn, t).await {
        Ok(id) => Ok((txn, id)),
        Err(e) => {
            let _ = txn.rollback().await;
            Err(e.into_problem())
        }
    }
}

/// Appends the audit entry and enqueues the event of a movement, inside the transaction.
async fn record<C: ConnectionTrait>(
    s: &State,
    conn: &C,
    p: &Principal,
    action: &str,
    division: &str,
    id: Uuid,
    event: Envelope,
) -> Result<(), Problem> {
    audit::append(conn, s.now(), audit::Entry::by(p, action, division).about(id).payload(&event.payload))
        .await
        .map_err(internal)?;
    outbox::enqueue(conn, s.bus.root(), &event).await.map_err(internal)
}

fn event(
    s: &State,
    kind: &str,
    division: &str,
    p: &Principal,
    id: Uuid,
    payload: impl serde::Serialize,
) -> Result<Envelope, Problem> {
    let mut e = s.engine.event(kind, division, &p.subject, serde_json::to_value(payload).map_err(internal)?);
    e.correlation_id = Some(id);
    Ok(e)
}

/// An approver allocates funds from their own division (or the centre) to a city or county below
/// it (the centre: to a province). The same transaction opens the allocation's tasks (an onward
/// task for a province or city, a disclosure task for a non-central allocator) and submits the
/// allocator's onward tasks the allocation satisfies (see [`tasks`]).
#[tracing::instrument(skip_all, fields(actor = %p.subject))]
async fn create_allocation(s: State, p: Principal, req: CreateAllocation) -> Result<Allocation, Problem> {
    let valid = domain::validate_allocation(&req, s.now().year())?;
    if !p.has(Role::Approver) {
        return Err(Problem::forbidden("allocating funds needs the approver role"));
    }
    domain::allocation_target(&p.jurisdiction, &valid.to)?;
    let from = p.jurisdiction.to_string();
    let to = valid.to.to_string();
    let id = Uuid::now_v7();
    let created_at = now(&s);
    let txn = s.db.begin().await.map_err(internal)?;
    let transfer = Transfer {
        from: &from,
        to: &to,
        amount: valid.amount,
        kind: EntryKind::Allocation,
        ref_id: id,
        at: created_at,
    };
    let (txn, txn_id) = move_money(txn, &transfer).await?;
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
    .await
    .map_err(internal)?;
    // The onward and disclosure tasks commit with the allocation or not at all.
    if let Err(problem) = tasks::on_allocation(&s, &txn, &p, &row).await {
        let _ = txn.rollback().await;
        return Err(problem);
    }
    let payload = FundsAllocated {
        allocation_id: id,
        from: from.clone(),
        to: to.clone(),
        amount_fen: valid.amount.fen(),
        year: valid.year,
    };
    let e = event(&s, FUNDS_ALLOCATED, &to, &p, id, payload)?;
    record(&s, &txn, &p, "allocation.create", &to, id, e).await?;
    txn.commit().await.map_err(internal)?;
    s.outbox.wake();
    tracing::info!(allocation = %id, %from, %to, amount = %valid.amount, "funds allocated");
    Ok(Allocation {
        id,
        from,
        to,
        year: valid.year,
        amount_fen: valid.amount.fen(),
        fund: valid.fund,
        allocated_by: p.subject,
        created_at,
    })
}

fn no_plan() -> Problem {
    Problem::not_found("plan")
}

/// A county approver pays an approved household plan from the county's funds.
#[tracing::instrument(skip_all, fields(actor = %p.subject))]
async fn create_disbursement(s: State, p: Principal, req: CreateDisbursement) -> Result<Disbursement, Problem> {
    let valid = domain::validate_disbursement(&req)?;
    let txn = s.db.begin().await.map_err(internal)?;
    let plan = approved_plan::Entity::find_by_id(req.plan_id).one(&txn).await.map_err(internal)?.ok_or_else(no_plan)?;
    let village = Division::parse(&plan.village).map_err(internal)?;
    p.require(&[Role::Approver], Layer::County, &village, no_plan())?;
    let county = village
        .ancestor_at(Level::County)
        .ok_or_else(|| internal(anyhow::anyhow!("plan village above county level")))?;
    let (id, created_at) = (Uuid::now_v7(), now(&s));
    let household = ledger::household_account(plan.household_id);
    let transfer = Transfer {
        from: county.as_str(),
        to: &household,
        amount: valid.amount,
        kind: EntryKind::Disbursement,
        ref_id: id,
        at: created_at,
    };
    let (txn, txn_id) = move_money(txn, &transfer).await?;
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
    .await
    .map_err(internal)?;
    let payload = FundsDisbursed {
        disbursement_id: id,
        plan_id: row.plan_id,
        household_id: row.household_id,
        county: row.county.clone(),
        amount_fen: row.amount_fen,
    };
    let e = event(&s, FUNDS_DISBURSED, &row.village, &p, id, payload)?;
    record(&s, &txn, &p, "disbursement.create", &row.village, id, e).await?;
    txn.commit().await.map_err(internal)?;
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

/// Reads a division's account (the centre's only for the central layer).
async fn get_account(s: State, p: Principal, req: AccountQuery) -> Result<Account, Problem> {
    let hidden = || Problem::not_found("account");
    let key = if req.division == CENTRE {
        if p.jurisdiction != Jurisdiction::National {
            return Err(hidden());
        }
        CENTRE.to_owned()
    } else {
        let division = Division::parse(&req.division).map_err(|_| hidden())?;
        if !p.covers(&division) || !registry().exists(&division) {
            return Err(hidden());
        }
        division.to_string()
    };
    ledger::account(&s.db, &key).await.map_err(internal)
}

/// Checks that the whole ledger balances to the fen (central layer only).
async fn check_ledger(s: State, p: Principal, _req: Empty) -> Result<LedgerCheck, Problem> {
    if p.jurisdiction != Jurisdiction::National {
        return Err(Problem::forbidden("only the central layer may check the whole ledger"));
    }
    ledger::check(&s.db).await.map_err(internal)
}
