//! Reactions of identification to other services' facts. Each takes its time from the event it
//! applies.

use chain_api::Envelope;
use chain_api::events::HouseholdExited;
use chain_api::identification::HouseholdStatus;
use chain_bus::Reaction;
use chain_store::audit::{self, Actor, Entry};
use futures::future::BoxFuture;
use sea_orm::DatabaseTransaction;
use sea_orm::entity::prelude::*;

use crate::domain::procedure::{self, Policies, Step};
use crate::household;
use crate::store::households::{self, active_id};

/// On `exit.household-exited`: the household leaves the register (销号) and its members' IDs are
/// free to appear in a future household.
#[derive(Debug)]
pub struct OnHouseholdExited;

impl Reaction for OnHouseholdExited {
    fn apply<'a>(&'a self, txn: &'a DatabaseTransaction, event: &'a Envelope) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let exited: HouseholdExited = event.payload_as()?;
            let Some((row, current)) = households::find(txn, exited.household_id).await? else {
                tracing::warn!(household = %exited.household_id, "exit of an unknown household ignored");
                return Ok(());
            };
            let village = household::village_of(&row)?;
            let policy = Policies::embedded().for_division(&village);
            let next = match procedure::next(current.status, Step::Exit, &policy) {
                Ok(n) => n,
                Err(refusal) => {
                    tracing::warn!(household = %row.id, %refusal, "exit event does not apply");
                    return Ok(());
                }
            };
            debug_assert_eq!(next, HouseholdStatus::Exited);
            household::set_status(txn, &row, next, event.occurred_at).await?;
            active_id::Entity::delete_many().filter(active_id::Column::HouseholdId.eq(row.id)).exec(txn).await?;
            // By the official whose act the event reports, in the event's division.
            let by = Actor { subject: event.actor.clone(), role: "event".into(), jurisdiction: event.division.clone() };
            let entry = Entry::new(by, "household.exit", &row.village).about(row.id).payload(&event.payload);
            audit::append(txn, event.occurred_at, entry).await?;
            Ok(())
        })
    }
}
