//! All five services in one process, each with its own database, talking over NATS.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use chain_bus::{Bus, Credentials, PrincipalSigner, ProofSettings, ShutdownTrigger};
use chain_identification::PiiKey;

use crate::nats::BusCredentials;

/// One database URL per service.
#[derive(Debug, Clone)]
pub struct Databases {
    /// Gateway (idempotency records).
    pub gateway: String,
    /// Identification.
    pub identification: String,
    /// Planning.
    pub planning: String,
    /// Funding.
    pub funding: String,
    /// Exit.
    pub exit: String,
}

impl Databases {
    /// SQLite files `<dir>/<service>.db`.
    pub fn sqlite_in(dir: &Path) -> Self {
        let url = |name: &str| format!("sqlite://{}?mode=rwc", dir.join(format!("{name}.db")).display());
        Databases {
            gateway: url("gateway"),
            identification: url("identification"),
            planning: url("planning"),
            funding: url("funding"),
            exit: url("exit"),
        }
    }
}

/// What the whole system needs.
#[derive(Debug, Clone)]
pub struct SystemConfig {
    /// NATS URL.
    pub nats_url: String,
    /// The NKeys the gateway and each service connect with; none for a server that does not
    /// authenticate.
    pub nats_credentials: Option<BusCredentials>,
    /// The workflow engine's clock and timer sweep, shared by the four services.
    pub workflow: chain_workflow::Settings,
    /// Subject root (`chain`; tests use their own).
    pub subject_root: String,
    /// Databases.
    pub databases: Databases,
    /// Gateway listen address.
    pub listen: SocketAddr,
    /// JWKS with the token keys.
    pub jwks: String,
    /// Required token issuer.
    pub issuer: String,
    /// Required token audience.
    pub audience: String,
    /// Identification's PII protection key.
    pub pii_key: PiiKey,
    /// Planning's PII protection key (its own).
    pub planning_pii_key: PiiKey,
    /// The gateway's key for signing the principals it forwards; the services verify with its
    /// public half.
    pub bus_key: Arc<PrincipalSigner>,
    /// How the services check those signatures.
    pub proofs: ProofSettings,
    /// The gateway's request budgets.
    pub rate_limits: chain_gateway::RateLimits,
    /// How long idempotency records and remembered answers last, and how long a claim holds.
    pub idempotency: chain_gateway::IdempotencyPolicy,
}

/// A running system.
#[derive(Debug)]
pub struct System {
    /// Where the gateway listens.
    pub gateway: SocketAddr,
    /// The gateway's connection to the bus (it signs the principals of its requests).
    pub bus: Bus,
    trigger: ShutdownTrigger,
    handles: Vec<tokio::task::JoinHandle<()>>,
}

impl System {
    /// Starts every service and then the gateway; returns once all answer.
    pub async fn start(cfg: SystemConfig) -> anyhow::Result<System> {
        let cfg_ref = &cfg;
        let connect = move |identity: &'static str| async move {
            let cfg = cfg_ref;
            let credentials = match &cfg.nats_credentials {
                Some(c) => c.of(identity),
                None => Credentials::unauthenticated(identity),
            };
            Bus::connect(&cfg.nats_url, &cfg.subject_root, &credentials).await
        };
        let verifying =
            |bus: Bus| bus.verifying(cfg.bus_key.public_key(), cfg.proofs).keeping_answers(cfg.idempotency.ttl);
        let (bus, identification_bus, planning_bus, funding_bus, exit_bus) = tokio::try_join!(
            connect("gateway"),
            connect("identification"),
            connect("planning"),
            connect("funding"),
            connect("exit"),
        )?;
        let trigger = ShutdownTrigger::new();
        let mut handles = Vec::new();
        let (identification, planning, funding, exit) = tokio::try_join!(
            chain_identification::start(
                chain_identification::Config {
                    database_url: cfg.databases.identification.clone(),
                    pii_key: cfg.pii_key.clone(),
                    workflow: cfg.workflow.clone(),
                },
                verifying(identification_bus),
                trigger.signal(),
            ),
            chain_planning::start(
                chain_planning::Config {
                    database_url: cfg.databases.planning.clone(),
                    pii_key: cfg.planning_pii_key.clone(),
                    workflow: cfg.workflow.clone(),
                },
                verifying(planning_bus),
                trigger.signal()
            ),
            chain_funding::start(
                chain_funding::Config { database_url: cfg.databases.funding.clone(), workflow: cfg.workflow.clone() },
                verifying(funding_bus),
                trigger.signal()
            ),
            chain_exit::start(
                chain_exit::Config { database_url: cfg.databases.exit.clone(), workflow: cfg.workflow.clone() },
                verifying(exit_bus),
                trigger.signal()
            ),
        )?;
        handles.extend(identification.into_iter().chain(planning).chain(funding).chain(exit));
        let bus = bus.signing(cfg.bus_key.clone());
        let (gateway, handle) = chain_gateway::start(
            chain_gateway::Config {
                listen: cfg.listen,
                database_url: cfg.databases.gateway.clone(),
                keys: chain_gateway::KeySource::Document(cfg.jwks.clone()),
                issuer: cfg.issuer.clone(),
                audience: cfg.audience.clone(),
                identity: chain_gateway::Identity::default(),
                rate_limits: cfg.rate_limits,
                idempotency: cfg.idempotency,
            },
            bus.clone(),
            trigger.signal(),
        )
        .await?;
        handles.push(handle);
        Ok(System { gateway, bus, trigger, handles })
    }

    /// Stops everything and waits for in-flight work to finish.
    pub async fn stop(self) {
        self.trigger.fire();
        for h in self.handles {
            let _ = h.await;
        }
    }
}
