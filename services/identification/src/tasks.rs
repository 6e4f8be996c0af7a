//! What this service's procedures (identification, removal, monitoring) do with their tasks on
//! the engine, beyond moving them along (`Engine::advance`): the divisions a village's procedure
//! runs through, a task's state, cancelling the unfinished ones, and the county's decision.

use anyhow::Context;
use chain_api::Principal;
use chain_api::workflow::TaskState;
use chain_domain::{Division, Level};
use chain_workflow::{Action, Engine};
use sea_orm::{ConnectionTrait, DatabaseTransaction};
use uuid::Uuid;

use crate::error::Result;

/// The county, township and village codes of a village: the layers of its procedures.
pub fn layers(village: &Division) -> Result<[String; 3]> {
    let at = |l: Level| village.ancestor_at(l).map(|d| d.to_string()).context("a village's county and township");
    Ok([at(Level::County)?, at(Level::Township)?, village.to_string()])
}

/// The state of the task of `kind` about `id` owned by `division`, if there is one.
pub async fn state<C: ConnectionTrait>(
    engine: &Engine,
    conn: &C,
    kind: &str,
    id: Uuid,
    division: &str,
) -> Result<Option<TaskState>> {
    Ok(engine.procedure_task(conn, kind, id, Some(division)).await?.map(|t| t.state))
}

/// Whether a task in this state still has work to do.
pub fn unfinished(state: TaskState) -> bool {
    !matches!(state, TaskState::SignedOff | TaskState::Cancelled)
}

/// Cancels the tasks of `kind` about `id` at `divisions` that are not finished, in order.
pub async fn cancel_unfinished(
    engine: &Engine,
    txn: &DatabaseTransaction,
    p: &Principal,
    kind: &str,
    id: Uuid,
    divisions: &[&String],
    reason: &str,
) -> Result<()> {
    for division in divisions {
        if state(engine, txn, kind, id, division).await?.is_some_and(unfinished) {
            engine.advance(txn, p, kind, id, &[(division, Action::Cancel)], Some(reason)).await?;
        }
    }
    Ok(())
}

/// The county's decision once the township has handed the case up: the township's task is
/// signed off, and the county's started, submitted and signed off.
pub fn county_decides<'a>(township: &'a String, county: &'a String) -> [(&'a String, Action); 4] {
    [(township, Action::SignOff), (county, Action::Start), (county, Action::Submit), (county, Action::SignOff)]
}
