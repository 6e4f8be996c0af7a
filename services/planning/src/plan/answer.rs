//! What the plan verbs share: the plan in API form (measures with their batches and milestones,
//! the projected income), the refusals that hide records, the audit entry and the announcement of
//! a change.

use anyhow::Context;
use chain_api::events::PlanChanged;
use chain_api::planning::{Measure, MilestoneState, Plan, PlanStatus};
use chain_api::{Problem, ProblemKind};
use chain_domain::Division;
use chain_store::audit::{self, Entry};
use chain_store::outbox;
use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use sea_orm::entity::prelude::*;

use crate::State;
use crate::domain::{self, label};
use crate::error::Result;
use crate::store::{helper, milestone, plan};

/// A plan that does not exist or lies outside the caller's jurisdiction.
pub fn hidden() -> Problem {
    Problem::not_found("plan")
}

/// A household that is not identified, or lies outside the caller's jurisdiction.
pub fn no_household() -> Problem {
    Problem::not_found("household")
}

/// The plan's village.
pub fn village_of(row: &plan::Model) -> Result<Division> {
    Ok(Division::parse(&row.village).context("reading the plan's village")?)
}

/// Refuses a step made on another version than the caller read (`If-Match`).
pub fn check_version(expected: Option<i64>, row: &plan::Model) -> Result<()> {
    match expected {
        Some(v) if v != row.version => {
            let detail = format!("the plan is at version {}, not {v}", row.version);
            Err(Problem::new(ProblemKind::PreconditionFailed, detail).into())
        }
        _ => Ok(()),
    }
}

/// The answer when a version-guarded write lost a race.
pub fn stale() -> Problem {
    Problem::new(ProblemKind::StaleVersion, "the plan changed concurrently; read it again")
}

/// The plan in API form, as it is now.
pub async fn answer<C: ConnectionTrait>(conn: &C, s: &State, row: &plan::Model) -> Result<Plan> {
    let stored = row.measures()?;
    let milestones = milestone::of_plan(conn, row.id).await?;
    let mut measures: Vec<Measure> = stored
        .iter()
        .map(|m| Measure {
            kind: m.kind,
            batch: s.rules.batch(row.year, m.kind),
            description: m.description.clone(),
            addresses: m.addresses.clone(),
            responsible: m.responsible.clone(),
            budget_fen: m.budget_fen,
            fund: m.fund,
            expected_income_fen: m.expected_income_fen,
            milestones: Vec::new(),
            delivered: false,
        })
        .collect();
    for ms in &milestones {
        if let Some(m) = usize::try_from(ms.measure).ok().and_then(|i| measures.get_mut(i)) {
            m.milestones.push(ms.to_api()?);
        }
    }
    for m in &mut measures {
        m.delivered = !m.milestones.is_empty() && m.milestones.iter().all(|ms| ms.state == MilestoneState::Done);
    }
    let effect = stored.iter().map(|m| m.expected_income_fen).fold(0i64, i64::saturating_add);
    let village = village_of(row)?;
    let line = s.lines.line_for(row.year, &village).map(|l| l.fen()).unwrap_or(0);
    let members = u32::try_from(row.members).unwrap_or(1);
    Ok(Plan {
        id: row.id,
        household_id: row.household_id,
        village: row.village.clone(),
        revision: row.revision,
        revision_kind: row.revision_kind()?,
        revision_reason: row.revision_reason.clone(),
        status: row.status()?,
        wishes: row.wishes.clone(),
        measures,
        helper: helper::of(conn, row.household_id).await?,
        acknowledgement: row.acknowledgement()?,
        projection: domain::project(row.year, members, row.card_per_capita_fen, effect, line),
        justification: row.justification.clone(),
        task_id: row.task_id,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// The plan row, or hidden.
pub async fn row<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<plan::Model> {
    Ok(plan::Entity::find_by_id(id).one(conn).await?.ok_or_else(hidden)?)
}

/// Appends `entry` (made at `at`) about the plan, carrying the plan's and the household's ids and
/// its revision, inside the caller's transaction.
pub async fn record<C: ConnectionTrait>(conn: &C, at: DateTime<Utc>, entry: Entry, row: &plan::Model) -> Result<()> {
    let payload = serde_json::json!({ "plan_id": row.id, "household_id": row.household_id, "revision": row.revision });
    audit::append(conn, at, entry.about(row.id).payload(&payload)).await?;
    Ok(())
}

/// Announces a fact about the plan (`kind`, with `payload`) through the outbox, inside the
/// caller's transaction.
pub async fn announce<C: ConnectionTrait>(
    conn: &C,
    s: &State,
    kind: &str,
    row: &plan::Model,
    actor: &str,
    payload: serde_json::Value,
) -> Result<()> {
    let event = s.engine.event(kind, &row.village, row.id, actor, payload);
    outbox::enqueue(conn, s.bus.root(), &event).await?;
    Ok(())
}

/// The payload announcing the plan's status now.
pub fn changed(row: &plan::Model, status: PlanStatus) -> Result<serde_json::Value> {
    let payload = PlanChanged {
        plan_id: row.id,
        household_id: row.household_id,
        village: row.village.clone(),
        revision: row.revision,
        status: label(status).to_owned(),
    };
    Ok(serde_json::to_value(payload).context("encoding a plan event")?)
}
