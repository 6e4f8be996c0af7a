//! Reactions of funding to other services' facts: the projection of approved plans, fed by
//! planning's `plan-approved`.

use chain_api::Envelope;
use chain_api::events::PlanApproved;
use chain_bus::Reaction;
use futures::future::BoxFuture;
use sea_orm::DatabaseTransaction;

use crate::store::approved_plan;

/// On `planning.plan-approved`: the plan becomes payable; its household and village are kept so
/// that a disbursement can be checked against the paying county's jurisdiction.
#[derive(Debug)]
pub struct OnPlanApproved;

impl Reaction for OnPlanApproved {
    fn apply<'a>(&'a self, txn: &'a DatabaseTransaction, event: &'a Envelope) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let approved: PlanApproved = event.payload_as()?;
            let plan = approved_plan::Model {
                plan_id: approved.plan_id,
                household_id: approved.household_id,
                village: approved.village.clone(),
            };
            approved_plan::project(txn, plan).await?;
            tracing::info!(plan = %approved.plan_id, village = %approved.village, "plan now payable");
            Ok(())
        })
    }
}
