//! `/v1/plans`: household assistance plans.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chain_api::planning::{CreatePlan, Plan};
use chain_api::step::{ById, Decision};

use super::{Problems, custom_method, parse_id, step, versioned};
use crate::AppState;
use crate::auth::Auth;
use crate::problem::{ApiProblem, Json, Path};

/// Draft a plan for an identified household (county official).
#[utoipa::path(post, path = "/v1/plans", tag = "planning", request_body = CreatePlan,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, description = "Drafted", body = Plan), Problems),
    security(("bearer" = [])))]
pub async fn create(
    State(s): State<AppState>,
    Auth(p): Auth,
    Json(req): Json<CreatePlan>,
) -> Result<Response, ApiProblem> {
    let plan: Plan = s.bus.request("planning", "plan.create", &p, &req).await?;
    Ok(versioned(StatusCode::CREATED, &plan))
}

/// Read a plan.
#[utoipa::path(get, path = "/v1/plans/{id}", tag = "planning",
    params(("id" = uuid::Uuid, Path, description = "Plan id")),
    responses((status = 200, description = "The plan", body = Plan), Problems),
    security(("bearer" = [])))]
pub async fn get(State(s): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> Result<Response, ApiProblem> {
    let id = parse_id(&id, "plan")?;
    let plan: Plan = s.bus.request("planning", "plan.get", &p, &ById { id }).await?;
    Ok(versioned(StatusCode::OK, &plan))
}

/// Approve a drafted plan (county approver).
#[utoipa::path(post, path = "/v1/plans/{id}:approve", tag = "planning", request_body = Decision,
    params(("id" = uuid::Uuid, Path, description = "Plan id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, description = "Approved", body = Plan), Problems),
    security(("bearer" = [])))]
pub async fn approve(
    s: AppState,
    p: chain_api::Principal,
    id: uuid::Uuid,
    headers: HeaderMap,
    body: Decision,
) -> Result<Response, ApiProblem> {
    step::<_, Plan>(&s, &p, ("planning", "plan.approve"), id, &headers, body).await
}

/// Dispatches `POST /v1/plans/{id}:<verb>`.
pub async fn custom(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(target): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Decision>,
) -> Result<Response, ApiProblem> {
    let (id, verb) = custom_method(&target, "plan")?;
    match verb.as_str() {
        "approve" => approve(s, p, id, headers, body).await,
        _ => Err(ApiProblem(chain_api::Problem::not_found("operation"))),
    }
}
