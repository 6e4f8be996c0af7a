//! `/v1/teams`: village work teams (驻村工作队) and first secretaries (第一书记) — opening a
//! village's team, sending and ending members, their monthly presence, the poor villages without
//! a first secretary, and the members flagged for too few days in the village. The planning
//! service holds them.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chain_api::planning::{
    AssignMember, CoverageQuery, CreateTeam, EndMember, FlagPage, FlagQuery, PresenceQuery, PresenceRecord,
    ReadPresence, ReadTeam, RecordPresence, Team, UncoveredPage,
};
use chain_api::verbs::planning::{self as verbs, SERVICE};

use crate::AppState;
use crate::auth::Auth;
use crate::custom::{Answer, BodyRule, CustomMethod, Owner, Resource};
use crate::problem::{ApiProblem, Json, Path, Query};
use crate::rest::{Problems, check_division, check_limit, parse_id, versioned};

impl Answer for Team {}
impl Answer for PresenceRecord {}

/// Open the work team of a village of your county (county operator or approver). A village becomes poor with its first identified household and gets its team then; open one here for any other village, with `designated_poor` for one designated poor (the county's team.village task opens with it).
#[utoipa::path(post, path = "/v1/teams", operation_id = "team_create", tag = "teams", request_body = CreateTeam,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, description = "Opened", body = Team, headers(("ETag" = String, description = "The version of the record, for `If-Match`"))), Problems),
    security(("bearer" = [])))]
pub async fn create(
    State(s): State<AppState>,
    Auth(p): Auth,
    Json(req): Json<CreateTeam>,
) -> Result<Response, ApiProblem> {
    let team: Team = s.bus.request(SERVICE, verbs::TEAM_CREATE, &p, &req).await?;
    Ok(versioned(StatusCode::CREATED, &team))
}

/// How to read a team.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct ReadParams {
    /// Return phone numbers unmasked: only for the `pii_reader` role, and every such read is
    /// audited.
    #[serde(default)]
    pub unmask: bool,
}

/// Read a village's work team with every member it has had, by the team's id or the village's 12-digit code; phones are masked unless a PII reader asks for them unmasked.
#[utoipa::path(get, path = "/v1/teams/{id}", operation_id = "team_get", tag = "teams",
    params(("id" = String, Path, description = "Team id, or the village's 12-digit code"), ReadParams),
    responses((status = 200, description = "The team", body = Team, headers(("ETag" = String, description = "The version of the record, for `If-Match`"))), Problems),
    security(("bearer" = [])))]
pub async fn get(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    Query(q): Query<ReadParams>,
) -> Result<Response, ApiProblem> {
    let read = if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) {
        ReadTeam { id: None, village: Some(id), unmask: q.unmask }
    } else {
        ReadTeam { id: Some(parse_id(&id, "team")?), village: None, unmask: q.unmask }
    };
    let team: Team = s.bus.request(SERVICE, verbs::TEAM_GET, &p, &read).await?;
    Ok(versioned(StatusCode::OK, &team))
}

/// Every presence record of a team's month, corrections included (by member, then version).
#[utoipa::path(get, path = "/v1/teams/{id}/presence", operation_id = "team_presence_list", tag = "teams",
    params(("id" = uuid::Uuid, Path, description = "Team id"), PresenceQuery),
    responses((status = 200, description = "The records", body = Vec<PresenceRecord>), Problems),
    security(("bearer" = [])))]
pub async fn presence(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    Query(q): Query<PresenceQuery>,
) -> Result<axum::Json<Vec<PresenceRecord>>, ApiProblem> {
    let id = parse_id(&id, "team")?;
    let records = s.bus.request(SERVICE, verbs::TEAM_PRESENCE, &p, &ReadPresence { id, month: q.month }).await?;
    Ok(axum::Json(records))
}

/// Poor villages inside your jurisdiction and the prefix with no first secretary in office today (none sent, ended, or the term over), in code order; page with `after` = the previous page's `next_after`. Read by the county or a higher layer.
#[utoipa::path(get, path = "/v1/teams/uncovered", operation_id = "team_uncovered_list", tag = "teams", params(CoverageQuery),
    responses((status = 200, description = "A page of villages", body = UncoveredPage), Problems),
    security(("bearer" = [])))]
pub async fn uncovered(
    State(s): State<AppState>,
    Auth(p): Auth,
    Query(q): Query<CoverageQuery>,
) -> Result<axum::Json<UncoveredPage>, ApiProblem> {
    check_division(q.division.as_deref())?;
    if let Some(after) = q.after.as_deref() {
        chain_domain::Division::parse(after)
            .map_err(|e| ApiProblem(chain_api::Problem::invalid("after", e.to_string())))?;
    }
    check_limit(q.limit, chain_api::limits::page::TEAMS)?;
    Ok(axum::Json(s.bus.request(SERVICE, verbs::TEAM_UNCOVERED, &p, &q).await?))
}

/// Work-team members who stayed fewer days in the village in a month than the policy asks (judged once the month and its grace period are over), inside your jurisdiction and the prefix, oldest first.
#[utoipa::path(get, path = "/v1/presence-flags", operation_id = "presence_flag_list", tag = "teams", params(FlagQuery),
    responses((status = 200, description = "A page of flags", body = FlagPage), Problems),
    security(("bearer" = [])))]
pub async fn flags(
    State(s): State<AppState>,
    Auth(p): Auth,
    Query(q): Query<FlagQuery>,
) -> Result<axum::Json<FlagPage>, ApiProblem> {
    check_division(q.division.as_deref())?;
    check_limit(q.limit, chain_api::limits::page::TEAMS)?;
    Ok(axum::Json(s.bus.request(SERVICE, verbs::TEAM_FLAGS, &p, &q).await?))
}

/// `POST /v1/teams/{id}:<method>`: the changes to a team, each answered with the team (or the
/// presence record) and its new `ETag`.
pub static STEPS: Resource = Resource {
    path: "/v1/teams/{id}",
    what: "team",
    tag: "teams",
    id_doc: "Team id",
    if_match_doc: "ETag of the version you read",
    owner: Owner::Service(SERVICE),
    body: BodyRule::Json,
    methods: &[
        CustomMethod::new::<AssignMember, Team>("assign-member", verbs::TEAM_ASSIGN_MEMBER)
            .doc(
                "Send a member (county operator or approver of the village's county), from a unit of the county \
                or a higher layer. A first secretary's term is at most the policy's (2 years); a new one replaces \
                the current one, whose membership ends the day before, and signs off the county's team.village task.",
            )
            .answers("the team with the member"),
        CustomMethod::new::<EndMember, Team>("end-member", verbs::TEAM_END_MEMBER)
            .doc("End a membership within its term, with a reason (county operator or approver); the member stays on record.")
            .answers("the team"),
        CustomMethod::new::<RecordPresence, PresenceRecord>("record-presence", verbs::TEAM_RECORD_PRESENCE)
            .doc(
                "Record a member's days in the village for a month (operator or approver covering the village); \
                another record for the same month is a correction, its next version. `If-Match` is the version \
                of the month's record you read (0 for none).",
            )
            .answers("the record, its version in the `ETag`")
            .if_match_doc("Version of the month's record you read (0 for none)"),
    ],
};
