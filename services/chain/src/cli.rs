//! The command line: every subcommand, option and `CHAIN_*` environment setting of the binary.
//! `chain --help` and `chain <command> --help` show each setting with its variable.

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::PathBuf;

use chain::{DEFAULT_AUDIENCE, DEFAULT_ISSUER};
use clap::{Args, Parser, Subcommand, ValueEnum};

/// Telemetry settings, read by `chain_telemetry` rather than by an option.
const TELEMETRY: &str = "Telemetry (read by every service):
  RUST_LOG                       log filter, e.g. info,chain_workflow=debug (default info)
  OTEL_EXPORTER_OTLP_ENDPOINT    export traces over OTLP to this endpoint (default: no export)";

#[derive(Parser)]
#[command(
    name = "chain",
    version,
    about = "Workflow orchestration for the poverty-alleviation responsibility chain",
    after_help = TELEMETRY
)]
pub struct Cli {
    /// Where `chain up` keeps its databases, NATS store, development keys and tokens.env; where
    /// `chain token` and `chain audit verify` look for them.
    #[arg(long, env = "CHAIN_DATA_DIR", default_value = ".chain", global = true)]
    pub data_dir: PathBuf,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run everything in one process: a local nats-server, five services, SQLite files.
    Up(UpArgs),
    /// Run one service, configured by the environment (for Kubernetes).
    Serve(Box<ServeArgs>),
    /// Mint a development token signed with the key `chain up` keeps in the data directory.
    Token(TokenArgs),
    /// Print the OpenAPI document.
    Openapi,
    /// Work with the tasks of the responsibility chain.
    Tasks {
        #[command(subcommand)]
        command: TasksCommand,
    },
    /// Import households from a county's registry file (CSV or .xlsx; see `POST /v1/imports`),
    /// showing progress; the error report is saved beside the file.
    Import(ImportArgs),
    /// Check the audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// The identities on the bus, for operating a NATS server.
    Nats {
        #[command(subcommand)]
        command: NatsCommand,
    },
}

/// `chain nats …`.
#[derive(Subcommand)]
pub enum NatsCommand {
    /// Print the NATS server's `authorization` block: each identity's NKey public key and the
    /// subjects it may use. A seed missing from the directory is created there first, so the
    /// first run makes a deployment's credentials (one `<identity>.nk` per Secret).
    Authorization {
        /// Directory of the seeds, `<identity>.nk`; default `<data>/nats/credentials`.
        #[arg(long)]
        credentials: Option<PathBuf>,
    },
}

/// `chain up`.
#[derive(Args)]
pub struct UpArgs {
    /// Gateway address.
    #[arg(long, env = "CHAIN_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Use this NATS server instead of starting one.
    #[arg(long, env = "CHAIN_NATS_URL")]
    pub nats_url: Option<String>,
    /// The nats-server binary to start (default: `$NATS_SERVER_BIN`, then the first on PATH).
    #[arg(long, env = "CHAIN_NATS_SERVER")]
    pub nats_server: Option<PathBuf>,
    /// Load the demo data set (households in Tangtou, funds for Sinan) on first start.
    #[arg(long)]
    pub demo: bool,
    #[command(flatten)]
    pub rate_limits: RateLimitSettings,
    #[command(flatten)]
    pub services: ServiceSettings,
}

/// `chain serve`.
#[derive(Args)]
pub struct ServeArgs {
    /// The service.
    pub service: ServiceName,
    /// Database URL (SQLite or PostgreSQL); default a SQLite file `<service>.db` in the data
    /// directory.
    #[arg(long, env = "CHAIN_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// NATS URL.
    #[arg(long, env = "CHAIN_NATS_URL", default_value = "nats://127.0.0.1:4222")]
    pub nats_url: String,
    /// The NKey seed (`SU…`) this service authenticates to NATS with, its identity being the
    /// service's name. Default the one `chain up` keeps in `<data>/nats/credentials/<service>.nk`
    /// if it exists, else none (for a server that does not authenticate).
    #[arg(long, env = "CHAIN_NATS_NKEY_FILE")]
    pub nats_nkey_file: Option<PathBuf>,
    #[command(flatten)]
    pub nats_tls: NatsTlsSettings,
    /// Gateway address (gateway only).
    #[arg(long, env = "CHAIN_LISTEN", default_value = "0.0.0.0:8080")]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub identity: IdentitySettings,
    #[command(flatten)]
    pub rate_limits: RateLimitSettings,
    /// The gateway's bus signing key, a 32-byte Ed25519 seed in hex, with which it signs the
    /// principal of every request it forwards (gateway; services derive the public key from it
    /// when no public key file is given). Default `bus.key` in the data directory, which the
    /// gateway creates on first use.
    #[arg(long, env = "CHAIN_BUS_KEY_FILE")]
    pub bus_key_file: Option<PathBuf>,
    /// The gateway's bus public key, 32 bytes in hex (services): only principals it signed are
    /// believed.
    #[arg(long, env = "CHAIN_BUS_PUBLIC_KEY_FILE")]
    pub bus_public_key_file: Option<PathBuf>,
    #[command(flatten)]
    pub services: ServiceSettings,
}

