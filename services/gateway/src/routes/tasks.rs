//! `/v1/tasks`: the tasks of every service, in the caller's jurisdiction — listing, reading, the
//! steps of the responsibility chain, a subtree's progress, and a live feed of its changes.
//!
//! A task id does not say which service owns the task, so the first request about an id asks all
//! four services and remembers the one that knows it ([`Owners`]).

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::Mutex;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use chain_api::step::{ById, Step};
use chain_api::workflow::{
    Decompose, EventsQuery, Issued, Notice, OpenNotice, Service, StepNote, Task, TaskEvent, TaskQuery, TaskTree,
    TreeQuery, verbs,
};
use chain_api::{Principal, Problem, ProblemKind};
use chain_bus::{Bus, Shutdown};
use chain_domain::Division;
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::IntoParams;
use uuid::Uuid;

use super::{OptionalJson, Problems, custom_method, if_match, parse_id, step, versioned};
use crate::AppState;
use crate::auth::Auth;
use crate::problem::{ApiProblem, Path, Query};

/// How long the event feed waits before asking again when nothing new has happened.
pub const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// Events asked for per poll of the feed.
const EVENTS_PAGE: u64 = 500;

/// Which service owns each task, notice and objection id seen so far. Ids never move between
/// services, so an entry never goes stale; the map is emptied once it holds [`Owners::CAPACITY`]
/// ids, which bounds its memory.
#[derive(Debug, Default)]
pub struct Owners(Mutex<HashMap<Uuid, &'static str>>);

impl Owners {
    /// Most ids remembered at once.
    pub const CAPACITY: usize = 100_000;

    /// The owning service of `id`, if known.
    pub fn get(&self, id: Uuid) -> Option<&'static str> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).get(&id).copied()
    }

    /// Remembers that `service` owns `id`.
    pub fn remember(&self, id: Uuid, service: &'static str) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= Self::CAPACITY && !map.contains_key(&id) {
            map.clear();
        }
        map.insert(id, service);
    }

    /// Number of ids remembered.
    pub fn len(&self) -> usize {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The bus name of a service by the name a record carries, e.g. `Task::service`.
pub(crate) fn service_named(name: &str) -> Option<&'static str> {
    Service::ALL.iter().map(|s| s.as_str()).find(|s| *s == name)
}

/// Picks the one answer that matters out of the four services' answers to a request about an id:
/// the success if one succeeded; else the owner's own refusal (any problem other than 404); else a
/// service failure (the owner may be the one that failed); else 404, since nobody knows the id.
pub(crate) fn pick_owner<T>(answers: Vec<(&'static str, Result<T, Problem>)>) -> Result<(&'static str, T), Problem> {
    let mut refusal = None;
    let mut failure = None;
    let mut missing = None;
    for (service, answer) in answers {
        match answer {
            Ok(v) => return Ok((service, v)),
            Err(p) if p.is(ProblemKind::NotFound) => {
                missing.get_or_insert(p);
            }
            Err(p) if p.status >= 500 => {
                failure.get_or_insert(p);
            }
            Err(p) => {
                refusal.get_or_insert(p);
            }
        }
    }
    Err(refusal.or(failure).or(missing).unwrap_or_else(|| Problem::not_found("record")))
}

/// Sends `req` to all four services at once and answers with the owner's reply (see
/// [`pick_owner`]). Only the owner of the id in `req` finds it; the others answer 404 and change
/// nothing. The owner is remembered.
pub(crate) async fn ask_all<Req, Resp>(
    s: &AppState,
    p: &Principal,
    verb: &str,
    id: Uuid,
    req: &Req,
) -> Result<(&'static str, Resp), ApiProblem>
where
    Req: Serialize + Sync,
    Resp: DeserializeOwned,
{
    let answers = futures::future::join_all(Service::ALL.iter().map(|svc| async move {
        let name = svc.as_str();
        (name, s.bus.request::<Req, Resp>(name, verb, p, req).await)
    }))
    .await;
    let (service, answer) = pick_owner(answers)?;
    s.owners.remember(id, service);
    Ok((service, answer))
}

/// The service that owns the task or notice `id`: remembered, or found by sending `get_verb`
/// (`task.get` or `notice.get`) to all four services.
pub async fn locate(s: &AppState, p: &Principal, get_verb: &str, id: Uuid) -> Result<&'static str, ApiProblem> {
    if let Some(service) = s.owners.get(id) {
        return Ok(service);
    }
    let (service, _) = ask_all::<_, serde_json::Value>(s, p, get_verb, id, &ById { id }).await?;
    Ok(service)
}

/// Reads the task or notice `id` with `get_verb` from its owner, finding the owner if needed.
pub(crate) async fn fetch<T: DeserializeOwned>(
    s: &AppState,
    p: &Principal,
    get_verb: &str,
    id: Uuid,
) -> Result<(&'static str, T), ApiProblem> {
    if let Some(service) = s.owners.get(id) {
        let found = s.bus.request(service, get_verb, p, &ById { id }).await?;
        return Ok((service, found));
    }
    ask_all(s, p, get_verb, id, &ById { id }).await
}

/// Refuses a `division` filter that is not a division code.
pub(crate) fn check_division(division: Option<&str>) -> Result<(), ApiProblem> {
    if let Some(d) = division {
        Division::parse(d).map_err(|e| ApiProblem(Problem::invalid("division", e.to_string())))?;
    }
    Ok(())
}

/// Refuses a `limit` outside `1..=max`.
pub(crate) fn check_limit(limit: Option<u64>, max: u64) -> Result<(), ApiProblem> {
    if limit.is_some_and(|l| l == 0 || l > max) {
        return Err(Problem::invalid("limit", format!("must be between 1 and {max}")).into());
    }
    Ok(())
}

/// Reads a custom method's body as the step's own type.
pub(crate) fn decode<T: DeserializeOwned>(v: serde_json::Value) -> Result<T, ApiProblem> {
    serde_json::from_value(v).map_err(|e| ApiProblem(Problem::new(ProblemKind::Validation, e.to_string())))
}

/// A 201 answer for what a directive or decomposition opened: `Location` and `ETag` are those of
/// the task the work hangs under.
pub(crate) fn issued(service: &'static str, owners: &Owners, answer: &Issued) -> Response {
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

/// List tasks, oldest first, filtered; only tasks inside your jurisdiction are visible.
#[utoipa::path(get, path = "/v1/tasks", tag = "tasks", params(TaskQuery),
    responses((status = 200, description = "Tasks", body = Vec<Task>), Problems),
    security(("bearer" = [])))]
