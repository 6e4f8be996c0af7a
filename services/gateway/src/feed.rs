//! The live feed of a task subtree's changes as Server-Sent Events: the owning service is polled
//! for events after the last one sent; a reconnecting client resumes with `Last-Event-ID`.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use chain_api::workflow::{EventsQuery, TaskEvent, verbs};
use chain_api::{Principal, Problem, ProblemKind};
use chain_bus::{Bus, Shutdown};
use utoipa::IntoParams;
use uuid::Uuid;

use crate::AppState;
use crate::problem::ApiProblem;

/// How long the event feed waits before asking again when nothing new has happened.
pub const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// Events asked for per poll of the feed.
const EVENTS_PAGE: u64 = 500;

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
    let refused = || Problem::new(ProblemKind::BadRequest, "Last-Event-ID must be the id of an event from this feed");
    // A value that is not visible ASCII is no event id either, not an absent one.
    let text = v.to_str().map_err(|_| refused())?.trim();
    if text.is_empty() {
        return Ok(after);
    }
    text.parse::<i64>().map(Some).map_err(|_| refused().into())
}

/// Opens the feed of task `id`'s subtree, held by `service`, after sequence number `after`. The
/// first page is read before answering, so a refusal is still a problem, not a stream.
pub async fn open(
    s: &AppState,
    p: Principal,
    service: &'static str,
    id: Uuid,
    after: Option<i64>,
) -> Result<Response, ApiProblem> {
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

/// One event of the feed as the `text/event-stream` framing carries it: the document describes
/// each event by its fields, as OpenAPI 3.2 reads an event stream's schema, with the change
/// itself as JSON in `data`.
#[derive(Debug, utoipa::ToSchema)]
pub struct TaskEventMessage {
    /// The change's sequence number (`seq`), to resume after with `Last-Event-ID`.
    pub id: String,
    /// The change: `opened`, `submitted`, `signed_off`, …
    pub event: String,
    /// The change as a JSON-encoded TaskEvent.
    #[schema(schema_with = task_event_data)]
    pub data: String,
}

/// `data`: a string holding a TaskEvent as JSON.
fn task_event_data() -> utoipa::openapi::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("The change as a JSON-encoded TaskEvent."))
        .content_media_type("application/json")
        .content_schema(Some(utoipa::openapi::Ref::from_schema_name("TaskEvent")))
        .build()
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
    fn the_feed_resumes_after_last_event_id_before_the_query() {
        let mut h = HeaderMap::new();
        assert_eq!(resume_after(&h, Some(4)).unwrap(), Some(4));
        assert_eq!(resume_after(&h, None).unwrap(), None);
        h.insert("last-event-id", HeaderValue::from_static("42"));
        assert_eq!(resume_after(&h, Some(4)).unwrap(), Some(42));
        h.insert("last-event-id", HeaderValue::from_static("forty-two"));
        assert_eq!(resume_after(&h, None).unwrap_err().0.status, 400);
    }
}