/// Where the gateway finds the identity provider's keys and, in its tokens, the officials' roles
/// and jurisdiction (gateway only).
#[derive(Args, Clone)]
pub struct IdentitySettings {
    /// JWKS file with the token keys, read again at every refresh; default the development key
    /// in the data directory.
    #[arg(long, env = "CHAIN_JWKS_FILE", conflicts_with_all = ["jwks_url", "oidc_discovery"])]
    pub jwks_file: Option<PathBuf>,
    /// JWKS URL of the identity provider.
    #[arg(long, env = "CHAIN_JWKS_URL", conflicts_with = "oidc_discovery")]
    pub jwks_url: Option<String>,
    /// Find the JWKS by OIDC discovery: `<CHAIN_TOKEN_ISSUER>/.well-known/openid-configuration`.
    #[arg(long, env = "CHAIN_OIDC_DISCOVERY")]
    pub oidc_discovery: bool,
    /// PEM file of the certificates trusted, instead of the system's roots, when the JWKS or the
    /// discovery document is fetched over HTTPS (an agency's own certificate authority).
    #[arg(long, env = "CHAIN_OIDC_CA_FILE")]
    pub oidc_ca_file: Option<PathBuf>,
    /// Seconds between refreshes of the provider's keys.
    #[arg(long, env = "CHAIN_JWKS_REFRESH_SECONDS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
    pub jwks_refresh_seconds: u64,
    /// The shortest time in seconds between two fetches of the keys when tokens name unknown
    /// `kid`s.
    #[arg(long, env = "CHAIN_JWKS_MIN_REFRESH_SECONDS", default_value_t = 10)]
    pub jwks_min_refresh_seconds: u64,
    /// Claim paths (dots between names, comma-separated) holding role lists, e.g.
    /// `realm_access.roles,resource_access.chain-api.roles`; roles the system does not know are
    /// ignored.
    #[arg(long, env = "CHAIN_TOKEN_ROLE_CLAIMS", value_delimiter = ',', default_value = "roles")]
    pub token_role_claims: Vec<String>,
    /// Claim path of the jurisdiction (`CN` or a division code), e.g. `chain_jurisdiction`.
    #[arg(long, env = "CHAIN_TOKEN_JURISDICTION_CLAIM", default_value = "jurisdiction")]
    pub token_jurisdiction_claim: String,
    /// Clock skew in seconds tolerated on a token's `exp` and `nbf`.
    #[arg(long, env = "CHAIN_TOKEN_LEEWAY_SECONDS", default_value_t = 10)]
    pub token_leeway_seconds: u64,
}

