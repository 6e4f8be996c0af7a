//! Decomposition: a task's own layer splits it among divisions below it, sharing out its quota,
//! as a directive does from the top.

use chain_api::step::Step;
use chain_api::workflow::{Decompose, Issued, TaskChange, TaskState};
use chain_api::{Principal, Problem, ProblemKind, Role};
use chain_domain::Division;
use chain_store::text::enum_str;
use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use sea_orm::entity::prelude::*;

use super::open::{Template, deadline};
use super::plan::{level_counts, plan};
use crate::engine::{Actor, Change, Engine, bump, check_version, in_txn, lost_race, state_of, to_api, visible_task};
use crate::entity::task;
use crate::rules::owner_acts;

impl Engine {
    /// The task's own layer splits it among divisions below, sharing out its quota.
    pub async fn decompose(&self, p: &Principal, req: Step<Decompose>) -> Result<Issued, Problem> {
        let now = self.clock.now();
        let issued: chain_bus::Result<Issued> =
            in_txn(&self.db, async |txn| self.decompose_in(txn, p, req, now).await).await;
        Ok(issued?)
    }

    async fn decompose_in<C: ConnectionTrait>(
        &self,
        txn: &C,
        p: &Principal,
        req: Step<Decompose>,
        now: DateTime<Utc>,
    ) -> chain_bus::Result<Issued> {
        let row = visible_task(txn, p, req.id).await?;
        owner_acts(p, &row.division, &[Role::Approver, Role::Admin])?;
        let state = state_of(&row)?;
        if !state.awaits_owner() {
            return Err(Problem::transition(format!(
                "only an open, in-progress or returned task can be decomposed; this one is {}",
                row.state
            ))
            .into());
        }
        check_version(req.expected_version, row.version, "task")?;
        let issuer = Division::parse(&row.division).ok();
        let quota = match (row.quota, &req.body.shares) {
            (Some(q), shares) => Some((q, shares.as_ref())),
            (None, Some(_)) => return Err(Problem::invalid("shares", "this task carries no quota to share").into()),
            (None, None) => None,
        };
        let planned = plan(issuer.as_ref(), &req.body.targets, quota)?;
        let existing: Vec<String> = task::Entity::find()
            .filter(task::Column::RootId.eq(row.root_id))
            .filter(task::Column::Division.is_in(planned.iter().map(|t| t.division.as_str().to_owned())))
            .all(txn)
            .await?
            .into_iter()
            .map(|t| t.division)
            .collect();
        if !existing.is_empty() {
            return Err(Problem::new(
                ProblemKind::Conflict,
                format!("these divisions already have a task in this tree: {}", existing.join(", ")),
            )
            .into());
        }
        let due_at = deadline(req.body.due_date, req.body.due_at, now, false)?.or(row.due_at);
        if let (Some(d), Some(own)) = (due_at, row.due_at)
            && d > own
        {
            return Err(Problem::invalid("due_date", "the parts cannot be due after the task itself").into());
        }
        let template = Template::below(&row, due_at, row.notice_kind.clone())?;
        let actor = Actor::of(p);
        let in_progress = vec![(task::Column::State, Expr::value(enum_str(&TaskState::InProgress)))];
        if !bump(txn, &row, now, in_progress).await? {
            return Err(lost_race().into());
        }
        let fresh = self.reload(txn, row.id).await?;
        let opened = self.open_planned(txn, &fresh, &planned, &template, &actor, now).await?;
        let data = serde_json::json!({
            "from": row.state,
            "opened": opened,
            "children": planned.iter().filter(|t| t.parent.is_none()).count(),
        });
        let change = Change {
            task: &fresh,
            change: TaskChange::Decomposed,
            actor: &actor,
            reason: None,
            data,
            audited: true,
            published: true,
        };
        self.record(txn, change, now).await?;
        let by_level = level_counts(&planned);
        Ok(Issued { task: to_api(&fresh)?, opened, planned: opened, complete: true, by_level })
    }
}
