//! Liveness and readiness.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;

/// A health answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` or `unavailable`.
    pub status: &'static str,
    /// Whether the gateway's database answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<bool>,
    /// Whether NATS is connected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nats: Option<bool>,
}

/// The process is alive.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "Alive", body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok", database: None, nats: None })
}

/// The gateway's database and NATS are reachable.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, description = "Ready", body = Health), (status = 503, description = "Not ready", body = Health)))]
pub async fn readyz(State(s): State<AppState>) -> (StatusCode, Json<Health>) {
    let database = s.db.ping().await.is_ok();
    let nats = s.bus.is_connected();
    let ready = database && nats;
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (
        status,
        Json(Health { status: if ready { "ok" } else { "unavailable" }, database: Some(database), nats: Some(nats) }),
    )
}