/// The gateway's request budgets (429 with `Retry-After` once spent). Each unset one keeps its
/// default: production values for `chain serve gateway`, far higher ones for `chain up`.
#[derive(Args, Clone)]
pub struct RateLimitSettings {
    /// Requests per second from one client address (IPv6: one /64), sustained [default: 100].
    #[arg(long, env = "CHAIN_RATE_ADDRESS_PER_SECOND")]
    pub rate_address_per_second: Option<NonZeroU32>,
    /// Requests from one client address that may arrive at once [default: 200].
    #[arg(long, env = "CHAIN_RATE_ADDRESS_BURST")]
    pub rate_address_burst: Option<NonZeroU32>,
    /// Requests per second with tokens of one subject, sustained [default: 20].
    #[arg(long, env = "CHAIN_RATE_SUBJECT_PER_SECOND")]
    pub rate_subject_per_second: Option<NonZeroU32>,
    /// Requests with tokens of one subject that may arrive at once [default: 40].
    #[arg(long, env = "CHAIN_RATE_SUBJECT_BURST")]
    pub rate_subject_burst: Option<NonZeroU32>,
    /// Tokens failing verification per second from one client address, sustained; past the
    /// burst, that address's tokens are refused unchecked until there is room [default: 1].
    #[arg(long, env = "CHAIN_RATE_FAILED_AUTH_PER_SECOND")]
    pub rate_failed_auth_per_second: Option<NonZeroU32>,
    /// Tokens failing verification from one client address that may arrive at once [default: 10].
    #[arg(long, env = "CHAIN_RATE_FAILED_AUTH_BURST")]
    pub rate_failed_auth_burst: Option<NonZeroU32>,
}

impl RateLimitSettings {
    /// The limits: each set value over `defaults`.
    pub fn over(&self, defaults: chain_gateway::RateLimits) -> chain_gateway::RateLimits {
        let budget = |b: chain_gateway::Budget, per_second: Option<NonZeroU32>, burst: Option<NonZeroU32>| {
            chain_gateway::Budget { per_second: per_second.unwrap_or(b.per_second), burst: burst.unwrap_or(b.burst) }
        };
        chain_gateway::RateLimits {
            address: budget(defaults.address, self.rate_address_per_second, self.rate_address_burst),
            subject: budget(defaults.subject, self.rate_subject_per_second, self.rate_subject_burst),
            failed_auth: budget(defaults.failed_auth, self.rate_failed_auth_per_second, self.rate_failed_auth_burst),
        }
    }
}

/// What the services of `chain up` and `chain serve` share.
#[derive(Args, Clone)]
pub struct ServiceSettings {
    #[command(flatten)]
    pub tokens: TokenSettings,
    #[command(flatten)]
    pub pii: PiiSettings,
    #[command(flatten)]
    pub audit: AuditSettings,
    #[command(flatten)]
    pub workflow: WorkflowSettings,
    #[command(flatten)]
    pub bus: BusSettings,
    #[command(flatten)]
    pub idempotency: IdempotencySettings,
}

/// How long `Idempotency-Key` records last (gateway) and answers are remembered by request id
/// (services), and how long a claim on a key holds (gateway).
#[derive(Args, Clone)]
pub struct IdempotencySettings {
    /// Seconds an `Idempotency-Key` answer is kept (gateway) and a service remembers its answer
    /// to a request id (services); after that the key is new again. Default a day (86400).
    #[arg(long, env = "CHAIN_IDEMPOTENCY_TTL_SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub idempotency_ttl_seconds: Option<u64>,
    /// Seconds a keyed request that has not answered holds its key (gateway): a retry within them
    /// gets 409 with `Retry-After`, a later one takes the key over and learns the outcome from
    /// the services. Default twice the request timeout (60).
    #[arg(long, env = "CHAIN_IDEMPOTENCY_LEASE_SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub idempotency_lease_seconds: Option<u64>,
}

impl IdempotencySettings {
    /// The policy: the defaults of [`chain_gateway::IdempotencyPolicy`] where nothing is set.
    pub fn policy(&self) -> chain_gateway::IdempotencyPolicy {
        let default = chain_gateway::IdempotencyPolicy::default();
        let seconds = std::time::Duration::from_secs;
        chain_gateway::IdempotencyPolicy {
            ttl: self.idempotency_ttl_seconds.map_or(default.ttl, seconds),
            lease: self.idempotency_lease_seconds.map_or(default.lease, seconds),
        }
    }
}

/// How services check the principals the gateway signs.
#[derive(Args, Clone)]
pub struct BusSettings {
    /// Seconds a signed principal stays valid after the gateway issued it (services).
    #[arg(long, env = "CHAIN_BUS_PROOF_TTL_SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub bus_proof_ttl_seconds: u64,
    /// How many signed principals a service process remembers to refuse replays; more requests
    /// than this within one lifetime are answered 503.
    #[arg(long, env = "CHAIN_BUS_REPLAY_CAPACITY", default_value_t = 200_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub bus_replay_capacity: u64,
}

