//! `/v1/notices` and `/v1/objections`: public-notice windows on tasks and the objections lodged
//! during them.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chain_api::step::Step;
use chain_api::workflow::{LodgeObjection, Notice, Objection, ResolveObjection, verbs};

use crate::AppState;
use crate::auth::Auth;
use crate::custom::{BodyRule, CustomMethod, Owner, Resource};
use crate::owners::{fetch, locate};
use crate::problem::{ApiProblem, Json, Path};
use crate::rest::{Problems, if_match, parse_id, versioned};

/// Read a notice with its objections.
#[utoipa::path(get, path = "/v1/notices/{id}", operation_id = "notice_get", tag = "notices",
    params(("id" = uuid::Uuid, Path, description = "Notice id")),
    responses((status = 200, description = "The notice; its version is the ETag", body = Notice, headers(("ETag" = String, description = "The version of the record, for `If-Match`"))), Problems),
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
#[utoipa::path(post, path = "/v1/notices/{id}/objections", operation_id = "objection_lodge", tag = "notices", request_body = LodgeObjection,
    params(("id" = uuid::Uuid, Path, description = "Notice id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the notice version you read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, description = "Lodged; its version is the ETag", body = Objection, headers(("ETag" = String, description = "The version of the record, for `If-Match`"))), Problems),
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

/// `POST /v1/objections/{id}:<method>`: what is done with an objection, sent to the service that
/// holds it.
pub static OBJECTIONS: Resource = Resource {
    path: "/v1/objections/{id}",
    what: "objection",
    tag: "notices",
    id_doc: "Objection id",
    if_match_doc: "ETag of the objection version you read",
    owner: Owner::Objection,
    body: BodyRule::Json,
    methods: &[CustomMethod::new::<ResolveObjection, Objection>("resolve", verbs::RESOLVE)
        .doc("Resolve an objection after review: upheld or dismissed, with the finding.")
        .answers("Resolved")],
};
