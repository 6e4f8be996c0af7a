//! Reactions of exit to other services' facts: the household projection, fed by
//! identification's `household-identified` and `household-removed`.

use chain_api::Envelope;
use chain_api::events::{HouseholdIdentified, HouseholdRemoved};
use chain_bus::Reaction;
use futures::future::BoxFuture;
use sea_orm::DatabaseTransaction;

use crate::store::household;

/// On `identification.household-identified`: the household becomes eligible for an exit
/// proposal; its village and year of identification are kept.
#[derive(Debug)]
pub struct OnHouseholdIdentified;

impl Reaction for OnHouseholdIdentified {
    fn apply<'a>(&'a self, txn: &'a DatabaseTransaction, event: &'a Envelope) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let identified: HouseholdIdentified = event.payload_as()?;
            let id = identified.household_id;
            household::project(
                txn,
                household::Model { household_id: id, village: identified.village, year: identified.year },
            )
            .await?;
            tracing::debug!(household = %id, "identified household recorded");
            Ok(())
        })
    }
}

/// On `identification.household-removed`: a household removed as wrongly identified never exits
/// poverty; it leaves exit's projection, so no exit can be proposed for it.
#[derive(Debug)]
pub struct OnHouseholdRemoved;

impl Reaction for OnHouseholdRemoved {
    fn apply<'a>(&'a self, txn: &'a DatabaseTransaction, event: &'a Envelope) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let removed: HouseholdRemoved = event.payload_as()?;
            household::forget(txn, removed.household_id).await?;
            tracing::info!(household = %removed.household_id, "removed household dropped from exit");
            Ok(())
        })
    }
}
