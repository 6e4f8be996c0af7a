//! Reactions of identification to other services' facts.

use chain_api::Envelope;
use chain_api::events::HouseholdExited;
use chain_api::identification::HouseholdStatus;
use chain_bus::Reaction;
use chain_store::audit;
use futures::future::BoxFuture;
use sea_orm::DatabaseTransaction;
use sea_orm::entity::prelude::*;

use crate::domain::{self, label};
use crate::store::{self, active_id, household};

/// On `exit.household-exited`: the household leaves the register (销号) and its members' IDs are
/// free to appear in a future household.
#[derive(Debug)]
pub struct OnHouseholdExited;

impl Reaction for OnHouseholdExited {
    fn apply<'a>(&'a self, txn: &'a DatabaseTransaction, event: &'a Envelope) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let exited: HouseholdExited = event.payload_as()?;
            let Some((row, current)) = store::load(txn, exited.household_id).await? else {
                tracing::warn!(household = %exited.household_id, "exit of an unknown household ignored");
                return Ok(());
            };
            let village = chain_domain::Division::parse(&row.village)?;
            let policy = domain::Policies::embedded().for_division(&village);
            let next = match domain::next(current.status, domain::Step::Exit, &policy) {
                Ok(n) => n,
                Err(problem) => {
                    tracing::warn!(household = %row.id, %problem, "exit event does not apply");
                    return Ok(());
                }
            };
            debug_assert_eq!(next, HouseholdStatus::Exited);
            household::Entity::update_many()
                .col_expr(household::Column::Status, Expr::value(label(next)))
                .col_expr(household::Column::Version, Expr::value(row.version + 1))
                .col_expr(household::Column::UpdatedAt, Expr::value(chrono::Utc::now()))
                .filter(household::Column::Id.eq(row.id))
                .exec(txn)
                .await?;
            active_id::Entity::delete_many().filter(active_id::Column::HouseholdId.eq(row.id)).exec(txn).await?;
            audit::append(
                txn,
                chrono::Utc::now(),
                audit::Entry::new(
                    audit::Actor {
                        subject: event.actor.clone(),
                        role: "event".into(),
                        jurisdiction: event.division.clone(),
                    },
                    "household.exit",
                    &row.village,
                )
                .about(row.id)
                .payload(&event.payload),
            )
            .await?;
            Ok(())
        })
    }
}
