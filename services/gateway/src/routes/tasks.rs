//! `/v1/tasks`: the tasks of every service, in the caller's jurisdiction — listing, reading, the
//! steps of the responsibility chain, a subtree's progress, and a live feed of its changes. A task
//! id does not say which service owns the task; [`crate::owners`] finds it.

use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use chain_api::Problem;
use chain_api::workflow::{
    Decompose, Issued, Notice, OpenNotice, Service, StepNote, Task, TaskCursor, TaskPage, TaskQuery, TaskTree,
    TreeQuery, verbs,
};

use crate::AppState;
use crate::auth::Auth;
use crate::custom::{BodyRule, CustomMethod, Owner, Resource};
use crate::feed::{self, EventsParams, resume_after};
use crate::owners::{fetch, locate, service_named};
use crate::problem::{ApiProblem, Path, Query};
use crate::rest::{Problems, check_division, check_limit, parse_id, versioned};

/// List tasks, oldest first, filtered; only tasks inside your jurisdiction are visible. A page
/// holds `limit` tasks, or fewer when they are large; while more follow, the `Link` header names
/// the next page.
#[utoipa::path(get, path = "/v1/tasks", operation_id = "task_list", tag = "tasks", params(TaskQuery),
    responses((status = 200, description = "Tasks", body = Vec<Task>, headers(("Link" = String, description = "`<…>; rel=\"next\"`: the next page, while more tasks follow"))), Problems),
    security(("bearer" = [])))]
pub async fn list(
    State(s): State<AppState>,
    Auth(p): Auth,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<TaskQuery>,
) -> Result<Response, ApiProblem> {
    check_division(q.division.as_deref())?;
    check_limit(q.limit, chain_api::limits::page::TASKS)?;
    if q.after.as_deref().is_some_and(|a| TaskCursor::parse(a).is_none()) {
        return Err(Problem::invalid("after", "a cursor from the `Link` header of a page of tasks").into());
    }
    let answers = futures::future::join_all(
        Service::ALL.iter().map(|svc| s.bus.request::<_, TaskPage>(svc.as_str(), verbs::LIST, &p, &q)),
    )
    .await;
    let mut tasks = Vec::new();
    // A service whose page was cut may have tasks before the others' later ones: the merged page
    // ends where the earliest cut page ends.
    let mut cut: Option<TaskCursor> = None;
    for a in answers {
        let page = a?;
        if page.more
            && let Some(last) = page.tasks.last().map(TaskCursor::after)
        {
            cut = Some(cut.map_or(last, |c| c.min(last)));
        }
        tasks.extend(page.tasks);
    }
    tasks.sort_by_key(TaskCursor::after);
    if let Some(end) = cut {
        tasks.retain(|t| TaskCursor::after(t) <= end);
    }
    let limit = q.limit.unwrap_or(50) as usize;
    let more = cut.is_some() || tasks.len() > limit;
    tasks.truncate(limit);
    for t in &tasks {
        if let Some(service) = service_named(&t.service) {
            s.owners.remember(t.id, service);
        }
    }
    let mut resp = axum::Json(&tasks).into_response();
    if more
        && let Some(last) = tasks.last()
        && let Ok(link) =
            HeaderValue::from_str(&format!("<{}>; rel=\"next\"", next_page(&uri, TaskCursor::after(last))))
    {
        resp.headers_mut().insert(header::LINK, link);
    }
    Ok(resp)
}

/// The same listing as `uri`, after `cursor`.
fn next_page(uri: &Uri, cursor: TaskCursor) -> String {
    let mut query: Vec<&str> =
        uri.query().unwrap_or_default().split('&').filter(|kv| !kv.is_empty() && !kv.starts_with("after=")).collect();
    let after = format!("after={cursor}");
    query.push(&after);
    format!("{}?{}", uri.path(), query.join("&"))
}

/// Read a task.
#[utoipa::path(get, path = "/v1/tasks/{id}", operation_id = "task_get", tag = "tasks",
    params(("id" = uuid::Uuid, Path, description = "Task id")),
    responses((status = 200, description = "The task; its version is the ETag", body = Task, headers(("ETag" = String, description = "The version of the record, for `If-Match`"))), Problems),
    security(("bearer" = [])))]
