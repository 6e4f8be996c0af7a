//! Liveness and readiness.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;

/// Whether a process can do its work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    /// It can.
    Ok,
    /// Something it needs does not answer.
    Unavailable,
}

/// A health answer.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ServiceHealth)]
pub struct Health {
    /// `ok` or `unavailable`.
    pub status: HealthStatus,
    /// Whether the gateway's database answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<bool>,
    /// Whether NATS is connected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nats: Option<bool>,
}

/// The process is alive.
#[utoipa::path(get, path = "/healthz", operation_id = "health_live", tag = "operations", security(), responses((status = 200, description = "Alive", body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: HealthStatus::Ok, database: None, nats: None })
}

/// The gateway's database and NATS are reachable.
#[utoipa::path(get, path = "/readyz", operation_id = "health_ready", tag = "operations", security(),
    responses((status = 200, description = "Ready", body = Health), (status = 503, description = "Not ready", body = Health)))]
pub async fn readyz(State(s): State<AppState>) -> (StatusCode, Json<Health>) {
    let database = s.db.ping().await.is_ok();
    let nats = s.bus.is_connected();
    let ready = database && nats;
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (
        status,
        Json(Health {
            status: if ready { HealthStatus::Ok } else { HealthStatus::Unavailable },
            database: Some(database),
            nats: Some(nats),
        }),
    )
}
