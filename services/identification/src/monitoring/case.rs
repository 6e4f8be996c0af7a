//! A monitoring case's kit: the kind of its procedure's tasks, reading it, the key that keeps one
//! open case per household, and the audit entry of a change.

use chain_api::monitoring::{MonitoringCase, MonitoringStatus};
use chain_api::{Principal, Problem, ProblemKind};
use chain_store::audit::{self, Entry};
use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::State;
use crate::domain::monitoring::Policies;
use crate::error::Result;
use crate::store::monitoring::{self as cases, case};

/// Kind of the tasks of a monitoring case.
pub const PROCEDURE: &str = "monitoring.household";

/// The answer about a case that does not exist or lies outside the caller's jurisdiction.
pub fn hidden() -> Problem {
    Problem::not_found("monitoring case")
}

/// The monitoring policy table.
pub fn policies() -> &'static Policies {
    Policies::embedded()
}

/// Statuses in which a case is closed; a household has at most one case in any other.
pub const CLOSED: [MonitoringStatus; 3] =
    [MonitoringStatus::Declined, MonitoringStatus::NotIncluded, MonitoringStatus::RiskRemoved];

/// The key that makes "one open case per household" a unique index: the household's id, or the
/// head's blind index for a household not in the register. `NULL` once the case is closed.
pub fn open_key(household_id: Option<Uuid>, head_index: Option<&str>) -> Option<String> {
    household_id.map(|h| format!("household:{h}")).or_else(|| head_index.map(|ix| format!("head:{ix}")))
}

/// The refusal when a household already has an open case.
pub fn already_open() -> Problem {
    Problem::new(ProblemKind::Conflict, "this household already has an open monitoring case")
}

/// A case as answered: its record and the notice up about it.
pub async fn load(s: &State, id: Uuid) -> Result<MonitoringCase> {
    let (_, mut c) = cases::find(&s.db, id).await?.ok_or_else(hidden)?;
    c.notice = s.engine.open_notice_about(&s.db, PROCEDURE, id).await?;
    Ok(c)
}

/// Audits `action` by `p` on a case, with its reason and the status it left the case in.
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    at: DateTime<Utc>,
    p: &Principal,
    action: &str,
    row: &case::Model,
    reason: Option<&str>,
    status: MonitoringStatus,
) -> Result<()> {
    let payload = serde_json::json!({ "monitoring_case_id": row.id, "status": status });
    let entry = Entry::by(p, action, &row.village).about(row.id).reason(reason).payload(&payload);
    audit::append(conn, at, entry).await?;
    Ok(())
}
