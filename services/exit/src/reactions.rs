//! Reactions of exit to other services' facts: the household projection, fed by
//! identification's `household-identified` and `household-removed`, and the assistance each
//! household received, fed by planning's `plan-completed`.

use chain_api::Envelope;
use chain_api::events::{HouseholdIdentified, HouseholdRemoved, PlanChanged};
use chain_api::exit::AssistanceDelivered;
use chain_bus::Reaction;
use futures::future::BoxFuture;
use sea_orm::{DatabaseTransaction, EntityTrait};

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
            household::project(txn, id, identified.village, identified.year).await?;
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

/// On `planning.plan-completed`: every measure of the household's plan was delivered; the plan,
/// its revision and when it completed are kept as the household's assistance and shown on its
/// exit case. A household exit no longer knows (removed) is passed over, and an announcement
/// already recorded (replayed, or of an earlier revision) changes nothing.
#[derive(Debug)]
pub struct OnPlanCompleted;

impl Reaction for OnPlanCompleted {
    fn apply<'a>(&'a self, txn: &'a DatabaseTransaction, event: &'a Envelope) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let completed: PlanChanged = event.payload_as()?;
            let id = completed.household_id;
            if household::Entity::find_by_id(id).one(txn).await?.is_none() {
                tracing::info!(household = %id, plan = %completed.plan_id, "plan completed for a household exit does not know; ignored");
                return Ok(());
            }
            let delivered = AssistanceDelivered {
                plan_id: completed.plan_id,
                revision: completed.revision,
                completed_at: event.occurred_at,
            };
            if household::record_assistance(txn, id, &delivered).await? {
                tracing::info!(household = %id, plan = %completed.plan_id, revision = completed.revision, "assistance delivered recorded");
            } else {
                tracing::debug!(household = %id, plan = %completed.plan_id, revision = completed.revision, "plan completion already recorded");
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use chain_api::Cause;
    use chain_api::events::{HOUSEHOLD_IDENTIFIED, PLAN_COMPLETED};
    use chrono::{DateTime, Utc};
    use sea_orm::TransactionTrait;
    use sea_orm_migration::MigratorTrait;
    use serde_json::json;
    use uuid::Uuid;

    use super::*;

    const VILLAGE: &str = "520624101201";

    async fn database() -> chain_store::Db {
        let db = chain_store::connect("sqlite::memory:").await.unwrap();
        crate::migrations::Migrator::up(&db, None).await.unwrap();
        db
    }

    fn at(time: &str) -> DateTime<Utc> {
        time.parse().unwrap()
    }

    fn identified(household: Uuid) -> Envelope {
        let payload = json!({
            "household_id": household, "village": VILLAGE, "year": 2016, "main_cause": "illness",
            "other_causes": [], "per_capita_income_fen": 210_000, "members": 2
        });
        let occurred = at("2026-11-30T08:00:00Z");
        Envelope::new(HOUSEHOLD_IDENTIFIED, VILLAGE, household, "county", &Cause::origin(), occurred, payload)
    }

    fn completed(household: Uuid, plan: Uuid, revision: i32, occurred: &str) -> Envelope {
        let payload = json!({
            "plan_id": plan, "household_id": household, "village": VILLAGE, "revision": revision, "status": "completed"
        });
        Envelope::new(PLAN_COMPLETED, VILLAGE, plan, "village", &Cause::origin(), at(occurred), payload)
    }

    async fn apply(db: &chain_store::Db, reaction: &impl Reaction, event: &Envelope) {
        let txn = db.begin().await.unwrap();
        reaction.apply(&txn, event).await.unwrap();
        txn.commit().await.unwrap();
    }

    async fn projected(db: &chain_store::Db, household: Uuid) -> Option<household::Model> {
        household::Entity::find_by_id(household).one(db).await.unwrap()
    }

    #[tokio::test]
    async fn replaying_a_completion_or_the_identification_keeps_the_recorded_assistance() {
        let db = database().await;
        let (household, plan) = (Uuid::now_v7(), Uuid::now_v7());
        apply(&db, &OnHouseholdIdentified, &identified(household)).await;
        let second = completed(household, plan, 2, "2027-06-30T08:00:00Z");
        apply(&db, &OnPlanCompleted, &second).await;
        let expected =
            Some(AssistanceDelivered { plan_id: plan, revision: 2, completed_at: at("2027-06-30T08:00:00Z") });
        assert_eq!(projected(&db, household).await.unwrap().assistance(), expected);

        apply(&db, &OnPlanCompleted, &second).await;
        apply(&db, &OnPlanCompleted, &completed(household, plan, 1, "2027-05-01T08:00:00Z")).await;
        apply(&db, &OnHouseholdIdentified, &identified(household)).await;

        let row = projected(&db, household).await.unwrap();
        assert_eq!((row.village.as_str(), row.year), (VILLAGE, 2016));
        assert_eq!(row.assistance(), expected, "a replay or an earlier revision changes nothing");
    }

    #[tokio::test]
    async fn a_completion_for_a_household_exit_does_not_know_is_passed_over() {
        let db = database().await;
        let household = Uuid::now_v7();
        apply(&db, &OnPlanCompleted, &completed(household, Uuid::now_v7(), 1, "2027-06-30T08:00:00Z")).await;
        assert_eq!(projected(&db, household).await, None);
    }
}
