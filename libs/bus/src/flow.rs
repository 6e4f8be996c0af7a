//! The cause of the work in progress. The gateway sets it for each HTTP request, a service for
//! each request it serves (from [`CAUSATION_HEADER`] and [`CORRELATION_HEADER`]), a consumer for
//! each event it applies ([`Cause::of_event`]); requests sent meanwhile carry it on, and events
//! written meanwhile take it ([`current`]). Work that nothing caused — a timer firing, a schedule
//! running, a background job — starts a flow of its own ([`Cause::origin`]).

use std::future::Future;

use chain_api::Cause;
use chain_api::envelope::{CAUSATION_HEADER, CORRELATION_HEADER};

tokio::task_local! {
    static CAUSE: Cause;
}

/// Runs `work` with `cause` as the cause of everything it does.
pub async fn caused_by<F: Future>(cause: Cause, work: F) -> F::Output {
    CAUSE.scope(cause, work).await
}

/// The cause of the current work, or a new flow's origin outside any request or reaction.
pub fn current() -> Cause {
    CAUSE.try_with(|c| *c).unwrap_or_else(|_| Cause::origin())
}

/// The cause of the current work, if it runs inside a request or reaction.
pub fn within() -> Option<Cause> {
    CAUSE.try_with(|c| *c).ok()
}

/// Adds the current cause to the headers of an outgoing request.
pub(crate) fn insert(headers: &mut async_nats::HeaderMap) {
    if let Some(cause) = within() {
        headers.insert(CAUSATION_HEADER, cause.causation_id.to_string().as_str());
        headers.insert(CORRELATION_HEADER, cause.correlation_id.to_string().as_str());
    }
}

/// The cause a request arrived with; a request without one starts a flow of its own.
pub(crate) fn of_request(headers: Option<&async_nats::HeaderMap>) -> Cause {
    let header = |name: &str| headers.and_then(|h| h.get(name)).map(|v| v.as_str());
    Cause::from_headers(header(CAUSATION_HEADER), header(CORRELATION_HEADER)).unwrap_or_else(Cause::origin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn work_takes_the_cause_it_runs_under_and_outside_one_starts_a_flow() {
        let cause = Cause::request(uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
        assert_eq!(caused_by(cause, async { current() }).await, cause);
        assert!(within().is_none());
        let fresh = current();
        assert_eq!(fresh.causation_id, fresh.correlation_id);
        let mut headers = async_nats::HeaderMap::new();
        caused_by(cause, async { insert(&mut headers) }).await;
        assert_eq!(of_request(Some(&headers)), cause);
    }
}
