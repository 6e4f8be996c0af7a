//! Durable JetStream consumers whose effects are applied exactly once: each event's id is claimed
//! in the consumer's inbox in the same transaction as the effect, then the message is acked.

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::AckKind;
use async_nats::jetstream::consumer::{AckPolicy, DeliverPolicy, pull};
use chain_api::Envelope;
use chain_store::{Db, inbox};
use futures::StreamExt;
use futures::future::BoxFuture;
use sea_orm::{DatabaseTransaction, TransactionTrait};
use tracing::Instrument;

use crate::{Bus, OutboxSignal, Shutdown};

/// What a consumer does with an event, inside the transaction that also claims it.
pub trait Reaction: Send + Sync + 'static {
    /// Applies the event's effect. An error rolls the transaction back and the event is redelivered.
    fn apply<'a>(&'a self, txn: &'a DatabaseTransaction, event: &'a Envelope) -> BoxFuture<'a, anyhow::Result<()>>;
}

/// Starts a durable consumer named `name` over the events matching `filter` (a subject below
/// `<root>.evt.`, e.g. `identification.household-identified.>`).
pub async fn spawn_consumer(
    bus: Bus,
    db: Db,
    name: &str,
    filter: &str,
    reaction: Arc<dyn Reaction>,
    outbox: OutboxSignal,
    mut shutdown: Shutdown,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let durable = format!("{}-{name}", bus.root().replace('.', "-"));
    let stream = bus
        .jetstream()
        .get_stream(bus.stream_name())
        .await
        .map_err(|e| anyhow::anyhow!("opening the event stream: {e}"))?;
    let consumer = stream
        .get_or_create_consumer(
            &durable,
            pull::Config {
                durable_name: Some(durable.clone()),
                filter_subject: format!("{}.evt.{filter}", bus.root()),
                ack_policy: AckPolicy::Explicit,
                deliver_policy: DeliverPolicy::All,
                ack_wait: Duration::from_secs(30),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("creating consumer {durable}: {e}"))?;
    let mut messages = consumer.messages().await.map_err(|e| anyhow::anyhow!("consuming {durable}: {e}"))?;
    Ok(tokio::spawn(async move {
        loop {
            let msg = tokio::select! {
                m = messages.next() => m,
                _ = shutdown.wait() => break,
            };
            let msg = match msg {
                Some(Ok(m)) => m,
                Some(Err(e)) => {
                    tracing::warn!(consumer = %durable, error = %e, "consumer stream error");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                }
                None => break,
            };
            let envelope: Envelope = match serde_json::from_slice(&msg.payload) {
                Ok(e) => e,
                Err(e) => {
                    tracing::error!(consumer = %durable, error = %e, subject = %msg.subject, "unreadable event dropped");
                    let _ = msg.ack_with(AckKind::Term).await;
                    continue;
                }
            };
            // The spans that carry the trace across process boundaries are created at ERROR level so a
            // quiet RUST_LOG (say `warn`) never disables them and breaks propagation; events inside them
            // are still filtered by their own level.
            let span = tracing::error_span!("react", consumer = %durable, event = %envelope.id, kind = %envelope.kind);
            chain_telemetry::set_parent(&span, envelope.traceparent.as_deref());
            let outcome = apply_once(&db, &durable, reaction.as_ref(), &envelope).instrument(span).await;
            match outcome {
                Ok(applied) => {
                    if applied {
                        outbox.wake();
                    }
                    if let Err(e) = msg.ack().await {
                        tracing::warn!(consumer = %durable, error = %e, "ack failed; the inbox will absorb the redelivery");
                    }
                }
                Err(e) => {
                    tracing::warn!(consumer = %durable, event = %envelope.id, error = format!("{e:#}"), "reaction failed; will retry");
                    let _ = msg.ack_with(AckKind::Nak(Some(Duration::from_secs(1)))).await;
                }
            }
        }
    }))
}

/// Applies an event unless this consumer already did. Returns whether it was applied now.
pub async fn apply_once(db: &Db, consumer: &str, reaction: &dyn Reaction, envelope: &Envelope) -> anyhow::Result<bool> {
    let txn = db.begin().await?;
    if !inbox::claim(&txn, consumer, envelope.id).await? {
        txn.rollback().await?;
        tracing::debug!(event = %envelope.id, "already applied; skipped");
        return Ok(false);
    }
    crate::flow::caused_by(chain_api::Cause::of_event(envelope), reaction.apply(&txn, envelope)).await?;
    txn.commit().await?;
    Ok(true)
}
