//! The household aggregate's kit, which every feature reading or changing a household builds on:
//! the kinds of its procedures' tasks and notices, reading it (with the notice up about it and the
//! adjudication it waits for), the checks before a change (404 outside the caller's jurisdiction,
//! `If-Match`), the one version-guarded update, and the audit entry of a change.

use chain_api::identification::{AdjudicationRef, DuplicateRecord, Household, HouseholdStatus};
use chain_api::workflow::Task;
use chain_api::{Principal, Problem};
use chain_domain::Division;
use chain_store::audit::{self, Entry};
use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::SimpleExpr;

use crate::State;
use crate::domain::household::label;
use crate::error::{self, Result};
use crate::store::households::{self, household};
use crate::store::versioned;

/// Kind of the tasks of a household's identification procedure: the village appraises,
/// verifies and posts the first notice (its task is submitted when the notice passes), the
/// township reviews (signs off the village's task) and posts the second notice, the county
/// approves (signs off the township's, then decides its own).
pub const PROCEDURE: &str = "identification.household";
/// The notice the village posts after verifying a case (the first of the two).
pub const VILLAGE_NOTICE: &str = "identification.village";
/// The notice the township posts after its review (the second).
pub const TOWNSHIP_NOTICE: &str = "identification.township";
/// Kind of the removal procedure's tasks (a wrongly identified household leaving the register).
pub const REMOVAL: &str = "identification.removal";
/// Kind of the adjudication task of a suspected duplicate.
pub const ADJUDICATION: &str = "identification.duplicate";

/// The answer about a household that does not exist or lies outside the caller's jurisdiction.
pub fn hidden() -> Problem {
    Problem::not_found("household")
}

/// A household's row and API form, read inside the caller's transaction; 404 when there is none.
pub async fn read<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<(household::Model, Household)> {
    Ok(households::find(conn, id).await?.ok_or_else(hidden)?)
}

/// The village of a household row.
pub fn village_of(row: &household::Model) -> Result<Division> {
    Ok(households::division(&row.village)?)
}

/// Refuses a stale `If-Match` on a household (412).
pub fn check_version(row: &household::Model, expected: Option<i64>) -> Result<(), Problem> {
    error::check_version("household", row.version, expected)
}

/// A household as answered: its record, the notice up about it (of its identification or its
/// removal) and, for a suspected duplicate, the adjudication it waits for.
pub async fn load(s: &State, id: Uuid) -> Result<Household> {
    let (_, mut h) = read(&s.db, id).await?;
    h.notice = match s.engine.open_notice_about(&s.db, PROCEDURE, id).await? {
        Some(n) => Some(n),
        None => s.engine.open_notice_about(&s.db, REMOVAL, id).await?,
    };
    if h.status == HouseholdStatus::SuspectedDuplicate {
        h.adjudication = s.engine.procedure_task(&s.db, ADJUDICATION, id, None).await?.map(|t| adjudication(&t));
    }
    Ok(h)
}

/// The adjudication task of a suspected duplicate, as its household shows it.
fn adjudication(task: &Task) -> AdjudicationRef {
    let records: Vec<DuplicateRecord> = serde_json::from_value(task.body.clone()).unwrap_or_default();
    AdjudicationRef {
        task_id: task.id,
        division: task.division.clone(),
        members: records.iter().map(|r| r.member).collect(),
    }
}

/// Columns of a household row and the values a change gives them.
pub type Columns = Vec<(household::Column, SimpleExpr)>;

/// Changes household `row` if it is still at the version read: sets `changes`, bumps the version
/// and stamps the change at `at`; refuses (409 `stale-version`) when someone changed it meanwhile.
pub async fn update<C: ConnectionTrait>(
    conn: &C,
    row: &household::Model,
    at: DateTime<Utc>,
    changes: Columns,
) -> Result<()> {
    if !update_if_current(conn, row, at, changes).await? {
        return Err(error::stale("household").into());
    }
    Ok(())
}

/// Like [`update`], answering whether the row was still at the version read instead of refusing.
pub async fn update_if_current<C: ConnectionTrait>(
    conn: &C,
    row: &household::Model,
    at: DateTime<Utc>,
    changes: Columns,
) -> Result<bool> {
    Ok(versioned::update_if_current::<household::Entity, _>(conn, (row.id, row.version), at, changes).await?)
}

/// Sets a household's status if it is still at the version read, bumping the version.
pub async fn set_status<C: ConnectionTrait>(
    conn: &C,
    row: &household::Model,
    next: HouseholdStatus,
    at: DateTime<Utc>,
) -> Result<()> {
    update(conn, row, at, vec![(household::Column::Status, Expr::value(label(next)))]).await
}

/// The audit entry of `action` by `p` on household `id` of `village`, the household's id its
/// payload (a change that says more gives its own with [`Entry::payload`]).
pub fn entry(p: &Principal, action: &str, village: &str, id: Uuid) -> Entry {
    Entry::by(p, action, village).about(id).payload(&serde_json::json!({ "household_id": id }))
}

/// Audits `action` by `p` on household `id` of `village`, with its reason, at `at`.
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    at: DateTime<Utc>,
    p: &Principal,
    action: &str,
    village: &str,
    id: Uuid,
    reason: Option<&str>,
) -> Result<()> {
    audit::append(conn, at, entry(p, action, village, id).reason(reason)).await?;
    Ok(())
}

/// Audits what a notice's task did to a household (by the system): the task and the new status.
pub async fn record_notice<C: ConnectionTrait>(
    conn: &C,
    at: DateTime<Utc>,
    action: &str,
    row: &household::Model,
    task: &Task,
    next: HouseholdStatus,
) -> Result<()> {
    let payload = serde_json::json!({ "household_id": row.id, "task_id": task.id, "status": label(next) });
    audit::append(conn, at, Entry::system(action, &row.village).about(row.id).payload(&payload)).await?;
    Ok(())
}
