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
    /// Subject of the official whose action caused it.
    pub actor: String,
    /// The event or request that directly caused this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub causation_id: Option<Uuid>,
    /// Shared by every event of one business flow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<Uuid>,
    /// W3C trace context of the action that produced the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceparent: Option<String>,
    /// The event body.
    pub payload: serde_json::Value,
}

impl Envelope {
    /// A new event of the given type about a division.
    pub fn new(
        kind: &str,
        division: &str,
        actor: &str,
        occurred_at: DateTime<Utc>,
        payload: serde_json::Value,
    ) -> Self {
        Envelope {
            id: Uuid::now_v7(),
            kind: kind.to_owned(),
            version: 1,
            division: division.to_owned(),
            occurred_at,
            actor: actor.to_owned(),
            causation_id: None,
            correlation_id: None,
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
            "u",
            Utc::now(),
            serde_json::json!({}),
        );
        assert_eq!(e.subject("chain"), "chain.evt.identification.household-identified.52.06.24.101.201");
        let c = Envelope::new("funding.funds-allocated", "CN", "u", Utc::now(), serde_json::json!({}));
        assert_eq!(c.subject("chain"), "chain.evt.funding.funds-allocated.CN");
    }
}
