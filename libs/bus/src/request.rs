//! The requesting side of request/reply: the gateway sends a command or query to a service with
//! the caller's principal and trace context, and gets the answer or a problem back.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;

use bytes::Bytes;
use chain_api::principal::{PRINCIPAL_HEADER, PRINCIPAL_PROOF_HEADER};
use chain_api::{Principal, Problem, ProblemKind};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{Bus, REQUEST_ID_HEADER, STATUS_HEADER, TRACEPARENT_HEADER};

/// The request id of the work in scope, and how many requests it has sent to each subject.
struct RequestScope {
    id: String,
    sent: Mutex<HashMap<String, u32>>,
}

tokio::task_local! {
    static REQUEST_SCOPE: RequestScope;
}

/// Runs `work` with the request id `id`: every request it sends carries `<id>.<n>`, `n` counting
/// its requests to the same subject from 0, so running the same work again under the same id
/// sends the same ids and each service answers those it already answered with the answers it
/// gave. Counting by subject keeps a command's id the same when the work asks fewer questions
/// the second time (the gateway caches which service owns a task).
pub async fn with_request_id<F: Future>(id: String, work: F) -> F::Output {
    REQUEST_SCOPE.scope(RequestScope { id, sent: Mutex::default() }, work).await
}

/// The id of the next request to `subject` sent in the current scope, if there is one.
fn next_request_id(subject: &str) -> Option<String> {
    REQUEST_SCOPE
        .try_with(|s| {
            let mut sent = s.sent.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let n = sent.entry(subject.to_owned()).or_default();
            let id = format!("{}.{n}", s.id);
            *n += 1;
            id
        })
        .ok()
}

impl Bus {
    /// Sends `req` to `<root>.<service>.<verb>` on behalf of `principal`.
    #[tracing::instrument(skip(self, principal, req), fields(subject = %format!("{}.{service}.{verb}", self.root)))]
    pub async fn request<Req: Serialize, Resp: DeserializeOwned>(
        &self,
        service: &str,
        verb: &str,
        principal: &Principal,
        req: &Req,
    ) -> Result<Resp, Problem> {
        let body = serde_json::to_vec(req).map_err(|_| Problem::internal())?;
        let (status, payload) = self.request_raw(service, verb, Some(principal), body.into()).await?;
        if status >= 400 {
            let problem: Problem = serde_json::from_slice(&payload).map_err(|_| Problem::internal())?;
            return Err(problem);
        }
        serde_json::from_slice(&payload).map_err(|e| {
            tracing::error!(error = %e, "a service answered with a body the gateway cannot read");
            Problem::internal()
        })
    }

    /// Sends raw bytes and returns the answer's status and body. A principal is sent with its
    /// proof, signed by this connection's key (see [`Bus::signing`]).
    pub async fn request_raw(
        &self,
        service: &str,
        verb: &str,
        principal: Option<&Principal>,
        body: Bytes,
    ) -> Result<(u16, Bytes), Problem> {
        let subject = format!("{}.{service}.{verb}", self.root);
        let mut headers = async_nats::HeaderMap::new();
        if let Some(p) = principal {
            let Some(signer) = &self.signer else {
                tracing::error!(
                    service,
                    verb,
                    "a request on behalf of a principal from a connection without the bus signing key"
                );
                return Err(Problem::internal());
            };
            let header = p.to_header();
            headers.insert(PRINCIPAL_PROOF_HEADER, signer.sign(&subject, &header, &body).as_str());
            headers.insert(PRINCIPAL_HEADER, header.as_str());
        }
        crate::flow::insert(&mut headers);
        if let Some(id) = next_request_id(&subject) {
            headers.insert(REQUEST_ID_HEADER, id.as_str());
        }
        if let Some(tp) = chain_telemetry::current_traceparent() {
            headers.insert(TRACEPARENT_HEADER, tp.as_str());
        }
        let request = async_nats::Request::new().payload(body).headers(headers).timeout(Some(self.request_timeout));
        let msg = self.client.send_request(subject, request).await.map_err(|e| {
            tracing::warn!(service, verb, error = %e, "request to a service failed");
            Problem::new(ProblemKind::Unavailable, format!("the {service} service did not answer"))
        })?;
        let status = msg
            .headers
            .as_ref()
            .and_then(|h| h.get(STATUS_HEADER))
            .and_then(|v| v.as_str().parse::<u16>().ok())
            .unwrap_or(200);
        Ok((status, msg.payload))
    }
}
