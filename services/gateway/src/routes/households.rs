//! `/v1/households`: registration of poor households and the steps of the identification
//! procedure (appraisal, data matching, verification and the two notices, review, approval).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chain_api::card::AssignHelper;
use chain_api::identification::{
    Adjudicate, Appraisal, DataMatch, Household, HouseholdStatus, MemberInput, ProposeRemoval, ReadHousehold,
    RegisterHousehold, Rejection,
};
use chain_api::step::Decision;
use chain_api::verbs::identification::{self as verbs, SERVICE};

use crate::AppState;
use crate::auth::Auth;
use crate::custom::{BodyRule, CustomMethod, Owner, Resource};
use crate::problem::{ApiProblem, Json, Path, Query};
use crate::rest::{Problems, parse_id, versioned};

/// Register a household application in a village (village operator).
#[utoipa::path(post, path = "/v1/households", operation_id = "household_register", tag = "identification", request_body = RegisterHousehold,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, description = "Registered; status `applied`", body = Household, headers(("ETag" = String, description = "The version of the record, for `If-Match`"))),
        (status = 202, description = "Kept as a `suspected_duplicate`: a member's ID is in another active household; `adjudication` names the task that decides", body = Household, headers(("ETag" = String, description = "The version of the record, for `If-Match`"))),
        Problems),
    security(("bearer" = [])))]
pub async fn register(
    State(s): State<AppState>,
    Auth(p): Auth,
    Json(req): Json<RegisterHousehold>,
) -> Result<Response, ApiProblem> {
    let h: Household = s.bus.request(SERVICE, verbs::HOUSEHOLD_REGISTER, &p, &req).await?;
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
#[utoipa::path(get, path = "/v1/households/{id}", operation_id = "household_get", tag = "identification",
    params(("id" = uuid::Uuid, Path, description = "Household id"), ReadParams),
    responses((status = 200, description = "The household", body = Household, headers(("ETag" = String, description = "The version of the record, for `If-Match`"))), Problems),
    security(("bearer" = [])))]
pub async fn get(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    Query(q): Query<ReadParams>,
) -> Result<Response, ApiProblem> {
    let id = parse_id(&id, "household")?;
    let h: Household =
        s.bus.request(SERVICE, verbs::HOUSEHOLD_GET, &p, &ReadHousehold { id, unmask: q.unmask }).await?;
    Ok(versioned(StatusCode::OK, &h))
}

/// `POST /v1/households/{id}:<method>`: the steps of the procedure and the later changes to a
/// household, each answered with the household and its new `ETag`.
pub static STEPS: Resource = Resource {
    path: "/v1/households/{id}",
    what: "household",
    tag: "identification",
    id_doc: "Household id",
    if_match_doc: "ETag of the version you read",
    owner: Owner::Service(SERVICE),
    body: BodyRule::Json,
    methods: &[
        CustomMethod::new::<Appraisal, Household>("appraise", verbs::HOUSEHOLD_APPRAISE)
            .doc(
                "The democratic appraisal (village approver): a majority of the votes cast puts the household \
                on the list; otherwise it is `rejected`.",
            )
            .answers("`appraised` or `rejected`"),
        CustomMethod::new::<DataMatch, Household>("match", verbs::HOUSEHOLD_MATCH)
            .doc("The county's data matching, where the province's procedure has it (county official).")
            .answers("`matched` or `rejected`"),
        CustomMethod::new::<Decision, Household>("verify", verbs::HOUSEHOLD_VERIFY)
            .doc(
                "Verification by the village with its work team (village approver): posts the first public \
                notice in the village; after an objection, posts it again.",
            )
            .answers("`first_notice`"),
        CustomMethod::new::<Decision, Household>("review", verbs::HOUSEHOLD_REVIEW)
            .doc(
                "Township review once the village's notice has passed (township approver): posts the second \
                public notice; after an objection, posts it again.",
            )
            .answers("`second_notice`"),
        CustomMethod::new::<Decision, Household>("approve", verbs::HOUSEHOLD_APPROVE)
            .doc(
                "County approval once the township's notice has passed (county approver): the household is \
                identified and announced.",
            )
            .answers("`identified`"),
        CustomMethod::new::<Rejection, Household>("reject", verbs::HOUSEHOLD_REJECT)
            .doc(
                "Turn the household down (approver of the layer holding the case), e.g. after an upheld \
                objection; its members' IDs are released.",
            )
            .answers("`rejected`"),
        CustomMethod::new::<AssignHelper, Household>("assign-helper", verbs::HOUSEHOLD_ASSIGN_HELPER)
            .doc(
                "Record a new helper for the household (county or township official); the previous helper's \
                assignment ends the day before and stays in the history.",
            )
            .answers("The household with its helper history"),
        CustomMethod::new::<Adjudicate, Household>("adjudicate", verbs::HOUSEHOLD_ADJUDICATE)
            .doc(
                "Decide a suspected duplicate (approver of the adjudicating layer): `duplicate` turns the \
                application down; `transfer` moves the people out of the existing household and lets the \
                application into the procedure.",
            )
            .answers("`rejected` or `applied`")
            .id_doc("Household id of the suspected duplicate"),
        CustomMethod::new::<MemberInput, Household>("add-member", verbs::HOUSEHOLD_ADD_MEMBER)
            .doc(
                "Add a member to a household (operator covering the village): the same nationwide duplicate \
                check as registration; a person in another active household is refused with it named.",
            )
            .answers("The household with the new member"),
        CustomMethod::new::<ProposeRemoval, Household>("propose-removal", verbs::HOUSEHOLD_PROPOSE_REMOVAL)
            .doc(
                "Propose removing a wrongly identified household (village approver; dynamic adjustment): posts \
                the village's notice of the removal; after an objection, posts it again.",
            )
            .answers("`removal_first_notice`"),
        CustomMethod::new::<Decision, Household>("review-removal", verbs::HOUSEHOLD_REVIEW_REMOVAL)
            .doc(
                "Township review of a removal once the village's notice has passed (township approver): posts \
                the township's notice.",
            )
            .answers("`removal_second_notice`"),
        CustomMethod::new::<Decision, Household>("approve-removal", verbs::HOUSEHOLD_APPROVE_REMOVAL)
            .doc(
                "County decision on a removal once both notices have passed (county approver): the household \
                leaves the register and its IDs are freed.",
            )
            .answers("`removed`"),
        CustomMethod::new::<Decision, Household>("withdraw-removal", verbs::HOUSEHOLD_WITHDRAW_REMOVAL)
            .doc(
                "Withdraw a removal (approver of the layer holding it; not while a notice is up): the household \
                stays identified.",
            )
            .answers("`identified`"),
    ],
};
