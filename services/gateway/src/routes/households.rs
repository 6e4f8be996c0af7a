//! `/v1/households`: registration, review and approval of poor households.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chain_api::identification::{ById, Decision, Household, RegisterHousehold};

use super::{Problems, custom_method, parse_id, step, versioned};
use crate::AppState;
use crate::auth::Auth;
use crate::problem::{ApiProblem, Json, Path};

/// Register a household application in a village (village operator).
#[utoipa::path(post, path = "/v1/households", tag = "identification", request_body = RegisterHousehold,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, description = "Registered; status `applied`", body = Household), Problems),
    security(("bearer" = [])))]
pub async fn register(
    State(s): State<AppState>,
    Auth(p): Auth,
    Json(req): Json<RegisterHousehold>,
) -> Result<Response, ApiProblem> {
    let h: Household = s.bus.request("identification", "household.register", &p, &req).await?;
    Ok(versioned(StatusCode::CREATED, &h))
}

/// Read a household; resident IDs are masked.
#[utoipa::path(get, path = "/v1/households/{id}", tag = "identification",
    params(("id" = uuid::Uuid, Path, description = "Household id")),
    responses((status = 200, description = "The household", body = Household), Problems),
    security(("bearer" = [])))]
pub async fn get(State(s): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> Result<Response, ApiProblem> {
    let id = parse_id(&id, "household")?;
    let h: Household = s.bus.request("identification", "household.get", &p, &ById { id }).await?;
    Ok(versioned(StatusCode::OK, &h))
}

/// Township review of an application (township approver).
#[utoipa::path(post, path = "/v1/households/{id}:review", tag = "identification", request_body = Decision,
    params(("id" = uuid::Uuid, Path, description = "Household id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, description = "Reviewed", body = Household), Problems),
    security(("bearer" = [])))]
pub async fn review(
    s: AppState,
    p: chain_api::Principal,
    id: uuid::Uuid,
    headers: HeaderMap,
    body: Decision,
) -> Result<Response, ApiProblem> {
    step::<_, Household>(&s, &p, ("identification", "household.review"), id, &headers, body).await
}

/// County approval: the household is identified (county approver).
#[utoipa::path(post, path = "/v1/households/{id}:approve", tag = "identification", request_body = Decision,
    params(("id" = uuid::Uuid, Path, description = "Household id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, description = "Identified", body = Household), Problems),
    security(("bearer" = [])))]
pub async fn approve(
    s: AppState,
    p: chain_api::Principal,
    id: uuid::Uuid,
    headers: HeaderMap,
    body: Decision,
) -> Result<Response, ApiProblem> {
    step::<_, Household>(&s, &p, ("identification", "household.approve"), id, &headers, body).await
}

/// Dispatches `POST /v1/households/{id}:<verb>`.
pub async fn custom(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(target): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Decision>,
) -> Result<Response, ApiProblem> {
    let (id, verb) = custom_method(&target, "household")?;
    match verb.as_str() {
        "review" => review(s, p, id, headers, body).await,
        "approve" => approve(s, p, id, headers, body).await,
        _ => Err(ApiProblem(chain_api::Problem::not_found("operation"))),
    }
}
