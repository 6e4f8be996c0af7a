//! `/v1/exits`: household exit cases.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chain_api::exit::{Acknowledge, ExitCase, ProposeExit};
use chain_api::step::{ById, Decision};

use super::{Problems, custom_method, parse_id, step, versioned};
use crate::AppState;
use crate::auth::Auth;
use crate::problem::{ApiProblem, Json, Path};

/// Propose that a household exits (county official).
#[utoipa::path(post, path = "/v1/exits", tag = "exit", request_body = ProposeExit,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, description = "Proposed", body = ExitCase), Problems),
    security(("bearer" = [])))]
pub async fn propose(
    State(s): State<AppState>,
    Auth(p): Auth,
    Json(req): Json<ProposeExit>,
) -> Result<Response, ApiProblem> {
    let case: ExitCase = s.bus.request("exit", "case.propose", &p, &req).await?;
    Ok(versioned(StatusCode::CREATED, &case))
}

/// Read an exit case.
#[utoipa::path(get, path = "/v1/exits/{id}", tag = "exit",
    params(("id" = uuid::Uuid, Path, description = "Exit case id")),
    responses((status = 200, description = "The case", body = ExitCase), Problems),
    security(("bearer" = [])))]
pub async fn get(State(s): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> Result<Response, ApiProblem> {
    let id = parse_id(&id, "exit case")?;
    let case: ExitCase = s.bus.request("exit", "case.get", &p, &ById { id }).await?;
    Ok(versioned(StatusCode::OK, &case))
}

/// Record the household's acknowledgement of the result.
#[utoipa::path(post, path = "/v1/exits/{id}:acknowledge", tag = "exit", request_body = Acknowledge,
    params(("id" = uuid::Uuid, Path, description = "Exit case id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, description = "Acknowledged", body = ExitCase), Problems),
    security(("bearer" = [])))]
pub async fn acknowledge(
    s: AppState,
    p: chain_api::Principal,
    id: uuid::Uuid,
    headers: HeaderMap,
    body: Acknowledge,
) -> Result<Response, ApiProblem> {
    step::<_, ExitCase>(&s, &p, ("exit", "case.acknowledge"), id, &headers, body).await
}

/// Approve the exit (county approver): the household leaves the register.
#[utoipa::path(post, path = "/v1/exits/{id}:approve", tag = "exit", request_body = Decision,
    params(("id" = uuid::Uuid, Path, description = "Exit case id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, description = "Approved", body = ExitCase), Problems),
    security(("bearer" = [])))]
pub async fn approve(
    s: AppState,
    p: chain_api::Principal,
    id: uuid::Uuid,
    headers: HeaderMap,
    body: Decision,
) -> Result<Response, ApiProblem> {
    step::<_, ExitCase>(&s, &p, ("exit", "case.approve"), id, &headers, body).await
}

/// Dispatches `POST /v1/exits/{id}:<verb>`.
pub async fn custom(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(target): Path<String>,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> Result<Response, ApiProblem> {
    let (id, verb) = custom_method(&target, "exit case")?;
    match verb.as_str() {
        "acknowledge" => acknowledge(s, p, id, headers, decode(body)?).await,
        "approve" => approve(s, p, id, headers, decode(body)?).await,
        _ => Err(ApiProblem(chain_api::Problem::not_found("operation"))),
    }
}

/// Decodes a custom method's body once its verb is known.
pub(super) fn decode<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> Result<T, ApiProblem> {
    serde_json::from_value(v)
        .map_err(|e| ApiProblem(chain_api::Problem::new(chain_api::ProblemKind::Validation, e.to_string())))
}