pub async fn get_task(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> Result<Response, ApiProblem> {
    let id = parse_id(&id, "task")?;
    let (_, task): (_, Task) = fetch(&s, &p, verbs::GET, id).await?;
    Ok(versioned(StatusCode::OK, &task))
}

/// `POST /v1/tasks/{id}:<method>`: the steps of the responsibility chain, sent to the service that
/// owns the task. The body may be left out (or be `null`) where every field is optional.
pub static STEPS: Resource = Resource {
    path: "/v1/tasks/{id}",
    what: "task",
    tag: "tasks",
    id_doc: "Task id",
    if_match_doc: "ETag of the version you read",
    owner: Owner::Task,
    body: BodyRule::MayBeLeftOut,
    methods: &[
        CustomMethod::new::<StepNote, Task>("start", verbs::START)
            .doc("Start work on a task (its own layer).")
            .answers("In progress"),
        CustomMethod::new::<StepNote, Task>("submit", verbs::SUBMIT)
            .doc(
                "Submit a task for sign-off by the layer above (its own layer; the work below must be signed \
                off and any required notice passed).",
            )
            .answers("Submitted"),
        CustomMethod::new::<StepNote, Task>("sign-off", verbs::SIGN_OFF)
            .doc(
                "Sign a submitted task off (an approver of the signing layer, never its submitter); with \
                several approvals required, each distinct approver adds one until the task is signed off.",
            )
            .answers("Approved, or signed off"),
        CustomMethod::new::<StepNote, Task>("return", verbs::RETURN)
            .doc("Send a submitted task back to its layer with a reason (the signing layer).")
            .answers("Returned"),
        CustomMethod::new::<StepNote, Task>("cancel", verbs::CANCEL)
            .doc("Withdraw a task and its unfinished subtree with a reason (the issuing layer).")
            .answers("Cancelled"),
        CustomMethod::new::<Decompose, Issued>("decompose", verbs::DECOMPOSE)
            .doc("Split a task among divisions below its own (its own layer); the quota is divided exactly.")
            .answers("The parts were opened; ETag and Location are the decomposed task's"),
        CustomMethod::new::<OpenNotice, Notice>("open-notice", verbs::NOTICE_OPEN)
            .doc(
                "Open a public-notice window on a task (its own layer); objections may be lodged until it \
                closes.",
            )
            .answers("The notice; its version is the ETag")
            .tag("notices")
            .if_match_doc("ETag of the task version you read"),
    ],
};

/// A task with its subtree's progress per level and a page of its children, each with the counts
/// of its own subtree.
#[utoipa::path(get, path = "/v1/tasks/{id}/tree", operation_id = "task_tree", tag = "tasks",
    params(("id" = uuid::Uuid, Path, description = "Task id"), TreeQuery),
    responses((status = 200, description = "The tree", body = TaskTree), Problems),
    security(("bearer" = [])))]
pub async fn tree(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    Query(mut q): Query<TreeQuery>,
) -> Result<axum::Json<TaskTree>, ApiProblem> {
    let id = parse_id(&id, "task")?;
    check_division(q.division.as_deref())?;
    check_limit(q.limit, chain_api::limits::page::TREE)?;
    q.id = Some(id);
    let service = locate(&s, &p, verbs::GET, id).await?;
    let tree: TaskTree = s.bus.request(service, verbs::TREE, &p, &q).await?;
    Ok(axum::Json(tree))
}

/// Follow a task's subtree live as Server-Sent Events: every change in your jurisdiction, oldest
/// first, each with `id` = its sequence number and `event` = the change (`opened`, `submitted`,
/// `signed_off`, …). Reconnecting with `Last-Event-ID` resumes after that event.
#[utoipa::path(get, path = "/v1/tasks/{id}/events", operation_id = "task_events", tag = "tasks",
    params(("id" = uuid::Uuid, Path, description = "Task id (its whole subtree is followed)"),
        ("Last-Event-ID" = Option<String>, Header, nullable = false, description = "Resume after this event",
            pattern = "^([+-]?[0-9]{1,18})?$"),
        EventsParams),
    responses((status = 200, description = "An endless `text/event-stream`; each event's data is one TaskEvent",
        body = crate::feed::TaskEventMessage, content_type = "text/event-stream"), Problems),
    security(("bearer" = [])))]
pub async fn events(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    Query(q): Query<EventsParams>,
    headers: HeaderMap,
) -> Result<Response, ApiProblem> {
    let id = parse_id(&id, "task")?;
    let after = resume_after(&headers, q.after)?;
    let service = locate(&s, &p, verbs::GET, id).await?;
    feed::open(&s, p, service, id, after).await
}
