//! Transfers by their id: reading one, and resolving a pending (two-phase) one — posted, so the
//! held money reaches its payee, or voided, so it is available again — each exactly once. Only
//! disbursements are paid in two phases, so the resolver is an approver of the paying county.

use anyhow::Context;
use chain_api::funding::{Trace, TraceLink, Transfer, TransferStatus};
use chain_api::step::{ById, Decision, Step};
use chain_api::{Principal, Problem, ProblemKind, Role};
use chain_domain::{Division, Jurisdiction, Layer};
use chain_store::audit::{self, Entry};
use chain_store::text::{enum_str, parse_enum};
use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, TransactionTrait};

use crate::error::Result;
use crate::ledger::{self, CENTRE};
use crate::store::{disbursement, transfer};
use crate::{State, disbursement as payments, movement};

fn hidden() -> Problem {
    Problem::not_found("transfer")
}

/// Whether `p` may read a movement between these two divisions: the centre's only the central
/// layer; otherwise one side in the caller's jurisdiction.
pub fn visible(p: &Principal, from_division: &str, to_division: &str) -> bool {
    if p.jurisdiction == Jurisdiction::National {
        return true;
    }
    [from_division, to_division]
        .iter()
        .filter(|d| **d != CENTRE)
        .any(|d| Division::parse(d).is_ok_and(|d| p.covers(&d)))
}

/// A transfer row in API form.
pub fn to_api(row: transfer::Model) -> Result<Transfer> {
    Ok(Transfer {
        id: row.id,
        kind: row.kind,
        from: row.from_holder,
        to: row.to_holder,
        to_division: row.to_division,
        fund: row.fund,
        year: row.year,
        amount_fen: row.amount_fen,
        status: parse_enum(&row.status).context("reading a transfer's status")?,
        ref_id: row.ref_id,
        created_by: row.created_by,
        created_at: row.created_at,
        resolved_by: row.resolved_by,
        resolved_at: row.resolved_at,
        version: row.version,
    })
}

/// `transfer.get`: one transfer, if the caller may read it.
pub async fn get(s: State, p: Principal, req: ById) -> Result<Transfer> {
    let row = transfer::Entity::find_by_id(req.id).one(&s.db).await?.ok_or_else(hidden)?;
    if !visible(&p, &row.from_division, &row.to_division) {
        return Err(hidden().into());
    }
    to_api(row)
}

/// How many links a trace follows each way.
const TRACE_LINKS: usize = 1_000;

/// `transfer.trace`: where a transfer's money came from, lot by lot back to the fund's source,
/// and what it paid, down to the payees. The caller must be able to read the transfer; the
/// links back (allocations from above, which are disclosed) are shown whole, the links forward
/// only as far as the caller's jurisdiction reaches.
pub async fn trace(s: State, p: Principal, req: ById) -> Result<Trace> {
    use ledger::lots::{Direction, walk};
    let row = transfer::Entity::find_by_id(req.id).one(&s.db).await?.ok_or_else(hidden)?;
    if !visible(&p, &row.from_division, &row.to_division) {
        return Err(hidden().into());
    }
    let back = walk(&s.db, row.id, Direction::Back, TRACE_LINKS).await?;
    let forward = walk(&s.db, row.id, Direction::Forward, TRACE_LINKS).await?;
    let mut ids: Vec<Uuid> = back.links.iter().chain(&forward.links).flat_map(|l| [l.lot, l.paid]).collect();
    ids.sort();
    ids.dedup();
    ids.retain(|id| *id != row.id);
    let named = ledger::lots::transfers_of(&s.db, &ids).await?;
    let below: std::collections::HashSet<Uuid> =
        named.iter().filter(|t| visible(&p, &t.from_division, &t.to_division)).map(|t| t.id).collect();
    let link = |l: &ledger::lots::Link| TraceLink { lot: l.lot, paid: l.paid, amount_fen: l.amount_fen };
    let forward_links: Vec<TraceLink> = forward.links.iter().filter(|l| below.contains(&l.paid)).map(link).collect();
    let shown: std::collections::HashSet<Uuid> =
        back.links.iter().flat_map(|l| [l.lot, l.paid]).chain(forward_links.iter().map(|l| l.paid)).collect();
    let transfers = named.into_iter().filter(|t| shown.contains(&t.id)).map(to_api).collect::<Result<Vec<_>>>()?;
    Ok(Trace {
        transfer: to_api(row)?,
        back: back.links.iter().map(link).collect(),
        forward: forward_links,
        transfers,
        truncated: back.truncated || forward.truncated,
    })
}

/// `transfer.post`: pays a pending transfer.
#[tracing::instrument(skip_all, fields(actor = %p.subject))]
pub async fn post(s: State, p: Principal, req: Step<Decision>) -> Result<Transfer> {
    resolve(s, p, req, TransferStatus::Posted).await
}

/// `transfer.void`: releases a pending transfer's hold.
#[tracing::instrument(skip_all, fields(actor = %p.subject))]
pub async fn void(s: State, p: Principal, req: Step<Decision>) -> Result<Transfer> {
    resolve(s, p, req, TransferStatus::Voided).await
}

async fn resolve(s: State, p: Principal, req: Step<Decision>, to: TransferStatus) -> Result<Transfer> {
    let txn = s.db.begin().await?;
    let row = transfer::Entity::find_by_id(req.id).one(&txn).await?.ok_or_else(hidden)?;
    if !visible(&p, &row.from_division, &row.to_division) {
        return Err(hidden().into());
    }
    let payer = Division::parse(&row.from_division).map_err(|_| hidden())?;
    p.require(&[Role::Approver], Layer::County, &payer, hidden())?;
    if req.expected_version.is_some_and(|v| v != row.version) {
        return Err(Problem::new(ProblemKind::StaleVersion, "the transfer changed since you read it").into());
    }
    let at = movement::now(&s);
    let resolved = match to {
        TransferStatus::Posted => ledger::post(&txn, row.id, &p.subject, at).await?,
        _ => ledger::void(&txn, row.id, &p.subject, at).await?,
    };
    let payment = disbursement::Entity::find_by_id(resolved.ref_id).one(&txn).await?;
    if let Some(d) = payment {
        let mut active: disbursement::ActiveModel = d.clone().into();
        active.status = Set(enum_str(&to));
        let d = active.update(&txn).await?;
        if to == TransferStatus::Posted {
            let event = payments::disbursed_event(&s, &p, &d)?;
            movement::record(&s, &txn, &p, "transfer.post", resolved.id, event).await?;
        }
    }
    if to == TransferStatus::Voided || resolved.kind != "disbursement" {
        let payload = serde_json::json!({
            "amount_fen": resolved.amount_fen,
            "from": resolved.from_account,
            "note": req.body.note,
        });
        let action = if to == TransferStatus::Posted { "transfer.post" } else { "transfer.void" };
        let entry = Entry::by(&p, action, &resolved.from_division).about(resolved.id).payload(&payload);
        audit::append(&txn, s.now(), entry).await?;
    }
    let row = transfer::Entity::find_by_id(resolved.id).one(&txn).await?.context("re-reading the transfer")?;
    txn.commit().await?;
    s.outbox.wake();
    tracing::info!(transfer = %row.id, status = %row.status, "pending transfer resolved");
    to_api(row)
}
