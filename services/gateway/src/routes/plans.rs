//! `/v1/plans`: household assistance plans.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chain_api::planning::{CreatePlan, Plan};
use chain_api::step::{ById, Decision};
use chain_api::verbs::planning::{self as verbs, SERVICE};

use crate::AppState;
use crate::auth::Auth;
use crate::custom::{BodyRule, CustomMethod, Owner, Resource};
use crate::problem::{ApiProblem, Json, Path};
use crate::rest::{Problems, parse_id, versioned};

/// Draft a plan for an identified household (county official).
#[utoipa::path(post, path = "/v1/plans", operation_id = "plan_create", tag = "planning", request_body = CreatePlan,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, description = "Drafted", body = Plan, headers(("ETag" = String, description = "The version of the record, for `If-Match`"))), Problems),
    security(("bearer" = [])))]
pub async fn create(
    State(s): State<AppState>,
    Auth(p): Auth,
    Json(req): Json<CreatePlan>,
) -> Result<Response, ApiProblem> {
    let plan: Plan = s.bus.request(SERVICE, verbs::PLAN_CREATE, &p, &req).await?;
    Ok(versioned(StatusCode::CREATED, &plan))
}

/// Read a plan.
#[utoipa::path(get, path = "/v1/plans/{id}", operation_id = "plan_get", tag = "planning",
    params(("id" = uuid::Uuid, Path, description = "Plan id")),
    responses((status = 200, description = "The plan", body = Plan, headers(("ETag" = String, description = "The version of the record, for `If-Match`"))), Problems),
    security(("bearer" = [])))]
pub async fn get(State(s): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> Result<Response, ApiProblem> {
    let id = parse_id(&id, "plan")?;
    let plan: Plan = s.bus.request(SERVICE, verbs::PLAN_GET, &p, &ById { id }).await?;
    Ok(versioned(StatusCode::OK, &plan))
}

/// `POST /v1/plans/{id}:<method>`: the steps of a plan, each answered with the plan and its new
/// `ETag`.
pub static STEPS: Resource = Resource {
    path: "/v1/plans/{id}",
    what: "plan",
    tag: "planning",
    id_doc: "Plan id",
    if_match_doc: "ETag of the version you read",
    owner: Owner::Service(SERVICE),
    body: BodyRule::Json,
    methods: &[CustomMethod::new::<Decision, Plan>("approve", verbs::PLAN_APPROVE)
        .doc("Approve a drafted plan (county approver).")
        .answers("Approved")],
};
