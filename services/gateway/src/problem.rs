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
use std::sync::Arc;

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
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            // The rest of the body is never read, so the connection cannot carry another request:
            // saying so keeps the client from sending its next one down a closing connection.
            resp.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
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
        // The body is read under the one request bound, parsed by axum (media type, syntax) and
        // then decoded into `T` here, so that a field that does not fit is named with what it
        // must be.
        let (parts, body) = req.into_parts();
        let req = Request::from_parts(parts, Body::from(read_body(body).await?));
        match axum::Json::<serde_json::Value>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Json(chain_api::body::from_value(v)?)),
            Err(JsonRejection::MissingJsonContentType(_)) => {
                Err(Problem::new(ProblemKind::UnsupportedMediaType, "send the body as Content-Type: application/json")
                    .into())
            }
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

/// The methods each path of the document answers. A request for a documented path with any
/// other method is answered 405 with `Allow` before it reaches a handler, so a `POST` on a
/// record's own path (where only its custom methods `POST {path}:<name>` are served) or a `GET`
/// on a custom method is refused the same way as a `DELETE` on a collection.
#[derive(Debug, Clone, Default)]
pub struct Allowed {
    paths: Arc<Vec<(Vec<Segment>, String)>>,
}

/// One segment of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    /// Must be exactly this.
    Literal(String),
    /// `{id}`: any segment that names no custom method.
    Param,
    /// `{id}:<name>`: a segment ending in `:<name>`.
    Custom(String),
}

impl Segment {
    fn parse(s: &str) -> Segment {
        match s.strip_prefix('{').and_then(|rest| rest.split_once('}')) {
            Some((_, "")) => Segment::Param,
            Some((_, custom)) => Segment::Custom(custom.trim_start_matches(':').to_owned()),
            None => Segment::Literal(s.to_owned()),
        }
    }

    /// How well the segment matches `s`: literals beat custom methods beat parameters.
    fn score(&self, s: &str) -> Option<u32> {
        match self {
            Segment::Literal(l) => (l == s).then_some(2),
            Segment::Custom(name) => s.rsplit_once(':').is_some_and(|(id, n)| !id.is_empty() && n == name).then_some(1),
            Segment::Param => (!s.is_empty() && !s.contains(':')).then_some(0),
        }
    }
}

impl Allowed {
    /// The methods of every path in `doc`.
    pub fn of(doc: &utoipa::openapi::OpenApi) -> Allowed {
        let paths = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let ops = [
                    ("GET", item.get.is_some()),
                    ("HEAD", item.get.is_some() || item.head.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                ];
                let allow: Vec<&str> = ops.iter().filter(|(_, served)| *served).map(|(m, _)| *m).collect();
                (path.trim_matches('/').split('/').map(Segment::parse).collect(), allow.join(", "))
            })
            .collect();
        Allowed { paths: Arc::new(paths) }
    }

    /// The `Allow` value of the documented path `path` matches best, if any.
    fn lookup(&self, path: &str) -> Option<&str> {
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        self.paths
            .iter()
            .filter(|(template, _)| template.len() == parts.len())
            .filter_map(|(template, allow)| {
                let scores: Option<Vec<u32>> = template.iter().zip(&parts).map(|(t, p)| t.score(p)).collect();
                Some((scores?, allow.as_str()))
            })
            .max_by(|a, b| a.0.cmp(&b.0))
            .map(|(_, allow)| allow)
    }
}

/// The 405 problem for `path`, with its `Allow` header.
fn refused_method(method: &axum::http::Method, path: &str, allow: Option<HeaderValue>) -> Response {
    tracing::debug!(%method, path, "method not served");
    let detail = format!("{path} does not accept this method");
    let mut p = ApiProblem(Problem::new(ProblemKind::MethodNotAllowed, detail).at(path.to_owned())).into_response();
    if let Some(allow) = allow {
        p.headers_mut().insert(header::ALLOW, allow);
    }
    p
}

/// Answers a method a documented path does not serve with 405 and `Allow`, and rewrites axum's
/// own empty 405 answers (paths outside the document) into problems.
pub async fn method_not_allowed(
    axum::extract::State(allowed): axum::extract::State<Allowed>,
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    let path = req.uri().path().to_owned();
    let method = req.method().clone();
    if let Some(allow) = allowed.lookup(&path)
        && !allow.split(", ").any(|m| m == method.as_str())
    {
        return refused_method(&method, &path, HeaderValue::from_str(allow).ok());
    }
    let resp = next.run(req).await;
    if resp.status() == StatusCode::METHOD_NOT_ALLOWED && resp.headers().get(header::CONTENT_TYPE).is_none() {
        return refused_method(&method, &path, resp.headers().get(header::ALLOW).cloned());
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed() -> Allowed {
        let doc: utoipa::openapi::OpenApi = serde_json::from_value(serde_json::json!({
            "openapi": "3.1.0",
            "info": { "title": "t", "version": "1" },
            "paths": {
                "/v1/households": { "get": { "responses": {} }, "post": { "responses": {} } },
                "/v1/households/{id}": { "get": { "responses": {} } },
                "/v1/households/{id}:approve": { "post": { "responses": {} } },
                "/v1/households/counts": { "get": { "responses": {} } }
            }
        }))
        .unwrap();
        Allowed::of(&doc)
    }

    #[test]
    fn a_path_is_matched_to_its_most_specific_template() {
        let a = allowed();
        assert_eq!(a.lookup("/v1/households"), Some("GET, HEAD, POST"));
        assert_eq!(a.lookup("/v1/households/0190a1b2"), Some("GET, HEAD"));
        assert_eq!(a.lookup("/v1/households/0190a1b2:approve"), Some("POST"));
        assert_eq!(a.lookup("/v1/households/counts"), Some("GET, HEAD"));
        // An unknown custom method is no documented path: the handler answers it (404).
        assert_eq!(a.lookup("/v1/households/0190a1b2:fly"), None);
        assert_eq!(a.lookup("/v1/nothing"), None);
    }
}
