//! Every failure leaves the gateway as RFC 9457 `application/problem+json`: service problems,
//! rejected extractors (bad JSON, bad path, bad query), unknown routes and wrong methods.

use axum::body::{Body, Bytes};
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chain_api::limits::REQUEST_BYTES;
use chain_api::{Problem, ProblemKind};
use http_body_util::LengthLimitError;
use serde::de::DeserializeOwned;

/// A problem as an HTTP response.
#[derive(Debug)]
pub struct ApiProblem(pub Problem);

impl From<Problem> for ApiProblem {
    fn from(p: Problem) -> Self {
        ApiProblem(p)
    }
}

impl IntoResponse for ApiProblem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self.0).unwrap_or_default();
        let mut resp = (status, body).into_response();
        resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        resp
    }
}

/// Reads a request body of at most [`REQUEST_BYTES`]; a longer one is refused with 413, before
/// any of it is sent on.
pub async fn read_body(body: Body) -> Result<Bytes, ApiProblem> {
    axum::body::to_bytes(body, REQUEST_BYTES).await.map_err(|e| {
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&e);
        while let Some(c) = cause {
            if c.is::<LengthLimitError>() {
                return ApiProblem(Problem::new(
                    ProblemKind::PayloadTooLarge,
                    format!("the body is larger than the {REQUEST_BYTES} bytes this operation accepts"),
                ));
            }
            cause = c.source();
        }
        ApiProblem(Problem::new(ProblemKind::BadRequest, "the body could not be read"))
    })
}

/// A JSON body of at most [`REQUEST_BYTES`] whose rejections are problems.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiProblem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let req = Request::from_parts(parts, Body::from(read_body(body).await?));
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Json(v)),
            Err(JsonRejection::MissingJsonContentType(_)) => {
                Err(Problem::new(ProblemKind::UnsupportedMediaType, "send the body as Content-Type: application/json")
                    .into())
            }
            Err(JsonRejection::JsonDataError(e)) => Err(Problem::new(ProblemKind::Validation, e.body_text()).into()),
            Err(e) => Err(Problem::new(ProblemKind::MalformedJson, e.body_text()).into()),
        }
    }
}

/// Path parameters whose rejections are problems.
#[derive(Debug)]
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiProblem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(e @ PathRejection::FailedToDeserializePathParams(_)) => {
                Err(Problem::new(ProblemKind::NotFound, format!("no such resource: {}", e.body_text())).into())
            }
            Err(e) => Err(Problem::new(ProblemKind::BadRequest, e.body_text()).into()),
        }
    }
}

/// Query parameters whose rejections are problems.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiProblem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(e @ QueryRejection::FailedToDeserializeQueryString(_)) => {
                Err(Problem::new(ProblemKind::BadRequest, e.body_text()).into())
            }
            Err(e) => Err(Problem::new(ProblemKind::BadRequest, e.body_text()).into()),
        }
    }
}

/// The answer for unknown routes.
pub async fn not_found(uri: axum::http::Uri) -> ApiProblem {
    Problem::new(ProblemKind::NotFound, format!("no route for {}", uri.path())).at(uri.path().to_owned()).into()
}

/// Rewrites axum's empty 405 answers into problems.
pub async fn method_not_allowed(req: Request, next: axum::middleware::Next) -> Response {
    let path = req.uri().path().to_owned();
    let resp = next.run(req).await;
    if resp.status() == StatusCode::METHOD_NOT_ALLOWED && resp.headers().get(header::CONTENT_TYPE).is_none() {
        let allow = resp.headers().get(header::ALLOW).cloned();
        let mut p = ApiProblem(
            Problem::new(ProblemKind::MethodNotAllowed, format!("{path} does not accept this method")).at(path),
        )
        .into_response();
        if let Some(allow) = allow {
            p.headers_mut().insert(header::ALLOW, allow);
        }
        return p;
    }
    resp
}
