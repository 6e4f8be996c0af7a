//! `/v1/quotas/{county}/{year}`: scale control — the county's identification quota for a year and
//! its breakdown to villages. Set by an approver of the county or of a layer above it; read by
//! anyone whose jurisdiction covers the county.

use axum::extract::State;
use chain_api::quotas::{Quota, QuotaRequest, SetCountyQuota, SetVillageQuotas};
use chain_api::verbs::identification::{QUOTA_ALLOT, QUOTA_GET, QUOTA_SET, SERVICE};

use crate::AppState;
use crate::auth::Auth;
use crate::problem::{ApiProblem, Json, Path};
use crate::rest::Problems;

fn year_of(year: &str) -> Result<i32, ApiProblem> {
    year.parse().map_err(|_| ApiProblem(chain_api::Problem::not_found("quota")))
}

/// The county's quota for the year, its breakdown to villages and how much of it is used. A
/// township or village inside the county sees the county's figures and only its own villages.
#[utoipa::path(get, path = "/v1/quotas/{county}/{year}", operation_id = "county_quota_get", tag = "identification",
    params(("county" = chain_api::schema::CountyCode, Path, description = "6-digit county code"), ("year" = i32, Path, description = "Year")),
    responses((status = 200, description = "Total (`null`: not limited), allotted, used, per village", body = Quota),
        Problems),
    security(("bearer" = [])))]
pub async fn get(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path((county, year)): Path<(String, String)>,
) -> Result<axum::Json<Quota>, ApiProblem> {
    let req = QuotaRequest { county, year: year_of(&year)?, body: () };
    Ok(axum::Json(s.bus.request(SERVICE, QUOTA_GET, &p, &req).await?))
}

/// Set or change the county's total (approver of the county or above); audited with the values before and after and the reason. It may not fall below what is allotted or used.
#[utoipa::path(put, path = "/v1/quotas/{county}/{year}", operation_id = "county_quota_set", tag = "identification", request_body = SetCountyQuota,
    params(("county" = chain_api::schema::CountyCode, Path, description = "6-digit county code"), ("year" = i32, Path, description = "Year")),
    responses((status = 200, description = "The quota after the change", body = Quota), Problems),
    security(("bearer" = [])))]
pub async fn set(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path((county, year)): Path<(String, String)>,
    Json(body): Json<SetCountyQuota>,
) -> Result<axum::Json<Quota>, ApiProblem> {
    let req = QuotaRequest { county, year: year_of(&year)?, body };
    Ok(axum::Json(s.bus.request(SERVICE, QUOTA_SET, &p, &req).await?))
}

/// Replace the breakdown to villages (approver of the county or above): a village left out has no places. The sum may not exceed the total, nor any village get fewer places than it has used; unknown or foreign villages are field errors. Raising a full village's places lets the county approve there again.
#[utoipa::path(put, path = "/v1/quotas/{county}/{year}/villages", operation_id = "county_quota_allot", tag = "identification",
    request_body = SetVillageQuotas,
    params(("county" = chain_api::schema::CountyCode, Path, description = "6-digit county code"), ("year" = i32, Path, description = "Year")),
    responses((status = 200, description = "The quota after the change", body = Quota), Problems),
    security(("bearer" = [])))]
pub async fn allot(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path((county, year)): Path<(String, String)>,
    Json(body): Json<SetVillageQuotas>,
) -> Result<axum::Json<Quota>, ApiProblem> {
    let req = QuotaRequest { county, year: year_of(&year)?, body };
    Ok(axum::Json(s.bus.request(SERVICE, QUOTA_ALLOT, &p, &req).await?))
}
