//! How the household procedures follow their public notices. When the village's or the township's
//! notice of an identification or a removal runs out with no objection, that layer's task is
//! submitted and the case moves on to the layer above, whose deadline starts; an objection sends
//! the case back. Notices of monitoring cases go to `crate::monitoring`. Runs inside the engine's
//! transaction, so a household's status never disagrees with its tasks.

use chain_api::Problem;
use chain_api::identification::HouseholdStatus;
use chain_api::workflow::Task;
use chain_domain::{Division, Level};
use chain_workflow::{Action, Engine, NoticeEvent, NoticeHook};
use sea_orm::DatabaseTransaction;

use crate::domain::procedure::{self, Policies, Policy, Step};
use crate::error::Result;
use crate::household::{self, PROCEDURE, REMOVAL};
use crate::store::households;
use crate::tasks::layers;

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
        let followed = match task.kind.as_str() {
            PROCEDURE => self.identification(engine, txn, task, event).await,
            REMOVAL => self.removal(engine, txn, task, event).await,
            crate::monitoring::case::PROCEDURE => crate::monitoring::flow::on_notice(engine, txn, task, event).await,
            _ => Ok(()),
        };
        followed.map_err(Problem::from)
    }
}

impl NoticesOfTheProcedure {
    /// A notice of the identification procedure: passing moves the case to the layer above, an
    /// objection sends it back.
    async fn identification(
        &self,
        engine: &Engine,
        txn: &DatabaseTransaction,
        task: &Task,
        event: NoticeEvent,
    ) -> Result<()> {
        let Some(id) = task.subject_id else { return Ok(()) };
        let Some((row, current)) = households::find(txn, id).await? else { return Ok(()) };
        let village = household::village_of(&row)?;
        let at_village = at_village(task);
        let step = match event {
            NoticeEvent::Passed if at_village => Step::FirstNoticePassed,
            NoticeEvent::Passed => Step::SecondNoticePassed,
            NoticeEvent::ObjectionLodged => Step::Objection,
            NoticeEvent::ObjectionResolved { .. } => return Ok(()),
        };
        let policy = self.policies.for_division(&village);
        let next = match procedure::next(current.status, step, &policy) {
            Ok(next) => next,
            Err(refusal) => {
                // A notice on a case that has moved on (turned down meanwhile) changes nothing.
                tracing::info!(household = %id, %refusal, "notice event does not apply");
                return Ok(());
            }
        };
        let action = match next {
            HouseholdStatus::Objected => "household.objected",
            _ => "household.notice-passed",
        };
        let objected = step == Step::Objection;
        follow(engine, txn, PROCEDURE, task, &row, Followed { next, action, objected }, &policy).await
    }

    /// A notice of a removal: the same two notices, on the removal's statuses.
    async fn removal(&self, engine: &Engine, txn: &DatabaseTransaction, task: &Task, event: NoticeEvent) -> Result<()> {
        let Some(id) = task.subject_id else { return Ok(()) };
        let Some((row, current)) = households::find(txn, id).await? else { return Ok(()) };
        let next = match (event, current.status, at_village(task)) {
            (NoticeEvent::Passed, HouseholdStatus::RemovalFirstNotice, true) => {
                HouseholdStatus::RemovalAwaitingTownship
            }
            (NoticeEvent::Passed, HouseholdStatus::RemovalSecondNotice, false) => {
                HouseholdStatus::RemovalAwaitingCounty
            }
            (
                NoticeEvent::ObjectionLodged,
                HouseholdStatus::RemovalFirstNotice | HouseholdStatus::RemovalSecondNotice,
                _,
            ) => HouseholdStatus::RemovalObjected,
            _ => return Ok(()),
        };
        let action = match next {
            HouseholdStatus::RemovalObjected => "household.removal-objected",
            _ => "household.removal-notice-passed",
        };
        let objected = next == HouseholdStatus::RemovalObjected;
        let policy = self.policies.for_division(&household::village_of(&row)?);
        follow(engine, txn, REMOVAL, task, &row, Followed { next, action, objected }, &policy).await
    }
}

/// Whether the notice's task is the village's (the first notice) rather than the township's.
fn at_village(task: &Task) -> bool {
    Division::parse(&task.division).is_ok_and(|d| d.level() == Level::Village)
}

/// What a notice did to a household: the status it leads to, audited as `action`.
struct Followed {
    next: HouseholdStatus,
    action: &'static str,
    objected: bool,
}

/// Saves and audits what a notice of the procedure `kind` did to household `row`. Unless it was
/// objected to, the layer whose notice passed is done: its task goes up, and the next layer's
/// clock starts — the township's review days after the village's notice, the county's approval
/// days after the township's.
async fn follow(
    engine: &Engine,
    txn: &DatabaseTransaction,
    kind: &str,
    task: &Task,
    row: &households::household::Model,
    followed: Followed,
    policy: &Policy,
) -> Result<()> {
    let now = engine.clock().now();
    household::set_status(txn, row, followed.next, now).await?;
    household::record_notice(txn, now, followed.action, row, task, followed.next).await?;
    if followed.objected {
        return Ok(());
    }
    let [county, township, _] = layers(&household::village_of(row)?)?;
    let system = chain_api::Principal::system();
    engine.advance(txn, &system, kind, row.id, &[(&task.division, Action::Submit)], None).await?;
    let (above, days) = if at_village(task) {
        (&township, policy.township_review_days)
    } else {
        (&county, policy.county_approval_days)
    };
    let due = now + chrono::Duration::days(i64::from(days));
    engine.set_due(txn, kind, row.id, above, due).await?;
    Ok(())
}
