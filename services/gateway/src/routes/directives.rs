//! `/v1/directives`: work issued from one layer to the layers below it.

use axum::extract::State;
use axum::response::Response;
use chain_api::workflow::{IssueDirective, Issued, verbs};

use crate::AppState;
use crate::auth::Auth;
use crate::problem::{ApiProblem, Json};
use crate::rest::{Problems, issued};

/// Issue a directive: a root task for your own layer and one task for every division between you
/// and the targets, each signed off by the layer above it. A quota is divided exactly among them.
#[utoipa::path(post, path = "/v1/directives", operation_id = "directive_issue", tag = "tasks", request_body = IssueDirective,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, description = "Issued; ETag and Location are the root task's", body = Issued, headers(("ETag" = String, description = "The root task's version"), ("Location" = String, description = "The root task: `/v1/tasks/{id}`"))), Problems),
    security(("bearer" = [])))]
pub async fn issue(
    State(s): State<AppState>,
    Auth(p): Auth,
    Json(req): Json<IssueDirective>,
) -> Result<Response, ApiProblem> {
    let service = req.service.as_str();
    let answer: Issued = s.bus.request(service, verbs::ISSUE, &p, &req).await?;
    Ok(issued(service, &s.owners, &answer))
}
