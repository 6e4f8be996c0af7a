//! `chain up` (the whole system in one process) and `chain serve` (one service per process).

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use chain::demo::{self, OFFICIALS};
use chain::nats::{self, BusCredentials, NatsServer};
use chain::{Databases, System, SystemConfig, keys};
use chain_bus::{Bus, Credentials, PrincipalKey, ProofSettings, ShutdownTrigger};

use crate::cli::{AuditSettings, BusSettings, PiiSettings, ServeArgs, ServiceName, UpArgs, WorkflowSettings};

/// The NATS subject root every service shares.
pub(crate) const ROOT: &str = "chain";

/// What `chain up --demo` prints once it has loaded the demo data set (see [`demo::load`]).
const DEMO_LOADED: &str = "Demo data loaded: 3 households in Tangtou township (applied; 2 of them verified, \
     on their village's first public notice); ¥10,000,000.00 central → Guizhou, ¥500,000.00 Guizhou → Sinan.";

/// `chain up`: runs until Ctrl-C or SIGTERM. While it runs, `<data>/chain.pid` holds its process id.
pub async fn up(data: &Path, args: UpArgs) -> anyhow::Result<i32> {
    std::fs::create_dir_all(data).with_context(|| format!("creating the data directory {}", data.display()))?;
    let data = data.canonicalize()?;
    let nats = match &args.nats_url {
        Some(_) => None,
        None => {
            let binary = match args.nats_server.clone().or_else(nats::find_binary) {
                Some(b) => b,
                None => anyhow::bail!(nats::INSTALL_HINT),
            };
            let credentials = BusCredentials::read_or_create(&data.join("nats").join("credentials"))?;
            let server = NatsServer::start_binary(&binary, &data.join("nats"), &credentials, ROOT).await?;
            Some((server, credentials))
        }
    };
    let url =
        args.nats_url.clone().unwrap_or_else(|| nats.as_ref().map(|(n, _)| n.url().to_owned()).unwrap_or_default());
    let key = keys::signing_key(&data)?;
    let (issuer, audience) = (args.services.tokens.token_issuer.clone(), args.services.tokens.token_audience.clone());
    let system = System::start(SystemConfig {
        nats_url: url.clone(),
        nats_credentials: nats.as_ref().map(|(_, c)| c.clone()),
        subject_root: ROOT.into(),
        databases: Databases::sqlite_in(&data),
        workflow: workflow_settings(&args.services.workflow, audit_key(&data, &args.services.audit)?),
        listen: args.listen,
        jwks: key.jwks(),
        issuer: issuer.clone(),
        audience: audience.clone(),
        pii_key: pii_key(&data, &args.services.pii, IDENTIFICATION_PII)?,
        planning_pii_key: keys::pii_key(&data, PLANNING_PII)?,
        bus_key: Arc::new(keys::bus_key(&data)?),
        proofs: proof_settings(&args.services.bus),
        rate_limits: args.rate_limits.over(chain_gateway::RateLimits::generous()),
        idempotency: args.services.idempotency.policy(),
    })
    .await?;
    let marker = data.join("demo-loaded");
    if args.demo && marker.exists() {
        println!("Demo data already loaded in {}.", data.display());
    } else if args.demo {
        if let Err(e) = demo::load(&system.bus).await {
            system.stop().await;
            return Err(e.context("loading the demo data"));
        }
        std::fs::write(&marker, "")?;
        println!("{DEMO_LOADED}");
    }
    if args.services.workflow.clock_skew_hours != 0 {
        println!(
            "The workflow clock runs {} hours ahead of the system clock.",
            args.services.workflow.clock_skew_hours
        );
    }
    let gateway = format!("http://{}", system.gateway);
    println!(
        "chain is up.\n  gateway:  {gateway}\n  docs:     {gateway}/docs\n  NATS:     {url}\n  data:     {}\n",
        data.display()
    );
    println!("Development tokens (valid 30 days), also in {}/tokens.env:", data.display());
    let mut env = String::new();
    for o in OFFICIALS {
        let t = o.token(&key, &issuer, &audience, 30 * 86_400);
        println!("  # {}\n  export {}={t}", o.title, o.var);
        env.push_str(&format!("export {}={t}\n", o.var));
    }
    env.push_str(&format!("export CHAIN_GATEWAY={gateway}\n"));
    std::fs::write(data.join("tokens.env"), &env)?;
    let pid_file = data.join("chain.pid");
    std::fs::write(&pid_file, format!("{}\n", std::process::id()))?;
    println!("\nLoad them with:  source {}/tokens.env\nCtrl-C stops everything.", data.display());
    wait_for_signal().await;
    println!("stopping…");
    system.stop().await;
    if let Some((n, _)) = nats {
        n.stop().await;
    }
    let _ = std::fs::remove_file(&pid_file);
    Ok(0)
}

