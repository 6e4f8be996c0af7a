//! REST routes under `/v1`, and the helpers they share.

pub mod audit;
pub mod boards;
pub mod directives;
pub mod divisions;
pub mod exits;
pub mod funding;
pub mod health;
pub mod households;
pub mod imports;
pub mod monitoring;
pub mod notices;
pub mod plans;
pub mod queries;
pub mod quotas;
pub mod schedules;
pub mod tasks;

use std::collections::BTreeMap;

use axum::body::Body;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chain_api::{Problem, ProblemKind};
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::openapi::{self, ContentBuilder, Ref, RefOr, ResponseBuilder};
use uuid::Uuid;

use crate::problem::{ApiProblem, Json};

/// The problems any `/v1` operation may answer with, generated from [`ProblemKind::ALL`] so the
/// document and the runtime cannot disagree.
#[derive(Debug)]
pub struct Problems;

impl utoipa::IntoResponses for Problems {
    fn responses() -> BTreeMap<String, RefOr<openapi::response::Response>> {
        let mut by_status: BTreeMap<u16, Vec<&str>> = BTreeMap::new();
        for k in ProblemKind::ALL {
            by_status.entry(k.status()).or_default().push(k.slug());
        }
        by_status
            .into_iter()
            .map(|(status, slugs)| {
                let types = slugs
                    .iter()
                    .map(|s| format!("`{}{s}`", chain_api::problem::TYPE_PREFIX))
                    .collect::<Vec<_>>()
                    .join(", ");
                let resp = ResponseBuilder::new()
                    .description(format!("Problem (RFC 9457) of type {types}"))
                    .content(
                        "application/problem+json",
                        ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build(),
                    )
                    .build();
                (status.to_string(), RefOr::T(resp))
            })
            .collect()
    }
}

/// A JSON answer with an `ETag` taken from the body's `version`.
pub fn versioned<T: Serialize>(status: StatusCode, value: &T) -> Response {
    let body = serde_json::to_vec(value).unwrap_or_default();
    let version = serde_json::from_slice::<serde_json::Value>(&body).ok().and_then(|v| v.get("version")?.as_i64());
    let mut resp =
        (status, [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response();
    if let Some(v) = version
        && let Ok(etag) = HeaderValue::from_str(&format!("\"{v}\""))
    {
        resp.headers_mut().insert(header::ETAG, etag);
    }
    resp
}

/// The version in `If-Match` (`"3"`, `W/"3"` or `3`), if sent.
pub fn if_match(headers: &HeaderMap) -> Result<Option<i64>, ApiProblem> {
    let Some(v) = headers.get(header::IF_MATCH) else { return Ok(None) };
    let text = v.to_str().unwrap_or_default().trim();
    if text == "*" {
        return Ok(None);
    }
    let text = text.strip_prefix("W/").unwrap_or(text).trim_matches('"');
    text.parse::<i64>().map(Some).map_err(|_| {
        Problem::new(ProblemKind::PreconditionFailed, "If-Match must be an ETag from a previous answer").into()
    })
}

/// Forwards a state change (a custom method) to its service with the `If-Match` version and
/// answers with the resource and its new `ETag`.
pub async fn step<B: Serialize, R: Serialize + serde::de::DeserializeOwned>(
    s: &crate::AppState,
    p: &chain_api::Principal,
    (service, verb): (&str, &str),
    id: Uuid,
    headers: &HeaderMap,
    body: B,
) -> Result<Response, ApiProblem> {
    let req = chain_api::step::Step { id, expected_version: if_match(headers)?, body };
    let answer: R = s.bus.request(service, verb, p, &req).await?;
    Ok(versioned(StatusCode::OK, &answer))
}

/// Splits a custom-method path segment `<uuid>:<verb>`.
pub fn custom_method(target: &str, what: &str) -> Result<(Uuid, String), ApiProblem> {
    let (id, verb) = target.split_once(':').ok_or_else(|| {
        ApiProblem(Problem::new(
            ProblemKind::MethodNotAllowed,
            format!("POST a custom method such as /{what}/{{id}}:approve"),
        ))
    })?;
    let id = Uuid::parse_str(id).map_err(|_| ApiProblem(Problem::not_found(what)))?;
    Ok((id, verb.to_owned()))
}

/// A lookup by id from a path segment.
pub fn parse_id(id: &str, what: &str) -> Result<Uuid, ApiProblem> {
    Uuid::parse_str(id).map_err(|_| ApiProblem(Problem::not_found(what)))
}

/// A JSON body that may be left out: an empty body reads as `{}`; any other body must be
/// `application/json`, exactly as for [`Json`].
#[derive(Debug)]
pub struct OptionalJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiProblem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let bytes = axum::body::to_bytes(body, crate::idempotency::MAX_BODY)
            .await
            .map_err(|_| ApiProblem(Problem::new(ProblemKind::BadRequest, "the body is too large or unreadable")))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return serde_json::from_value(serde_json::Value::Object(serde_json::Map::new()))
                .map(OptionalJson)
                .map_err(|e| ApiProblem(Problem::new(ProblemKind::Validation, e.to_string())));
        }
        let Json(v) = Json::<T>::from_request(Request::from_parts(parts, Body::from(bytes)), state).await?;
        Ok(OptionalJson(v))
    }
}
