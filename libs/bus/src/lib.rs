//! NATS for the chain: the connection and its subjects, request/reply between the gateway and the
//! services, the JetStream event stream, the outbox relay that publishes committed events, and
//! inbox-deduplicated consumers that react to them.

pub mod consumer;
pub mod error;
pub mod relay;
pub mod request;
pub mod service;
pub mod shutdown;

use std::time::Duration;

use anyhow::Context;
use async_nats::jetstream::{self, stream};

pub use consumer::{Reaction, spawn_consumer};
pub use error::{Error, Result};
pub use relay::{OutboxSignal, spawn_relay};
pub use service::Endpoints;
pub use shutdown::{Shutdown, ShutdownTrigger};

/// Header carrying the status a service answered with (200 or a problem's status).
pub const STATUS_HEADER: &str = "Chain-Status";
/// Header carrying the W3C trace context.
pub const TRACEPARENT_HEADER: &str = "traceparent";

/// A connection to NATS under one subject root (`chain` unless tests isolate themselves).
#[derive(Clone)]
pub struct Bus {
    client: async_nats::Client,
    js: jetstream::Context,
    root: String,
    request_timeout: Duration,
}

impl std::fmt::Debug for Bus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bus").field("root", &self.root).finish()
    }
}

impl Bus {
    /// Connects to NATS at `url` and makes sure the event stream exists.
    pub async fn connect(url: &str, root: &str) -> anyhow::Result<Bus> {
        let client = async_nats::ConnectOptions::new()
            .name(format!("{root}-bus"))
            .retry_on_initial_connect()
            .connection_timeout(Duration::from_secs(5))
            .connect(url)
            .await
            .with_context(|| format!("connecting to NATS at {url}"))?;
        // A fresh server may need a moment before JetStream answers.
        tokio::time::timeout(Duration::from_secs(10), client.flush())
            .await
            .context("NATS did not answer within 10 s")?
            .context("flushing the NATS connection")?;
        let bus = Bus {
            js: jetstream::new(client.clone()),
            client,
            root: root.to_owned(),
            request_timeout: Duration::from_secs(10),
        };
        bus.ensure_stream().await?;
        Ok(bus)
    }

    /// The subject root.
    pub fn root(&self) -> &str {
        &self.root
    }

    /// The underlying client.
    pub fn client(&self) -> &async_nats::Client {
        &self.client
    }

    /// The JetStream context.
    pub fn jetstream(&self) -> &jetstream::Context {
        &self.js
    }

    /// The name of the event stream.
    pub fn stream_name(&self) -> String {
        format!("{}_EVENTS", self.root.to_uppercase().replace(['.', '-'], "_"))
    }

    /// Creates the event stream holding `<root>.evt.>` if it does not exist.
    pub async fn ensure_stream(&self) -> anyhow::Result<()> {
        let name = self.stream_name();
        let mut last = None;
        for _ in 0..50 {
            match self
                .js
                .get_or_create_stream(stream::Config {
                    name: name.clone(),
                    subjects: vec![format!("{}.evt.>", self.root)],
                    duplicate_window: Duration::from_secs(600),
                    storage: stream::StorageType::File,
                    ..Default::default()
                })
                .await
            {
                Ok(_) => return Ok(()),
                Err(e) => {
                    last = Some(e.to_string());
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
        anyhow::bail!("creating the JetStream stream {name}: {}", last.unwrap_or_default())
    }

    /// Whether the server connection is up (for `/readyz`).
    pub fn is_connected(&self) -> bool {
        matches!(self.client.connection_state(), async_nats::connection::State::Connected)
    }
}
