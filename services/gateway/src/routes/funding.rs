//! `/v1/allocations`, `/v1/allocation-plans`, `/v1/disbursements`, `/v1/transfers`,
//! `/v1/accounts` and `/v1/ledger`: money down the chain.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chain_api::funding::{
    Account, AccountQuery, Allocation, AllocationPage, AllocationPlan, AllocationPlanPage, AllocationPlanQuery,
    AllocationQuery, CreateAllocation, CreateAllocationPlan, CreateDisbursement, Disbursement, DisbursementPage,
    DisbursementQuery, EntryPage, EntryQuery, LedgerCheck, Trace, Transfer, TransferPage, TransferQuery,
};
use chain_api::step::{ById, Decision};
use chain_api::verbs::funding::{self as verbs, SERVICE};

use crate::AppState;
use crate::auth::Auth;
use crate::custom::{BodyRule, CustomMethod, Owner, Resource};
use crate::problem::{ApiProblem, Json, Path, Query};
use crate::rest::{Problems, check_division, parse_id, versioned};

/// Allocate funds of one fund and year by hand, with a reason, from your division to one below it (approver of the allocating layer). A `transfer_id` makes it idempotent: the same id with the same content answers the first allocation, with other content 409.
#[utoipa::path(post, path = "/v1/allocations", operation_id = "allocation_create", tag = "funding", request_body = CreateAllocation,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe; an allocation is never made twice")),
    responses((status = 201, description = "Allocated", body = Allocation), Problems),
    security(("bearer" = [])))]
pub async fn allocate(
    State(s): State<AppState>,
    Auth(p): Auth,
    Json(req): Json<CreateAllocation>,
) -> Result<Response, ApiProblem> {
    let a: Allocation = s.bus.request(SERVICE, verbs::ALLOCATION_CREATE, &p, &req).await?;
    Ok((StatusCode::CREATED, axum::Json(a)).into_response())
}

/// Disburse county funds to an approved household plan (county approver), from the fund and year given or the county's oldest account that covers it; with `pending`, the money is only held until the transfer is posted or voided. A `transfer_id` makes it idempotent.
#[utoipa::path(post, path = "/v1/disbursements", operation_id = "disbursement_create", tag = "funding", request_body = CreateDisbursement,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe; nothing is paid twice")),
    responses((status = 201, description = "Disbursed", body = Disbursement), Problems),
    security(("bearer" = [])))]
pub async fn disburse(
    State(s): State<AppState>,
    Auth(p): Auth,
    Json(req): Json<CreateDisbursement>,
) -> Result<Response, ApiProblem> {
    let d: Disbursement = s.bus.request(SERVICE, verbs::DISBURSEMENT_CREATE, &p, &req).await?;
    Ok((StatusCode::CREATED, axum::Json(d)).into_response())
}

/// Disbursements to households of villages inside the caller's jurisdiction and the prefix, by household, plan, fund, year and status, in id order.
#[utoipa::path(get, path = "/v1/disbursements", operation_id = "disbursement_list", tag = "funding", params(DisbursementQuery),
    responses((status = 200, description = "A page of disbursements", body = DisbursementPage), Problems),
    security(("bearer" = [])))]
pub async fn list_disbursements(
    State(s): State<AppState>,
    Auth(p): Auth,
    Query(q): Query<DisbursementQuery>,
) -> Result<axum::Json<DisbursementPage>, ApiProblem> {
    check_division(q.division.as_deref())?;
    Ok(axum::Json(s.bus.request(SERVICE, verbs::DISBURSEMENT_LIST, &p, &q).await?))
}

/// Read a disbursement by its id.
#[utoipa::path(get, path = "/v1/disbursements/{id}", operation_id = "disbursement_get", tag = "funding",
    params(("id" = uuid::Uuid, Path, description = "Disbursement id")),
    responses((status = 200, description = "The disbursement", body = Disbursement), Problems),
    security(("bearer" = [])))]
pub async fn get_disbursement(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> Result<axum::Json<Disbursement>, ApiProblem> {
    let id = parse_id(&id, "disbursement")?;
    Ok(axum::Json(s.bus.request(SERVICE, verbs::DISBURSEMENT_GET, &p, &ById { id }).await?))
}

/// What a division received, passed on, spent and holds (`CN` for the centre).
#[utoipa::path(get, path = "/v1/accounts/{division}", operation_id = "account_get", tag = "funding",
    params(("division" = chain_api::schema::DivisionOrCentre, Path, description = "Division code or `CN`")),
    responses((status = 200, description = "The account", body = Account), Problems),
    security(("bearer" = [])))]