pub async fn list(
    State(s): State<AppState>,
    Auth(p): Auth,
    Query(q): Query<TaskQuery>,
) -> Result<axum::Json<Vec<Task>>, ApiProblem> {
    check_division(q.division.as_deref())?;
    check_limit(q.limit, 500)?;
    let answers = futures::future::join_all(
        Service::ALL.iter().map(|svc| s.bus.request::<_, Vec<Task>>(svc.as_str(), verbs::LIST, &p, &q)),
    )
    .await;
    let mut tasks = Vec::new();
    for a in answers {
        tasks.extend(a?);
    }
    tasks.sort_by_key(|t| (t.created_at, t.id));
    tasks.truncate(q.limit.unwrap_or(50) as usize);
    for t in &tasks {
        if let Some(service) = service_named(&t.service) {
            s.owners.remember(t.id, service);
        }
    }
    Ok(axum::Json(tasks))
}

/// Read a task.
#[utoipa::path(get, path = "/v1/tasks/{id}", tag = "tasks",
    params(("id" = uuid::Uuid, Path, description = "Task id")),
    responses((status = 200, description = "The task; its version is the ETag", body = Task), Problems),
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

/// Forwards a step on a task to its owner.
async fn task_step<B: Serialize, R: Serialize + DeserializeOwned>(
    s: &AppState,
    p: &Principal,
    verb: &str,
    id: Uuid,
    headers: &HeaderMap,
    body: B,
) -> Result<Response, ApiProblem> {
    let service = locate(s, p, verbs::GET, id).await?;
    step::<B, R>(s, p, (service, verb), id, headers, body).await
}

/// Start work on a task (its own layer).
#[utoipa::path(post, path = "/v1/tasks/{id}:start", tag = "tasks", request_body = Option<StepNote>,
    params(("id" = uuid::Uuid, Path, description = "Task id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, description = "In progress", body = Task), Problems),
    security(("bearer" = [])))]
pub async fn start(
    s: AppState,
    p: Principal,
    id: Uuid,
    headers: HeaderMap,
    body: StepNote,
) -> Result<Response, ApiProblem> {
    task_step::<_, Task>(&s, &p, verbs::START, id, &headers, body).await
}

/// Submit a task for sign-off by the layer above (its own layer; the work below must be signed
/// off and any required notice passed).
#[utoipa::path(post, path = "/v1/tasks/{id}:submit", tag = "tasks", request_body = Option<StepNote>,
    params(("id" = uuid::Uuid, Path, description = "Task id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, description = "Submitted", body = Task), Problems),
    security(("bearer" = [])))]
