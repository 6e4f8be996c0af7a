//! The serving side of request/reply: a service registers its endpoints by verb and serves them
//! on `<root>.<service>.>` in a queue group, so replicas share the load.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use bytes::Bytes;
use chain_api::principal::{PRINCIPAL_HEADER, PRINCIPAL_PROOF_HEADER};
use chain_api::{Principal, Problem, ProblemKind};
use futures::StreamExt;
use futures::future::BoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::{Bus, REQUEST_ID_HEADER, STATUS_HEADER, Shutdown, TRACEPARENT_HEADER};

type Handler<S> = Arc<dyn Fn(S, Principal, Bytes) -> BoxFuture<'static, Result<Vec<u8>, Problem>> + Send + Sync>;

/// A service's endpoints, keyed by verb (`household.register`).
pub struct Endpoints<S> {
    service: &'static str,
    state: S,
    handlers: HashMap<String, Handler<S>>,
    answers: Option<Answers>,
}

/// Where a service remembers its answers by request id, and for how long.
#[derive(Clone)]
struct Answers {
    db: chain_store::Db,
    ttl: std::time::Duration,
}

impl<S: Clone + Send + Sync + 'static> Endpoints<S> {
    /// Endpoints of `service`, each called with a clone of `state`.
    pub fn new(service: &'static str, state: S) -> Self {
        Endpoints { service, state, handlers: HashMap::new(), answers: None }
    }

    /// Remembers in `db` ([`chain_store::answers`]) the answer to every request that carries a
    /// request id ([`REQUEST_ID_HEADER`]), for `ttl`, and answers the same id sent again with it
    /// instead of running the handler twice. Answers with a 5xx status are not remembered: the
    /// request may be tried again.
    ///
    /// The answer is remembered right after the handler returns, not in the handler's own
    /// transaction: a process that dies between the handler's commit and that write forgets the
    /// request id, and the same id sent again runs the handler again (its own uniqueness checks
    /// are then what stands between the retry and a duplicate).
    pub fn remembering(mut self, db: chain_store::Db, ttl: std::time::Duration) -> Self {
        self.answers = Some(Answers { db, ttl });
        self
    }

    /// Registers a handler for a verb. The request body is decoded as `Req`; the handler's answer
    /// is encoded as JSON, its error turned into a problem (see [`crate::Error`]) and returned
    /// with the problem's status.
    pub fn handle<Req, Resp, E, F, Fut>(mut self, verb: &str, f: F) -> Self
    where
        Req: DeserializeOwned + Send + 'static,
        Resp: Serialize + Send + 'static,
        E: Into<Problem> + 'static,
        F: Fn(S, Principal, Req) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Resp, E>> + Send + 'static,
    {
        let f = Arc::new(f);
        let handler: Handler<S> = Arc::new(move |state, principal, body| {
            let f = f.clone();
            Box::pin(async move {
                let req: Req = chain_api::body::decode(&body)?;
                let resp = f(state, principal, req).await.map_err(Into::into)?;
                serde_json::to_vec(&resp).map_err(|_| Problem::internal())
            })
        });
        self.handlers.insert(verb.to_owned(), handler);
        self
    }

    /// Subscribes, then serves in a background task until shutdown. Each request runs in its own
    /// task and is answered only if its principal verifies with the gateway's key the bus was
    /// given ([`Bus::verifying`]); otherwise it is refused with 401 before any handler runs.
    /// Returns once the subscription is in place, so requests sent afterwards are answered.
    pub async fn start(self, bus: Bus, shutdown: Shutdown) -> anyhow::Result<tokio::task::JoinHandle<()>> {
        if bus.verifier().is_none() {
            anyhow::bail!("the {} service needs the gateway's bus public key to verify principals", self.service);
        }
        let prefix = format!("{}.{}.", bus.root(), self.service);
        let sub = bus
            .client()
            .queue_subscribe(format!("{prefix}>"), self.service.to_owned())
            .await
            .map_err(|e| anyhow::anyhow!("subscribing to {prefix}>: {e}"))?;
        bus.client().flush().await.map_err(|e| anyhow::anyhow!("flushing the subscription: {e}"))?;
        tracing::info!(service = self.service, "serving requests");
        Ok(tokio::spawn(self.serve(bus, sub, prefix, shutdown)))
    }

    async fn serve(self, bus: Bus, mut sub: async_nats::Subscriber, prefix: String, mut shutdown: Shutdown) {
        let handlers = Arc::new(self.handlers);
        let answers = self.answers.clone();
        let Some(verifier) = bus.verifier().cloned() else { return };
        loop {
            let msg = tokio::select! {
                m = sub.next() => match m { Some(m) => m, None => break },
                _ = shutdown.wait() => break,
            };
            let Some(reply) = msg.reply.clone() else { continue };
            let verb = msg.subject.as_str().strip_prefix(&prefix).unwrap_or_default().to_owned();
            let handlers = handlers.clone();
            let state = self.state.clone();
            let verifier = verifier.clone();
            let client = bus.client().clone();
            let answers = answers.clone();
            // The spans that carry the trace across process boundaries are created at ERROR level so a
            // quiet RUST_LOG (say `warn`) never disables them and breaks propagation; events inside them
            // are still filtered by their own level.
            let span = tracing::error_span!("handle", service = self.service, verb = %verb);
            let headers = msg.headers.clone();
            chain_telemetry::set_parent(
                &span,
                headers.as_ref().and_then(|h| h.get(TRACEPARENT_HEADER)).map(|v| v.as_str()),
            );
            let cause = crate::flow::of_request(headers.as_ref());
            tokio::spawn(
                crate::flow::caused_by(cause, async move {
                    let header = |name: &str| headers.as_ref().and_then(|h| h.get(name)).map(|v| v.as_str());
                    let principal = verifier.verify(
                        msg.subject.as_str(),
                        header(PRINCIPAL_HEADER),
                        header(PRINCIPAL_PROOF_HEADER),
                        &msg.payload,
                    );
                    let result = match (principal, handlers.get(&verb)) {
                        (Err(refused), _) => {
                            tracing::warn!(
                                detail = refused.detail.as_deref().unwrap_or_default(),
                                "request refused: principal not verified"
                            );
                            Err(refused)
                        }
                        (Ok(_), None) => Err(Problem::new(ProblemKind::NotFound, format!("no operation {verb}"))),
                        (Ok(p), Some(h)) => {
                            let request_id = header(REQUEST_ID_HEADER).map(str::to_owned);
                            match (&answers, request_id) {
                                (Some(answers), Some(id)) => {
                                    answers.answer(&id, msg.subject.as_str(), h(state, p, msg.payload)).await
                                }
                                _ => h(state, p, msg.payload).await.map(|body| (200, body)),
                            }
                        }
                    };
                    let max_payload = client.server_info().max_payload;
                    let result = result.and_then(|(status, body)| Ok((status, fits(body, max_payload)?)));
                    let (status, body) = match result {
                        Ok(answer) => answer,
                        Err(problem) => {
                            if problem.status >= 500 {
                                tracing::error!(%problem, "request failed");
                            }
                            (problem.status, serde_json::to_vec(&problem).unwrap_or_default())
                        }
                    };
                    let mut headers = async_nats::HeaderMap::new();
                    headers.insert(STATUS_HEADER, status.to_string().as_str());
                    if let Err(e) = client.publish_with_headers(reply, headers, body.into()).await {
                        tracing::warn!(error = %e, "could not send a reply");
                    }
                })
                .instrument(span),
            );
        }
    }
}

