//! Every HTTP request gets an id and belongs to a flow: the request id is new each time, the
//! correlation id is the client's `X-Correlation-Id` when it sends a UUID there (so several
//! requests of one piece of work share it) and the request id otherwise. Both are the request's
//! cause ([`chain_api::Cause`]): they travel with every bus request it makes and into every event
//! it leads to, and the answer carries them back in `X-Request-Id` and `X-Correlation-Id`.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use chain_api::Cause;
use uuid::Uuid;

/// Header naming the request in the answer.
pub const REQUEST_ID: &str = "x-request-id";
/// Header naming the flow, in the request (optional) and in the answer.
pub const CORRELATION_ID: &str = "x-correlation-id";

/// Runs the request under its cause and names both ids in the answer.
pub async fn layer(req: Request, next: Next) -> Response {
    let request_id = Uuid::now_v7();
    let correlation_id = req
        .headers()
        .get(CORRELATION_ID)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| Uuid::parse_str(v.trim()).ok())
        .unwrap_or(request_id);
    let cause = Cause::request(request_id, correlation_id);
    let mut resp = chain_bus::flow::caused_by(cause, next.run(req)).await;
    for (name, id) in [(REQUEST_ID, request_id), (CORRELATION_ID, correlation_id)] {
        if let Ok(v) = HeaderValue::from_str(&id.to_string()) {
            resp.headers_mut().insert(name, v);
        }
    }
    resp
}
