//! `/v1/divisions`: the national division tree (public data).

use axum::Json;
use chain_api::Problem;
use chain_domain::{Division, DivisionInfo, registry};
use serde::Serialize;
use utoipa::ToSchema;

use crate::problem::{ApiProblem, Path};
use crate::rest::Problems;

/// A division in the registry.
#[derive(Debug, Serialize, ToSchema)]
pub struct DivisionView {
    /// Code.
    #[schema(value_type = chain_api::schema::DivisionCode)]
    pub code: String,
    /// Official name.
    pub name: String,
    /// `province`, `city`, `county`, `township` or `village`.
    #[schema(value_type = chain_api::schema::DivisionLevel)]
    pub level: String,
    /// The chain from the province down to this division.
    pub path: Vec<DivisionRef>,
}

/// A division's code and name.
#[derive(Debug, Serialize, ToSchema)]
pub struct DivisionRef {
    /// Code.
    #[schema(value_type = chain_api::schema::DivisionCode)]
    pub code: String,
    /// Name.
    pub name: String,
    /// Level.
    #[schema(value_type = chain_api::schema::DivisionLevel)]
    pub level: String,
}

impl From<DivisionInfo> for DivisionRef {
    fn from(d: DivisionInfo) -> Self {
        DivisionRef { code: d.code.to_string(), name: d.name, level: d.level.to_string() }
    }
}

fn lookup(code: &str) -> Result<Division, ApiProblem> {
    let d = Division::parse(code).map_err(|_| ApiProblem(Problem::not_found("division")))?;
    if !registry().exists(&d) {
        return Err(Problem::not_found("division").into());
    }
    Ok(d)
}

/// The provinces.
#[utoipa::path(get, path = "/v1/divisions", operation_id = "division_list_provinces", tag = "divisions", security(),
    responses((status = 200, description = "The 31 provinces", body = Vec<DivisionRef>)))]
pub async fn provinces() -> Json<Vec<DivisionRef>> {
    Json(registry().provinces().into_iter().map(Into::into).collect())
}

/// One division with its path from the province.
#[utoipa::path(get, path = "/v1/divisions/{code}", operation_id = "division_get", tag = "divisions", security(),
    params(("code" = chain_api::schema::DivisionCode, Path, description = "2, 4, 6, 9 or 12 digits")),
    responses((status = 200, description = "The division", body = DivisionView), Problems))]
pub async fn get(Path(code): Path<String>) -> Result<Json<DivisionView>, ApiProblem> {
    let d = lookup(&code)?;
    let info = registry().get(&d).ok_or_else(|| ApiProblem(Problem::not_found("division")))?;
    Ok(Json(DivisionView {
        code: info.code.to_string(),
        name: info.name,
        level: info.level.to_string(),
        path: registry().path(&d).into_iter().map(Into::into).collect(),
    }))
}

/// The divisions directly below one.
#[utoipa::path(get, path = "/v1/divisions/{code}/children", operation_id = "division_list_children", tag = "divisions", security(),
    params(("code" = chain_api::schema::DivisionCode, Path, description = "2, 4, 6 or 9 digits")),
    responses((status = 200, description = "The children", body = Vec<DivisionRef>), Problems))]
pub async fn children(Path(code): Path<String>) -> Result<Json<Vec<DivisionRef>>, ApiProblem> {
    let d = lookup(&code)?;
    Ok(Json(registry().children(&d).into_iter().map(Into::into).collect()))
}
