//! `chain`: run the whole system (`chain up`), one service (`chain serve`), or an operator command.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use chain::demo::{self, OFFICIALS};
use chain::nats::NatsServer;
use chain::{DEFAULT_AUDIENCE, DEFAULT_ISSUER, Databases, System, SystemConfig, keys};
use chain_api::Role;
use chain_bus::{Bus, ShutdownTrigger};
use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(name = "chain", version, about = "Workflow orchestration for the poverty-alleviation responsibility chain")]
struct Cli {
    /// Where `chain up` keeps its databases, NATS store and development keys.
    #[arg(long, env = "CHAIN_DATA_DIR", default_value = ".chain", global = true)]
    data_dir: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run everything in one process: a local nats-server, five services, SQLite files.
    Up {
        /// Gateway address.
        #[arg(long, env = "CHAIN_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Use this NATS server instead of starting one.
        #[arg(long, env = "CHAIN_NATS_URL")]
        nats_url: Option<String>,
        /// Load the demo data set (households in Tangtou, funds for Sinan) on start.
        #[arg(long)]
        demo: bool,
    },
    /// Run one service, configured by the environment (for Kubernetes).
    Serve {
        /// The service.
        service: ServiceName,
        /// Database URL (SQLite or PostgreSQL); default a SQLite file in the data directory.
        #[arg(long, env = "CHAIN_DATABASE_URL")]
        database_url: Option<String>,
        /// NATS URL.
        #[arg(long, env = "CHAIN_NATS_URL", default_value = "nats://127.0.0.1:4222")]
        nats_url: String,
        /// Gateway address (gateway only).
        #[arg(long, env = "CHAIN_LISTEN", default_value = "0.0.0.0:8080")]
        listen: SocketAddr,
        /// JWKS file with the token keys (gateway only); default the development key.
        #[arg(long, env = "CHAIN_JWKS_FILE")]
        jwks_file: Option<PathBuf>,
    },
    /// Mint a development token signed with the local key.
    Token {
        /// Subject (the official's id).
        #[arg(long)]
        sub: String,
        /// Roles (repeat or comma-separate): operator, approver, auditor, assessor, admin, pii_reader.
        #[arg(long = "role", value_delimiter = ',', required = true)]
        roles: Vec<String>,
        /// Jurisdiction: `CN` or a division code.
        #[arg(long)]
        jurisdiction: String,
        /// Lifetime in hours.
        #[arg(long, default_value_t = 24)]
        ttl_hours: i64,
    },
    /// Print the OpenAPI document.
    Openapi,
}

#[derive(Clone, Copy, ValueEnum)]
enum ServiceName {
    Gateway,
    Identification,
    Planning,
    Funding,
    Exit,
}

const ROOT: &str = "chain";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Openapi => {
            print!("{}", chain_gateway::openapi::document_json());
            Ok(())
        }
        Command::Token { sub, roles, jurisdiction, ttl_hours } => {
            token(&cli.data_dir, sub, roles, jurisdiction, ttl_hours)
        }
        Command::Up { listen, nats_url, demo } => {
            let telemetry = chain_telemetry::init("chain")?;
            let result = up(&cli.data_dir, listen, nats_url, demo).await;
            let _ = telemetry.shutdown().await;
            result
        }
        Command::Serve { service, database_url, nats_url, listen, jwks_file } => {
            let name = match service {
                ServiceName::Gateway => "gateway",
                ServiceName::Identification => "identification",
                ServiceName::Planning => "planning",
                ServiceName::Funding => "funding",
                ServiceName::Exit => "exit",
            };
            let telemetry = chain_telemetry::init(&format!("chain-{name}"))?;
            let result = serve(&cli.data_dir, service, name, database_url, nats_url, listen, jwks_file).await;
            let _ = telemetry.shutdown().await;
            result
        }
    }
}

