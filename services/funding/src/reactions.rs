//! Reactions of funding to other services' facts.

use chain_api::Envelope;
use chain_api::events::PlanApproved;
use chain_bus::Reaction;
use futures::future::BoxFuture;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, DatabaseTransaction, EntityTrait};

use crate::store::approved_plan;

/// On `planning.plan-approved`: the plan becomes payable; its household and village are kept so
/// that a disbursement can be checked against the paying county's jurisdiction.
#[derive(Debug)]
pub struct OnPlanApproved;

impl Reaction for OnPlanApproved {
    fn apply<'a>(&'a self, txn: &'a DatabaseTransaction, event: &'a Envelope) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let approved: PlanApproved = event.payload_as()?;
            let row = approved_plan::ActiveModel {
                plan_id: Set(approved.plan_id),
                household_id: Set(approved.household_id),
                village: Set(approved.village.clone()),
            };
            approved_plan::Entity::insert(row)
                .on_conflict(
                    OnConflict::column(approved_plan::Column::PlanId)
                        .update_columns([approved_plan::Column::HouseholdId, approved_plan::Column::Village])
                        .to_owned(),
                )
                .exec_without_returning(txn)
                .await?;
            tracing::info!(plan = %approved.plan_id, village = %approved.village, "plan now payable");
            Ok(())
        })
    }
}
