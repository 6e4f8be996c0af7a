//! The audit trail, and the accountability records of overdue or returned work.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::task::Service;

/// Audit entries to read.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only this service's chain (default: all four).
    pub service: Option<Service>,
    /// Only entries about divisions under this prefix.
    #[schema(value_type = Option<crate::schema::DivisionCode>)]
    #[param(value_type = Option<crate::schema::DivisionCode>)]
    pub division: Option<String>,
    /// Only entries about this record.
    pub subject_id: Option<Uuid>,
    /// Only entries after this sequence number (per service).
    pub after: Option<i64>,
    /// At most this many per service (default 100, at most 1000).
    pub limit: Option<u64>,
}

/// One entry of a service's hash-chained audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditEntry {
    /// The service whose chain holds it.
    #[schema(value_type = crate::workflow::Service)]
    pub service: String,
    /// Position in that chain.
    pub seq: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// The official (or `system`).
    pub actor: String,
    /// The roles the official acted with, comma-separated (`operator,approver`); `system` for
    /// timers and `service` for a service acting on its own.
    #[schema(
        pattern = r"^(system|service|((operator|approver|auditor|assessor|admin|pii_reader)(,(operator|approver|auditor|assessor|admin|pii_reader))*)?)$"
    )]
    pub role: String,
    /// The official's jurisdiction.
    pub jurisdiction: String,
    /// The decision or change, e.g. `task.signed_off`.
    pub action: String,
    /// Division of the record.
    #[schema(value_type = crate::schema::DivisionOrCentre)]
    pub division: String,
    /// The record.
    pub subject_id: Option<Uuid>,
    /// Reason given.
    pub reason: Option<String>,
    /// SHA-256 of the change's payload.
    pub payload_hash: String,
    /// Hash of the previous entry.
    pub prev_hash: String,
    /// Hash of this entry.
    pub hash: String,
}

/// Accountability records to read.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccountabilityQuery {
    /// Only records against divisions under this prefix.
    #[schema(value_type = Option<crate::schema::DivisionCode>)]
    #[param(value_type = Option<crate::schema::DivisionCode>)]
    pub division: Option<String>,
    /// At most this many per service (default 100, at most 1000).
    pub limit: Option<u64>,
}

/// Overdue or rejected work, recorded against the responsible division.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AccountabilityRecord {
    /// Public id.
    pub id: Uuid,
    /// The service.
    #[schema(value_type = crate::workflow::Service)]
    pub service: String,
    /// The task.
    pub task_id: Uuid,
    /// The responsible division.
    #[schema(value_type = crate::schema::DivisionOrCentre)]
    pub division: String,
    /// `overdue` (escalated after the grace period) or `returned` (work sent back).
    pub kind: String,
    /// The layer it was escalated or answered to.
    #[schema(value_type = crate::schema::DivisionOrCentre)]
    pub escalated_to: String,
    /// Details.
    pub detail: String,
    /// When.
    pub at: DateTime<Utc>,
}