/// `chain serve <service>`: runs until Ctrl-C or SIGTERM.
pub async fn serve(data: &Path, args: ServeArgs) -> anyhow::Result<i32> {
    let name = args.service.as_str();
    let database_url = match args.database_url.clone() {
        Some(u) => u,
        None => {
            std::fs::create_dir_all(data)?;
            format!("sqlite://{}?mode=rwc", data.canonicalize()?.join(format!("{name}.db")).display())
        }
    };
    let bus = Bus::connect(&args.nats_url, ROOT, &nats_credentials(data, &args)?).await?;
    let bus = match args.service {
        ServiceName::Gateway => bus.signing(Arc::new(match &args.bus_key_file {
            Some(path) => keys::read_bus_key(path)?,
            None => keys::bus_key(data)?,
        })),
        _ => bus
            .verifying(bus_public_key(data, &args)?, proof_settings(&args.services.bus))
            .keeping_answers(args.services.idempotency.policy().ttl),
    };
    let trigger = ShutdownTrigger::new();
    let workflow = workflow_settings(&args.services.workflow, audit_key(data, &args.services.audit)?);
    let handles = match args.service {
        ServiceName::Gateway => {
            let id = args.identity;
            let keys = if let Some(path) = id.jwks_file {
                chain_gateway::KeySource::File(path)
            } else if let Some(url) = id.jwks_url {
                chain_gateway::KeySource::Url(url)
            } else if id.oidc_discovery {
                chain_gateway::KeySource::Discovery
            } else {
                chain_gateway::KeySource::Document(keys::signing_key(data)?.jwks())
            };
            let identity = chain_gateway::Identity {
                claims: chain_gateway::ClaimPaths {
                    roles: id.token_role_claims,
                    jurisdiction: id.token_jurisdiction_claim,
                },
                refresh: chain_gateway::Refresh {
                    every: std::time::Duration::from_secs(id.jwks_refresh_seconds),
                    floor: std::time::Duration::from_secs(id.jwks_min_refresh_seconds),
                },
                leeway: std::time::Duration::from_secs(id.token_leeway_seconds),
                ca_file: id.oidc_ca_file,
            };
            let config = chain_gateway::Config {
                listen: args.listen,
                database_url,
                keys,
                issuer: args.services.tokens.token_issuer,
                audience: args.services.tokens.token_audience,
                identity,
                rate_limits: args.rate_limits.over(chain_gateway::RateLimits::default()),
                idempotency: args.services.idempotency.policy(),
            };
            let (addr, h) = chain_gateway::start(config, bus, trigger.signal()).await?;
            println!("gateway listening on http://{addr}");
            vec![h]
        }
        ServiceName::Identification => {
            let pii_key = pii_key(data, &args.services.pii, IDENTIFICATION_PII)?;
            let config = chain_identification::Config { database_url, pii_key, workflow };
            chain_identification::start(config, bus, trigger.signal()).await?
        }
        ServiceName::Planning => {
            let pii_key = pii_key(data, &args.services.pii, PLANNING_PII)?;
            chain_planning::start(chain_planning::Config { database_url, pii_key, workflow }, bus, trigger.signal())
                .await?
        }
        ServiceName::Funding => {
            chain_funding::start(chain_funding::Config { database_url, workflow }, bus, trigger.signal()).await?
        }
        ServiceName::Exit => {
            chain_exit::start(chain_exit::Config { database_url, workflow }, bus, trigger.signal()).await?
        }
    };
    tracing::info!(service = name, "ready");
    wait_for_signal().await;
    trigger.fire();
    for h in handles {
        let _ = h.await;
    }
    Ok(0)
}

