//! `/v1/schedules`: recurring reports (monthly checks, quarterly supervision, half-year
//! evaluation, year-end checks) that issue a directive every period.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chain_api::workflow::{NewSchedule, Schedule, Service, verbs};

use crate::AppState;
use crate::auth::Auth;
use crate::problem::{ApiProblem, Json};
use crate::rest::{Problems, versioned};

/// Create a recurring report: every period, a directive from your layer to every division of the
/// chosen level below it.
#[utoipa::path(post, path = "/v1/schedules", operation_id = "schedule_create", tag = "schedules", request_body = NewSchedule,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, description = "Created", body = Schedule, headers(("ETag" = String, description = "The version of the record, for `If-Match`"))), Problems),
    security(("bearer" = [])))]
pub async fn create_schedule(
    State(s): State<AppState>,
    Auth(p): Auth,
    Json(req): Json<NewSchedule>,
) -> Result<Response, ApiProblem> {
    let schedule: Schedule = s.bus.request(req.service.as_str(), verbs::SCHEDULE_CREATE, &p, &req).await?;
    Ok(versioned(StatusCode::CREATED, &schedule))
}

/// The schedules of every service issued inside your jurisdiction.
#[utoipa::path(get, path = "/v1/schedules", operation_id = "schedule_list", tag = "schedules",
    responses((status = 200, description = "Schedules, by service", body = Vec<Schedule>), Problems),
    security(("bearer" = [])))]
pub async fn list_schedules(State(s): State<AppState>, Auth(p): Auth) -> Result<axum::Json<Vec<Schedule>>, ApiProblem> {
    let all = serde_json::json!({});
    let answers = futures::future::join_all(
        Service::ALL.iter().map(|svc| s.bus.request::<_, Vec<Schedule>>(svc.as_str(), verbs::SCHEDULE_LIST, &p, &all)),
    )
    .await;
    let mut schedules = Vec::new();
    for a in answers {
        schedules.extend(a?);
    }
    Ok(axum::Json(schedules))
}
