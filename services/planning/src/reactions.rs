//! Reactions of planning to other services' facts.

use anyhow::Context;
use chain_api::events::HouseholdIdentified;
use chain_api::{Envelope, Role};
use chain_bus::Reaction;
use chain_domain::{Division, Level};
use chain_workflow::NewTask;
use futures::future::BoxFuture;
use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, DatabaseTransaction};

use crate::store::household;

/// The kind of the county's task to plan assistance for a household.
pub const PLAN_TASK: &str = "plan.household";

/// Days the county has to plan assistance for a newly identified household.
pub const PLAN_DUE_DAYS: i64 = 30;

/// On `identification.household-identified`: remember the household and its causes, and give
/// its county the task of planning assistance for it.
#[derive(Debug)]
pub struct OnHouseholdIdentified {
    /// The engine the planning task is opened in.
    pub engine: chain_workflow::Engine,
}

impl Reaction for OnHouseholdIdentified {
    fn apply<'a>(&'a self, txn: &'a DatabaseTransaction, event: &'a Envelope) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let identified: HouseholdIdentified = event.payload_as()?;
            let id = identified.household_id;
            if household::Entity::find_by_id(id).one(txn).await?.is_some() {
                tracing::warn!(household = %id, "household already projected; event ignored");
                return Ok(());
            }
            let village = Division::parse(&identified.village)?;
            let county =
                village.ancestor_at(Level::County).context("the household's village lies above the county level")?;
            household::ActiveModel {
                household_id: Set(id),
                village: Set(village.to_string()),
                main_cause: Set(identified.main_cause.clone()),
                other_causes: Set(serde_json::to_string(&identified.other_causes)?),
            }
            .insert(txn)
            .await?;
            self.engine
                .open(
                    txn,
                    &event.actor,
                    NewTask {
                        kind: PLAN_TASK,
                        title: format!("Plan assistance for household {id}"),
                        division: county.to_string(),
                        assignee_role: Role::Operator,
                        subject_id: Some(id),
                        due_at: Some(self.engine.clock().now() + chrono::Duration::days(PLAN_DUE_DAYS)),
                        body: serde_json::Value::Null,
                        signer: None,
                        notice_kind: None,
                    },
                )
                .await?;
            tracing::info!(household = %id, %county, "household projected; planning task opened");
            Ok(())
        })
    }
}
