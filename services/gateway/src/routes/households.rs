//! `/v1/households`: registration of poor households and the steps of the identification
//! procedure (appraisal, data matching, verification and the two notices, review, approval).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chain_api::card::AssignHelper;
use chain_api::identification::{
    Adjudicate, Appraisal, DataMatch, Household, HouseholdStatus, MemberInput, ProposeRemoval, ReadHousehold,
    RegisterHousehold, Rejection,
};
use chain_api::step::Decision;

use super::exits::decode;
use super::{Problems, custom_method, parse_id, step, versioned};
use crate::AppState;
use crate::auth::Auth;
use crate::problem::{ApiProblem, Json, Path, Query};

/// Register a household application in a village (village operator).
#[utoipa::path(post, path = "/v1/households", tag = "identification", request_body = RegisterHousehold,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, description = "Registered; status `applied`", body = Household),
        (status = 202, description = "Kept as a `suspected_duplicate`: a member's ID is in another active household; `adjudication` names the task that decides", body = Household),
        Problems),
    security(("bearer" = [])))]
pub async fn register(
    State(s): State<AppState>,
    Auth(p): Auth,
    Json(req): Json<RegisterHousehold>,
) -> Result<Response, ApiProblem> {
    let h: Household = s.bus.request("identification", "household.register", &p, &req).await?;
    let status =
        if h.status == HouseholdStatus::SuspectedDuplicate { StatusCode::ACCEPTED } else { StatusCode::CREATED };
    Ok(versioned(status, &h))
}

/// How to read a household.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct ReadParams {
    /// Return resident ID and bank account numbers unmasked: only for the `pii_reader` role, and
    /// every such read is audited.
    #[serde(default)]
    pub unmask: bool,
}

/// Read a household's file card; resident IDs and the bank account are masked unless a PII reader
/// asks for them unmasked.
#[utoipa::path(get, path = "/v1/households/{id}", tag = "identification",
    params(("id" = uuid::Uuid, Path, description = "Household id"), ReadParams),
    responses((status = 200, description = "The household", body = Household), Problems),
    security(("bearer" = [])))]
pub async fn get(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    Query(q): Query<ReadParams>,
) -> Result<Response, ApiProblem> {
    let id = parse_id(&id, "household")?;
    let h: Household =
        s.bus.request("identification", "household.get", &p, &ReadHousehold { id, unmask: q.unmask }).await?;
    Ok(versioned(StatusCode::OK, &h))
}

/// The democratic appraisal (village approver): a majority of the votes cast puts the household on the list; otherwise it is `rejected`.
#[utoipa::path(post, path = "/v1/households/{id}:appraise", tag = "identification", request_body = Appraisal,
    params(("id" = uuid::Uuid, Path, description = "Household id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, description = "`appraised` or `rejected`", body = Household), Problems),
    security(("bearer" = [])))]
pub async fn appraise(
    s: AppState,
    p: chain_api::Principal,
    id: uuid::Uuid,
    headers: HeaderMap,
    body: Appraisal,
) -> Result<Response, ApiProblem> {
    step::<_, Household>(&s, &p, ("identification", "household.appraise"), id, &headers, body).await
}

/// The county's data matching, where the province's procedure has it (county official).
#[utoipa::path(post, path = "/v1/households/{id}:match", tag = "identification", request_body = DataMatch,
    params(("id" = uuid::Uuid, Path, description = "Household id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, description = "`matched` or `rejected`", body = Household), Problems),
    security(("bearer" = [])))]
pub async fn match_data(
    s: AppState,
    p: chain_api::Principal,
    id: uuid::Uuid,
    headers: HeaderMap,
    body: DataMatch,
) -> Result<Response, ApiProblem> {
    step::<_, Household>(&s, &p, ("identification", "household.match"), id, &headers, body).await
}

/// Verification by the village with its work team (village approver): posts the first public notice in the village; after an objection, posts it again.
#[utoipa::path(post, path = "/v1/households/{id}:verify", tag = "identification", request_body = Decision,
    params(("id" = uuid::Uuid, Path, description = "Household id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, description = "`first_notice`", body = Household), Problems),
    security(("bearer" = [])))]
