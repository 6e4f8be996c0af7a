//! `GET /v1/households` and `GET /v1/households/counts`: the register read by division, within
//! the caller's jurisdiction.

use axum::extract::State;
use chain_api::queries::{CountsQuery, DivisionCounts, HouseholdPage, HouseholdQuery};
use chain_api::verbs::identification::{self as verbs, SERVICE};

use crate::AppState;
use crate::auth::Auth;
use crate::problem::{ApiProblem, Query};
use crate::rest::Problems;

/// Households inside the caller's jurisdiction and the division prefix, filtered by status, main cause and year, in id order; page with `after` = the previous page's `next_after`. Resident IDs are not listed.
#[utoipa::path(get, path = "/v1/households", operation_id = "household_list", tag = "identification", params(HouseholdQuery),
    responses((status = 200, description = "A page of households", body = HouseholdPage), Problems),
    security(("bearer" = [])))]
pub async fn list(
    State(s): State<AppState>,
    Auth(p): Auth,
    Query(q): Query<HouseholdQuery>,
) -> Result<axum::Json<HouseholdPage>, ApiProblem> {
    Ok(axum::Json(s.bus.request(SERVICE, verbs::HOUSEHOLD_LIST, &p, &q).await?))
}

/// Households and members per county, township or village inside the caller's jurisdiction and the prefix: identified, in the procedure, exited, rejected.
#[utoipa::path(get, path = "/v1/households/counts", operation_id = "household_counts", tag = "identification", params(CountsQuery),
    responses((status = 200, description = "Counts per division, by code", body = Vec<DivisionCounts>), Problems),
    security(("bearer" = [])))]
pub async fn counts(
    State(s): State<AppState>,
    Auth(p): Auth,
    Query(q): Query<CountsQuery>,
) -> Result<axum::Json<Vec<DivisionCounts>>, ApiProblem> {
    Ok(axum::Json(s.bus.request(SERVICE, verbs::HOUSEHOLD_COUNTS, &p, &q).await?))
}
