//! Reactions of planning to other services' facts: the household projection, fed by
//! identification's `household-identified` and `household-removed`, and the county's planning
//! task that follows it; and the households' helpers, fed by `helper-changed`.

use anyhow::Context;
use chain_api::events::{HelperChanged, HouseholdIdentified, HouseholdRemoved};
use chain_api::workflow::TaskState;
use chain_api::{Envelope, Principal, Role};
use chain_bus::Reaction;
use chain_domain::{Division, Level};
use chain_workflow::{Action, Engine, NewTask};
use futures::future::BoxFuture;
use sea_orm::DatabaseTransaction;

use crate::domain::{PLAN_DUE_DAYS, PLAN_TASK};
use crate::store::{helper, household};

/// On `identification.household-identified`: remember the household, its causes, income and
/// members, and give its township the task of planning assistance for it (signed off by the
/// county), due [`PLAN_DUE_DAYS`] after the identification.
#[derive(Debug)]
pub struct OnHouseholdIdentified {
    /// The engine the planning task is opened in.
    pub engine: Engine,
}

impl Reaction for OnHouseholdIdentified {
    fn apply<'a>(&'a self, txn: &'a DatabaseTransaction, event: &'a Envelope) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let identified: HouseholdIdentified = event.payload_as()?;
            let id = identified.household_id;
            let village = Division::parse(&identified.village)?;
            let county =
                village.ancestor_at(Level::County).context("the household's village lies above the county level")?;
            let township = village
                .ancestor_at(Level::Township)
                .context("the household's village lies above the township level")?;
            let row = household::Model {
                household_id: id,
                village: village.to_string(),
                main_cause: identified.main_cause,
                other_causes: serde_json::to_string(&identified.other_causes)?,
                year: identified.year,
                per_capita_income_fen: identified.per_capita_income_fen,
                members: i32::try_from(identified.members).unwrap_or(i32::MAX),
            };
            if !household::project(txn, row).await? {
                tracing::warn!(household = %id, "household already projected; event ignored");
                return Ok(());
            }
            let task = NewTask {
                subject_id: Some(id),
                due_at: Some(event.occurred_at + chrono::Duration::days(PLAN_DUE_DAYS)),
                signer: Some(county.to_string()),
                ..NewTask::new(
                    PLAN_TASK,
                    format!("Plan assistance for household {id}"),
                    township.to_string(),
                    Role::Operator,
                )
            };
            self.engine.open(txn, &event.actor, task).await?;
            crate::team::coverage::village_poor(txn, &self.engine, &village, event.occurred_at, &event.actor).await?;
            tracing::info!(household = %id, %township, "household projected; planning task opened");
            Ok(())
        })
    }
}

/// On `identification.helper-changed`: the household's helper, as its file card now records it,
/// becomes the one its plans show.
#[derive(Debug)]
pub struct OnHelperChanged;

impl Reaction for OnHelperChanged {
    fn apply<'a>(&'a self, txn: &'a DatabaseTransaction, event: &'a Envelope) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let changed: HelperChanged = event.payload_as()?;
            let id = changed.household_id;
            let row = helper::Model {
                household_id: id,
                name: changed.name,
                unit: changed.unit,
                unit_layer: changed.unit_layer,
                unit_division: changed.unit_division,
                phone: changed.phone,
                since: changed.since,
            };
            helper::project(txn, row).await?;
            tracing::info!(household = %id, "helper projected");
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
    pub engine: Engine,
}

impl Reaction for OnHouseholdRemoved {
    fn apply<'a>(&'a self, txn: &'a DatabaseTransaction, event: &'a Envelope) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let removed: HouseholdRemoved = event.payload_as()?;
            let id = removed.household_id;
            household::forget(txn, id).await?;
            let task = self.engine.procedure_task(txn, PLAN_TASK, id, None).await?;
            if task.is_some_and(|t| t.state.awaits_owner() || t.state == TaskState::Submitted) {
                let reason = format!("the household was removed as wrongly identified: {}", removed.reason);
                let cancelled = self
                    .engine
                    .transition(txn, &Principal::system(), PLAN_TASK, id, Action::Cancel, Some(&reason))
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