pub async fn verify(
    s: AppState,
    p: chain_api::Principal,
    id: uuid::Uuid,
    headers: HeaderMap,
    body: Decision,
) -> Result<Response, ApiProblem> {
    step::<_, Household>(&s, &p, ("identification", "household.verify"), id, &headers, body).await
}

/// Township review once the village's notice has passed (township approver): posts the second public notice; after an objection, posts it again.
#[utoipa::path(post, path = "/v1/households/{id}:review", tag = "identification", request_body = Decision,
    params(("id" = uuid::Uuid, Path, description = "Household id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, description = "`second_notice`", body = Household), Problems),
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

/// County approval once the township's notice has passed (county approver): the household is identified and announced.
#[utoipa::path(post, path = "/v1/households/{id}:approve", tag = "identification", request_body = Decision,
    params(("id" = uuid::Uuid, Path, description = "Household id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, description = "`identified`", body = Household), Problems),
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

/// Turn the household down (approver of the layer holding the case), e.g. after an upheld objection; its members' IDs are released.
#[utoipa::path(post, path = "/v1/households/{id}:reject", tag = "identification", request_body = Rejection,
    params(("id" = uuid::Uuid, Path, description = "Household id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, description = "`rejected`", body = Household), Problems),
    security(("bearer" = [])))]
pub async fn reject(
    s: AppState,
    p: chain_api::Principal,
    id: uuid::Uuid,
    headers: HeaderMap,
    body: Rejection,
) -> Result<Response, ApiProblem> {
    step::<_, Household>(&s, &p, ("identification", "household.reject"), id, &headers, body).await
}

/// Record a new helper for the household (county or township official); the previous helper's
/// assignment ends the day before and stays in the history.
#[utoipa::path(post, path = "/v1/households/{id}:assign-helper", tag = "identification", request_body = AssignHelper,
    params(("id" = uuid::Uuid, Path, description = "Household id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, description = "The household with its helper history", body = Household), Problems),
    security(("bearer" = [])))]
pub async fn assign_helper(
    s: AppState,
    p: chain_api::Principal,
    id: uuid::Uuid,
    headers: HeaderMap,
    body: AssignHelper,
) -> Result<Response, ApiProblem> {
    step::<_, Household>(&s, &p, ("identification", "household.assign-helper"), id, &headers, body).await
}

/// Decide a suspected duplicate (approver of the adjudicating layer): `duplicate` turns the
/// application down; `transfer` moves the people out of the existing household and lets the
/// application into the procedure.
#[utoipa::path(post, path = "/v1/households/{id}:adjudicate", tag = "identification", request_body = Adjudicate,
    params(("id" = uuid::Uuid, Path, description = "Household id of the suspected duplicate"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, description = "`rejected` or `applied`", body = Household), Problems),
    security(("bearer" = [])))]
pub async fn adjudicate(
    s: AppState,
    p: chain_api::Principal,
    id: uuid::Uuid,
    headers: HeaderMap,
    body: Adjudicate,
) -> Result<Response, ApiProblem> {
    step::<_, Household>(&s, &p, ("identification", "household.adjudicate"), id, &headers, body).await
}

/// Propose removing a wrongly identified household (village approver; dynamic adjustment): posts the village's notice of the removal; after an objection, posts it again.
#[utoipa::path(post, path = "/v1/households/{id}:propose-removal", tag = "identification", request_body = ProposeRemoval,
    params(("id" = uuid::Uuid, Path, description = "Household id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, description = "`removal_first_notice`", body = Household), Problems),
    security(("bearer" = [])))]
pub async fn propose_removal(
    s: AppState,
    p: chain_api::Principal,
    id: uuid::Uuid,
    headers: HeaderMap,
    body: ProposeRemoval,
) -> Result<Response, ApiProblem> {
    step::<_, Household>(&s, &p, ("identification", "household.propose-removal"), id, &headers, body).await
}

/// Township review of a removal once the village's notice has passed (township approver): posts the township's notice.
#[utoipa::path(post, path = "/v1/households/{id}:review-removal", tag = "identification", request_body = Decision,
    params(("id" = uuid::Uuid, Path, description = "Household id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, description = "`removal_second_notice`", body = Household), Problems),
    security(("bearer" = [])))]
pub async fn review_removal(
    s: AppState,
    p: chain_api::Principal,
    id: uuid::Uuid,
    headers: HeaderMap,
    body: Decision,
) -> Result<Response, ApiProblem> {
    step::<_, Household>(&s, &p, ("identification", "household.review-removal"), id, &headers, body).await
}

/// County decision on a removal once both notices have passed (county approver): the household leaves the register and its IDs are freed.
#[utoipa::path(post, path = "/v1/households/{id}:approve-removal", tag = "identification", request_body = Decision,
    params(("id" = uuid::Uuid, Path, description = "Household id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, description = "`removed`", body = Household), Problems),
    security(("bearer" = [])))]
pub async fn approve_removal(
    s: AppState,
    p: chain_api::Principal,
    id: uuid::Uuid,
    headers: HeaderMap,
    body: Decision,
) -> Result<Response, ApiProblem> {
    step::<_, Household>(&s, &p, ("identification", "household.approve-removal"), id, &headers, body).await
}

/// Withdraw a removal (approver of the layer holding it; not while a notice is up): the household stays identified.
#[utoipa::path(post, path = "/v1/households/{id}:withdraw-removal", tag = "identification", request_body = Decision,
    params(("id" = uuid::Uuid, Path, description = "Household id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, description = "`identified`", body = Household), Problems),
    security(("bearer" = [])))]
pub async fn withdraw_removal(
    s: AppState,
    p: chain_api::Principal,
    id: uuid::Uuid,
    headers: HeaderMap,
    body: Decision,
) -> Result<Response, ApiProblem> {
    step::<_, Household>(&s, &p, ("identification", "household.withdraw-removal"), id, &headers, body).await
}

/// Add a member to a household (operator covering the village): the same nationwide duplicate
/// check as registration; a person in another active household is refused with it named.
#[utoipa::path(post, path = "/v1/households/{id}:add-member", tag = "identification", request_body = MemberInput,
    params(("id" = uuid::Uuid, Path, description = "Household id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, description = "The household with the new member", body = Household), Problems),
    security(("bearer" = [])))]
pub async fn add_member(
    s: AppState,
    p: chain_api::Principal,
    id: uuid::Uuid,
    headers: HeaderMap,
    body: MemberInput,
) -> Result<Response, ApiProblem> {
    step::<_, Household>(&s, &p, ("identification", "household.add-member"), id, &headers, body).await
}

/// Dispatches `POST /v1/households/{id}:<verb>`.
pub async fn custom(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(target): Path<String>,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> Result<Response, ApiProblem> {
    let (id, verb) = custom_method(&target, "household")?;
    match verb.as_str() {
        "appraise" => appraise(s, p, id, headers, decode(body)?).await,
        "match" => match_data(s, p, id, headers, decode(body)?).await,
        "verify" => verify(s, p, id, headers, decode(body)?).await,
        "review" => review(s, p, id, headers, decode(body)?).await,
        "approve" => approve(s, p, id, headers, decode(body)?).await,
        "reject" => reject(s, p, id, headers, decode(body)?).await,
        "assign-helper" => assign_helper(s, p, id, headers, decode(body)?).await,
        "adjudicate" => adjudicate(s, p, id, headers, decode(body)?).await,
        "add-member" => add_member(s, p, id, headers, decode(body)?).await,
        "propose-removal" => propose_removal(s, p, id, headers, decode(body)?).await,
        "review-removal" => review_removal(s, p, id, headers, decode(body)?).await,
        "approve-removal" => approve_removal(s, p, id, headers, decode(body)?).await,
        "withdraw-removal" => withdraw_removal(s, p, id, headers, decode(body)?).await,
        _ => Err(ApiProblem(chain_api::Problem::not_found("operation"))),
    }
}
