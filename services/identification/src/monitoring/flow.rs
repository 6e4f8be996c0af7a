//! How a monitoring case moves: the checks every step makes (jurisdiction, role and layer,
//! state, `If-Match`), the engine's tasks moved along with the case, the version-guarded save and
//! the audit entry, all in one transaction; and what the village's notice does to the case.

use chain_api::monitoring::{MonitoringCase, MonitoringStatus};
use chain_api::step::Step as StepReq;
use chain_api::workflow::Task;
use chain_api::{Principal, Role};
use chain_domain::Layer;
use chain_store::text::{enum_str, parse_enum};
use chain_workflow::{Action, Engine, NoticeEvent};
use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::SimpleExpr;
use sea_orm::{ActiveValue::Set, DatabaseTransaction, TransactionTrait};

use super::case::{self, CLOSED, PROCEDURE, already_open, hidden};
use crate::State;
use crate::domain::monitoring::{self as rules, Step};
use crate::error::{self, Result};
use crate::store::households::division;
use crate::store::monitoring::{case as case_row, measure};
use crate::store::versioned;
use crate::tasks::{self, layers};

/// Who may take a step: roles, and the exact layer (`None`: any layer over the village).
pub struct Guard {
    /// Roles, any of.
    pub roles: &'static [Role],
    /// Exact layer, or any over the village.
    pub layer: Option<Layer>,
    /// The step.
    pub step: Step,
    /// The audit action.
    pub action: &'static str,
}

/// A case as a step's own check sees it.
pub struct Current {
    /// The row.
    pub case: case_row::Model,
    /// Measures recorded.
    pub measures: usize,
}

/// Columns of a case row and the values a step gives them.
pub type Columns = Vec<(case_row::Column, SimpleExpr)>;

/// Loads the case, checks jurisdiction → role and layer → state → `If-Match`, runs the step's own
/// check (which names the extra columns to set), moves the engine's tasks and saves, audited, in
/// one transaction.
pub async fn step<T>(
    s: &State,
    p: &Principal,
    req: &StepReq<T>,
    g: Guard,
    note: Option<String>,
    check: impl FnOnce(&Current, DateTime<Utc>) -> Result<Columns>,
) -> Result<MonitoringCase> {
    let now = s.now();
    let txn = s.db.begin().await?;
    let row = case_row::Entity::find_by_id(req.id).one(&txn).await?.ok_or_else(hidden)?;
    let village = division(&row.village)?;
    match g.layer {
        Some(layer) => p.require(g.roles, layer, &village, hidden())?,
        None => p.require_within(g.roles, &village, hidden())?,
    }
    let status: MonitoringStatus = parse_enum(&row.status)?;
    let next = rules::next(status, g.step)?;
    error::check_version("case", row.version, req.expected_version)?;
    let measures = measure::Entity::find().filter(measure::Column::CaseId.eq(row.id)).count(&txn).await?;
    let current = Current { case: row, measures: measures as usize };
    let mut extra = check(&current, now)?;
    if CLOSED.contains(&next) {
        extra.push((case_row::Column::OpenKey, Expr::value(Option::<String>::None)));
    } else if CLOSED.contains(&status) {
        let key = case::open_key(current.case.household_id, current.case.head_id_index.as_deref());
        extra.push((case_row::Column::OpenKey, Expr::value(key)));
    }
    let row = current.case;
    let [county, township, village_code] = layers(&village)?;
    let reason = note.as_deref();
    match (g.step, next) {
        (Step::Consent { given: false } | Step::Match { passed: false } | Step::Appraise { passed: false }, _) => {
            let divisions = [&village_code, &township, &county];
            tasks::cancel_unfinished(&s.engine, &txn, p, PROCEDURE, row.id, &divisions, reason.unwrap_or("closed"))
                .await?;
        }
        (Step::PostNotice, _) => {
            s.engine.post_procedure_notice(&txn, p, PROCEDURE, row.id, &village_code).await?;
        }
        (Step::Review, _) => {
            let moves = [(&village_code, Action::SignOff), (&township, Action::Start), (&township, Action::Submit)];
            s.engine.advance(&txn, p, PROCEDURE, row.id, &moves, reason).await?;
        }
        (Step::Decide { .. }, _) => {
            s.engine.advance(&txn, p, PROCEDURE, row.id, &tasks::county_decides(&township, &county), reason).await?;
        }
        (Step::AddMeasure, _) => {
            measure::ActiveModel {
                case_id: Set(row.id),
                description: Set(note.clone().unwrap_or_default()),
                recorded_by: Set(p.subject.clone()),
                recorded_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
        _ => {}
    }
    save(&txn, &row, next, now, extra).await?;
    case::record(&txn, now, p, g.action, &row, reason, next).await?;
    txn.commit().await?;
    s.outbox.wake();
    case::load(s, row.id).await
}

/// Sets a case's status (and more) if it is still at the version read, bumping the version.
async fn save<C: ConnectionTrait>(
    conn: &C,
    row: &case_row::Model,
    next: MonitoringStatus,
    now: DateTime<Utc>,
    extra: Columns,
) -> Result<()> {
    let mut changes = vec![(case_row::Column::Status, Expr::value(enum_str(&next)))];
    changes.extend(extra);
    match versioned::update_if_current::<case_row::Entity, _>(conn, (row.id, row.version), now, changes).await {
        Ok(true) => Ok(()),
        Ok(false) => Err(error::stale("case").into()),
        Err(e) if chain_store::is_unique_violation(&e) => Err(already_open().into()),
        Err(e) => Err(e.into()),
    }
}

/// What the village's notice does to its case, called by the service's notice hook inside the
/// engine's transaction: passing submits the village's task (the township reviews next); an
/// objection sends the case back to the village, which resolves it and posts again.
pub async fn on_notice(engine: &Engine, txn: &DatabaseTransaction, task: &Task, event: NoticeEvent) -> Result<()> {
    let Some(id) = task.subject_id else { return Ok(()) };
    let Some(row) = case_row::Entity::find_by_id(id).one(txn).await? else { return Ok(()) };
    let step = match event {
        NoticeEvent::Passed => Step::NoticePassed,
        NoticeEvent::ObjectionLodged => Step::Objection,
        NoticeEvent::ObjectionResolved { .. } => return Ok(()),
    };
    let status: MonitoringStatus = parse_enum(&row.status)?;
    let Ok(next) = rules::next(status, step) else {
        tracing::info!(case = %id, "notice event does not apply to the case any more");
        return Ok(());
    };
    let now = engine.clock().now();
    save(txn, &row, next, now, vec![]).await?;
    let who = Principal::system();
    let action = if step == Step::Objection { "monitoring.objected" } else { "monitoring.notice-passed" };
    case::record(txn, now, &who, action, &row, None, next).await?;
    if step == Step::NoticePassed {
        engine.advance(txn, &who, PROCEDURE, id, &[(&task.division, Action::Submit)], None).await?;
    }
    Ok(())
}
