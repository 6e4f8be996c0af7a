//! `/v1/plans`: household assistance plans — drafting, the household's acknowledgement, the
//! township's submission, the county's approval or return, milestone reports, revisions — and
//! `/v1/plan-rules`, the cause → measure rules they are judged by.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chain_api::monitoring::Reason;
use chain_api::planning::{
    AcknowledgePlan, CoveragePage, CreatePlan, Plan, PlanCoverageQuery, PlanPage, PlanQuery, PlanRules,
    ReportMilestone, RevisePlan, RevisionRef, RulesQuery,
};
use chain_api::step::{ById, Decision};
use chain_api::verbs::planning::{self as verbs, SERVICE};

use crate::AppState;
use crate::auth::Auth;
use crate::custom::{BodyRule, CustomMethod, Owner, Resource};
use crate::problem::{ApiProblem, Json, Path, Query};
use crate::rest::{Problems, check_division, parse_id, versioned};

/// Draft the plan of an identified household (operator of its village or township): the household's wishes in its own words, measures that together answer every recorded cause under the cause → measure rules (`GET /v1/plan-rules`), each with its milestones, budget and expected income, and the responsible helper.
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
    methods: &[
        CustomMethod::new::<AcknowledgePlan, Plan>("acknowledge", verbs::PLAN_ACKNOWLEDGE)
            .doc(
                "Record the household's acknowledgement of the draft (operator of its village or township): who \
                and on which day; a draft is submitted only once acknowledged.",
            )
            .answers("Acknowledged"),
        CustomMethod::new::<RevisePlan, Plan>("revise", verbs::PLAN_REVISE)
            .doc(
                "New content for the plan (operator of its village or township): a draft is replaced (the \
                household acknowledges again); an approved, started or completed plan gets a new revision that \
                goes through submission and approval again, the earlier one readable under \
                `/v1/plans/{id}/revisions/{revision}`.",
            )
            .answers("Revised; status `draft`"),
        CustomMethod::new::<Decision, Plan>("submit", verbs::PLAN_SUBMIT)
            .doc(
                "Submit the acknowledged draft to the county (township official); a plan whose projected income \
                stays at or below the poverty line needs its `justification` first.",
            )
            .answers("Submitted"),
        CustomMethod::new::<Decision, Plan>("approve", verbs::PLAN_APPROVE)
            .doc(
                "Approve a submitted plan (county approver): each milestone gets a village task due at the end of \
                its day, and the approved plan is announced with its measures and budgets.",
            )
            .answers("Approved"),
        CustomMethod::new::<Reason, Plan>("return", verbs::PLAN_RETURN)
            .doc("Return a submitted plan to the township for rework, saying why (county approver).")
            .answers("Returned; status `draft`"),
        CustomMethod::new::<ReportMilestone, Plan>("report-milestone", verbs::PLAN_REPORT_MILESTONE)
            .doc(
                "Report a milestone of an approved plan done (village official): the day and what was seen. The \
                first report starts the plan, the last completes it.",
            )
            .answers("Reported; status `in_progress` or `completed`"),
    ],
};

/// Read a revision of a plan: the current one as it is, an earlier one as it was when the next replaced it.
#[utoipa::path(get, path = "/v1/plans/{id}/revisions/{revision}", operation_id = "plan_revision_get", tag = "planning",
    params(("id" = uuid::Uuid, Path, description = "Plan id"), ("revision" = i32, Path, description = "Revision (1 for the first)")),
    responses((status = 200, description = "The plan at that revision", body = Plan), Problems),
    security(("bearer" = [])))]
pub async fn revision(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path((id, revision)): Path<(String, String)>,
) -> Result<axum::Json<Plan>, ApiProblem> {
    let id = parse_id(&id, "plan")?;
    let revision = revision.parse().map_err(|_| ApiProblem(chain_api::Problem::not_found("revision")))?;
    Ok(axum::Json(s.bus.request(SERVICE, verbs::PLAN_REVISION, &p, &RevisionRef { id, revision }).await?))
}

/// The cause → measure rules in force: which measure kinds answer each of the twelve causes, and the batch of each kind, for a year and (optionally) a province with its own rules.
#[utoipa::path(get, path = "/v1/plan-rules", operation_id = "plan_rules_get", tag = "planning", params(RulesQuery),
    responses((status = 200, description = "The rules", body = PlanRules), Problems),
    security(("bearer" = [])))]
pub async fn rules(
    State(s): State<AppState>,
    Auth(p): Auth,
    Query(q): Query<RulesQuery>,
) -> Result<axum::Json<PlanRules>, ApiProblem> {
    Ok(axum::Json(s.bus.request(SERVICE, verbs::PLAN_RULES, &p, &q).await?))
}

/// Plans inside the caller's jurisdiction and the division prefix, filtered by status, measure kind, cause answered and overdue milestones, in id order; page with `after` = the previous page's `next_after`.
#[utoipa::path(get, path = "/v1/plans", operation_id = "plan_list", tag = "planning", params(PlanQuery),
    responses((status = 200, description = "A page of plans", body = PlanPage), Problems),
    security(("bearer" = [])))]
pub async fn list(
    State(s): State<AppState>,
    Auth(p): Auth,
    Query(q): Query<PlanQuery>,
) -> Result<axum::Json<PlanPage>, ApiProblem> {
    check_division(q.division.as_deref())?;
    Ok(axum::Json(s.bus.request(SERVICE, verbs::PLAN_LIST, &p, &q).await?))
}

/// How far planning reaches per county, township or village inside the caller's jurisdiction and the prefix: identified households, with a plan, with an approved plan, completed, and milestones overdue; page with `after` = the previous page's `next_after`.
#[utoipa::path(get, path = "/v1/plan-coverage", operation_id = "plan_coverage_list", tag = "planning", params(PlanCoverageQuery),
    responses((status = 200, description = "Coverage per division, by code", body = CoveragePage), Problems),
    security(("bearer" = [])))]
pub async fn coverage(
    State(s): State<AppState>,
    Auth(p): Auth,
    Query(q): Query<PlanCoverageQuery>,
) -> Result<axum::Json<CoveragePage>, ApiProblem> {
    check_division(q.division.as_deref())?;
    if let Some(after) = q.after.as_deref() {
        chain_domain::Division::parse(after)
            .map_err(|e| ApiProblem(chain_api::Problem::invalid("after", e.to_string())))?;
    }
    Ok(axum::Json(s.bus.request(SERVICE, verbs::PLAN_COVERAGE, &p, &q).await?))
}
