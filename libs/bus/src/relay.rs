//! The outbox relay: publishes committed events to JetStream in order, with the event id as
//! `Nats-Msg-Id` so a re-publish after a crash is dropped as a duplicate, then marks them sent.
//! Sent events stay an hour (well past the stream's ten-minute duplicate window) and are then
//! pruned, so the outbox does not grow with everything a service ever said.

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::message::PublishMessage;
use chain_store::{Db, outbox};
use tokio::sync::Notify;

use crate::{Bus, Shutdown, TRACEPARENT_HEADER};

/// How long published events stay in the outbox.
const KEEP_PUBLISHED: chrono::Duration = chrono::Duration::hours(1);
/// How often the relay, when idle, prunes them.
const PRUNE_EVERY: Duration = Duration::from_secs(300);

/// Wakes the relay after a transaction that wrote to the outbox commits.
#[derive(Debug, Clone, Default)]
pub struct OutboxSignal(Arc<Notify>);

impl OutboxSignal {
    /// A new signal.
    pub fn new() -> Self {
        Self::default()
    }

    /// Tells the relay there is something to publish.
    pub fn wake(&self) {
        self.0.notify_one();
    }
}

/// Starts the relay for one service database; it runs until shutdown.
pub fn spawn_relay(db: Db, bus: Bus, signal: OutboxSignal, mut shutdown: Shutdown) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut pruned_at = std::time::Instant::now();
        loop {
            match publish_pending(&db, &bus).await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = format!("{e:#}"), "outbox relay: will retry"),
            }
            // Nothing pending: now and then, forget what the stream has long had.
            if pruned_at.elapsed() >= PRUNE_EVERY {
                pruned_at = std::time::Instant::now();
                #[expect(
                    clippy::disallowed_methods,
                    reason = "what the stream has held for an hour, by the wall clock"
                )]
                let before = chrono::Utc::now() - KEEP_PUBLISHED;
                match outbox::prune(&db, before).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(events = n, "outbox relay: pruned published events"),
                    Err(e) => tracing::warn!(error = %e, "outbox relay: pruning failed; will retry"),
                }
            }
            tokio::select! {
                _ = signal.0.notified() => {}
                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                _ = shutdown.wait() => break,
            }
        }
    })
}

/// Publishes one batch of pending events; returns how many were published.
pub async fn publish_pending(db: &Db, bus: &Bus) -> anyhow::Result<usize> {
    let batch = outbox::pending(db, 256).await?;
    if batch.is_empty() {
        return Ok(0);
    }
    let mut acks = Vec::with_capacity(batch.len());
    for row in &batch {
        let mut msg = PublishMessage::build().payload(row.envelope.clone().into()).message_id(row.event_id.to_string());
        if let Ok(env) = serde_json::from_str::<chain_api::Envelope>(&row.envelope)
            && let Some(tp) = env.traceparent
        {
            msg = msg.header(TRACEPARENT_HEADER, tp.as_str());
        }
        let ack = bus
            .jetstream()
            .send_publish(row.subject.clone(), msg)
            .await
            .map_err(|e| anyhow::anyhow!("publishing {}: {e}", row.subject))?;
        acks.push(ack);
    }
    let mut done = Vec::with_capacity(batch.len());
    for (row, ack) in batch.iter().zip(acks) {
        match ack.await {
            Ok(_) => done.push(row.seq),
            Err(e) => {
                tracing::warn!(error = %e, event = %row.event_id, "no acknowledgement from the stream");
                break;
            }
        }
    }
    outbox::mark_published(db, &done).await?;
    Ok(done.len())
}