pub async fn submit(
    s: AppState,
    p: Principal,
    id: Uuid,
    headers: HeaderMap,
    body: StepNote,
) -> Result<Response, ApiProblem> {
    task_step::<_, Task>(&s, &p, verbs::SUBMIT, id, &headers, body).await
}

/// Sign a submitted task off (an approver of the signing layer, never its submitter); with several
/// approvals required, each distinct approver adds one until the task is signed off.
#[utoipa::path(post, path = "/v1/tasks/{id}:sign-off", tag = "tasks", request_body = Option<StepNote>,
    params(("id" = uuid::Uuid, Path, description = "Task id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, description = "Approved, or signed off", body = Task), Problems),
    security(("bearer" = [])))]
pub async fn sign_off(
    s: AppState,
    p: Principal,
    id: Uuid,
    headers: HeaderMap,
    body: StepNote,
) -> Result<Response, ApiProblem> {
    task_step::<_, Task>(&s, &p, verbs::SIGN_OFF, id, &headers, body).await
}

/// Send a submitted task back to its layer with a reason (the signing layer).
#[utoipa::path(post, path = "/v1/tasks/{id}:return", tag = "tasks", request_body = Option<StepNote>,
    params(("id" = uuid::Uuid, Path, description = "Task id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, description = "Returned", body = Task), Problems),
    security(("bearer" = [])))]
pub async fn send_back(
    s: AppState,
    p: Principal,
    id: Uuid,
    headers: HeaderMap,
    body: StepNote,
) -> Result<Response, ApiProblem> {
    task_step::<_, Task>(&s, &p, verbs::RETURN, id, &headers, body).await
}

/// Withdraw a task and its unfinished subtree with a reason (the issuing layer).
#[utoipa::path(post, path = "/v1/tasks/{id}:cancel", tag = "tasks", request_body = Option<StepNote>,
    params(("id" = uuid::Uuid, Path, description = "Task id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, description = "Cancelled", body = Task), Problems),
    security(("bearer" = [])))]
pub async fn cancel(
    s: AppState,
    p: Principal,
    id: Uuid,
    headers: HeaderMap,
    body: StepNote,
) -> Result<Response, ApiProblem> {
    task_step::<_, Task>(&s, &p, verbs::CANCEL, id, &headers, body).await
}

/// Split a task among divisions below its own (its own layer); the quota is divided exactly.
#[utoipa::path(post, path = "/v1/tasks/{id}:decompose", tag = "tasks", request_body = Decompose,
    params(("id" = uuid::Uuid, Path, description = "Task id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, description = "The parts were opened; ETag and Location are the decomposed task's",
        body = Issued), Problems),
    security(("bearer" = [])))]
pub async fn decompose(
    s: AppState,
    p: Principal,
    id: Uuid,
    headers: HeaderMap,
    body: Decompose,
) -> Result<Response, ApiProblem> {
    let service = locate(&s, &p, verbs::GET, id).await?;
    let req = Step { id, expected_version: if_match(&headers)?, body };
    let answer: Issued = s.bus.request(service, verbs::DECOMPOSE, &p, &req).await?;
    Ok(issued(service, &s.owners, &answer))
}

/// Open a public-notice window on a task (its own layer); objections may be lodged until it closes.
#[utoipa::path(post, path = "/v1/tasks/{id}:open-notice", tag = "notices", request_body = Option<OpenNotice>,
    params(("id" = uuid::Uuid, Path, description = "Task id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the task version you read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, description = "The notice; its version is the ETag", body = Notice), Problems),
    security(("bearer" = [])))]
pub async fn open_notice(
    s: AppState,
    p: Principal,
    id: Uuid,
    headers: HeaderMap,
    body: OpenNotice,
) -> Result<Response, ApiProblem> {
    let service = locate(&s, &p, verbs::GET, id).await?;
    let req = Step { id, expected_version: if_match(&headers)?, body };
    let notice: Notice = s.bus.request(service, verbs::NOTICE_OPEN, &p, &req).await?;
    s.owners.remember(notice.id, service);
    Ok(versioned(StatusCode::OK, &notice))
}