/// Which tokens the gateway accepts, and `chain token` and `chain up` mint.
#[derive(Args, Clone)]
pub struct TokenSettings {
    /// Required token issuer (`iss`).
    #[arg(long, env = "CHAIN_TOKEN_ISSUER", default_value = DEFAULT_ISSUER)]
    pub token_issuer: String,
    /// Required token audience (`aud`).
    #[arg(long, env = "CHAIN_TOKEN_AUDIENCE", default_value = DEFAULT_AUDIENCE)]
    pub token_audience: String,
}

/// The key protecting personal data at rest: identification's resident IDs, bank accounts and
/// helpers' phones; planning's work-team phones. Each service has its own.
#[derive(Args, Clone)]
pub struct PiiSettings {
    /// The served service's PII master key, 64 hex digits (identification and planning; under
    /// `up`, identification's); default `pii.key` (identification) or `planning-pii.key`
    /// (planning) in the data directory, created on first use.
    #[arg(long, env = "CHAIN_PII_KEY", hide_env_values = true)]
    pub pii_key: Option<String>,
}

/// The key protecting the services' audit chains (kept outside their databases).
#[derive(Args, Clone)]
pub struct AuditSettings {
    /// Audit master key, 64 hex digits: each service derives from it the HMAC key its audit
    /// entries are chained with and the Ed25519 key its checkpoints are signed with. Default
    /// `audit.key` in the data directory (`chain up` and `chain serve` create it on first use;
    /// `chain audit` only reads it).
    #[arg(long, env = "CHAIN_AUDIT_KEY", hide_env_values = true)]
    pub audit_key: Option<String>,
}

/// The workflow engine's clock and timer sweep, shared by the four services.
#[derive(Args, Clone)]
pub struct WorkflowSettings {
    /// Seconds between timer sweeps (deadlines, notices, recurring reports).
    #[arg(long, env = "CHAIN_SWEEP_SECONDS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..))]
    pub sweep_seconds: u64,
    /// Run the workflow clock this many hours ahead of the system clock, to rehearse deadlines,
    /// notices and escalation in development. Never set it in production.
    #[arg(long, env = "CHAIN_CLOCK_SKEW_HOURS", default_value_t = 0, allow_negative_numbers = true)]
    pub clock_skew_hours: i64,
}

/// `chain token`.
#[derive(Args)]
pub struct TokenArgs {
    /// Subject (the official's id).
    #[arg(long)]
    pub sub: String,
    /// Roles (repeat or comma-separate): operator, approver, auditor, assessor, admin, pii_reader.
    #[arg(long = "role", value_delimiter = ',', required = true)]
    pub roles: Vec<String>,
    /// Jurisdiction: `CN` or the code of an existing division.
    #[arg(long)]
    pub jurisdiction: String,
    /// Lifetime in hours.
    #[arg(long, default_value_t = 24, conflicts_with = "ttl_seconds", value_parser = clap::value_parser!(i64).range(1..))]
    pub ttl_hours: i64,
    /// Lifetime in seconds (instead of --ttl-hours), e.g. to see expiry within a test.
    #[arg(long, value_parser = clap::value_parser!(i64).range(1..))]
    pub ttl_seconds: Option<i64>,
    #[command(flatten)]
    pub tokens: TokenSettings,
}

/// Where a client command finds the gateway, and as whom it calls.
#[derive(Args)]
pub struct ClientSettings {
    /// The gateway's base URL (`chain up` writes it to tokens.env).
    #[arg(long, env = "CHAIN_GATEWAY", default_value = "http://127.0.0.1:8080")]
    pub gateway: String,
    /// Bearer token.
    #[arg(long, env = "CHAIN_TOKEN", hide_env_values = true)]
    pub token: String,
}

/// `chain import`.
#[derive(Args)]
pub struct ImportArgs {
    /// The file.
    pub file: PathBuf,
    /// Continue this interrupted import of the same file instead of starting a new one.
    #[arg(long)]
    pub resume: Option<uuid::Uuid>,
    #[command(flatten)]
    pub client: ClientSettings,
}