/// Room left in a message for the reply's headers.
const HEADER_ROOM: usize = 1024;

/// An answer that the bus can carry; a larger one is logged and replaced by a problem saying so,
/// so the caller hears why rather than waiting for a reply that never comes.
fn fits(body: Vec<u8>, max_payload: usize) -> Result<Vec<u8>, Problem> {
    if body.len() + HEADER_ROOM <= max_payload {
        return Ok(body);
    }
    tracing::error!(bytes = body.len(), max_payload, "an answer is larger than the bus carries");
    Err(Problem::new(
        ProblemKind::Internal,
        format!("the answer ({} bytes) is larger than the bus carries ({max_payload} bytes)", body.len()),
    ))
}

impl Answers {
    /// The answer remembered for request `id` on `subject`, else `run`'s, remembered unless it is
    /// a 5xx (returned as the problem it is).
    async fn answer(
        &self,
        id: &str,
        subject: &str,
        run: BoxFuture<'static, Result<Vec<u8>, Problem>>,
    ) -> Result<(u16, Vec<u8>), Problem> {
        match chain_store::answers::recall(&self.db, id, subject, self.ttl).await {
            Ok(Some((status, body))) => {
                tracing::info!(request_id = id, status, "answered a request id seen before with its first answer");
                return Ok((status, body.into_bytes()));
            }
            Ok(None) => {}
            // Running the handler without knowing whether it ran before could do it twice.
            Err(e) => return Err(internal(anyhow::Error::from(e).context("recalling a remembered answer"))),
        }
        let (status, body) = match run.await {
            Ok(body) => (200, body),
            Err(problem) if problem.status >= 500 => return Err(problem),
            Err(problem) => (problem.status, serde_json::to_vec(&problem).unwrap_or_default()),
        };
        let text = String::from_utf8_lossy(&body);
        if let Err(e) = chain_store::answers::remember(&self.db, id, subject, status, &text).await {
            tracing::warn!(request_id = id, error = %e, "could not remember an answer");
        }
        Ok((status, body))
    }
}

/// Logs an unexpected failure with its chain and turns it into a generic internal problem.
pub fn internal(err: impl Into<anyhow::Error>) -> Problem {
    let err = err.into();
    tracing::error!(error = format!("{err:#}"), "unexpected failure");
    Problem::internal()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_larger_than_the_bus_carries_becomes_a_problem() {
        assert_eq!(fits(vec![b'x'; 10], 2048).unwrap().len(), 10);
        let refused = fits(vec![b'x'; 2048], 2048).unwrap_err();
        assert_eq!(refused.status, 500);
        assert!(refused.detail.unwrap().contains("2048 bytes"));
    }
}
