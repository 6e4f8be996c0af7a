//! Keeps library projects in step with the notice of their plan: when it passes, the project is
//! disclosed and the proposer's task submitted for the county's approval; an objection marks it
//! objected (disclosed again once resolved). Runs inside the engine's transaction, so a project
//! never disagrees with its tasks.

use chain_api::projects::ProjectStatus;
use chain_api::workflow::Task;
use chain_api::{Principal, Problem};
use chain_store::audit::{self, Entry};
use chain_store::text::parse_enum;
use chain_workflow::{Action, Engine, NoticeEvent, NoticeHook};
use sea_orm::DatabaseTransaction;
use sea_orm::entity::prelude::*;

use super::steps::set_status;
use crate::domain::PROJECT_KIND;
use crate::domain::projects::{self as rules, Step};
use crate::error::Result;
use crate::store::project;

/// Funding's [`NoticeHook`]: notices on project tasks move their projects; other notices (an
/// allocation's disclosure) change nothing here.
#[derive(Debug)]
pub struct NoticeOfTheProject;

#[async_trait::async_trait]
impl NoticeHook for NoticeOfTheProject {
    async fn on_notice(
        &self,
        engine: &Engine,
        txn: &DatabaseTransaction,
        task: &Task,
        event: NoticeEvent,
    ) -> Result<(), Problem> {
        follow(engine, txn, task, event).await.map_err(Problem::from)
    }
}

async fn follow(engine: &Engine, txn: &DatabaseTransaction, task: &Task, event: NoticeEvent) -> Result<()> {
    let (Some(id), true) = (task.subject_id, task.kind == PROJECT_KIND) else {
        return Ok(());
    };
    let Some(row) = project::Entity::find_by_id(id).one(txn).await? else {
        return Ok(());
    };
    let step = match event {
        NoticeEvent::Passed => Step::NoticePassed,
        NoticeEvent::ObjectionLodged => Step::Objection,
        NoticeEvent::ObjectionResolved { .. } => return Ok(()),
    };
    let status: ProjectStatus = parse_enum(&row.status)?;
    let next = match rules::next(status, step) {
        Ok(next) => next,
        Err(refusal) => {
            tracing::info!(project = %row.id, %refusal, "notice event does not apply");
            return Ok(());
        }
    };
    let now = engine.clock().now();
    let row = set_status(txn, &row, next, None, now).await?;
    let action = if next == ProjectStatus::Objected { "project.objected" } else { "project.disclosed" };
    let payload = serde_json::json!({ "project_id": row.id, "task_id": task.id, "version": row.version });
    audit::append(txn, now, Entry::system(action, &row.proposer).about(row.id).payload(&payload)).await?;
    if next == ProjectStatus::Disclosed {
        let moves = [(task.division.as_str(), Action::Submit)];
        engine.advance(txn, &Principal::system(), PROJECT_KIND, row.id, &moves, None).await?;
    }
    Ok(())
}