/// The gateway's bus public key a service verifies principals with: the public key file, else
/// derived from the signing key file, else from `<data>/bus.key`.
fn bus_public_key(data: &Path, args: &ServeArgs) -> anyhow::Result<PrincipalKey> {
    if let Some(path) = &args.bus_public_key_file {
        return keys::read_bus_public_key(path);
    }
    let path = args.bus_key_file.clone().unwrap_or_else(|| keys::bus_key_path(data));
    if !path.exists() {
        anyhow::bail!(
            "the {} service needs the gateway's bus public key: set CHAIN_BUS_PUBLIC_KEY_FILE (or CHAIN_BUS_KEY_FILE); {} does not exist",
            args.service.as_str(),
            path.display()
        );
    }
    Ok(keys::read_bus_key(&path)?.public_key())
}

/// How the service connects to NATS: the NKey seed file, else the one `chain up` keeps for it in
/// `<data>/nats/credentials/<service>.nk`, else without authentication; over TLS when configured.
fn nats_credentials(data: &Path, args: &ServeArgs) -> anyhow::Result<Credentials> {
    let identity = args.service.as_str();
    let path = match &args.nats_nkey_file {
        Some(path) => path.clone(),
        None => data.join("nats").join("credentials").join(format!("{identity}.nk")),
    };
    let credentials = match std::fs::read_to_string(&path) {
        Ok(seed) => Credentials::nkey(identity, &seed),
        Err(e) if args.nats_nkey_file.is_none() && e.kind() == std::io::ErrorKind::NotFound => {
            Credentials::unauthenticated(identity)
        }
        Err(e) => return Err(anyhow::Error::from(e).context(format!("reading {}", path.display()))),
    };
    Ok(credentials.with_tls(args.nats_tls.tls()))
}

/// How a service checks the principals the gateway signs.
fn proof_settings(settings: &BusSettings) -> ProofSettings {
    ProofSettings {
        ttl: std::time::Duration::from_secs(settings.bus_proof_ttl_seconds),
        replay_capacity: usize::try_from(settings.bus_replay_capacity).unwrap_or(usize::MAX),
    }
}

/// The file in the data directory holding identification's PII key in development.
const IDENTIFICATION_PII: &str = "pii.key";
/// The file in the data directory holding planning's PII key in development.
const PLANNING_PII: &str = "planning-pii.key";

/// The served service's PII key: the configured one, else `<data>/<file>` (created on first use).
fn pii_key(data: &Path, settings: &PiiSettings, file: &str) -> anyhow::Result<chain_store::pii::PiiKey> {
    match &settings.pii_key {
        Some(hex) => chain_store::pii::PiiKey::from_hex(hex).context("CHAIN_PII_KEY"),
        None => keys::pii_key(data, file),
    }
}

/// The audit master key: the configured one, else `<data>/audit.key` (created on first use).
fn audit_key(data: &Path, settings: &AuditSettings) -> anyhow::Result<chain_store::audit::MasterKey> {
    match &settings.audit_key {
        Some(hex) => chain_store::audit::MasterKey::from_hex(hex).context("CHAIN_AUDIT_KEY"),
        None => keys::audit_key(data),
    }
}

/// The engine's settings: the system clock (or one running ahead), swept as configured, and the
/// audit master key.
fn workflow_settings(settings: &WorkflowSettings, audit: chain_store::audit::MasterKey) -> chain_workflow::Settings {
    let clock = if settings.clock_skew_hours == 0 {
        chain_workflow::Clock::system()
    } else {
        tracing::warn!(
            hours = settings.clock_skew_hours,
            "the workflow clock runs ahead of the system clock (CHAIN_CLOCK_SKEW_HOURS)"
        );
        chain_workflow::Clock::skewed(chrono::Duration::hours(settings.clock_skew_hours))
    };
    chain_workflow::Settings { clock, sweep_every: std::time::Duration::from_secs(settings.sweep_seconds), audit }
}

async fn wait_for_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
