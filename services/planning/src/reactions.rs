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

/// On `identification.household-removed`: a household removed as wrongly identified gets no plan.
/// Its unfinished planning task is cancelled and it leaves planning's projection, so no new plan
/// can be drafted for it; plans already made stay on record.
#[derive(Debug)]
pub struct OnHouseholdRemoved {
    /// The engine holding the planning task.
    pub engine: chain_workflow::Engine,
}

impl Reaction for OnHouseholdRemoved {
    fn apply<'a>(&'a self, txn: &'a DatabaseTransaction, event: &'a Envelope) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let removed: chain_api::events::HouseholdRemoved = event.payload_as()?;
            let id = removed.household_id;
            household::Entity::delete_by_id(id).exec(txn).await?;
            let system = chain_api::Principal::system();
            let task = self.engine.procedure_task(txn, PLAN_TASK, id, None).await?;
            if task.is_some_and(|t| t.state.awaits_owner() || t.state == chain_api::workflow::TaskState::Submitted) {
                let reason = format!("the household was removed as wrongly identified: {}", removed.reason);
                let cancelled = self
                    .engine
                    .transition(txn, &system, PLAN_TASK, id, chain_workflow::Action::Cancel, Some(&reason))
                    .await?;
                if let Some(Err(problem)) = cancelled {
                    anyhow::bail!("cancelling the planning task: {problem}");
                }
            }
            tracing::info!(household = %id, "removed household dropped from planning");
            Ok(())
        })
    }
}
