//! `/v1/tasks`: the tasks of every service, in the caller's jurisdiction.

use axum::extract::State;
use chain_api::tasks::{Task, TaskQuery};
use chain_api::{Problem, ProblemKind};
use chain_domain::Division;

use super::Problems;
use crate::AppState;
use crate::auth::Auth;
use crate::problem::{ApiProblem, Query};

/// Services that own tasks.
const SERVICES: [&str; 4] = ["identification", "planning", "funding", "exit"];

/// List tasks, oldest first, filtered; only tasks inside your jurisdiction are visible.
#[utoipa::path(get, path = "/v1/tasks", tag = "tasks", params(TaskQuery),
    responses((status = 200, description = "Tasks", body = Vec<Task>), Problems),
    security(("bearer" = [])))]
pub async fn list(
    State(s): State<AppState>,
    Auth(p): Auth,
    Query(q): Query<TaskQuery>,
) -> Result<axum::Json<Vec<Task>>, ApiProblem> {
    if let Some(d) = &q.division {
        Division::parse(d).map_err(|e| ApiProblem(Problem::invalid("division", e.to_string())))?;
    }
    if q.limit.is_some_and(|l| l == 0 || l > 500) {
        return Err(Problem::new(ProblemKind::Validation, "limit must be between 1 and 500").into());
    }
    let answers =
        futures::future::join_all(SERVICES.iter().map(|svc| s.bus.request::<_, Vec<Task>>(svc, "task.list", &p, &q)))
            .await;
    let mut tasks = Vec::new();
    for a in answers {
        tasks.extend(a?);
    }
    tasks.sort_by_key(|t| (t.created_at, t.id));
    tasks.truncate(q.limit.unwrap_or(50) as usize);
    Ok(axum::Json(tasks))
}
