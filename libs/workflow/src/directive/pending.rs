//! Directives opened in the background: a directive planning more tasks than the engine's inline
//! limit keeps its targets, quota and notice kind in a pending row, and the timers open its tasks
//! later, all in one transaction, logged as the root's `decomposed` (or `failed`) change.

use anyhow::Context as _;
use chain_api::workflow::{IssueDirective, Quota, Targets, TaskChange};
use chain_domain::Division;
use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, ConnectionTrait, QueryOrder, TransactionTrait};

use super::open::Template;
use super::plan::plan;
use crate::engine::{Actor, Change, Engine, bump};
use crate::entity::{pending, task};

/// What a directive whose tasks are opened in the background keeps until then.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Pending {
    targets: Targets,
    quota: Option<Quota>,
    notice_kind: Option<String>,
}

/// Keeps what the directive `req` under the root task `root` still has to open, inside the
/// caller's transaction; the timers open it.
pub(super) async fn defer<C: ConnectionTrait>(
    conn: &C,
    root: Uuid,
    req: &IssueDirective,
    now: DateTime<Utc>,
) -> chain_bus::Result<()> {
    let spec = Pending { targets: req.targets.clone(), quota: req.quota.clone(), notice_kind: req.notice_kind.clone() };
    let spec = serde_json::to_string(&spec).context("writing a pending directive")?;
    pending::ActiveModel { task_id: Set(root), spec: Set(spec), created_at: Set(now) }.insert(conn).await?;
    Ok(())
}

impl Engine {
    /// Opens the tasks of the oldest directive still pending, in one transaction. Returns whether
    /// there was one (so the caller can look for the next).
    pub(crate) async fn complete_pending(&self) -> Result<bool, DbErr> {
        let Some(job) = pending::Entity::find().order_by_asc(pending::Column::CreatedAt).one(&self.db).await? else {
            return Ok(false);
        };
        let Some(root) = task::Entity::find_by_id(job.task_id).one(&self.db).await? else {
            pending::Entity::delete_by_id(job.task_id).exec(&self.db).await?;
            return Ok(true);
        };
        let now = self.clock.now();
        let started = std::time::Instant::now();
        let spec: Pending = serde_json::from_str(&job.spec)
            .map_err(|e| DbErr::Custom(format!("pending directive {}: {e}", root.id)))?;
        let issuer = Division::parse(&root.division).ok();
        let quota = spec.quota.as_ref().map(|Quota { total, shares }| (*total, shares.as_ref()));
        let txn = self.db.begin().await?;
        // Claim it first, so a second replica backs off: delete the job, then bump the root's version.
        let claimed = pending::Entity::delete_by_id(job.task_id).exec(&txn).await?.rows_affected == 1;
        if !claimed || !bump(&txn, &root, now, vec![]).await? {
            txn.rollback().await?;
            return Ok(true);
        }
        let fresh = self.reload(&txn, root.id).await?;
        let actor = Actor::system();
        let (change, data) = match plan(issuer.as_ref(), &spec.targets, quota) {
            Ok(planned) => {
                let template = Template::below(&root, root.due_at, spec.notice_kind.clone())?;
                let direct = planned.iter().filter(|t| t.parent.is_none()).count();
                let opened = self.open_planned(&txn, &fresh, &planned, &template, &actor, now).await?;
                (TaskChange::Decomposed, serde_json::json!({ "children": direct, "tasks": opened }))
            }
            Err(problem) => (TaskChange::Failed, serde_json::json!({ "problem": problem.detail })),
        };
        self.record(
            &txn,
            Change { task: &fresh, change, actor: &actor, reason: None, data, audited: true, published: true },
            now,
        )
        .await?;
        txn.commit().await?;
        tracing::info!(root = %root.id, %change, seconds = started.elapsed().as_secs_f64(), "directive opened in the background");
        Ok(true)
    }
}
