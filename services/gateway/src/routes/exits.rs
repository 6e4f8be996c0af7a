//! `/v1/exits`: household exit cases.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chain_api::exit::{Acknowledge, ExitCase, ProposeExit};
use chain_api::step::{ById, Decision};
use chain_api::verbs::exit::{self as verbs, SERVICE};

use crate::AppState;
use crate::auth::Auth;
use crate::custom::{BodyRule, CustomMethod, Owner, Resource};
use crate::problem::{ApiProblem, Json, Path};
use crate::rest::{Problems, parse_id, versioned};

/// Propose that a household exits (county official).
#[utoipa::path(post, path = "/v1/exits", operation_id = "exit_case_propose", tag = "exit", request_body = ProposeExit,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, description = "Proposed", body = ExitCase, headers(("ETag" = String, description = "The version of the record, for `If-Match`"))), Problems),
    security(("bearer" = [])))]
pub async fn propose(
    State(s): State<AppState>,
    Auth(p): Auth,
    Json(req): Json<ProposeExit>,
) -> Result<Response, ApiProblem> {
    let case: ExitCase = s.bus.request(SERVICE, verbs::CASE_PROPOSE, &p, &req).await?;
    Ok(versioned(StatusCode::CREATED, &case))
}

/// Read an exit case.
#[utoipa::path(get, path = "/v1/exits/{id}", operation_id = "exit_case_get", tag = "exit",
    params(("id" = uuid::Uuid, Path, description = "Exit case id")),
    responses((status = 200, description = "The case", body = ExitCase, headers(("ETag" = String, description = "The version of the record, for `If-Match`"))), Problems),
    security(("bearer" = [])))]
pub async fn get(State(s): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> Result<Response, ApiProblem> {
    let id = parse_id(&id, "exit case")?;
    let case: ExitCase = s.bus.request(SERVICE, verbs::CASE_GET, &p, &ById { id }).await?;
    Ok(versioned(StatusCode::OK, &case))
}

/// `POST /v1/exits/{id}:<method>`: the steps of an exit case, each answered with the case and its
/// new `ETag`.
pub static STEPS: Resource = Resource {
    path: "/v1/exits/{id}",
    what: "exit case",
    tag: "exit",
    id_doc: "Exit case id",
    if_match_doc: "ETag of the version you read",
    owner: Owner::Service(SERVICE),
    body: BodyRule::Json,
    methods: &[
        CustomMethod::new::<Acknowledge, ExitCase>("acknowledge", verbs::CASE_ACKNOWLEDGE)
            .doc("Record the household's acknowledgement of the result.")
            .answers("Acknowledged"),
        CustomMethod::new::<Decision, ExitCase>("approve", verbs::CASE_APPROVE)
            .doc("Approve the exit (county approver): the household leaves the register.")
            .answers("Approved"),
    ],
};
