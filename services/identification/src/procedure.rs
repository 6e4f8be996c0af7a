//! How the identification procedure follows its public notices: when the village's or the
//! township's notice runs out with no objection, that layer's task is submitted and the case moves
//! on to the layer above, whose deadline starts; an objection sends the case back for review.
//! Runs inside the engine's transaction, so a household's status never disagrees with its tasks.

use chain_api::identification::HouseholdStatus;
use chain_api::workflow::Task;
use chain_api::{Principal, Problem};
use chain_domain::{Division, Level};
use chain_store::audit;
use chain_workflow::{Action, Engine, NoticeEvent, NoticeHook};
use sea_orm::DatabaseTransaction;

use crate::domain::{self, Policies, Step};
use crate::handlers::{PROCEDURE, layers, procedure_with, set_status};
use crate::store;

/// The identification service's [`NoticeHook`].
#[derive(Debug)]
pub struct NoticesOfTheProcedure {
    /// The procedure's per-province parameters.
    pub policies: &'static Policies,
}

#[async_trait::async_trait]
impl NoticeHook for NoticesOfTheProcedure {
    async fn on_notice(
        &self,
        engine: &Engine,
        txn: &DatabaseTransaction,
        task: &Task,
        event: NoticeEvent,
    ) -> Result<(), Problem> {
        if task.kind == crate::adjustment::REMOVAL {
            return crate::adjustment::on_notice(self.policies, engine, txn, task, event).await;
        }
        if task.kind == crate::monitoring::PROCEDURE {
            return crate::monitoring::on_notice(engine, txn, task, event).await;
        }
        let (Some(id), true) = (task.subject_id, task.kind == PROCEDURE) else {
            return Ok(());
        };
        let internal = |e: sea_orm::DbErr| chain_bus::service::internal(e);
        let Some((row, current)) = store::load(txn, id).await.map_err(internal)? else {
            return Ok(());
        };
        let village = Division::parse(&row.village).map_err(chain_bus::service::internal)?;
        let at_village = Division::parse(&task.division).is_ok_and(|d| d.level() == Level::Village);
        let step = match event {
            NoticeEvent::Passed if at_village => Step::FirstNoticePassed,
            NoticeEvent::Passed => Step::SecondNoticePassed,
            NoticeEvent::ObjectionLodged => Step::Objection,
            NoticeEvent::ObjectionResolved { .. } => return Ok(()),
        };
        let policy = self.policies.for_division(&village);
        let next = match domain::next(current.status, step, &policy) {
            Ok(next) => next,
            Err(problem) => {
                // A notice on a case that has moved on (turned down meanwhile) changes nothing.
                tracing::info!(household = %id, detail = ?problem.detail, "notice event does not apply");
                return Ok(());
            }
        };
        set_status(txn, &row, next).await?;
        let who = Principal::system();
        let action = match next {
            HouseholdStatus::Objected => "household.objected",
            _ => "household.notice-passed",
        };
        audit::append(
            txn,
            chrono::Utc::now(),
            audit::Entry::new(
                audit::Actor { subject: who.subject.clone(), ..audit::Actor::system() },
                &action,
                &row.village,
            )
            .about(id)
            .payload(&serde_json::json!({ "household_id": id, "task_id": task.id, "status": domain::label(next) })),
        )
        .await
        .map_err(internal)?;
        if step == Step::Objection {
            return Ok(());
        }
        // The layer's work is done: its task goes up, and the next layer's clock starts.
        let [county, township, _] = layers(&village)?;
        procedure_with(engine, txn, &who, id, &[(&task.division, Action::Submit)], None).await?;
        let (above, days) =
            if at_village { (&township, policy.township_review_days) } else { (&county, policy.county_approval_days) };
        let due = engine.clock().now() + chrono::Duration::days(i64::from(days));
        engine.set_due(txn, PROCEDURE, id, above, due).await.map_err(internal)?;
        Ok(())
    }
}
