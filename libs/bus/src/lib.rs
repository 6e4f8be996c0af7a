//! NATS for the chain: the connection and its subjects, request/reply between the gateway and the
//! services, the JetStream event stream, the outbox relay that publishes committed events, and
//! inbox-deduplicated consumers that react to them.

pub mod consumer;
pub mod error;
pub mod flow;
pub mod relay;
pub mod request;
pub mod service;
pub mod shutdown;
pub mod signed;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use async_nats::jetstream::{self, stream};

pub use consumer::{Reaction, spawn_consumer};
pub use error::{Error, Result};
pub use relay::{OutboxSignal, spawn_relay};
pub use request::with_request_id;
pub use service::Endpoints;
pub use shutdown::{Shutdown, ShutdownTrigger};
pub use signed::{PrincipalKey, PrincipalSigner, PrincipalVerifier, ProofSettings};

/// Header carrying the status a service answered with (200 or a problem's status).
pub const STATUS_HEADER: &str = "Chain-Status";
/// Header carrying the W3C trace context.
pub const TRACEPARENT_HEADER: &str = "traceparent";
/// Header carrying a request's id (see [`request::with_request_id`]): a service answers a request
/// sent again under an id it already answered with the answer it gave then.
pub const REQUEST_ID_HEADER: &str = "Chain-Request-Id";
/// How long idempotency records last unless configured otherwise: the gateway's keyed answers and
/// the answers services remember by request id.
pub const DEFAULT_IDEMPOTENCY_TTL: Duration = Duration::from_secs(24 * 3600);

/// A connection to NATS under one subject root (`chain` unless tests isolate themselves).
#[derive(Clone)]
pub struct Bus {
    client: async_nats::Client,
    js: jetstream::Context,
    root: String,
    request_timeout: Duration,
    signer: Option<Arc<PrincipalSigner>>,
    verifier: Option<Arc<PrincipalVerifier>>,
    answers_kept: Duration,
}

impl std::fmt::Debug for Bus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bus").field("root", &self.root).finish()
    }
}

/// Who a connection is on the bus: an identity (`gateway`, or a service's name) and, where the
/// server authenticates, that identity's NKey seed. Its replies come to `_INBOX_<identity>.>`, so
/// the server can let each identity read only its own.
#[derive(Clone)]
pub struct Credentials {
    identity: String,
    seed: Option<String>,
    tls: Option<Tls>,
}

/// TLS to the NATS server: the certificate authority the server's certificate must chain to and,
/// where the server verifies clients, this client's certificate and key (PEM files). A connection
/// with TLS configured never falls back to plain text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tls {
    /// PEM file of the certificate authorities trusted for the server's certificate; `None`
    /// trusts the system's roots.
    pub ca_file: Option<std::path::PathBuf>,
    /// PEM files of this client's certificate and private key, for servers that verify clients.
    pub client: Option<(std::path::PathBuf, std::path::PathBuf)>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("identity", &self.identity)
            .field("nkey", &self.seed.is_some())
            .field("tls", &self.tls)
            .finish()
    }
}

impl Credentials {
    /// An identity on a server that does not authenticate.
    pub fn unauthenticated(identity: &str) -> Credentials {
        Credentials { identity: identity.to_owned(), seed: None, tls: None }
    }

    /// An identity that authenticates with the NKey whose seed (`SU…`) is given.
    pub fn nkey(identity: &str, seed: &str) -> Credentials {
        Credentials { identity: identity.to_owned(), seed: Some(seed.trim().to_owned()), tls: None }
    }

    /// The same identity, connecting over TLS (`None`: as the server's INFO asks).
    pub fn with_tls(mut self, tls: Option<Tls>) -> Credentials {
        self.tls = tls;
        self
    }

    /// The identity.
    pub fn identity(&self) -> &str {
        &self.identity
    }

    /// The prefix of the subjects its replies come to.
    pub fn inbox_prefix(&self) -> String {
        inbox_prefix(&self.identity)
    }

    /// Connection options authenticating as this identity.
    pub fn options(&self) -> async_nats::ConnectOptions {
        let options = match &self.seed {
            Some(seed) => async_nats::ConnectOptions::with_nkey(seed.clone()),
            None => async_nats::ConnectOptions::new(),
        };
        let options = match &self.tls {
            None => options,
            Some(tls) => {
                let options = options.require_tls(true);
                let options = match &tls.ca_file {
                    Some(ca) => options.add_root_certificates(ca.clone()),
                    None => options,
                };
                match &tls.client {
                    Some((cert, key)) => options.add_client_certificate(cert.clone(), key.clone()),
                    None => options,
                }
            }
        };
        options.custom_inbox_prefix(self.inbox_prefix())
    }
}

/// The prefix of the reply subjects of `identity`.
pub fn inbox_prefix(identity: &str) -> String {
    format!("_INBOX_{identity}")
}

/// The name of the event stream under subject root `root`.
pub fn stream_name(root: &str) -> String {
    format!("{}_EVENTS", root.to_uppercase().replace(['.', '-'], "_"))
}

impl Bus {
    /// Connects to NATS at `url` as `credentials` and makes sure the event stream exists.
    pub async fn connect(url: &str, root: &str, credentials: &Credentials) -> anyhow::Result<Bus> {
        let client = credentials
            .options()
            .name(format!("{root}-{}", credentials.identity()))
            .retry_on_initial_connect()
            .connection_timeout(Duration::from_secs(5))
            .connect(url)
            .await
            .with_context(|| format!("connecting to NATS at {url}"))?;
        // A fresh server may need a moment before JetStream answers.
        tokio::time::timeout(Duration::from_secs(10), client.flush())
            .await
            .with_context(|| {
                format!(
                    "NATS did not answer within 10 s (is it up, and does it accept the {} credentials?)",
                    credentials.identity()
                )
            })?
            .context("flushing the NATS connection")?;
        let bus = Bus {
            js: jetstream::new(client.clone()),
            client,
            root: root.to_owned(),
            request_timeout: Duration::from_secs(10),
            signer: None,
            verifier: None,
            answers_kept: DEFAULT_IDEMPOTENCY_TTL,
        };
        bus.ensure_stream().await?;
        Ok(bus)
    }

    /// This connection signs the principals of the requests it sends with `signer` (the
    /// gateway's).
    pub fn signing(mut self, signer: Arc<PrincipalSigner>) -> Bus {
        self.signer = Some(signer);
        self
    }

    /// The endpoints served on this connection believe only principals signed by the gateway's
    /// `key` (see [`signed`]); each call gets its own record of proof ids seen.
    pub fn verifying(mut self, key: PrincipalKey, settings: ProofSettings) -> Bus {
        self.verifier = Some(Arc::new(PrincipalVerifier::new(key, settings)));
        self
    }

    /// The endpoints served on this connection remember their answers by request id for `ttl`
    /// (default [`DEFAULT_IDEMPOTENCY_TTL`]); a request id seen again after that runs anew.
    pub fn keeping_answers(mut self, ttl: Duration) -> Bus {
        self.answers_kept = ttl;
        self
    }

    /// How long the endpoints served on this connection remember their answers.
    pub fn answers_kept(&self) -> Duration {
        self.answers_kept
    }

    /// What checks the principals of requests served on this connection.
    pub fn verifier(&self) -> Option<&Arc<PrincipalVerifier>> {
        self.verifier.as_ref()
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
        stream_name(&self.root)
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
