//! What the routes share: answers carrying an `ETag`, `If-Match`, ids in paths, bodies that may be
//! left out, list filters, and the problem responses every operation documents.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chain_api::workflow::Issued;
use chain_api::{Problem, ProblemKind};
use chain_domain::Division;
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::openapi::{self, ContentBuilder, Ref, RefOr, ResponseBuilder};
use uuid::Uuid;

use crate::owners::Owners;
use crate::problem::{ApiProblem, Json, read_body};

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

/// A 201 answer for what a directive or decomposition opened: `Location` and `ETag` are those of
/// the task the work hangs under, which `service` is remembered to own.
pub fn issued(service: &'static str, owners: &Owners, answer: &Issued) -> Response {
    owners.remember(answer.task.id, service);
    let mut resp = versioned(StatusCode::CREATED, answer);
    let headers = resp.headers_mut();
    if let Ok(location) = HeaderValue::from_str(&format!("/v1/tasks/{}", answer.task.id)) {
        headers.insert(header::LOCATION, location);
    }
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{}\"", answer.task.version)) {
        headers.insert(header::ETAG, etag);
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

/// A lookup by id from a path segment.
pub fn parse_id(id: &str, what: &str) -> Result<Uuid, ApiProblem> {
    Uuid::parse_str(id).map_err(|_| ApiProblem(Problem::not_found(what)))
}

/// Refuses a `division` filter that is not a division code.
pub fn check_division(division: Option<&str>) -> Result<(), ApiProblem> {
    if let Some(d) = division {
        Division::parse(d).map_err(|e| ApiProblem(Problem::invalid("division", e.to_string())))?;
    }
    Ok(())
}

/// Refuses a `limit` outside `1..=max`.
pub fn check_limit(limit: Option<u64>, max: u64) -> Result<(), ApiProblem> {
    if limit.is_some_and(|l| l == 0 || l > max) {
        return Err(Problem::invalid("limit", format!("must be between 1 and {max}")).into());
    }
    Ok(())
}

/// A JSON body that may be left out: an empty body reads as `{}`; any other body must be
/// `application/json`, exactly as for [`Json`].
#[derive(Debug)]
pub struct OptionalJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiProblem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let bytes = read_body(body).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return chain_api::body::from_value(serde_json::Value::Object(serde_json::Map::new()))
                .map(OptionalJson)
                .map_err(ApiProblem);
        }
        let Json(v) = Json::<T>::from_request(Request::from_parts(parts, Body::from(bytes)), state).await?;
        Ok(OptionalJson(v))
    }
}

#[cfg(test)]
mod tests {
    use chain_api::workflow::{Decompose, OpenNotice, StepNote};

    use super::*;

    async fn read_body<T: DeserializeOwned>(content_type: Option<&str>, body: &'static str) -> Result<T, u16> {
        let mut req = axum::http::Request::post("/v1/tasks/x:start");
        if let Some(ct) = content_type {
            req = req.header(header::CONTENT_TYPE, ct);
        }
        let req = req.body(axum::body::Body::from(body)).unwrap();
        OptionalJson::<T>::from_request(req, &()).await.map(|OptionalJson(v)| v).map_err(|p| p.0.status)
    }

    #[tokio::test]
    async fn a_step_body_may_be_left_out() {
        assert_eq!(read_body::<StepNote>(None, "").await, Ok(StepNote::default()));
        assert_eq!(read_body::<StepNote>(Some("application/json"), " \r\n").await, Ok(StepNote::default()));
        assert_eq!(read_body::<OpenNotice>(None, "").await, Ok(OpenNotice::default()));
        let note = read_body::<StepNote>(Some("application/json"), r#"{"reason":"quota met"}"#).await.unwrap();
        assert_eq!(note.reason.as_deref(), Some("quota met"));
    }

    #[tokio::test]
    async fn a_body_that_is_sent_is_held_to_the_usual_rules() {
        // A step that needs fields still needs them.
        assert_eq!(read_body::<Decompose>(None, "").await.unwrap_err(), 422);
        assert_eq!(read_body::<StepNote>(None, r#"{"reason":"x"}"#).await.unwrap_err(), 415);
        assert_eq!(read_body::<StepNote>(Some("application/json"), "{").await.unwrap_err(), 400);
        assert_eq!(read_body::<StepNote>(Some("application/json"), r#"{"reason":5}"#).await.unwrap_err(), 422);
    }

    #[test]
    fn limits_and_division_filters_are_checked() {
        assert!(check_limit(None, 1000).is_ok());
        assert!(check_limit(Some(1000), 1000).is_ok());
        assert_eq!(check_limit(Some(0), 1000).unwrap_err().0.status, 422);
        assert_eq!(check_limit(Some(1001), 1000).unwrap_err().0.status, 422);
        assert!(check_division(Some("520624")).is_ok());
        assert_eq!(check_division(Some("52x")).unwrap_err().0.status, 422);
    }
}