/// Dispatches `POST /v1/tasks/{id}:<verb>`; the body may be left out (or `null`) where every field
/// is optional.
pub async fn custom(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(target): Path<String>,
    headers: HeaderMap,
    OptionalJson(body): OptionalJson<serde_json::Value>,
) -> Result<Response, ApiProblem> {
    let (id, verb) = custom_method(&target, "task")?;
    // `null` says "no body" as well as an empty one does.
    let body = if body.is_null() { serde_json::Value::Object(serde_json::Map::new()) } else { body };
    match verb.as_str() {
        "start" => start(s, p, id, headers, decode(body)?).await,
        "submit" => submit(s, p, id, headers, decode(body)?).await,
        "sign-off" => sign_off(s, p, id, headers, decode(body)?).await,
        "return" => send_back(s, p, id, headers, decode(body)?).await,
        "cancel" => cancel(s, p, id, headers, decode(body)?).await,
        "decompose" => decompose(s, p, id, headers, decode(body)?).await,
        "open-notice" => open_notice(s, p, id, headers, decode(body)?).await,
        _ => Err(ApiProblem(Problem::not_found("operation"))),
    }
}

/// A task with its subtree's progress per level and a page of its children, each with the counts
/// of its own subtree.
#[utoipa::path(get, path = "/v1/tasks/{id}/tree", tag = "tasks",
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
    check_limit(q.limit, 1000)?;
    q.id = Some(id);
    let service = locate(&s, &p, verbs::GET, id).await?;
    let tree: TaskTree = s.bus.request(service, verbs::TREE, &p, &q).await?;
    Ok(axum::Json(tree))
}

/// Where the event feed starts.
#[derive(Debug, Default, serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsParams {
    /// Only changes after this sequence number (`Last-Event-ID` wins when both are sent).
    pub after: Option<i64>,
}

/// The position to resume after: `Last-Event-ID` (sent by a reconnecting client), else `after`.
pub fn resume_after(headers: &HeaderMap, after: Option<i64>) -> Result<Option<i64>, ApiProblem> {
    let Some(v) = headers.get("last-event-id") else { return Ok(after) };
    let text = v.to_str().unwrap_or_default().trim();
    if text.is_empty() {
        return Ok(after);
    }
    text.parse::<i64>().map(Some).map_err(|_| {
        Problem::new(ProblemKind::BadRequest, "Last-Event-ID must be the id of an event from this feed").into()
    })
}

/// Follow a task's subtree live as Server-Sent Events: every change in your jurisdiction, oldest
/// first, each with `id` = its sequence number and `event` = the change (`opened`, `submitted`,
/// `signed_off`, …). Reconnecting with `Last-Event-ID` resumes after that event.
#[utoipa::path(get, path = "/v1/tasks/{id}/events", tag = "tasks",
    params(("id" = uuid::Uuid, Path, description = "Task id (its whole subtree is followed)"),
        ("Last-Event-ID" = Option<String>, Header, description = "Resume after this event"),
        EventsParams),
    responses((status = 200, description = "An endless `text/event-stream`; each event's data is one TaskEvent",
        body = TaskEvent, content_type = "text/event-stream"), Problems),
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
    // The first page is read before answering, so a refusal is still a problem, not a stream.
    let first: Vec<TaskEvent> =
        s.bus.request(service, verbs::EVENTS, &p, &EventsQuery { id, after, limit: Some(EVENTS_PAGE) }).await?;
    let feed = Feed {
        bus: s.bus.clone(),
        principal: p,
        service,
        id,
        after: first.last().map(|e| e.seq).or(after),
        more: first.len() as u64 >= EVENTS_PAGE,
        pending: first.into(),
        shutdown: s.shutdown.clone(),
    };
    let stream = futures::stream::unfold(feed, |mut feed| async move {
        let event = feed.next().await?;
        Some((Ok::<_, Infallible>(event), feed))
    });
    let mut resp = Sse::new(stream).keep_alive(KeepAlive::default()).into_response();
    // Reverse proxies such as nginx would otherwise hold events back to fill their buffers.
    resp.headers_mut().insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(resp)
}

/// The state of one client's event feed.
struct Feed {
    bus: Bus,
    principal: Principal,
    service: &'static str,
    id: Uuid,
    /// The last sequence number read.
    after: Option<i64>,
    /// The last page was full: ask again at once.
    more: bool,
    pending: VecDeque<TaskEvent>,
    shutdown: Shutdown,
}

