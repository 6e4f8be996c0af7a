//! `/v1/notices` and `/v1/objections`: public-notice windows on tasks and the objections lodged
//! during them.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chain_api::step::Step;
use chain_api::workflow::{LodgeObjection, Notice, Objection, ResolveObjection, verbs};
use chain_api::{Principal, Problem};
use uuid::Uuid;

use super::tasks::{ask_all, decode, fetch, locate};
use super::{Problems, custom_method, if_match, parse_id, versioned};
use crate::AppState;
use crate::auth::Auth;
use crate::problem::{ApiProblem, Json, Path};

/// Read a notice with its objections.
#[utoipa::path(get, path = "/v1/notices/{id}", tag = "notices",
    params(("id" = uuid::Uuid, Path, description = "Notice id")),
    responses((status = 200, description = "The notice; its version is the ETag", body = Notice), Problems),
    security(("bearer" = [])))]
pub async fn get_notice(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> Result<Response, ApiProblem> {
    let id = parse_id(&id, "notice")?;
    let (_, notice): (_, Notice) = fetch(&s, &p, verbs::NOTICE_GET, id).await?;
    Ok(versioned(StatusCode::OK, &notice))
}

/// Lodge an objection while the notice is open; the case goes back for review.
#[utoipa::path(post, path = "/v1/notices/{id}/objections", tag = "notices", request_body = LodgeObjection,
    params(("id" = uuid::Uuid, Path, description = "Notice id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the notice version you read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, description = "Lodged; its version is the ETag", body = Objection), Problems),
    security(("bearer" = [])))]
pub async fn lodge_objection(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<LodgeObjection>,
) -> Result<Response, ApiProblem> {
    let id = parse_id(&id, "notice")?;
    let service = locate(&s, &p, verbs::NOTICE_GET, id).await?;
    let req = Step { id, expected_version: if_match(&headers)?, body };
    let objection: Objection = s.bus.request(service, verbs::OBJECT, &p, &req).await?;
    s.owners.remember(objection.id, service);
    Ok(versioned(StatusCode::CREATED, &objection))
}

/// Resolve an objection after review: upheld or dismissed, with the finding.
#[utoipa::path(post, path = "/v1/objections/{id}:resolve", tag = "notices", request_body = ResolveObjection,
    params(("id" = uuid::Uuid, Path, description = "Objection id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the objection version you read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, description = "Resolved", body = Objection), Problems),
    security(("bearer" = [])))]
pub async fn resolve_objection(
    s: AppState,
    p: Principal,
    id: Uuid,
    headers: HeaderMap,
    body: ResolveObjection,
) -> Result<Response, ApiProblem> {
    let req = Step { id, expected_version: if_match(&headers)?, body };
    let objection: Objection = match s.owners.get(id) {
        Some(service) => s.bus.request(service, verbs::RESOLVE, &p, &req).await?,
        // No service can be asked who owns an objection, but only its owner finds it: the others
        // answer 404 and change nothing.
        None => ask_all(&s, &p, verbs::RESOLVE, id, &req).await?.1,
    };
    Ok(versioned(StatusCode::OK, &objection))
}

/// Dispatches `POST /v1/objections/{id}:<verb>`.
pub async fn custom(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(target): Path<String>,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> Result<Response, ApiProblem> {
    let (id, verb) = custom_method(&target, "objection")?;
    match verb.as_str() {
        "resolve" => resolve_objection(s, p, id, headers, decode(body)?).await,
        _ => Err(ApiProblem(Problem::not_found("operation"))),
    }
}