#[derive(Subcommand)]
pub enum TasksCommand {
    /// Follow a task's subtree live, one line per change, until Ctrl-C; reconnects and resumes
    /// where it left off when the connection drops.
    Watch {
        /// The task.
        id: uuid::Uuid,
        /// Start after this event sequence number (default: from the first change).
        #[arg(long)]
        after: Option<i64>,
        #[command(flatten)]
        client: ClientSettings,
    },
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Walk each service's keyed audit chain and check its head and its signed checkpoints;
    /// report the first edited, missing or re-chained entry, a rewritten head or a chain
    /// truncated below a checkpoint. Exit status: 0 all intact, 1 a chain is broken, 2 a
    /// database, the key or the checkpoints could not be read.
    Verify {
        /// A database to verify, `service=url` or just the URL (repeatable). Default: the four
        /// service databases `chain up` keeps in the data directory.
        #[arg(long = "database-url")]
        database_urls: Vec<String>,
        /// Then sign a checkpoint of each chain found intact whose head moved since its latest
        /// checkpoint (on demand, besides the services' own at every sweep).
        #[arg(long)]
        checkpoint: bool,
        #[command(flatten)]
        checkpoints: CheckpointSource,
    },
    /// Print the signed checkpoints the bus keeps for each service, one JSON object a line,
    /// oldest first (to keep them elsewhere too).
    Checkpoints {
        /// Only this service's.
        #[arg(long)]
        service: Option<String>,
        #[command(flatten)]
        checkpoints: CheckpointSource,
    },
}

/// Where `chain audit` finds the audit key and the checkpoints.
#[derive(Args)]
pub struct CheckpointSource {
    #[command(flatten)]
    pub key: AuditSettings,
    /// The NATS server holding the checkpoints. Default: the one a running `chain up` started
    /// for the data directory.
    #[arg(long, env = "CHAIN_NATS_URL")]
    pub nats_url: Option<String>,
    /// The NKey seed to read the checkpoints with. Default: the operators' `admin` seed that
    /// `chain up` keeps in the data directory (`nats/credentials/admin.nk`), if there is one.
    #[arg(long = "nats-nkey-file", env = "CHAIN_NATS_NKEY_FILE")]
    pub nats_nkey_file: Option<PathBuf>,
    #[command(flatten)]
    pub nats_tls: NatsTlsSettings,
}

/// TLS to NATS. Setting any of these makes the connection require TLS; none leaves it to the
/// server (a server that demands TLS is then checked against the system's roots).
#[derive(Args, Clone, Default)]
pub struct NatsTlsSettings {
    /// PEM file of the certificate authority the NATS server's certificate must chain to.
    #[arg(long, env = "CHAIN_NATS_TLS_CA_FILE")]
    pub nats_tls_ca_file: Option<PathBuf>,
    /// PEM file of this client's certificate, for a server that verifies clients (with
    /// `--nats-tls-key-file`).
    #[arg(long, env = "CHAIN_NATS_TLS_CERT_FILE", requires = "nats_tls_key_file")]
    pub nats_tls_cert_file: Option<PathBuf>,
    /// PEM file of this client's private key (with `--nats-tls-cert-file`).
    #[arg(long, env = "CHAIN_NATS_TLS_KEY_FILE", requires = "nats_tls_cert_file")]
    pub nats_tls_key_file: Option<PathBuf>,
}

