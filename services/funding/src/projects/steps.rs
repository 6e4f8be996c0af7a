//! The steps of a library project after its proposal, each by an official of the project's
//! county (disclosure also by the proposer): admit or reject, disclose, approve, start, accept,
//! close. Each checks the version the caller saw, moves the status by the lifecycle
//! ([`crate::domain::projects::next`]), moves the procedure's tasks where the step is one of
//! theirs, and records the audit entry, in one transaction.

use chain_api::projects::{Evaluation, Project, ProjectStatus};
use chain_api::step::{Decision, Step};
use chain_api::{Principal, Problem, ProblemKind, Role};
use chain_domain::Division;
use chain_store::audit::Entry;
use chain_store::text::parse_enum;
use chain_workflow::Action;
use sea_orm::TransactionTrait;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::ExprTrait;

use super::{county_approver, expect_version, for_step, hidden, record, to_api};
use crate::State;
use crate::domain::PROJECT_KIND;
use crate::domain::projects::{self as rules, Step as Move, label};
use crate::error::Result;
use crate::store::project;

/// Moves `row` to `to` (with the evaluation, when closing), refusing when somebody moved it since
/// it was read; answers the row as it now stands.
pub async fn set_status<C: ConnectionTrait>(
    conn: &C,
    row: &project::Model,
    to: ProjectStatus,
    evaluation: Option<(bool, String)>,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<project::Model> {
    let mut update = project::Entity::update_many()
        .col_expr(project::Column::Status, Expr::value(label(to)))
        .col_expr(project::Column::UpdatedAt, Expr::value(at))
        .col_expr(project::Column::Version, Expr::col(project::Column::Version).add(1))
        .filter(project::Column::Id.eq(row.id))
        .filter(project::Column::Version.eq(row.version));
    if let Some((met, summary)) = evaluation {
        update = update
            .col_expr(project::Column::TargetsMet, Expr::value(met))
            .col_expr(project::Column::Evaluation, Expr::value(summary));
    }
    if update.exec(conn).await?.rows_affected != 1 {
        return Err(Problem::new(ProblemKind::StaleVersion, "the project changed concurrently; read it again").into());
    }
    Ok(project::Entity::find_by_id(row.id).one(conn).await?.ok_or_else(hidden)?)
}

/// The status a step leads to from `row`'s, or a 409 saying why not.
fn next(row: &project::Model, step: Move) -> Result<ProjectStatus> {
    let status: ProjectStatus = parse_enum(&row.status)?;
    rules::next(status, step).map_err(|e| Problem::transition(e).into())
}

/// Whose task of the procedure a move is on.
#[derive(Debug, Clone, Copy)]
enum Side {
    /// The proposer's (village or township).
    Proposer,
    /// The county's.
    County,
}

/// Runs a step of the county's: checks, moves the status and the procedure's tasks (`moves`),
/// records `action`.
async fn county_step(
    s: State,
    p: Principal,
    req: Step<Decision>,
    step: Move,
    action: &str,
    moves: &[(Side, Action)],
) -> Result<Project> {
    let now = s.now();
    let txn = s.db.begin().await?;
    let (row, county) = for_step(&txn, &p, req.id).await?;
    county_approver(&p, &county)?;
    expect_version(&row, req.expected_version)?;
    let to = next(&row, step)?;
    let moves: Vec<(&str, Action)> = moves
        .iter()
        .map(|(side, a)| (if matches!(side, Side::Proposer) { row.proposer.as_str() } else { row.county.as_str() }, *a))
        .collect();
    s.engine.advance(&txn, &p, PROJECT_KIND, row.id, &moves, req.body.note.as_deref()).await?;
    let row = set_status(&txn, &row, to, None, now).await?;
    record(&txn, now, Entry::by(&p, action, &row.county).reason(req.body.note.as_deref()), &row).await?;
    txn.commit().await?;
    tracing::info!(project = %row.id, status = %row.status, "project moved");
    to_api(row)
}

/// `project.admit`: the county admits a proposed project to its library for the year.
#[tracing::instrument(skip_all, fields(actor = %p.subject))]
pub async fn admit(s: State, p: Principal, req: Step<Decision>) -> Result<Project> {
    county_step(s, p, req, Move::Admit, "project.admit", &[]).await
}

/// `project.reject`: the county refuses a proposed project; its tasks are withdrawn.
#[tracing::instrument(skip_all, fields(actor = %p.subject))]
pub async fn reject(s: State, p: Principal, req: Step<Decision>) -> Result<Project> {
    let moves = [(Side::Proposer, Action::Cancel), (Side::County, Action::Cancel)];
    county_step(s, p, req, Move::Reject, "project.reject", &moves).await
}

/// `project.approve`: the county approves a project whose plan passed its notice; the
/// procedure's tasks are signed off.
#[tracing::instrument(skip_all, fields(actor = %p.subject))]
pub async fn approve(s: State, p: Principal, req: Step<Decision>) -> Result<Project> {
    let moves = [
        (Side::Proposer, Action::SignOff),
        (Side::County, Action::Start),
        (Side::County, Action::Submit),
        (Side::County, Action::SignOff),
    ];
    county_step(s, p, req, Move::Approve, "project.approve", &moves).await
}

/// `project.start`: implementation of an approved project begins.
#[tracing::instrument(skip_all, fields(actor = %p.subject))]
pub async fn start(s: State, p: Principal, req: Step<Decision>) -> Result<Project> {
    county_step(s, p, req, Move::Start, "project.start", &[]).await
}

/// `project.accept`: the county accepts a completed project (验收).
#[tracing::instrument(skip_all, fields(actor = %p.subject))]
pub async fn accept(s: State, p: Principal, req: Step<Decision>) -> Result<Project> {
    county_step(s, p, req, Move::Accept, "project.accept", &[]).await
}

/// `project.disclose`: the project's plan is posted on the proposer's board (the
/// `funds.disclosure` notice, ≥ 10 days), by an operator or approver of the proposer or the
/// county.
#[tracing::instrument(skip_all, fields(actor = %p.subject))]
pub async fn disclose(s: State, p: Principal, req: Step<Decision>) -> Result<Project> {
    let now = s.now();
    let txn = s.db.begin().await?;
    let (row, _) = for_step(&txn, &p, req.id).await?;
    let proposer = Division::parse(&row.proposer).map_err(|_| hidden())?;
    p.require_within(&[Role::Operator, Role::Approver], &proposer, hidden())?;
    expect_version(&row, req.expected_version)?;
    let to = next(&row, Move::Disclose)?;
    s.engine.post_procedure_notice(&txn, &p, PROJECT_KIND, row.id, &row.proposer).await?;
    let row = set_status(&txn, &row, to, None, now).await?;
    record(&txn, now, Entry::by(&p, "project.disclose", &row.proposer).reason(req.body.note.as_deref()), &row).await?;
    txn.commit().await?;
    to_api(row)
}

/// `project.close`: the county closes an accepted project with its performance evaluated.
#[tracing::instrument(skip_all, fields(actor = %p.subject))]
pub async fn close(s: State, p: Principal, req: Step<Evaluation>) -> Result<Project> {
    let summary = rules::validate_evaluation(&req.body)?;
    let now = s.now();
    let txn = s.db.begin().await?;
    let (row, county) = for_step(&txn, &p, req.id).await?;
    county_approver(&p, &county)?;
    expect_version(&row, req.expected_version)?;
    let to = next(&row, Move::Close)?;
    let row = set_status(&txn, &row, to, Some((req.body.targets_met, summary)), now).await?;
    record(&txn, now, Entry::by(&p, "project.close", &row.county), &row).await?;
    txn.commit().await?;
    to_api(row)
}