pub async fn account(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(division): Path<String>,
) -> Result<axum::Json<Account>, ApiProblem> {
    Ok(axum::Json(s.bus.request(SERVICE, verbs::ACCOUNT_GET, &p, &AccountQuery { division }).await?))
}

/// Check that the whole ledger balances to the fen (central officials).
#[utoipa::path(get, path = "/v1/ledger/check", operation_id = "ledger_check", tag = "funding",
    responses((status = 200, description = "The check", body = LedgerCheck), Problems),
    security(("bearer" = [])))]
pub async fn check(State(s): State<AppState>, Auth(p): Auth) -> Result<axum::Json<LedgerCheck>, ApiProblem> {
    Ok(axum::Json(s.bus.request(SERVICE, verbs::LEDGER_CHECK, &p, &serde_json::json!({})).await?))
}

/// Allocations whose recipient lies inside the caller's jurisdiction and the division prefix, by fund, year and plan, in id order; page with `after` = the previous page's `next_after`.
#[utoipa::path(get, path = "/v1/allocations", operation_id = "allocation_list", tag = "funding", params(AllocationQuery),
    responses((status = 200, description = "A page of allocations", body = AllocationPage), Problems),
    security(("bearer" = [])))]
pub async fn list_allocations(
    State(s): State<AppState>,
    Auth(p): Auth,
    Query(q): Query<AllocationQuery>,
) -> Result<axum::Json<AllocationPage>, ApiProblem> {
    check_division(q.division.as_deref())?;
    Ok(axum::Json(s.bus.request(SERVICE, verbs::ALLOCATION_LIST, &p, &q).await?))
}

/// Propose a factor-based allocation plan (approver of the centre or a province): the total of one fund and year split among the provinces (or the province's counties) by the year's factor tables, each recipient's score, share and amount rounded by largest remainder so they sum to the total; amounts set by hand need a reason. A second approver commits it with `:approve`.
#[utoipa::path(post, path = "/v1/allocation-plans", operation_id = "allocation_plan_create", tag = "funding", request_body = CreateAllocationPlan,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, description = "Proposed: the preview", body = AllocationPlan, headers(("ETag" = String, description = "The version of the record, for `If-Match`"))), Problems),
    security(("bearer" = [])))]
pub async fn create_plan(
    State(s): State<AppState>,
    Auth(p): Auth,
    Json(req): Json<CreateAllocationPlan>,
) -> Result<Response, ApiProblem> {
    let plan: AllocationPlan = s.bus.request(SERVICE, verbs::ALLOCATION_PLAN_CREATE, &p, &req).await?;
    Ok(versioned(StatusCode::CREATED, &plan))
}

/// Allocation plans whose allocator lies inside the caller's jurisdiction and the prefix (the centre's: central officials), by fund, year and status, in id order.
#[utoipa::path(get, path = "/v1/allocation-plans", operation_id = "allocation_plan_list", tag = "funding", params(AllocationPlanQuery),
    responses((status = 200, description = "A page of allocation plans", body = AllocationPlanPage), Problems),
    security(("bearer" = [])))]
pub async fn list_plans(
    State(s): State<AppState>,
    Auth(p): Auth,
    Query(q): Query<AllocationPlanQuery>,
) -> Result<axum::Json<AllocationPlanPage>, ApiProblem> {
    check_division(q.division.as_deref())?;
    Ok(axum::Json(s.bus.request(SERVICE, verbs::ALLOCATION_PLAN_LIST, &p, &q).await?))
}

/// Read an allocation plan: its preview lines and, once committed, their allocations.
#[utoipa::path(get, path = "/v1/allocation-plans/{id}", operation_id = "allocation_plan_get", tag = "funding",
    params(("id" = uuid::Uuid, Path, description = "Plan id")),
    responses((status = 200, description = "The plan", body = AllocationPlan, headers(("ETag" = String, description = "The version of the record, for `If-Match`"))), Problems),
    security(("bearer" = [])))]