impl NatsTlsSettings {
    /// The TLS the connection uses, if any is configured.
    pub fn tls(&self) -> Option<chain_bus::Tls> {
        let client = self.nats_tls_cert_file.clone().zip(self.nats_tls_key_file.clone());
        (self.nats_tls_ca_file.is_some() || client.is_some())
            .then(|| chain_bus::Tls { ca_file: self.nats_tls_ca_file.clone(), client })
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ServiceName {
    Gateway,
    Identification,
    Planning,
    Funding,
    Exit,
}

impl ServiceName {
    /// The service's name, as in `chain serve <name>`.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceName::Gateway => "gateway",
            ServiceName::Identification => "identification",
            ServiceName::Planning => "planning",
            ServiceName::Funding => "funding",
            ServiceName::Exit => "exit",
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_setting_has_its_variable_in_the_help() {
        let mut help = Vec::new();
        for sub in ["up", "serve", "token", "import"] {
            let mut cmd = Cli::command();
            cmd.build();
            let sub = cmd.find_subcommand_mut(sub).expect("a subcommand");
            help.push(sub.render_long_help().to_string());
        }
        let help = help.join("\n");
        for var in [
            "CHAIN_DATA_DIR",
            "CHAIN_LISTEN",
            "CHAIN_NATS_URL",
            "CHAIN_NATS_SERVER",
            "CHAIN_NATS_TLS_CA_FILE",
            "CHAIN_NATS_TLS_CERT_FILE",
            "CHAIN_NATS_TLS_KEY_FILE",
            "CHAIN_DATABASE_URL",
            "CHAIN_JWKS_FILE",
            "CHAIN_JWKS_URL",
            "CHAIN_OIDC_DISCOVERY",
            "CHAIN_OIDC_CA_FILE",
            "CHAIN_JWKS_REFRESH_SECONDS",
            "CHAIN_JWKS_MIN_REFRESH_SECONDS",
            "CHAIN_TOKEN_ROLE_CLAIMS",
            "CHAIN_TOKEN_JURISDICTION_CLAIM",
            "CHAIN_TOKEN_LEEWAY_SECONDS",
            "CHAIN_RATE_ADDRESS_PER_SECOND",
            "CHAIN_RATE_ADDRESS_BURST",
            "CHAIN_RATE_SUBJECT_PER_SECOND",
            "CHAIN_RATE_SUBJECT_BURST",
            "CHAIN_RATE_FAILED_AUTH_PER_SECOND",
            "CHAIN_RATE_FAILED_AUTH_BURST",
            "CHAIN_TOKEN_ISSUER",
            "CHAIN_TOKEN_AUDIENCE",
            "CHAIN_PII_KEY",
            "CHAIN_AUDIT_KEY",
            "CHAIN_SWEEP_SECONDS",
            "CHAIN_CLOCK_SKEW_HOURS",
            "CHAIN_GATEWAY",
            "CHAIN_TOKEN",
        ] {
            assert!(help.contains(&format!("[env: {var}")), "{var} is not in the help");
        }
    }

    #[test]
    fn a_rate_limit_set_replaces_only_its_own_default() {
        let parse = |args: &[&str]| match Cli::try_parse_from(["chain", "serve", "gateway"].iter().chain(args)) {
            Ok(Cli { command: Command::Serve(s), .. }) => s.rate_limits.over(chain_gateway::RateLimits::default()),
            _ => panic!("parses"),
        };
        assert_eq!(parse(&[]), chain_gateway::RateLimits::default());
        let set = parse(&["--rate-subject-burst", "7", "--rate-failed-auth-per-second", "3"]);
        assert_eq!(set.subject.burst.get(), 7);
        assert_eq!(set.failed_auth.per_second.get(), 3);
        assert_eq!(set.subject.per_second, chain_gateway::RateLimits::default().subject.per_second);
        assert_eq!(set.address, chain_gateway::RateLimits::default().address);
        assert!(Cli::try_parse_from(["chain", "serve", "gateway", "--rate-address-burst", "0"]).is_err());
    }

    #[test]
    fn a_token_lifetime_is_given_in_seconds_or_hours_not_both() {
        let args = ["chain", "token", "--sub", "s", "--role", "approver", "--jurisdiction", "520624"];
        let parse = |more: &[&str]| Cli::try_parse_from(args.iter().chain(more));
        let Ok(Cli { command: Command::Token(t), .. }) = parse(&["--ttl-seconds", "5"]) else { panic!("parses") };
        assert_eq!((t.ttl_seconds, t.ttl_hours), (Some(5), 24));
        assert!(parse(&["--ttl-seconds", "5", "--ttl-hours", "2"]).is_err());
        assert!(parse(&["--ttl-seconds", "0"]).is_err());
        let Ok(Cli { command: Command::Serve(s), .. }) = Cli::try_parse_from([
            "chain",
            "serve",
            "gateway",
            "--token-role-claims",
            "realm_access.roles,resource_access.chain-api.roles",
        ]) else {
            panic!("parses")
        };
        assert_eq!(s.identity.token_role_claims, ["realm_access.roles", "resource_access.chain-api.roles"]);
        assert!(
            Cli::try_parse_from(["chain", "serve", "gateway", "--jwks-url", "https://idp/jwks", "--oidc-discovery"])
                .is_err()
        );
    }
}