fn token(
    data: &std::path::Path,
    sub: String,
    roles: Vec<String>,
    jurisdiction: String,
    ttl_hours: i64,
) -> anyhow::Result<()> {
    let roles = roles
        .iter()
        .map(|r| {
            serde_json::from_value::<Role>(serde_json::Value::String(r.trim().to_owned()))
                .with_context(|| format!("unknown role {r}"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    chain_domain::Jurisdiction::parse(&jurisdiction).map_err(|e| anyhow::anyhow!("jurisdiction: {e}"))?;
    anyhow::ensure!(ttl_hours > 0, "--ttl-hours must be positive");
    let key = keys::signing_key(data)?;
    let now = chrono::Utc::now().timestamp();
    println!(
        "{}",
        key.sign(&chain_gateway::Claims {
            sub,
            iss: DEFAULT_ISSUER.into(),
            aud: DEFAULT_AUDIENCE.into(),
            exp: now + ttl_hours * 3600,
            iat: Some(now),
            name: None,
            roles,
            jurisdiction,
        })
    );
    Ok(())
}

async fn up(
    data: &std::path::Path,
    listen: SocketAddr,
    nats_url: Option<String>,
    load_demo: bool,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(data).with_context(|| format!("creating the data directory {}", data.display()))?;
    let data = data.canonicalize()?;
    let nats = match nats_url {
        Some(_) => None,
        None => Some(NatsServer::start(&data.join("nats")).await?),
    };
    let url = nats_url.unwrap_or_else(|| nats.as_ref().map(|n| n.url().to_owned()).unwrap_or_default());
    let key = keys::signing_key(&data)?;
    let system = System::start(SystemConfig {
        nats_url: url.clone(),
        subject_root: ROOT.into(),
        databases: Databases::sqlite_in(&data),
        listen,
        jwks: key.jwks(),
        issuer: DEFAULT_ISSUER.into(),
        audience: DEFAULT_AUDIENCE.into(),
        pii_key: keys::pii_key(&data)?,
    })
    .await?;
    let marker = data.join("demo-loaded");
    if load_demo && marker.exists() {
        println!("Demo data already loaded in {}.", data.display());
    } else if load_demo {
        if let Err(e) = demo::load(&system.bus).await {
            system.stop().await;
            return Err(e.context("loading the demo data"));
        }
        std::fs::write(&marker, "")?;
        println!(
            "Demo data loaded: 3 households in Tangtou township (2 identified); ¥10,000,000.00 central → Guizhou, ¥500,000.00 Guizhou → Sinan."
        );
    }
    let mut env = String::new();
    println!(
        "chain is up.\n  gateway:  http://{}\n  docs:     http://{}/docs\n  NATS:     {url}\n  data:     {}\n",
        system.gateway,
        system.gateway,
        data.display()
    );
    println!("Development tokens (valid 30 days), also in {}/tokens.env:", data.display());
    for o in OFFICIALS {
        let t = o.token(&key, DEFAULT_ISSUER, DEFAULT_AUDIENCE, 30 * 86_400);
        println!("  # {}\n  export {}={t}", o.title, o.var);
        env.push_str(&format!("export {}={t}\n", o.var));
    }
    env.push_str(&format!("export GW=http://{}\n", system.gateway));
    std::fs::write(data.join("tokens.env"), &env)?;
    println!("\nLoad them with:  source {}/tokens.env\nCtrl-C stops everything.", data.display());
    wait_for_signal().await;
    println!("stopping…");
    system.stop().await;
    if let Some(n) = nats {
        n.stop().await;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn serve(
    data: &std::path::Path,
    service: ServiceName,
    name: &str,
    database_url: Option<String>,
    nats_url: String,
    listen: SocketAddr,
    jwks_file: Option<PathBuf>,
) -> anyhow::Result<()> {
    let database_url = match database_url {
        Some(u) => u,
        None => {
            std::fs::create_dir_all(data)?;
            format!("sqlite://{}?mode=rwc", data.canonicalize()?.join(format!("{name}.db")).display())
        }
    };
    let bus = Bus::connect(&nats_url, ROOT).await?;
    let trigger = ShutdownTrigger::new();
    let handles = match service {
        ServiceName::Gateway => {
            let jwks = match jwks_file {
                Some(path) => std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?,
                None => keys::signing_key(data)?.jwks(),
            };
            let issuer = std::env::var("CHAIN_TOKEN_ISSUER").unwrap_or_else(|_| DEFAULT_ISSUER.into());
            let audience = std::env::var("CHAIN_TOKEN_AUDIENCE").unwrap_or_else(|_| DEFAULT_AUDIENCE.into());
            let (addr, h) = chain_gateway::start(
                chain_gateway::Config { listen, database_url, jwks, issuer, audience },
                bus,
                trigger.signal(),
            )
            .await?;
            println!("gateway listening on http://{addr}");
            vec![h]
        }
        ServiceName::Identification => {
            let pii_key = keys::pii_key(data)?;
            chain_identification::start(chain_identification::Config { database_url, pii_key }, bus, trigger.signal())
                .await?
        }
        ServiceName::Planning => {
            chain_planning::start(chain_planning::Config { database_url }, bus, trigger.signal()).await?
        }
        ServiceName::Funding => {
            chain_funding::start(chain_funding::Config { database_url }, bus, trigger.signal()).await?
        }
        ServiceName::Exit => chain_exit::start(chain_exit::Config { database_url }, bus, trigger.signal()).await?,
    };
    tracing::info!(service = name, "ready");
    wait_for_signal().await;
    trigger.fire();
    for h in handles {
        let _ = h.await;
    }
    Ok(())
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
