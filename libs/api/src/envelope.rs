//! The event envelope: every fact published on `chain.evt.>` is one of these.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A published fact with its metadata. The `id` is also the JetStream `Nats-Msg-Id`, so a
/// republished event is dropped by the stream's duplicate window and by every consumer's inbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// UUIDv7 of the event.
    pub id: Uuid,
    /// The event type, `<service>.<event>`, e.g. `identification.household-identified`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Schema version of the payload.
    pub version: u32,
    /// The division the fact concerns (`CN` for the central layer).
    pub division: String,
    /// When the fact happened.
    pub occurred_at: DateTime<Utc>,
    /// Id of the record the fact is about: the task of a `task-changed`, the household of a
    /// `household-identified`, the plan of a `plan-approved`, the movement of a `funds-allocated`.
    pub subject_id: Uuid,
    /// Subject of the official whose action caused it.
    pub actor: String,
    /// The request or event that directly caused this one.
    pub causation_id: Uuid,
    /// Shared by every request and event of one business flow.
    pub correlation_id: Uuid,
    /// W3C trace context of the action that produced the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceparent: Option<String>,
    /// The event body.
    pub payload: serde_json::Value,
}

/// Why something happens: the request or event that directly caused it and the flow it belongs
/// to. Every event is built with one ([`Envelope::new`]); a request carries its cause to the
/// services in [`CAUSATION_HEADER`] and [`CORRELATION_HEADER`], and a reaction to an event takes
/// [`Cause::of_event`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cause {
    /// The request or event that directly caused what follows.
    pub causation_id: Uuid,
    /// The flow: shared by the request that started it and everything that follows from it.
    pub correlation_id: Uuid,
}

/// NATS header carrying the id of the request (or event) that caused a request.
pub const CAUSATION_HEADER: &str = "Chain-Causation-Id";

/// NATS header carrying the correlation id of the flow a request belongs to.
pub const CORRELATION_HEADER: &str = "Chain-Correlation-Id";

impl Cause {
    /// A request `request_id` within the flow `correlation_id`.
    pub fn request(request_id: Uuid, correlation_id: Uuid) -> Cause {
        Cause { causation_id: request_id, correlation_id }
    }

    /// What follows from consuming `event`: caused by it, in its flow.
    pub fn of_event(event: &Envelope) -> Cause {
        Cause { causation_id: event.id, correlation_id: event.correlation_id }
    }

    /// The start of a new flow that no request or event caused (a timer firing, a schedule
    /// running): a fresh id that is both the causation and the correlation.
    pub fn origin() -> Cause {
        let id = Uuid::now_v7();
        Cause { causation_id: id, correlation_id: id }
    }

    /// Reads a cause from the two header values; `None` unless both are UUIDs.
    pub fn from_headers(causation: Option<&str>, correlation: Option<&str>) -> Option<Cause> {
        let causation_id = Uuid::parse_str(causation?.trim()).ok()?;
        let correlation_id = Uuid::parse_str(correlation?.trim()).ok()?;
        Some(Cause { causation_id, correlation_id })
    }
}

impl Envelope {
    /// A new event of the given type about the record `subject_id` in a division, with its cause.
    pub fn new(
        kind: &str,
        division: &str,
        subject_id: Uuid,
        actor: &str,
        cause: &Cause,
        occurred_at: DateTime<Utc>,
        payload: serde_json::Value,
    ) -> Self {
        Envelope {
            id: Uuid::now_v7(),
            kind: kind.to_owned(),
            version: 1,
            division: division.to_owned(),
            occurred_at,
            subject_id,
            actor: actor.to_owned(),
            causation_id: cause.causation_id,
            correlation_id: cause.correlation_id,
            traceparent: None,
            payload,
        }
    }

    /// The NATS subject: `<root>.evt.<service>.<event>.<division tokens>`.
    pub fn subject(&self, root: &str) -> String {
        let (service, event) = self.kind.split_once('.').unwrap_or(("unknown", &self.kind));
        let tokens = match chain_domain::Division::parse(&self.division) {
            Ok(d) => d.subject_tokens(),
            Err(_) => "CN".to_owned(),
        };
        format!("{root}.evt.{service}.{event}.{tokens}")
    }

    /// Decodes the payload into its typed form.
    pub fn payload_as<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_value(self.payload.clone())
    }
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)]
mod tests {
    use super::*;

    #[test]
    fn the_subject_splits_the_division_by_level() {
        let e = Envelope::new(
            "identification.household-identified",
            "520624101201",
            Uuid::now_v7(),
            "u",
            &Cause::origin(),
            Utc::now(),
            serde_json::json!({}),
        );
        assert_eq!(e.subject("chain"), "chain.evt.identification.household-identified.52.06.24.101.201");
        let c = Envelope::new(
            "funding.funds-allocated",
            "CN",
            Uuid::now_v7(),
            "u",
            &Cause::origin(),
            Utc::now(),
            serde_json::json!({}),
        );
        assert_eq!(c.subject("chain"), "chain.evt.funding.funds-allocated.CN");
    }

    #[test]
    fn a_reaction_is_caused_by_the_event_and_stays_in_its_flow() {
        let request = Cause::request(Uuid::now_v7(), Uuid::now_v7());
        let e = Envelope::new(
            "planning.plan-approved",
            "520624",
            Uuid::now_v7(),
            "u",
            &request,
            Utc::now(),
            serde_json::json!({}),
        );
        assert_eq!((e.causation_id, e.correlation_id), (request.causation_id, request.correlation_id));
        let next = Cause::of_event(&e);
        assert_eq!(next.causation_id, e.id);
        assert_eq!(next.correlation_id, request.correlation_id);
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["subject_id"], e.subject_id.to_string());
        assert_eq!(json["correlation_id"], request.correlation_id.to_string());
    }
}
