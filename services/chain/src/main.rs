//! `chain`: run the whole system (`chain up`), one service (`chain serve`), or an operator command.

mod import_cli;

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
    /// Work with the tasks of the responsibility chain.
    Tasks {
        #[command(subcommand)]
        command: TasksCommand,
    },
    /// Import households from a county's registry file (CSV or .xlsx; see `POST /v1/imports`),
    /// showing progress; the error report is saved beside the file.
    Import {
        /// The file.
        file: PathBuf,
        /// The gateway's base URL.
        #[arg(long, env = "CHAIN_GATEWAY", default_value = "http://127.0.0.1:8080")]
        gateway: String,
        /// Bearer token (an operator's).
        #[arg(long, env = "CHAIN_TOKEN", hide_env_values = true)]
        token: String,
        /// Continue this interrupted import of the same file instead of starting a new one.
        #[arg(long)]
        resume: Option<uuid::Uuid>,
    },
    /// Check the audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Subcommand)]
enum TasksCommand {
    /// Follow a task's subtree live, one line per change, until Ctrl-C; reconnects and resumes
    /// where it left off when the connection drops.
    Watch {
        /// The task.
        id: uuid::Uuid,
        /// The gateway's base URL.
        #[arg(long, env = "GW", default_value = "http://127.0.0.1:8080")]
        gateway: String,
        /// Bearer token.
        #[arg(long, env = "CHAIN_TOKEN", hide_env_values = true)]
        token: String,
        /// Start after this event sequence number (default: from the first change).
        #[arg(long)]
        after: Option<i64>,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk each service's hash-chained audit log and report the first edited or missing entry.
    /// Exit status: 0 all intact, 1 a chain is broken, 2 a database could not be read.
    Verify {
        /// A database to verify, `service=url` or just the URL (repeatable). Default: the four
        /// service databases `chain up` keeps in the data directory.
        #[arg(long = "database-url")]
        database_urls: Vec<String>,
    },
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
        Command::Import { file, gateway, token, resume } => {
            exit_with(import_cli::run(&file, &gateway, &token, resume).await?)
        }
        Command::Tasks { command: TasksCommand::Watch { id, gateway, token, after } } => {
            let code = tokio::select! {
                code = watch::run(&gateway, &token, id, after) => code?,
                _ = tokio::signal::ctrl_c() => 0,
            };
            exit_with(code)
        }
        Command::Audit { command: AuditCommand::Verify { database_urls } } => {
            exit_with(verify_audit(&cli.data_dir, &database_urls).await)
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
    #[expect(clippy::disallowed_methods, reason = "token expiry is measured by the wall clock")]
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
        workflow: workflow_settings(),
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
            chain_identification::start(
                chain_identification::Config { database_url, pii_key, workflow: workflow_settings() },
                bus,
                trigger.signal(),
            )
            .await?
        }
        ServiceName::Planning => {
            chain_planning::start(
                chain_planning::Config { database_url, workflow: workflow_settings() },
                bus,
                trigger.signal(),
            )
            .await?
        }
        ServiceName::Funding => {
            chain_funding::start(
                chain_funding::Config { database_url, workflow: workflow_settings() },
                bus,
                trigger.signal(),
            )
            .await?
        }
        ServiceName::Exit => {
            chain_exit::start(chain_exit::Config { database_url, workflow: workflow_settings() }, bus, trigger.signal())
                .await?
        }
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

/// The engine's settings: the system clock, swept every `CHAIN_SWEEP_SECONDS` (default 5).
/// `CHAIN_CLOCK_SKEW_HOURS` runs the engine's clock ahead, to rehearse deadlines and escalation in
/// development; never set it in production.
fn workflow_settings() -> chain_workflow::Settings {
    let every = std::env::var("CHAIN_SWEEP_SECONDS").ok().and_then(|v| v.parse::<u64>().ok()).unwrap_or(5).max(1);
    let skew = std::env::var("CHAIN_CLOCK_SKEW_HOURS").ok().and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    let clock = if skew == 0 {
        chain_workflow::Clock::system()
    } else {
        tracing::warn!(hours = skew, "the workflow clock runs ahead of the system clock (CHAIN_CLOCK_SKEW_HOURS)");
        chain_workflow::Clock::skewed(chrono::Duration::hours(skew))
    };
    chain_workflow::Settings { clock, sweep_every: std::time::Duration::from_secs(every) }
}

/// Ends the process with `code` unless it is 0.
fn exit_with(code: i32) -> anyhow::Result<()> {
    if code != 0 {
        std::process::exit(code);
    }
    Ok(())
}

/// Which databases `chain audit verify` reads: the given ones, or the four service databases in
/// the data directory (opened without creating a missing file).
fn audit_targets(data: &std::path::Path, urls: &[String]) -> Vec<(String, String)> {
    if urls.is_empty() {
        let dbs = Databases::sqlite_in(data);
        return [
            ("identification", dbs.identification),
            ("planning", dbs.planning),
            ("funding", dbs.funding),
            ("exit", dbs.exit),
        ]
        .into_iter()
        .map(|(name, url)| (name.to_owned(), url.replace("mode=rwc", "mode=rw")))
        .collect();
    }
    urls.iter()
        .map(|given| match given.split_once('=') {
            Some((name, url))
                if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
            {
                (name.to_owned(), without_create(url))
            }
            _ => (chain_store::db::redact(given), without_create(given)),
        })
        .collect()
}

/// A SQLite URL that opens an existing file only (verifying must never create a database).
fn without_create(url: &str) -> String {
    if url.starts_with("sqlite:") && !url.contains("mode=") && !url.contains(":memory:") {
        let sep = if url.contains('?') { '&' } else { '?' };
        format!("{url}{sep}mode=rw")
    } else {
        url.to_owned()
    }
}

/// `chain audit verify`: prints one verdict per database; answers the exit status.
async fn verify_audit(data: &std::path::Path, urls: &[String]) -> i32 {
    use chain_store::audit::Verdict;
    let data = data.canonicalize().unwrap_or_else(|_| data.to_path_buf());
    let (mut broken, mut unreadable) = (false, false);
    for (name, url) in audit_targets(&data, urls) {
        let db = match chain_store::connect(&url).await {
            Ok(db) => db,
            Err(e) => {
                println!("{name}: cannot open: {e}: {}", e.root_cause());
                unreadable = true;
                continue;
            }
        };
        match chain_store::audit::verify(&db).await {
            Ok(Verdict::Intact { entries }) => println!("{name}: intact, {entries} entries"),
            Ok(Verdict::Broken { at_seq, reason }) => {
                println!("{name}: BROKEN at entry {at_seq}: {reason}");
                broken = true;
            }
            Err(e) => {
                println!("{name}: cannot read the audit log: {e}");
                unreadable = true;
            }
        }
        let _ = db.close().await;
    }
    if broken {
        1
    } else if unreadable {
        2
    } else {
        0
    }
}

/// `chain tasks watch`: a Server-Sent Events client for a task's change feed.
mod watch {
    use std::time::Duration;

    use chain_api::Problem;
    use chain_api::workflow::TaskEvent;

    /// Wait before reconnecting after the connection dropped.
    const RECONNECT_DELAY: Duration = Duration::from_secs(1);
    /// The gateway sends a keep-alive comment every 15 s; silence this long means the connection is dead.
    const READ_TIMEOUT: Duration = Duration::from_secs(45);

    /// One dispatched event.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct SseEvent {
        /// The `id:` field, if the event had one.
        pub id: Option<String>,
        /// The `event:` field (`message` when absent).
        pub event: String,
        /// The `data:` lines joined with newlines.
        pub data: String,
    }

    /// Reads the `text/event-stream` format incrementally: chunks may split lines, and even
    /// characters, anywhere.
    #[derive(Debug, Default)]
    pub struct SseParser {
        buf: Vec<u8>,
        id: Option<String>,
        event: Option<String>,
        data: Option<String>,
    }

    impl SseParser {
        /// Feeds a chunk and returns the events it completed.
        pub fn feed(&mut self, chunk: &[u8]) -> Vec<SseEvent> {
            self.buf.extend_from_slice(chunk);
            let mut events = Vec::new();
            let mut start = 0;
            let mut i = 0;
            while i < self.buf.len() {
                let end = match self.buf[i] {
                    b'\n' => i + 1,
                    // A CR ends a line; if it is the last byte a LF may follow in the next chunk.
                    b'\r' if i + 1 == self.buf.len() => break,
                    b'\r' if self.buf[i + 1] == b'\n' => i + 2,
                    b'\r' => i + 1,
                    _ => {
                        i += 1;
                        continue;
                    }
                };
                let line = String::from_utf8_lossy(&self.buf[start..i]).into_owned();
                if let Some(e) = self.line(&line) {
                    events.push(e);
                }
                start = end;
                i = end;
            }
            self.buf.drain(..start);
            events
        }

        fn line(&mut self, line: &str) -> Option<SseEvent> {
            if line.is_empty() {
                let event = self.event.take();
                let data = self.data.take()?;
                return Some(SseEvent {
                    id: self.id.clone(),
                    event: event.unwrap_or_else(|| "message".to_owned()),
                    data,
                });
            }
            if line.starts_with(':') {
                return None;
            }
            let (field, value) = match line.split_once(':') {
                Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
                None => (line, ""),
            };
            match field {
                "data" => match &mut self.data {
                    Some(d) => {
                        d.push('\n');
                        d.push_str(value);
                    }
                    None => self.data = Some(value.to_owned()),
                },
                "event" => self.event = Some(value.to_owned()),
                "id" if !value.contains('\0') => self.id = Some(value.to_owned()),
                _ => {}
            }
            None
        }
    }

    /// One line for a change, e.g. `#42 2026-11-22T08:00:00Z 520624 signed_off v3 by sinan-approver — done`.
    pub fn describe(e: &SseEvent) -> String {
        match serde_json::from_str::<TaskEvent>(&e.data) {
            Ok(t) => {
                let mut line = format!(
                    "#{} {} {} {} v{} by {}",
                    t.seq,
                    t.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    t.division,
                    t.change,
                    t.version,
                    t.actor
                );
                if let Some(r) = t.reason.filter(|r| !r.is_empty()) {
                    line.push_str(" — ");
                    line.push_str(&r);
                }
                line
            }
            Err(_) => format!("#{} {} {}", e.id.as_deref().unwrap_or("-"), e.event, e.data),
        }
    }

    /// An error with its causes, e.g. `error sending request: client error (Connect): Connection refused`.
    fn causes(e: &dyn std::error::Error) -> String {
        let mut text = e.to_string();
        let mut source = e.source();
        while let Some(s) = source {
            let more = s.to_string();
            if !text.ends_with(&more) {
                text.push_str(": ");
                text.push_str(&more);
            }
            source = s.source();
        }
        text
    }

    /// Follows the feed until it is refused; answers the exit status.
    pub async fn run(gateway: &str, token: &str, id: uuid::Uuid, after: Option<i64>) -> anyhow::Result<i32> {
        let client =
            reqwest::Client::builder().connect_timeout(Duration::from_secs(10)).read_timeout(READ_TIMEOUT).build()?;
        let url = format!("{}/v1/tasks/{id}/events", gateway.trim_end_matches('/'));
        let mut last = after;
        let mut connected = false;
        loop {
            let mut req = client.get(&url).bearer_auth(token).header("Accept", "text/event-stream");
            if let Some(seq) = last {
                req = req.header("Last-Event-ID", seq.to_string());
            }
            match req.send().await {
                Err(e) if !connected => anyhow::bail!("cannot reach the gateway at {gateway}: {}", causes(&e)),
                Err(e) => eprintln!("reconnecting: {}", causes(&e)),
                Ok(resp) if !resp.status().is_success() => {
                    let status = resp.status();
                    let body = resp.text().await.unwrap_or_default();
                    match serde_json::from_str::<Problem>(&body) {
                        Ok(p) => eprintln!("{p}"),
                        Err(_) => eprintln!("the gateway answered {status}: {body}"),
                    }
                    return Ok(1);
                }
                Ok(mut resp) => {
                    connected = true;
                    let mut parser = SseParser::default();
                    loop {
                        match resp.chunk().await {
                            Ok(Some(chunk)) => {
                                for e in parser.feed(&chunk) {
                                    if let Some(seq) = e.id.as_deref().and_then(|i| i.parse().ok()) {
                                        last = Some(seq);
                                    }
                                    println!("{}", describe(&e));
                                }
                            }
                            Ok(None) => {
                                eprintln!("the gateway closed the feed; reconnecting");
                                break;
                            }
                            Err(e) => {
                                eprintln!("the connection dropped ({}); reconnecting", causes(&e));
                                break;
                            }
                        }
                    }
                }
            }
            tokio::time::sleep(RECONNECT_DELAY).await;
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn event(id: &str, event: &str, data: &str) -> SseEvent {
            SseEvent { id: Some(id.into()), event: event.into(), data: data.into() }
        }

        #[test]
        fn events_split_across_chunks_anywhere_are_reassembled() {
            let wire = "id: 1\nevent: opened\ndata: {\"a\":1}\n\n: keep-alive\n\nid:2\nevent:started\ndata:x\n\n";
            let whole = SseParser::default().feed(wire.as_bytes());
            assert_eq!(whole, [event("1", "opened", "{\"a\":1}"), event("2", "started", "x")]);
            for cut in 0..wire.len() {
                let mut p = SseParser::default();
                let mut got = p.feed(&wire.as_bytes()[..cut]);
                got.extend(p.feed(&wire.as_bytes()[cut..]));
                assert_eq!(got, whole, "cut at {cut}");
            }
        }

        #[test]
        fn multibyte_characters_split_between_chunks_survive() {
            let wire = "id: 7\ndata: 思南县\n\n".as_bytes();
            let mut p = SseParser::default();
            let mut got = p.feed(&wire[..12]);
            got.extend(p.feed(&wire[12..]));
            assert_eq!(got, [event("7", "message", "思南县")]);
        }

        #[test]
        fn crlf_and_cr_line_endings_and_multi_line_data_are_read() {
            let mut p = SseParser::default();
            let got = p.feed(b"id: 3\r\ndata: a\r\ndata: b\r\n\r\nid: 4\rdata: c\r\r: ping\n");
            assert_eq!(got, [event("3", "message", "a\nb"), event("4", "message", "c")]);
            // A CR at the very end of a chunk waits to see whether a LF follows.
            let mut p = SseParser::default();
            assert!(p.feed(b"data: d\r\n\r").is_empty());
            assert_eq!(p.feed(b"\n"), [SseEvent { id: None, event: "message".into(), data: "d".into() }]);
        }

        #[test]
        fn comments_and_events_without_data_dispatch_nothing() {
            let mut p = SseParser::default();
            assert!(p.feed(b": ping\n\nevent: noise\n\n").is_empty());
            // The event name of an undispatched block does not leak into the next one.
            assert_eq!(p.feed(b"data: y\n\n")[0].event, "message");
        }

        #[test]
        fn the_last_event_id_carries_over_to_events_without_one() {
            let mut p = SseParser::default();
            let got = p.feed(b"id: 9\ndata: a\n\ndata: b\n\n");
            assert_eq!(got[1].id.as_deref(), Some("9"));
        }

        #[test]
        fn a_change_reads_as_one_line() {
            let data = serde_json::json!({
                "seq": 42, "task_id": uuid::Uuid::nil(), "root_id": uuid::Uuid::nil(), "division": "520624",
                "change": "signed_off", "state": "signed_off", "version": 3, "actor": "sinan-approver",
                "reason": "done", "data": {}, "at": "2026-11-22T08:00:00.123456Z"
            });
            let line = describe(&event("42", "signed_off", &data.to_string()));
            assert_eq!(line, "#42 2026-11-22T08:00:00Z 520624 signed_off v3 by sinan-approver — done");
            assert_eq!(describe(&event("5", "other", "not json")), "#5 other not json");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_targets_default_to_the_service_databases_without_creating_them() {
        let t = audit_targets(std::path::Path::new("/data"), &[]);
        let names: Vec<_> = t.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["identification", "planning", "funding", "exit"]);
        assert_eq!(t[1].1, "sqlite:///data/planning.db?mode=rw");
    }

    #[test]
    fn audit_targets_take_an_optional_service_name() {
        let t = audit_targets(
            std::path::Path::new("/data"),
            &["funding=postgres://u:pw@db/funding".into(), "sqlite:///x/exit.db?mode=rw".into()],
        );
        assert_eq!(t[0], ("funding".into(), "postgres://u:pw@db/funding".into()));
        assert_eq!(t[1], ("sqlite:///x/exit.db?mode=rw".into(), "sqlite:///x/exit.db?mode=rw".into()));
        let t = audit_targets(std::path::Path::new("/data"), &["exit=sqlite:///x/exit.db".into()]);
        assert_eq!(t[0].1, "sqlite:///x/exit.db?mode=rw", "a given file is never created");
        let t = audit_targets(std::path::Path::new("/data"), &["postgres://u:secret@h/db?sslmode=disable".into()]);
        assert_eq!(t[0].0, "postgres://u:***@h/db?sslmode=disable");
    }
}
