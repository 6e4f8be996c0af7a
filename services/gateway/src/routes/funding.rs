//! `/v1/allocations`, `/v1/disbursements`, `/v1/accounts` and `/v1/ledger`: money down the chain.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chain_api::funding::{
    Account, AccountQuery, Allocation, CreateAllocation, CreateDisbursement, Disbursement, LedgerCheck,
};
use chain_api::verbs::funding::{self as verbs, SERVICE};

use crate::AppState;
use crate::auth::Auth;
use crate::problem::{ApiProblem, Json, Path};
use crate::rest::Problems;

/// Allocate funds from your division to one below it (approver of the allocating layer).
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

/// Disburse county funds to an approved household plan (county approver).
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
