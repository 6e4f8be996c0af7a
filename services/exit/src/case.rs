//! Exit cases: reading one inside the caller's jurisdiction, and the case's kit the procedure's
//! steps share — loading it (in API form with the village's open notice and the household's
//! delivered assistance, or for a step), hiding it outside the caller's reach, checking the
//! version the caller saw, moving its status and recording each change in the audit log.

use anyhow::Context;
use chain_api::exit::{ExitCase, ExitStatus};
use chain_api::step::ById;
use chain_api::{Principal, Problem, ProblemKind};
use chain_domain::Division;
use chain_store::audit::{self, Entry};
use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

use crate::State;
use crate::domain::TASK_KIND;
use crate::error::Result;
use crate::store::{exit_case, household};

/// A case that does not exist or lies outside the caller's jurisdiction.
pub fn hidden() -> Problem {
    Problem::not_found("exit case")
}

/// Reads an exit case inside the caller's jurisdiction.
pub async fn get(s: State, p: Principal, req: ById) -> Result<ExitCase> {
    let case = load(&s, req.id).await?;
    let village = Division::parse(&case.village).context("reading the case's village")?;
    p.covers(&village).then_some(case).ok_or_else(|| hidden().into())
}

/// A case in API form, with the village's notice while it is up and the household's plan once
/// planning announced it completed; hidden when there is none.
pub async fn load(s: &State, id: Uuid) -> Result<ExitCase> {
    let mut case = exit_case::Entity::find_by_id(id).one(&s.db).await?.ok_or_else(hidden)?.to_api()?;
    case.notice = s.engine.open_notice_about(&s.db, TASK_KIND, case.household_id).await?;
    let projected = household::Entity::find_by_id(case.household_id).one(&s.db).await?;
    case.assistance = projected.as_ref().and_then(household::Model::assistance);
    Ok(case)
}

/// The case a step is about and its village, read inside the step's transaction; hidden when
/// there is none.
pub async fn for_step<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<(exit_case::Model, Division)> {
    let row = exit_case::Entity::find_by_id(id).one(conn).await?.ok_or_else(hidden)?;
    let village = Division::parse(&row.village).context("reading the case's village")?;
    Ok((row, village))
}

/// Refuses a step when the caller saw another version of the case than `row`'s.
pub fn expect_version(row: &exit_case::Model, expected: Option<i64>) -> Result<()> {
    match expected {
        Some(v) if v != row.version => {
            let detail = format!("the exit case is at version {}, not {v}", row.version);
            Err(Problem::new(ProblemKind::PreconditionFailed, detail).into())
        }
        _ => Ok(()),
    }
}

/// Moves the case to `status` at `at` (recording who acknowledged, when given), refusing when
/// somebody moved it since `row` was read.
pub async fn set_status<C: ConnectionTrait>(
    conn: &C,
    row: &exit_case::Model,
    status: ExitStatus,
    acknowledged_by: Option<&str>,
    at: DateTime<Utc>,
) -> Result<()> {
    if !exit_case::set_status(conn, row, status, acknowledged_by, at).await? {
        return Err(Problem::new(ProblemKind::StaleVersion, "the exit case changed concurrently; read it again").into());
    }
    Ok(())
}

/// Appends `entry` (made at `at`) about the case, carrying the case's and the household's ids,
/// inside the caller's transaction.
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    at: DateTime<Utc>,
    entry: Entry,
    row: &exit_case::Model,
) -> Result<()> {
    let payload = serde_json::json!({ "exit_id": row.id, "household_id": row.household_id });
    audit::append(conn, at, entry.about(row.id).payload(&payload)).await?;
    Ok(())
}
