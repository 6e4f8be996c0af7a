//! How a monitoring case moves: the checks every step makes (jurisdiction, role and layer,
//! state, `If-Match`), the engine's tasks moved along with the case, the version-guarded save and
//! the audit entry, all in one transaction; and what the village's notice does to the case.

use chain_api::monitoring::{MonitoringCase, MonitoringStatus};
use chain_api::step::Step as StepReq;
use chain_api::workflow::{Task, TaskState};
use chain_api::{Principal, Problem, ProblemKind, Role};
use chain_bus::service::internal;
use chain_domain::{Division, Layer};
use chain_store::audit;
use chain_store::text::enum_str;
use chain_workflow::{Action, Engine, NoticeEvent};
use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::SimpleExpr;
use sea_orm::{ActiveValue::Set, DatabaseTransaction, TransactionTrait};

use crate::State;
use crate::handlers::layers;
use crate::monitoring::{PROCEDURE, hidden, load};
use crate::monitoring_domain::{self as rules, Step};
use crate::monitoring_store::{case, measure};

/// Who may take a step: roles, and the exact layer (`None`: any layer over the village).
pub(crate) struct Guard {
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
pub(crate) struct Current {
    /// The row.
    pub case: case::Model,
    /// Measures recorded.
    pub measures: usize,
}

pub(crate) type Columns = Vec<(case::Column, SimpleExpr)>;

/// Loads the case, checks jurisdiction → role and layer → state → `If-Match`, runs the step's own
/// check (which names the extra columns to set), moves the engine's tasks and saves, audited, in
/// one transaction.
pub(crate) async fn step<T>(
    s: &State,
    p: &Principal,
    req: &StepReq<T>,
    g: Guard,
    note: Option<String>,
    check: impl FnOnce(&Current, DateTime<Utc>) -> Result<Columns, Problem>,
) -> Result<MonitoringCase, Problem> {
    let now = s.engine.clock().now();
    let txn = s.db.begin().await.map_err(internal)?;
    let row = case::Entity::find_by_id(req.id).one(&txn).await.map_err(internal)?.ok_or_else(hidden)?;
    let village = Division::parse(&row.village).map_err(internal)?;
    match g.layer {
        Some(layer) => p.require(g.roles, layer, &village, hidden())?,
        None => p.require_within(g.roles, &village, hidden())?,
    }
    let status: MonitoringStatus = crate::store::parse_enum(&row.status).map_err(internal)?;
    let next = rules::next(status, g.step)?;
    if let Some(v) = req.expected_version
        && v != row.version
    {
        return Err(Problem::new(
            ProblemKind::PreconditionFailed,
            format!("the case is at version {}, not {v}", row.version),
        ));
    }
    let measures =
        measure::Entity::find().filter(measure::Column::CaseId.eq(row.id)).count(&txn).await.map_err(internal)?;
    let current = Current { case: row, measures: measures as usize };
    let mut extra = check(&current, now)?;
    if crate::monitoring::CLOSED.contains(&next) {
        extra.push((case::Column::OpenKey, Expr::value(Option::<String>::None)));
    } else if crate::monitoring::CLOSED.contains(&status) {
        let key = crate::monitoring::open_key(current.case.household_id, current.case.head_id_index.as_deref());
        extra.push((case::Column::OpenKey, Expr::value(key)));
    }
    let row = current.case;
    let [county, township, village_code] = layers(&village)?;
    let reason = note.as_deref();
    match (g.step, next) {
        (Step::Consent { given: false } | Step::Match { passed: false } | Step::Appraise { passed: false }, _) => {
            for d in [&village_code, &township, &county] {
                cancel(&s.engine, &txn, p, row.id, d, reason.unwrap_or("closed")).await?;
            }
        }
        (Step::PostNotice, _) => {
            s.engine.post_procedure_notice(&txn, p, PROCEDURE, row.id, &village_code).await?;
        }
        (Step::Review, _) => {
            let moves = [(&village_code, Action::SignOff), (&township, Action::Start), (&township, Action::Submit)];
            tasks(&s.engine, &txn, p, row.id, &moves, reason).await?;
        }
        (Step::Decide { .. }, _) => {
            let moves = [
                (&township, Action::SignOff),
                (&county, Action::Start),
                (&county, Action::Submit),
                (&county, Action::SignOff),
            ];
            tasks(&s.engine, &txn, p, row.id, &moves, reason).await?;
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
            .await
            .map_err(internal)?;
        }
        _ => {}
    }
    save(&txn, &row, next, now, extra).await?;
    record(&txn, p, g.action, &village, row.id, reason, next).await?;
    txn.commit().await.map_err(internal)?;
    s.outbox.wake();
    load(s, row.id).await
}

/// Sets a case's status (and more) if it is still at the version read, bumping the version.
async fn save<C: ConnectionTrait>(
    conn: &C,
    row: &case::Model,
    next: MonitoringStatus,
    now: DateTime<Utc>,
    extra: Columns,
) -> Result<(), Problem> {
    let mut update = case::Entity::update_many()
        .col_expr(case::Column::Status, Expr::value(enum_str(&next)))
        .col_expr(case::Column::Version, Expr::value(row.version + 1))
        .col_expr(case::Column::UpdatedAt, Expr::value(now));
    for (c, e) in extra {
        update = update.col_expr(c, e);
    }
    let changed = update
        .filter(case::Column::Id.eq(row.id))
        .filter(case::Column::Version.eq(row.version))
        .exec(conn)
        .await
        .map_err(
            |e| if chain_store::is_unique_violation(&e) { crate::monitoring::already_open() } else { internal(e) },
        )?;
    if changed.rows_affected != 1 {
        return Err(Problem::new(ProblemKind::StaleVersion, "the case changed concurrently; read it again"));
    }
    Ok(())
}

pub(crate) async fn record<C: ConnectionTrait>(
    conn: &C,
    p: &Principal,
    action: &str,
    division: &Division,
    id: Uuid,
    reason: Option<&str>,
    status: MonitoringStatus,
) -> Result<(), Problem> {
    audit::append(
        conn,
        chrono::Utc::now(),
        audit::Entry::by(p, action, division.as_str())
            .about(id)
            .reason(reason)
            .payload(&serde_json::json!({ "monitoring_case_id": id, "status": status })),
    )
    .await
    .map_err(internal)?;
    Ok(())
}

/// Moves the case's tasks along, in order, inside the transaction.
pub(crate) async fn tasks(
    engine: &Engine,
    txn: &DatabaseTransaction,
    p: &Principal,
    id: Uuid,
    moves: &[(&String, Action)],
    note: Option<&str>,
) -> Result<(), Problem> {
    engine.advance(txn, p, PROCEDURE, id, moves, note).await
}

/// Cancels the case's task at `division` unless it is finished.
async fn cancel(
    engine: &Engine,
    txn: &DatabaseTransaction,
    p: &Principal,
    id: Uuid,
    division: &str,
    reason: &str,
) -> Result<(), Problem> {
    let t = engine.procedure_task(txn, PROCEDURE, id, Some(division)).await.map_err(internal)?;
    if t.is_some_and(|t| !matches!(t.state, TaskState::SignedOff | TaskState::Cancelled))
        && let Some(Err(problem)) = engine
            .transition_at(txn, p, PROCEDURE, id, Some(division), Action::Cancel, Some(reason))
            .await
            .map_err(internal)?
    {
        return Err(problem);
    }
    Ok(())
}

/// What the village's notice does to its case, called by the service's notice hook inside the
/// engine's transaction: passing submits the village's task (the township reviews next); an
/// objection sends the case back to the village, which resolves it and posts again.
pub async fn on_notice(
    engine: &Engine,
    txn: &DatabaseTransaction,
    task: &Task,
    event: NoticeEvent,
) -> Result<(), Problem> {
    let Some(id) = task.subject_id else { return Ok(()) };
    let Some(row) = case::Entity::find_by_id(id).one(txn).await.map_err(internal)? else { return Ok(()) };
    let step = match event {
        NoticeEvent::Passed => Step::NoticePassed,
        NoticeEvent::ObjectionLodged => Step::Objection,
        NoticeEvent::ObjectionResolved { .. } => return Ok(()),
    };
    let status: MonitoringStatus = crate::store::parse_enum(&row.status).map_err(internal)?;
    let Ok(next) = rules::next(status, step) else {
        tracing::info!(case = %id, "notice event does not apply to the case any more");
        return Ok(());
    };
    let now = engine.clock().now();
    save(txn, &row, next, now, vec![]).await?;
    let who = Principal::system();
    let village = Division::parse(&row.village).map_err(internal)?;
    let action = if step == Step::Objection { "monitoring.objected" } else { "monitoring.notice-passed" };
    record(txn, &who, action, &village, id, None, next).await?;
    if step == Step::NoticePassed {
        tasks(engine, txn, &who, id, &[(&task.division, Action::Submit)], None).await?;
    }
    Ok(())
}
