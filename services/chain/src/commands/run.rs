//! `chain up` (the whole system in one process) and `chain serve` (one service per process).

use std::path::Path;

use anyhow::Context;
use chain::demo::{self, OFFICIALS};
use chain::nats::{self, NatsServer};
use chain::{Databases, System, SystemConfig, keys};
use chain_bus::{Bus, ShutdownTrigger};

use crate::cli::{AuditSettings, PiiSettings, ServeArgs, ServiceName, UpArgs, WorkflowSettings};

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
            Some(NatsServer::start_binary(&binary, &data.join("nats")).await?)
        }
    };
    let url = args.nats_url.clone().unwrap_or_else(|| nats.as_ref().map(|n| n.url().to_owned()).unwrap_or_default());
    let key = keys::signing_key(&data)?;
    let (issuer, audience) = (args.services.tokens.token_issuer.clone(), args.services.tokens.token_audience.clone());
    let system = System::start(SystemConfig {
        nats_url: url.clone(),
        subject_root: ROOT.into(),
        databases: Databases::sqlite_in(&data),
        workflow: workflow_settings(&args.services.workflow, audit_key(&data, &args.services.audit)?),
        listen: args.listen,
        jwks: key.jwks(),
        issuer: issuer.clone(),
        audience: audience.clone(),
        pii_key: pii_key(&data, &args.services.pii)?,
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
    if let Some(n) = nats {
        n.stop().await;
    }
    let _ = std::fs::remove_file(&pid_file);
    Ok(0)
}

/// `chain serve <service>`: runs until Ctrl-C or SIGTERM.
pub async fn serve(data: &Path, args: ServeArgs) -> anyhow::Result<i32> {
    let name = args.service.as_str();
    let database_url = match args.database_url {
        Some(u) => u,
        None => {
            std::fs::create_dir_all(data)?;
            format!("sqlite://{}?mode=rwc", data.canonicalize()?.join(format!("{name}.db")).display())
        }
    };
    let bus = Bus::connect(&args.nats_url, ROOT).await?;
    let trigger = ShutdownTrigger::new();
    let workflow = workflow_settings(&args.services.workflow, audit_key(data, &args.services.audit)?);
    let handles = match args.service {
        ServiceName::Gateway => {
            let jwks = match args.jwks_file {
                Some(path) => std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?,
                None => keys::signing_key(data)?.jwks(),
            };
            let config = chain_gateway::Config {
                listen: args.listen,
                database_url,
                jwks,
                issuer: args.services.tokens.token_issuer,
                audience: args.services.tokens.token_audience,
            };
            let (addr, h) = chain_gateway::start(config, bus, trigger.signal()).await?;
            println!("gateway listening on http://{addr}");
            vec![h]
        }
        ServiceName::Identification => {
            let pii_key = pii_key(data, &args.services.pii)?;
            let config = chain_identification::Config { database_url, pii_key, workflow };
            chain_identification::start(config, bus, trigger.signal()).await?
        }
        ServiceName::Planning => {
            chain_planning::start(chain_planning::Config { database_url, workflow }, bus, trigger.signal()).await?
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

/// The PII key: the configured one, else `<data>/pii.key` (created on first use).
fn pii_key(data: &Path, settings: &PiiSettings) -> anyhow::Result<chain_identification::PiiKey> {
    match &settings.pii_key {
        Some(hex) => chain_identification::PiiKey::from_hex(hex).context("CHAIN_PII_KEY"),
        None => keys::pii_key(data),
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
