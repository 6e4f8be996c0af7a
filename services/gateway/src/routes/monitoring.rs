//! `/v1/monitoring`: return-to-poverty monitoring (防返贫动态监测) — opening a case from a signal,
//! the steps from home visit to the county's decision, assistance measures, risk removal and
//! reinstatement. The identification service holds the cases.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chain_api::identification::{Appraisal, DataMatch};
use chain_api::monitoring::{
    Consent, HomeVisit, MonitoringCase, MonitoringDecision, MonitoringQuery, NewMeasure, OpenMonitoringCase, Reason,
    RemoveRisk,
};
use chain_api::step::{ById, Decision};

use super::exits::decode;
use super::tasks::check_division;
use super::{Problems, custom_method, parse_id, step, versioned};
use crate::AppState;
use crate::auth::Auth;
use crate::problem::{ApiProblem, Json, Path, Query};

const SERVICE: &str = "identification";

/// Open a monitoring case from a signal (operator within jurisdiction); refused with 422 unless the household is in the range (income below 1.5 × the line, rigid spending above income, or a sharp drop).
#[utoipa::path(post, path = "/v1/monitoring", tag = "monitoring", operation_id = "monitoring_open", request_body = OpenMonitoringCase,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, description = "Opened; status `alerted`", body = MonitoringCase), Problems),
    security(("bearer" = [])))]
pub async fn open(
    State(s): State<AppState>,
    Auth(p): Auth,
    Json(req): Json<OpenMonitoringCase>,
) -> Result<Response, ApiProblem> {
    let c: MonitoringCase = s.bus.request(SERVICE, "monitoring.open", &p, &req).await?;
    Ok(versioned(StatusCode::CREATED, &c))
}

/// Monitoring cases within your jurisdiction, oldest first (at most 500).
#[utoipa::path(get, path = "/v1/monitoring", tag = "monitoring", operation_id = "monitoring_list", params(MonitoringQuery),
    responses((status = 200, description = "The cases", body = Vec<MonitoringCase>), Problems),
    security(("bearer" = [])))]
pub async fn list(
    State(s): State<AppState>,
    Auth(p): Auth,
    Query(q): Query<MonitoringQuery>,
) -> Result<axum::Json<Vec<MonitoringCase>>, ApiProblem> {
    check_division(q.division.as_deref())?;
    let cases: Vec<MonitoringCase> = s.bus.request(SERVICE, "monitoring.list", &p, &q).await?;
    Ok(axum::Json(cases))
}

/// Read a monitoring case; the head's resident ID is masked.
#[utoipa::path(get, path = "/v1/monitoring/{id}", tag = "monitoring", operation_id = "monitoring_get",
    params(("id" = uuid::Uuid, Path, description = "Case id")),
    responses((status = 200, description = "The case", body = MonitoringCase), Problems),
    security(("bearer" = [])))]
