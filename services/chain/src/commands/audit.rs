//! `chain audit verify`: walks each service's keyed audit chain and checks its head and the
//! signed checkpoints the bus keeps; `chain audit checkpoints` exports those checkpoints.

use std::path::Path;

use anyhow::Context;
use chain::Databases;
use chain_store::audit::MasterKey;

use super::run::ROOT;
use crate::cli::CheckpointSource;

/// Which databases `chain audit verify` reads: the given ones, or the four service databases in
/// the data directory (opened without creating a missing file).
fn audit_targets(data: &Path, urls: &[String]) -> Vec<(String, String)> {
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

/// The NATS server a running `chain up` started for the data directory (from the ports file it
/// writes), if any.
fn local_nats(data: &Path) -> Option<String> {
    let entries = std::fs::read_dir(data.join("nats").join("ports")).ok()?;
    entries.filter_map(Result::ok).find_map(|e| {
        let text = std::fs::read_to_string(e.path()).ok()?;
        let v: serde_json::Value = serde_json::from_str(&text).ok()?;
        v["nats"][0].as_str().map(str::to_owned)
    })
}

/// The audit master key: the given one, else `<data>/audit.key` (never created here).
fn master_key(data: &Path, source: &CheckpointSource) -> anyhow::Result<MasterKey> {
    match &source.key.audit_key {
        Some(hex) => MasterKey::from_hex(hex).context("CHAIN_AUDIT_KEY"),
        None => {
            let path = chain::keys::audit_key_path(data);
            let hex = std::fs::read_to_string(&path)
                .with_context(|| format!("reading the audit key {} (or set CHAIN_AUDIT_KEY)", path.display()))?;
            MasterKey::from_hex(&hex).with_context(|| format!("reading {}", path.display()))
        }
    }
}

/// A connection to the NATS server holding the checkpoints.
async fn checkpoint_bus(data: &Path, source: &CheckpointSource) -> anyhow::Result<async_nats::Client> {
    let url = match source.nats_url.clone().or_else(|| local_nats(data)) {
        Some(url) => url,
        None => anyhow::bail!("no NATS server: give --nats-url (CHAIN_NATS_URL) or run `chain up`"),
    };
    let seed_file =
        source.nats_nkey_file.clone().unwrap_or_else(|| data.join("nats").join("credentials").join("admin.nk"));
    let credentials = match std::fs::read_to_string(&seed_file) {
        Ok(seed) => chain_bus::Credentials::nkey("admin", &seed),
        Err(e) if source.nats_nkey_file.is_none() && e.kind() == std::io::ErrorKind::NotFound => {
            chain_bus::Credentials::unauthenticated("admin")
        }
        Err(e) => return Err(anyhow::Error::from(e).context(format!("reading {}", seed_file.display()))),
    };
    credentials
        .with_tls(source.nats_tls.tls())
        .options()
        .connect(&url)
        .await
        .with_context(|| format!("connecting to NATS at {url}"))
}

/// `chain audit verify`: prints one verdict per database, and with `sign` checkpoints each
/// intact chain; answers the exit status.
pub async fn verify(data: &Path, urls: &[String], sign: bool, source: &CheckpointSource) -> i32 {
    use chain_store::audit::Verdict;
    let data = data.canonicalize().unwrap_or_else(|_| data.to_path_buf());
    let master = match master_key(&data, source) {
        Ok(k) => k,
        Err(e) => {
            println!("cannot verify without the audit key: {e:#}");
            return 2;
        }
    };
    let nats = match checkpoint_bus(&data, source).await {
        Ok(c) => Some(c),
        Err(e) => {
            println!("checkpoints not checked: {e:#}");
            None
        }
    };
    let (mut broken, mut unreadable) = (false, nats.is_none());
    for (name, url) in audit_targets(&data, urls) {
        let key = master.for_service(&name);
        let checkpoints = match &nats {
            Some(client) => match chain_kit::audit::checkpoints(client, ROOT, &name).await {
                Ok(cps) => cps,
                Err(e) => {
                    println!("{name}: cannot read the checkpoints: {e:#}");
                    unreadable = true;
                    continue;
                }
            },
            None => vec![],
        };
        let db = match chain_store::connect(&url).await {
            Ok(db) => db,
            Err(e) => {
                println!("{name}: cannot open: {e}: {}", e.root_cause());
                unreadable = true;
                continue;
            }
        };
        match chain_store::audit::verify(&db, &key, &checkpoints).await {
            Ok(Verdict::Intact { entries, unkeyed, checkpoint }) => {
                let unkeyed = match unkeyed {
                    0 => String::new(),
                    n => format!(" (the first {n} from before entries were keyed)"),
                };
                let signed = match (&nats, checkpoint) {
                    (None, _) => "checkpoints not checked",
                    (Some(_), Some(_)) => "head and signed checkpoints agree",
                    (Some(_), None) => "head verified, no signed checkpoint yet",
                };
                let waiting = match chain_store::audit::unsealed(&db).await {
                    Ok(0) | Err(_) => String::new(),
                    Ok(n) => format!(" ({n} more wait in the intake, to be chained when the service next seals)"),
                };
                println!("{name}: intact, {entries} entries{unkeyed}{waiting}, {signed}");
                if sign && let Some(client) = &nats {
                    match sign_checkpoint(client, &db, &key, checkpoints.last().cloned()).await {
                        Ok(Some(cp)) => println!("{name}: checkpoint of entry {} signed", cp.seq),
                        Ok(None) => {}
                        Err(e) => {
                            println!("{name}: cannot sign a checkpoint: {e:#}");
                            unreadable = true;
                        }
                    }
                }
            }
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

/// Signs and stores a checkpoint of a verified chain's head, if it moved since `last`.
async fn sign_checkpoint(
    client: &async_nats::Client,
    db: &chain_store::Db,
    key: &chain_store::audit::AuditKey,
    last: Option<chain_store::audit::Checkpoint>,
) -> anyhow::Result<Option<chain_store::audit::Checkpoint>> {
    let store = chain_kit::audit::bucket_in(&async_nats::jetstream::new(client.clone()), ROOT).await?;
    let now = chain_kit::audit::checkpoint(db, &store, key, &chain_workflow::Clock::system(), last.clone()).await?;
    Ok(now.filter(|cp| Some(cp) != last.as_ref()))
}

/// `chain audit checkpoints`: prints the checkpoints of each service, one JSON object a line.
pub async fn checkpoints(data: &Path, service: Option<&str>, source: &CheckpointSource) -> anyhow::Result<i32> {
    let client = checkpoint_bus(data, source).await?;
    let all = ["identification", "planning", "funding", "exit"];
    for name in all.into_iter().filter(|n| service.is_none_or(|s| s == *n)) {
        for cp in chain_kit::audit::checkpoints(&client, ROOT, name).await? {
            println!("{}", serde_json::to_string(&cp)?);
        }
    }
    Ok(0)
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
