//! What every service's verbs carry: a step on an existing record (its id, the version the caller
//! saw, the body), a lookup by id, and a decision's remark.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A step on an existing record, as sent over NATS: its id, the version the caller saw
/// (`If-Match`), and the step's body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Step<T> {
    /// Public id of the record.
    pub id: Uuid,
    /// Version from `If-Match`, if the caller sent one.
    #[serde(default)]
    pub expected_version: Option<i64>,
    /// The step's own body.
    pub body: T,
}

/// A lookup by public id.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ById {
    /// Public id of the record.
    pub id: Uuid,
}

/// A review or approval decision.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct Decision {
    /// Optional remark recorded with the decision.
    #[serde(default)]
    pub note: Option<String>,
}