pub async fn get(State(s): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> Result<Response, ApiProblem> {
    let id = parse_id(&id, "monitoring case")?;
    let c: MonitoringCase = s.bus.request(SERVICE, "monitoring.get", &p, &ById { id }).await?;
    Ok(versioned(StatusCode::OK, &c))
}

/// The home visit (village operator or approver); may correct the labour capacity.
#[utoipa::path(post, path = "/v1/monitoring/{id}:visit", tag = "monitoring", operation_id = "monitoring_visit", request_body = HomeVisit,
    params(("id" = uuid::Uuid, Path, description = "Case id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, description = "`visited`", body = MonitoringCase), Problems),
    security(("bearer" = [])))]
pub async fn visit(
    s: AppState,
    p: chain_api::Principal,
    id: uuid::Uuid,
    headers: HeaderMap,
    body: HomeVisit,
) -> Result<Response, ApiProblem> {
    step::<_, MonitoringCase>(&s, &p, (SERVICE, "monitoring.visit"), id, &headers, body).await
}

/// The household's consent (village operator or approver); without it the case is closed.
#[utoipa::path(post, path = "/v1/monitoring/{id}:consent", tag = "monitoring", operation_id = "monitoring_consent", request_body = Consent,
    params(("id" = uuid::Uuid, Path, description = "Case id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, description = "`consented`, or `declined` (tasks cancelled)", body = MonitoringCase), Problems),
    security(("bearer" = [])))]
pub async fn consent(
    s: AppState,
    p: chain_api::Principal,
    id: uuid::Uuid,
    headers: HeaderMap,
    body: Consent,
) -> Result<Response, ApiProblem> {
    step::<_, MonitoringCase>(&s, &p, (SERVICE, "monitoring.consent"), id, &headers, body).await
}

/// Data matching against other agencies' records (county operator or approver).
#[utoipa::path(post, path = "/v1/monitoring/{id}:match", tag = "monitoring", operation_id = "monitoring_match_data", request_body = DataMatch,
    params(("id" = uuid::Uuid, Path, description = "Case id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, description = "`matched`, or `not_included` (tasks cancelled)", body = MonitoringCase), Problems),
    security(("bearer" = [])))]
pub async fn match_data(
    s: AppState,
    p: chain_api::Principal,
    id: uuid::Uuid,
    headers: HeaderMap,
    body: DataMatch,
) -> Result<Response, ApiProblem> {
    step::<_, MonitoringCase>(&s, &p, (SERVICE, "monitoring.match"), id, &headers, body).await
}

/// The village's democratic appraisal (village approver): a majority of the votes cast.
#[utoipa::path(post, path = "/v1/monitoring/{id}:appraise", tag = "monitoring", operation_id = "monitoring_appraise", request_body = Appraisal,
    params(("id" = uuid::Uuid, Path, description = "Case id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, description = "`appraised`, or `not_included` (tasks cancelled)", body = MonitoringCase), Problems),
    security(("bearer" = [])))]
pub async fn appraise(
    s: AppState,
    p: chain_api::Principal,
    id: uuid::Uuid,
    headers: HeaderMap,
    body: Appraisal,
) -> Result<Response, ApiProblem> {
    step::<_, MonitoringCase>(&s, &p, (SERVICE, "monitoring.appraise"), id, &headers, body).await
}

/// The village posts its public notice (≥ 5 days; village approver); after an objection, once it is resolved.
#[utoipa::path(post, path = "/v1/monitoring/{id}:post-notice", tag = "monitoring", operation_id = "monitoring_post_notice", request_body = Decision,
    params(("id" = uuid::Uuid, Path, description = "Case id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, description = "`notice`; it passes to `awaiting_township`, an objection makes it `objected`", body = MonitoringCase), Problems),
    security(("bearer" = [])))]
pub async fn post_notice(
    s: AppState,
    p: chain_api::Principal,
    id: uuid::Uuid,
    headers: HeaderMap,
    body: Decision,
) -> Result<Response, ApiProblem> {
    step::<_, MonitoringCase>(&s, &p, (SERVICE, "monitoring.post-notice"), id, &headers, body).await
}

/// Township review once the notice has passed (township approver).
#[utoipa::path(post, path = "/v1/monitoring/{id}:review", tag = "monitoring", operation_id = "monitoring_review", request_body = Decision,
    params(("id" = uuid::Uuid, Path, description = "Case id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, description = "`awaiting_county`", body = MonitoringCase), Problems),
    security(("bearer" = [])))]
pub async fn review(
    s: AppState,
    p: chain_api::Principal,
    id: uuid::Uuid,
    headers: HeaderMap,
    body: Decision,
) -> Result<Response, ApiProblem> {
    step::<_, MonitoringCase>(&s, &p, (SERVICE, "monitoring.review"), id, &headers, body).await
}

/// The county's decision (county approver), due within 15 days of the first signal.
#[utoipa::path(post, path = "/v1/monitoring/{id}:decide", tag = "monitoring", operation_id = "monitoring_decide", request_body = MonitoringDecision,
    params(("id" = uuid::Uuid, Path, description = "Case id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, description = "`included` or `not_included`", body = MonitoringCase), Problems),
    security(("bearer" = [])))]
pub async fn decide(
    s: AppState,
    p: chain_api::Principal,
    id: uuid::Uuid,
    headers: HeaderMap,
    body: MonitoringDecision,
) -> Result<Response, ApiProblem> {
    step::<_, MonitoringCase>(&s, &p, (SERVICE, "monitoring.decide"), id, &headers, body).await
}

/// Record an assistance measure on an included household (operator or approver of any layer over the village).
#[utoipa::path(post, path = "/v1/monitoring/{id}:add-measure", tag = "monitoring", operation_id = "monitoring_add_measure", request_body = NewMeasure,
    params(("id" = uuid::Uuid, Path, description = "Case id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, description = "the case with the measure", body = MonitoringCase), Problems),
    security(("bearer" = [])))]
pub async fn add_measure(
    s: AppState,
    p: chain_api::Principal,
    id: uuid::Uuid,
    headers: HeaderMap,
    body: NewMeasure,
) -> Result<Response, ApiProblem> {
    step::<_, MonitoringCase>(&s, &p, (SERVICE, "monitoring.add-measure"), id, &headers, body).await
}

/// Remove the risk (county approver): income stable above the range for half a year, monitored half a year with a measure; never for a household without labour; no quotas.
#[utoipa::path(post, path = "/v1/monitoring/{id}:remove-risk", tag = "monitoring", operation_id = "monitoring_remove_risk", request_body = RemoveRisk,
    params(("id" = uuid::Uuid, Path, description = "Case id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, description = "`risk_removed`", body = MonitoringCase), Problems),
    security(("bearer" = [])))]
pub async fn remove_risk(
    s: AppState,
    p: chain_api::Principal,
    id: uuid::Uuid,
    headers: HeaderMap,
    body: RemoveRisk,
) -> Result<Response, ApiProblem> {
    step::<_, MonitoringCase>(&s, &p, (SERVICE, "monitoring.remove-risk"), id, &headers, body).await
}

/// Put a household whose risk was removed back under monitoring (county approver), with a reason.
#[utoipa::path(post, path = "/v1/monitoring/{id}:reinstate", tag = "monitoring", operation_id = "monitoring_reinstate", request_body = Reason,
    params(("id" = uuid::Uuid, Path, description = "Case id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, description = "`included`", body = MonitoringCase), Problems),
    security(("bearer" = [])))]
pub async fn reinstate(
    s: AppState,
    p: chain_api::Principal,
    id: uuid::Uuid,
    headers: HeaderMap,
    body: Reason,
) -> Result<Response, ApiProblem> {
    step::<_, MonitoringCase>(&s, &p, (SERVICE, "monitoring.reinstate"), id, &headers, body).await
}

/// Dispatches `POST /v1/monitoring/{id}:<verb>`.
pub async fn custom(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(target): Path<String>,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> Result<Response, ApiProblem> {
    let (id, verb) = custom_method(&target, "monitoring case")?;
    match verb.as_str() {
        "visit" => visit(s, p, id, headers, decode(body)?).await,
        "consent" => consent(s, p, id, headers, decode(body)?).await,
        "match" => match_data(s, p, id, headers, decode(body)?).await,
        "appraise" => appraise(s, p, id, headers, decode(body)?).await,
        "post-notice" => post_notice(s, p, id, headers, decode(body)?).await,
        "review" => review(s, p, id, headers, decode(body)?).await,
        "decide" => decide(s, p, id, headers, decode(body)?).await,
        "add-measure" => add_measure(s, p, id, headers, decode(body)?).await,
        "remove-risk" => remove_risk(s, p, id, headers, decode(body)?).await,
        "reinstate" => reinstate(s, p, id, headers, decode(body)?).await,
        _ => Err(ApiProblem(chain_api::Problem::not_found("operation"))),
    }
}
