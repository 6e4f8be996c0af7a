//! Public-notice windows and the objections lodged against them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// State of a public-notice window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticeState {
    /// Posted; objections may be lodged until it closes.
    Open,
    /// The window passed with no open objection.
    Passed,
    /// An objection sent the case back for review; a new notice is needed.
    Interrupted,
}

/// State of an objection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ObjectionState {
    /// Lodged, not yet resolved.
    Open,
    /// Found justified.
    Upheld,
    /// Found unjustified.
    Dismissed,
}

/// An objection lodged during a notice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Objection {
    /// Public id.
    pub id: Uuid,
    /// The notice.
    pub notice_id: Uuid,
    /// The task the notice belongs to.
    pub task_id: Uuid,
    /// Division of the notice.
    #[schema(value_type = crate::schema::DivisionOrCentre)]
    pub division: String,
    /// Who recorded it.
    pub lodged_by: String,
    /// On whose behalf (e.g. a villager's name), if not the recorder's own.
    pub lodged_for: Option<String>,
    /// The objection.
    pub reason: String,
    /// State.
    pub state: ObjectionState,
    /// When lodged.
    pub lodged_at: DateTime<Utc>,
    /// Who resolved it.
    pub resolved_by: Option<String>,
    /// The resolution.
    pub resolution: Option<String>,
    /// When resolved.
    pub resolved_at: Option<DateTime<Utc>>,
    /// Version.
    pub version: i64,
}

/// A public-notice window on a task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Notice {
    /// Public id.
    pub id: Uuid,
    /// The task whose step this is.
    pub task_id: Uuid,
    /// Where it is posted.
    #[schema(value_type = crate::schema::DivisionOrCentre)]
    pub division: String,
    /// Kind (selects the number of days, per province).
    pub kind: String,
    /// Length of the window in days.
    pub days: u32,
    /// Opened.
    pub opened_at: DateTime<Utc>,
    /// Closes.
    pub closes_at: DateTime<Utc>,
    /// State.
    pub state: NoticeState,
    /// Objections lodged.
    pub objections: Vec<Objection>,
    /// Version.
    pub version: i64,
}

/// Open a notice on a task (its own layer).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OpenNotice {
    /// The notice kind (default: the kind the task requires).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// Lodge an objection during a notice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LodgeObjection {
    /// The objection (1–2000 characters).
    pub reason: String,
    /// On whose behalf, if not the recorder's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lodged_for: Option<String>,
}

/// Resolve an objection after review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ResolveObjection {
    /// Whether the objection is justified.
    pub upheld: bool,
    /// The finding (required).
    pub reason: String,
}