pub async fn get_plan(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> Result<Response, ApiProblem> {
    let id = parse_id(&id, "allocation plan")?;
    let plan: AllocationPlan = s.bus.request(SERVICE, verbs::ALLOCATION_PLAN_GET, &p, &ById { id }).await?;
    Ok(versioned(StatusCode::OK, &plan))
}

/// `POST /v1/allocation-plans/{id}:approve`.
pub static PLAN_STEPS: Resource = Resource {
    path: "/v1/allocation-plans/{id}",
    what: "allocation plan",
    tag: "funding",
    id_doc: "Plan id",
    if_match_doc: "ETag of the version you read",
    owner: Owner::Service(SERVICE),
    body: BodyRule::Json,
    methods: &[CustomMethod::new::<Decision, AllocationPlan>("approve", verbs::ALLOCATION_PLAN_APPROVE)
        .doc(
            "Approve a proposed plan (a second approver of the allocating layer, not the one who proposed it): every \
            line with an amount becomes an allocation, with its onward and disclosure tasks, in one transaction.",
        )
        .answers("Committed")],
};

/// Transfers from or to a division inside the caller's jurisdiction and the prefix, by fund, year and status, in id order.
#[utoipa::path(get, path = "/v1/transfers", operation_id = "transfer_list", tag = "funding", params(TransferQuery),
    responses((status = 200, description = "A page of transfers", body = TransferPage), Problems),
    security(("bearer" = [])))]
pub async fn list_transfers(
    State(s): State<AppState>,
    Auth(p): Auth,
    Query(q): Query<TransferQuery>,
) -> Result<axum::Json<TransferPage>, ApiProblem> {
    check_division(q.division.as_deref())?;
    Ok(axum::Json(s.bus.request(SERVICE, verbs::TRANSFER_LIST, &p, &q).await?))
}

/// Read a transfer by its id.
#[utoipa::path(get, path = "/v1/transfers/{id}", operation_id = "transfer_get", tag = "funding",
    params(("id" = uuid::Uuid, Path, description = "Transfer id")),
    responses((status = 200, description = "The transfer", body = Transfer, headers(("ETag" = String, description = "The version of the record, for `If-Match`"))), Problems),
    security(("bearer" = [])))]
pub async fn get_transfer(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> Result<Response, ApiProblem> {
    let id = parse_id(&id, "transfer")?;
    let t: Transfer = s.bus.request(SERVICE, verbs::TRANSFER_GET, &p, &ById { id }).await?;
    Ok(versioned(StatusCode::OK, &t))
}

/// Trace a transfer: the lots that paid it, back level by level to the transfer out of the fund's source (the centre's allocation for a central fund), and what its money paid, forward down to the projects and households (as far as your jurisdiction reaches). At most 1,000 links each way.
#[utoipa::path(get, path = "/v1/transfers/{id}/trace", operation_id = "transfer_trace", tag = "funding",
    params(("id" = uuid::Uuid, Path, description = "Transfer id")),
    responses((status = 200, description = "The trace", body = Trace), Problems),
    security(("bearer" = [])))]
pub async fn trace_transfer(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> Result<axum::Json<Trace>, ApiProblem> {
    let id = parse_id(&id, "transfer")?;
    Ok(axum::Json(s.bus.request(SERVICE, verbs::TRANSFER_TRACE, &p, &ById { id }).await?))
}

/// `POST /v1/transfers/{id}:post` and `:void`.
pub static TRANSFER_STEPS: Resource = Resource {
    path: "/v1/transfers/{id}",
    what: "transfer",
    tag: "funding",
    id_doc: "Transfer id",
    if_match_doc: "ETag of the version you read",
    owner: Owner::Service(SERVICE),
    body: BodyRule::Json,
    methods: &[
        CustomMethod::new::<Decision, Transfer>("post", verbs::TRANSFER_POST)
            .doc("Post a pending transfer (approver of the paying county): the held money reaches the payee. Once only.")
            .answers("Posted"),
        CustomMethod::new::<Decision, Transfer>("void", verbs::TRANSFER_VOID)
            .doc("Void a pending transfer (approver of the paying county): the held money is available again. Once only.")
            .answers("Voided"),
    ],
};

/// Ledger entries (an account statement) of the accounts whose holder lies inside the caller's jurisdiction and the prefix (`CN`: the centre's, central officials), by fund and year, in journal order.
#[utoipa::path(get, path = "/v1/ledger/entries", operation_id = "ledger_entries", tag = "funding", params(EntryQuery),
    responses((status = 200, description = "A page of entries", body = EntryPage), Problems),
    security(("bearer" = [])))]
pub async fn entries(
    State(s): State<AppState>,
    Auth(p): Auth,
    Query(q): Query<EntryQuery>,
) -> Result<axum::Json<EntryPage>, ApiProblem> {
    Ok(axum::Json(s.bus.request(SERVICE, verbs::LEDGER_ENTRIES, &p, &q).await?))
}