impl Feed {
    /// The next event to send; `None` ends the stream (shutdown, or the service refused).
    async fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(e) = self.pending.pop_front() {
                return Some(sse_event(&e));
            }
            if self.shutdown.fired() {
                return None;
            }
            if !self.more {
                tokio::select! {
                    _ = tokio::time::sleep(POLL_INTERVAL) => {}
                    _ = self.shutdown.wait() => return None,
                }
            }
            let query = EventsQuery { id: self.id, after: self.after, limit: Some(EVENTS_PAGE) };
            let page = tokio::select! {
                page = self.bus.request::<_, Vec<TaskEvent>>(self.service, verbs::EVENTS, &self.principal, &query) => page,
                _ = self.shutdown.wait() => return None,
            };
            match page {
                Ok(page) => {
                    self.more = page.len() as u64 >= EVENTS_PAGE;
                    if let Some(last) = page.last() {
                        self.after = Some(last.seq);
                    }
                    self.pending = page.into();
                }
                Err(p) if p.status >= 500 => {
                    tracing::warn!(task = %self.id, problem = %p, "the event feed could not poll; retrying");
                    self.more = false;
                }
                Err(p) => {
                    // A reconnecting client gets this refusal as a problem.
                    tracing::info!(task = %self.id, problem = %p, "the event feed was refused; closing it");
                    return None;
                }
            }
        }
    }
}

/// One change as an SSE event.
fn sse_event(e: &TaskEvent) -> Event {
    let name: String = e.change.chars().filter(|c| *c != '\r' && *c != '\n').collect();
    Event::default()
        .id(e.seq.to_string())
        .event(if name.is_empty() { "change".to_owned() } else { name })
        .data(serde_json::to_string(e).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_owner_cache_remembers_and_empties_itself_when_full() {
        let owners = Owners::default();
        let first = Uuid::now_v7();
        owners.remember(first, "planning");
        assert_eq!(owners.get(first), Some("planning"));
        assert_eq!(owners.get(Uuid::now_v7()), None);
        for _ in 1..Owners::CAPACITY {
            owners.remember(Uuid::now_v7(), "exit");
        }
        assert_eq!(owners.len(), Owners::CAPACITY);
        // Remembering a known id again does not empty it.
        owners.remember(first, "planning");
        assert_eq!(owners.len(), Owners::CAPACITY);
        let next = Uuid::now_v7();
        owners.remember(next, "funding");
        assert_eq!(owners.len(), 1);
        assert_eq!(owners.get(next), Some("funding"));
        assert_eq!(owners.get(first), None);
    }

    fn missing() -> Result<u8, Problem> {
        Err(Problem::not_found("task"))
    }

    #[test]
    fn the_owner_is_the_service_that_answered() {
        let answers =
            vec![("identification", missing()), ("planning", Ok(7)), ("funding", missing()), ("exit", missing())];
        assert_eq!(pick_owner(answers).unwrap(), ("planning", 7));
    }

    #[test]
    fn nobody_knowing_the_id_is_a_404() {
        let answers = vec![("identification", missing()), ("planning", missing())];
        assert_eq!(pick_owner(answers).unwrap_err().status, 404);
    }

    #[test]
    fn a_failed_service_is_reported_rather_than_a_404_it_may_have_hidden() {
        let down = Err(Problem::new(ProblemKind::Unavailable, "the exit service did not answer"));
        let answers = vec![("identification", missing()), ("exit", down)];
        assert!(pick_owner(answers).unwrap_err().is(ProblemKind::Unavailable));
    }

    #[test]
    fn the_owners_refusal_beats_another_services_failure() {
        let down = Err(Problem::new(ProblemKind::Unavailable, "the exit service did not answer"));
        let stale = Err(Problem::new(ProblemKind::PreconditionFailed, "version 3 is current"));
        let answers = vec![("exit", down), ("identification", missing()), ("planning", stale)];
        assert!(pick_owner(answers).unwrap_err().is(ProblemKind::PreconditionFailed));
    }

    #[test]
    fn service_names_map_to_the_bus_names() {
        assert_eq!(service_named("funding"), Some("funding"));
        assert_eq!(service_named("gateway"), None);
    }

    #[test]
    fn the_feed_resumes_after_last_event_id_before_the_query() {
        let mut h = HeaderMap::new();
        assert_eq!(resume_after(&h, Some(4)).unwrap(), Some(4));
        assert_eq!(resume_after(&h, None).unwrap(), None);
        h.insert("last-event-id", HeaderValue::from_static("42"));
        assert_eq!(resume_after(&h, Some(4)).unwrap(), Some(42));
        h.insert("last-event-id", HeaderValue::from_static("forty-two"));
        assert_eq!(resume_after(&h, None).unwrap_err().0.status, 400);
    }

    async fn read_body<T: DeserializeOwned>(content_type: Option<&str>, body: &'static str) -> Result<T, u16> {
        use axum::extract::FromRequest;
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
