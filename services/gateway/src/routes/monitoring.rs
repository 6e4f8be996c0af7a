//! `/v1/monitoring`: return-to-poverty monitoring (防返贫动态监测) — opening a case from a signal,
//! the steps from home visit to the county's decision, assistance measures, risk removal and
//! reinstatement. The identification service holds the cases.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chain_api::identification::{Appraisal, DataMatch};
use chain_api::monitoring::{
    Consent, HomeVisit, MonitoringCase, MonitoringDecision, MonitoringQuery, NewMeasure, OpenMonitoringCase, Reason,
    RemoveRisk,
};
use chain_api::step::{ById, Decision};
use chain_api::verbs::identification::{self as verbs, SERVICE};

use crate::AppState;
use crate::auth::Auth;
use crate::custom::{BodyRule, CustomMethod, Owner, Resource};
use crate::problem::{ApiProblem, Json, Path, Query};
use crate::rest::{Problems, check_division, parse_id, versioned};

/// Open a monitoring case from a signal (operator within jurisdiction); refused with 422 unless the household is in the range (income below 1.5 × the line, rigid spending above income, or a sharp drop).
#[utoipa::path(post, path = "/v1/monitoring", operation_id = "monitoring_case_open", tag = "monitoring", request_body = OpenMonitoringCase,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, description = "Opened; status `alerted`", body = MonitoringCase, headers(("ETag" = String, description = "The version of the record, for `If-Match`"))), Problems),
    security(("bearer" = [])))]
pub async fn open(
    State(s): State<AppState>,
    Auth(p): Auth,
    Json(req): Json<OpenMonitoringCase>,
) -> Result<Response, ApiProblem> {
    let c: MonitoringCase = s.bus.request(SERVICE, verbs::MONITORING_OPEN, &p, &req).await?;
    Ok(versioned(StatusCode::CREATED, &c))
}

/// Monitoring cases within your jurisdiction, oldest first (at most 500).
#[utoipa::path(get, path = "/v1/monitoring", operation_id = "monitoring_case_list", tag = "monitoring", params(MonitoringQuery),
    responses((status = 200, description = "The cases", body = Vec<MonitoringCase>), Problems),
    security(("bearer" = [])))]
pub async fn list(
    State(s): State<AppState>,
    Auth(p): Auth,
    Query(q): Query<MonitoringQuery>,
) -> Result<axum::Json<Vec<MonitoringCase>>, ApiProblem> {
    check_division(q.division.as_deref())?;
    let cases: Vec<MonitoringCase> = s.bus.request(SERVICE, verbs::MONITORING_LIST, &p, &q).await?;
    Ok(axum::Json(cases))
}

/// Read a monitoring case; the head's resident ID is masked.
#[utoipa::path(get, path = "/v1/monitoring/{id}", operation_id = "monitoring_case_get", tag = "monitoring",
    params(("id" = uuid::Uuid, Path, description = "Case id")),
    responses((status = 200, description = "The case", body = MonitoringCase, headers(("ETag" = String, description = "The version of the record, for `If-Match`"))), Problems),
    security(("bearer" = [])))]
pub async fn get(State(s): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> Result<Response, ApiProblem> {
    let id = parse_id(&id, "monitoring case")?;
    let c: MonitoringCase = s.bus.request(SERVICE, verbs::MONITORING_GET, &p, &ById { id }).await?;
    Ok(versioned(StatusCode::OK, &c))
}

/// `POST /v1/monitoring/{id}:<method>`: the steps of a monitoring case, each answered with the case
/// and its new `ETag`.
pub static STEPS: Resource = Resource {
    path: "/v1/monitoring/{id}",
    what: "monitoring case",
    tag: "monitoring",
    id_doc: "Case id",
    if_match_doc: "ETag of the version you read",
    owner: Owner::Service(SERVICE),
    body: BodyRule::Json,
    methods: &[
        CustomMethod::new::<HomeVisit, MonitoringCase>("visit", verbs::MONITORING_VISIT)
            .doc("The home visit (village operator or approver); may correct the labour capacity.")
            .answers("`visited`"),
        CustomMethod::new::<Consent, MonitoringCase>("consent", verbs::MONITORING_CONSENT)
            .doc("The household's consent (village operator or approver); without it the case is closed.")
            .answers("`consented`, or `declined` (tasks cancelled)"),
        CustomMethod::new::<DataMatch, MonitoringCase>("match", verbs::MONITORING_MATCH)
            .doc("Data matching against other agencies' records (county operator or approver).")
            .answers("`matched`, or `not_included` (tasks cancelled)"),
        CustomMethod::new::<Appraisal, MonitoringCase>("appraise", verbs::MONITORING_APPRAISE)
            .doc("The village's democratic appraisal (village approver): a majority of the votes cast.")
            .answers("`appraised`, or `not_included` (tasks cancelled)"),
        CustomMethod::new::<Decision, MonitoringCase>("post-notice", verbs::MONITORING_POST_NOTICE)
            .doc(
                "The village posts its public notice (≥ 5 days; village approver); after an objection, once it \
                is resolved.",
            )
            .answers("`notice`; it passes to `awaiting_township`, an objection makes it `objected`"),
        CustomMethod::new::<Decision, MonitoringCase>("review", verbs::MONITORING_REVIEW)
            .doc("Township review once the notice has passed (township approver).")
            .answers("`awaiting_county`"),
        CustomMethod::new::<MonitoringDecision, MonitoringCase>("decide", verbs::MONITORING_DECIDE)
            .doc("The county's decision (county approver), due within 15 days of the first signal.")
            .answers("`included` or `not_included`"),
        CustomMethod::new::<NewMeasure, MonitoringCase>("add-measure", verbs::MONITORING_ADD_MEASURE)
            .doc(
                "Record an assistance measure on an included household (operator or approver of any layer over \
                the village).",
            )
            .answers("the case with the measure"),
        CustomMethod::new::<RemoveRisk, MonitoringCase>("remove-risk", verbs::MONITORING_REMOVE_RISK)
            .doc(
                "Remove the risk (county approver): income stable above the range for half a year, monitored \
                half a year with a measure; never for a household without labour; no quotas.",
            )
            .answers("`risk_removed`"),
        CustomMethod::new::<Reason, MonitoringCase>("reinstate", verbs::MONITORING_REINSTATE)
            .doc("Put a household whose risk was removed back under monitoring (county approver), with a reason.")
            .answers("`included`"),
    ],
};
