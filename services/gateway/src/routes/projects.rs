//! `/v1/projects`: the county project library (项目库) — proposals by a village or township, the
//! county's review, the disclosure of the plan on the board, approval, implementation,
//! acceptance, closing with the evaluation, and the payments to a project. The funding service
//! holds them.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chain_api::projects::{Evaluation, PayProject, Project, ProjectPage, ProjectPayment, ProjectQuery, ProposeProject};
use chain_api::step::{ById, Decision};
use chain_api::verbs::funding::{self as verbs, SERVICE};

use crate::AppState;
use crate::auth::Auth;
use crate::custom::{Answer, BodyRule, CustomMethod, Owner, Resource};
use crate::problem::{ApiProblem, Json, Path, Query};
use crate::rest::{Problems, check_division, parse_id, versioned};

impl Answer for Project {}

/// A payment is a new record.
impl Answer for ProjectPayment {
    const STATUS: StatusCode = StatusCode::CREATED;
}

/// Propose a project for the county's library (operator or approver of a village or township): its site (villages of your own village or township), tasks, subsidy standard, fund sources, implementer, responsible person, budget with its planned management fee (at most the policy's 1%), performance targets and how poor households benefit.
#[utoipa::path(post, path = "/v1/projects", operation_id = "project_propose", tag = "projects", request_body = ProposeProject,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, description = "Proposed", body = Project, headers(("ETag" = String, description = "The version of the record, for `If-Match`"))), Problems),
    security(("bearer" = [])))]
pub async fn propose(
    State(s): State<AppState>,
    Auth(p): Auth,
    Json(req): Json<ProposeProject>,
) -> Result<Response, ApiProblem> {
    let project: Project = s.bus.request(SERVICE, verbs::PROJECT_PROPOSE, &p, &req).await?;
    Ok(versioned(StatusCode::CREATED, &project))
}

/// Projects whose county, or a village of whose site, lies inside the caller's jurisdiction and the prefix, by year and status, in id order; page with `after` = the previous page's `next_after`.
#[utoipa::path(get, path = "/v1/projects", operation_id = "project_list", tag = "projects", params(ProjectQuery),
    responses((status = 200, description = "A page of projects", body = ProjectPage), Problems),
    security(("bearer" = [])))]
pub async fn list(
    State(s): State<AppState>,
    Auth(p): Auth,
    Query(q): Query<ProjectQuery>,
) -> Result<axum::Json<ProjectPage>, ApiProblem> {
    check_division(q.division.as_deref())?;
    Ok(axum::Json(s.bus.request(SERVICE, verbs::PROJECT_LIST, &p, &q).await?))
}

/// Read a project.
#[utoipa::path(get, path = "/v1/projects/{id}", operation_id = "project_get", tag = "projects",
    params(("id" = uuid::Uuid, Path, description = "Project id")),
    responses((status = 200, description = "The project", body = Project, headers(("ETag" = String, description = "The version of the record, for `If-Match`"))), Problems),
    security(("bearer" = [])))]
pub async fn get(State(s): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> Result<Response, ApiProblem> {
    let id = parse_id(&id, "project")?;
    let project: Project = s.bus.request(SERVICE, verbs::PROJECT_GET, &p, &ById { id }).await?;
    Ok(versioned(StatusCode::OK, &project))
}

/// `POST /v1/projects/{id}:<method>`: a project's steps and payments.
pub static STEPS: Resource = Resource {
    path: "/v1/projects/{id}",
    what: "project",
    tag: "projects",
    id_doc: "Project id",
    if_match_doc: "ETag of the version you read",
    owner: Owner::Service(SERVICE),
    body: BodyRule::Json,
    methods: &[
        CustomMethod::new::<Decision, Project>("admit", verbs::PROJECT_ADMIT)
            .doc("Admit a proposed project to the county's library for its year (county approver).")
            .answers("In the library"),
        CustomMethod::new::<Decision, Project>("reject", verbs::PROJECT_REJECT)
            .doc("Refuse a proposed project (county approver); its tasks are withdrawn.")
            .answers("Rejected"),
        CustomMethod::new::<Decision, Project>("disclose", verbs::PROJECT_DISCLOSE)
            .doc(
                "Post the plan of a library project on the proposer's board (operator or approver of the proposer or \
                the county): the `funds.disclosure` notice, at least 10 days. When it passes without objection the \
                project is disclosed; an objection sends it back until it is disclosed again.",
            )
            .answers("Posted"),
        CustomMethod::new::<Decision, Project>("approve", verbs::PROJECT_APPROVE)
            .doc("Approve a disclosed project (county approver): its procedure is signed off.")
            .answers("Approved"),
        CustomMethod::new::<Decision, Project>("start", verbs::PROJECT_START)
            .doc("Start carrying out an approved project (county approver): tranches may be paid.")
            .answers("In implementation"),
        CustomMethod::new::<Decision, Project>("accept", verbs::PROJECT_ACCEPT)
            .doc("Accept a completed project (验收, county approver): the final payment may be made.")
            .answers("Accepted"),
        CustomMethod::new::<Evaluation, Project>("close", verbs::PROJECT_CLOSE)
            .doc("Close an accepted project with its performance evaluated (county approver): nothing more is paid.")
            .answers("Closed"),
        CustomMethod::new::<PayProject, ProjectPayment>("pay", verbs::PROJECT_PAY)
            .doc(
                "Pay a project in implementation (or accepted) from one of the county's accounts of a fund it names \
                (county approver). The `tranche` is the payment's business key: the same key is paid once — with the \
                same content the first payment is answered again, with other content it is a conflict. Refused past \
                the budget, or past the management-fee cap for a fee.",
            )
            .answers("Paid"),
    ],
};
