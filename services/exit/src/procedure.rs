//! How a household's exit follows the village's public notice: when it runs out with no
//! objection, the village's task is submitted and the case awaits county approval; an objection
//! sends it back for review. Runs inside the engine's transaction, so an exit case never disagrees
//! with its tasks.

use chain_api::exit::ExitStatus;
use chain_api::workflow::Task;
use chain_api::{Principal, Problem, ProblemKind};
use chain_bus::service::internal;
use chain_store::audit;
use chain_workflow::{Action, Engine, NoticeEvent, NoticeHook};
use sea_orm::DatabaseTransaction;
use sea_orm::entity::prelude::*;

use crate::domain::{self, Step, label};
use crate::handlers::{TASK_KIND, task_step};
use crate::store::{self, exit_case};

/// The exit service's [`NoticeHook`].
#[derive(Debug)]
pub struct NoticeOfTheExit;

#[async_trait::async_trait]
impl NoticeHook for NoticeOfTheExit {
    async fn on_notice(
        &self,
        engine: &Engine,
        txn: &DatabaseTransaction,
        task: &Task,
        event: NoticeEvent,
    ) -> Result<(), Problem> {
        let (Some(household), true) = (task.subject_id, task.kind == TASK_KIND) else {
            return Ok(());
        };
        let Some(case) = store::case_of(txn, household).await.map_err(internal)? else {
            return Ok(());
        };
        let Some((row, current)) = store::load(txn, case.id).await.map_err(internal)? else {
            return Ok(());
        };
        let step = match event {
            NoticeEvent::Passed => Step::NoticePassed,
            NoticeEvent::ObjectionLodged => Step::Objection,
            NoticeEvent::ObjectionResolved { .. } => return Ok(()),
        };
        let next = match domain::next(current.status, step) {
            Ok(next) => next,
            Err(problem) => {
                tracing::info!(exit = %row.id, detail = ?problem.detail, "notice event does not apply");
                return Ok(());
            }
        };
        let changed = exit_case::Entity::update_many()
            .col_expr(exit_case::Column::Status, Expr::value(label(next)))
            .col_expr(exit_case::Column::Version, Expr::value(row.version + 1))
            .col_expr(exit_case::Column::UpdatedAt, Expr::value(chrono::Utc::now()))
            .filter(exit_case::Column::Id.eq(row.id))
            .filter(exit_case::Column::Version.eq(row.version))
            .exec(txn)
            .await
            .map_err(internal)?;
        if changed.rows_affected != 1 {
            return Err(Problem::new(ProblemKind::StaleVersion, "the exit case changed at the same moment"));
        }
        audit::append(
            txn,
            chrono::Utc::now(),
            audit::Entry::system(
                if next == ExitStatus::Objected { "case.objected" } else { "case.notice-passed" },
                &row.village,
            )
            .about(row.id)
            .payload(&serde_json::json!({ "exit_id": row.id, "household_id": household, "task_id": task.id })),
        )
        .await
        .map_err(internal)?;
        if next == ExitStatus::Noticed {
            let system = Principal::system();
            task_step(engine, txn, &system, household, &task.division, Action::Submit, None).await?;
        }
        Ok(())
    }
}
