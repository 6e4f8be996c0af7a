//! The responsibility-chain tasks an allocation opens and satisfies, inside the allocation's own
//! transaction (DOMAIN.md §5):
//!
//! - **Onward allocation**: funds landing at a province or city open a `funding.onward-allocation`
//!   task owned by the recipient, signed off by the allocator, due the policy's number of days
//!   later (`funding_deadlines.csv`, by province and fund). When the recipient allocates onward
//!   from the same fund and year, its open tasks of that fund and year are satisfied oldest
//!   first ([`domain::satisfied_prefix`]) and submitted on the allocating official's behalf;
//!   the allocator's layer signs them off with the generic step. A task not passed on in time
//!   runs the engine's reminder/overdue/escalation ladder.
//! - **Disclosure**: "whoever allocates the money publishes it" — each allocation by a province,
//!   city or county opens a `funding.disclosure` task owned by the allocator, signed off by the
//!   layer above, that can only be submitted once its `funds.disclosure` notice has passed. The
//!   centre posts no notices in this engine, so its allocations open none.

use std::collections::HashSet;

use anyhow::Context;
use chain_api::workflow::TaskState;
use chain_api::{Principal, Role};
use chain_domain::{Division, FundingDeadlines, Money};
use chain_store::text::enum_str;
use chain_workflow::entity::task;
use chain_workflow::{Action, NewTask};
use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::{DatabaseTransaction, QueryOrder, QuerySelect};

use crate::State;
use crate::domain::{self, DISCLOSURE_KIND, DISCLOSURE_NOTICE, ONWARD_KIND};
use crate::error::Result;
use crate::ledger::{CENTRE, Key};
use crate::store::{account, allocation};

/// Opens the tasks `a` gives rise to and submits the onward tasks it satisfies.
pub async fn on_allocation(s: &State, txn: &DatabaseTransaction, p: &Principal, a: &allocation::Model) -> Result<()> {
    let to = Division::parse(&a.to_division).context("reading the allocation's recipient")?;
    let from = (a.from_account != CENTRE)
        .then(|| Division::parse(&a.from_account))
        .transpose()
        .context("reading the allocation's allocator")?;
    let (now, deadlines, amount) = (s.now(), FundingDeadlines::default_table(), Money::from_fen(a.amount_fen));
    if domain::passes_funds_on(&to) {
        let title =
            format!("Allocate onward {amount} yuan of {} ({}) received from {}", a.fund, a.year, a.from_account);
        let task = NewTask {
            signer: Some(a.from_account.clone()),
            ..NewTask::new(ONWARD_KIND, title, to.to_string(), Role::Approver)
        };
        open(s, txn, p, a, task, deadlines.for_allocation(Some(&to), &a.fund).onward_due(now)).await?;
    }
    if let Some(from) = from {
        let title = format!("Publish the allocation of {amount} yuan of {} ({}) to {}", a.fund, a.year, a.to_division);
        let task = NewTask {
            signer: Some(domain::disclosure_signer(&from)),
            notice_kind: Some(DISCLOSURE_NOTICE.to_owned()),
            ..NewTask::new(DISCLOSURE_KIND, title, from.to_string(), Role::Approver)
        };
        open(s, txn, p, a, task, deadlines.for_allocation(Some(&from), &a.fund).disclosure_due(now)).await?;
        submit_satisfied(s, txn, p, &from, &a.fund, a.year).await?;
    }
    Ok(())
}

/// Opens one of the tasks of `a`: about the allocation, carrying its details, due at `due`.
async fn open(
    s: &State,
    txn: &DatabaseTransaction,
    p: &Principal,
    a: &allocation::Model,
    task: NewTask,
    due: DateTime<Utc>,
) -> Result<()> {
    let body = serde_json::json!({
        "allocation_id": a.id,
        "from": a.from_account,
        "to": a.to_division,
        "amount_fen": a.amount_fen,
        "fund": a.fund,
        "year": a.year,
    });
    s.engine.open(txn, &p.subject, NewTask { subject_id: Some(a.id), due_at: Some(due), body, ..task }).await?;
    Ok(())
}

/// Submits every unfinished onward task of `division` for `fund` in `year` that what it has
/// allocated onward from that fund and year now covers, oldest first.
async fn submit_satisfied(
    s: &State,
    txn: &DatabaseTransaction,
    p: &Principal,
    division: &Division,
    fund: &str,
    year: i32,
) -> Result<()> {
    let code = division.to_string();
    // The ledger transfer has already updated (and so locked) this division's account row, so
    // concurrent allocations by the same division get here one after the other, each reading
    // what the one before committed: a task is never submitted twice.
    // Only unfinished tasks can move; usually there are few, so the history below is read only
    // when one exists.
    let waiting = [TaskState::Open, TaskState::InProgress, TaskState::Returned];
    let unfinished: HashSet<Uuid> = task::Entity::find()
        .select_only()
        .column(task::Column::SubjectId)
        .filter(task::Column::Kind.eq(ONWARD_KIND))
        .filter(task::Column::Division.eq(code.as_str()))
        .filter(task::Column::State.is_in(waiting.iter().map(enum_str)))
        .into_tuple::<Option<Uuid>>()
        .all(txn)
        .await?
        .into_iter()
        .flatten()
        .collect();
    if unfinished.is_empty() {
        return Ok(());
    }
    // Every receipt counts towards the FIFO order, finished or not: the money passed on pays off
    // the oldest receipt first.
    let received: Vec<(Uuid, i64)> = allocation::Entity::find()
        .select_only()
        .column(allocation::Column::Id)
        .column(allocation::Column::AmountFen)
        .filter(allocation::Column::ToDivision.eq(code.as_str()))
        .filter(allocation::Column::Fund.eq(fund))
        .filter(allocation::Column::Year.eq(year))
        .order_by_asc(allocation::Column::CreatedAt)
        .order_by_asc(allocation::Column::Id)
        .into_tuple()
        .all(txn)
        .await?;
    let key = Key::of(&code, fund, year).id();
    let passed_on = account::Entity::find_by_id(key).one(txn).await?.map_or(0, |a| a.allocated_fen);
    let owed: Vec<i64> = received.iter().map(|(_, fen)| *fen).collect();
    let satisfied = domain::satisfied_prefix(&owed, passed_on);
    for (id, _) in received[..satisfied].iter().filter(|(id, _)| unfinished.contains(id)) {
        submit_onward(s, txn, p, *id, &code).await?;
    }
    Ok(())
}

/// Submits one satisfied onward task, starting it first unless it is already in progress.
async fn submit_onward(
    s: &State,
    txn: &DatabaseTransaction,
    p: &Principal,
    allocation_id: Uuid,
    division: &str,
) -> Result<()> {
    let Some(current) = s.engine.procedure_task(txn, ONWARD_KIND, allocation_id, Some(division)).await? else {
        return Ok(());
    };
    let submit = [(division, Action::Start), (division, Action::Submit)];
    let moves = if matches!(current.state, TaskState::Open | TaskState::Returned) { &submit[..] } else { &submit[1..] };
    s.engine.advance(txn, p, ONWARD_KIND, allocation_id, moves, Some("funds allocated onward")).await?;
    tracing::info!(allocation = %allocation_id, %division, "onward allocation task submitted");
    Ok(())
}
