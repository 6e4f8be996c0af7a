//! The audit chain's protection outside the service database: at start the service installs its
//! audit key (derived from the master key it is given, [`chain_workflow::Settings::audit`]); then,
//! at every sweep in which the chain's head moved, and once more at shutdown, it signs a
//! [`Checkpoint`] of the head and puts it in the JetStream key-value bucket `<root>_audit`, one key
//! per service, whose history keeps the latest [`HISTORY`] checkpoints.
//!
//! A further job seals the intake into the chain every [`audit::SEAL_EVERY`], and once more at
//! shutdown; the checkpoint job seals before it signs.
//!
//! A head is signed only if it extends the previous checkpoint (the entry the checkpoint names
//! still carries the MAC it signed) and its own MAC verifies, so a rewritten database is never
//! vouched for; the job logs an error instead and signs nothing until the chain is repaired.

use std::time::Duration;

use anyhow::Context;
use async_nats::jetstream::kv;
use chain_bus::{Bus, Shutdown};
use chain_store::Db;
use chain_store::audit::{self, AuditKey, Checkpoint, chain};
use chain_workflow::Clock;
use futures::StreamExt;
use sea_orm::EntityTrait;

/// How many checkpoints per service the bucket keeps (JetStream's largest history).
pub const HISTORY: i64 = 64;

/// The checkpoint bucket of the services under subject root `root`.
pub fn bucket_name(root: &str) -> String {
    let root: String = root.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
    format!("{root}_audit")
}

/// The checkpoint bucket, created on first use.
pub async fn bucket(bus: &Bus) -> anyhow::Result<kv::Store> {
    bucket_in(bus.jetstream(), bus.root()).await
}

/// The checkpoint bucket of the services under subject root `root`, created on first use.
pub async fn bucket_in(js: &async_nats::jetstream::Context, root: &str) -> anyhow::Result<kv::Store> {
    let name = bucket_name(root);
    if let Ok(store) = js.get_key_value(&name).await {
        return Ok(store);
    }
    let config = kv::Config {
        bucket: name.clone(),
        description: "signed checkpoints of the services' audit chains".into(),
        history: HISTORY,
        storage: async_nats::jetstream::stream::StorageType::File,
        ..Default::default()
    };
    match js.create_key_value(config).await {
        Ok(store) => Ok(store),
        // Another service created it at the same moment.
        Err(e) => js.get_key_value(&name).await.with_context(|| format!("creating the bucket {name}: {e}")),
    }
}

/// Every checkpoint the bucket `bucket_name(root)` keeps for `service`, oldest first (none when
/// the bucket does not exist). Entries that do not parse are reported as errors.
pub async fn checkpoints(client: &async_nats::Client, root: &str, service: &str) -> anyhow::Result<Vec<Checkpoint>> {
    let js = async_nats::jetstream::new(client.clone());
    let Ok(store) = js.get_key_value(bucket_name(root)).await else { return Ok(vec![]) };
    let mut history = store.history(service).await.context("reading the checkpoints")?;
    let mut out = Vec::new();
    while let Some(entry) = history.next().await {
        let entry = entry.context("reading the checkpoints")?;
        if entry.operation != kv::Operation::Put {
            continue;
        }
        let cp: Checkpoint = serde_json::from_slice(&entry.value)
            .with_context(|| format!("checkpoint revision {} of {service} is not a checkpoint", entry.revision))?;
        out.push(cp);
    }
    Ok(out)
}

/// Signs and stores a checkpoint of the chain's head if it moved since `last`; answers the
/// checkpoint now latest.
pub async fn checkpoint(
    db: &Db,
    store: &kv::Store,
    key: &AuditKey,
    clock: &Clock,
    last: Option<Checkpoint>,
) -> anyhow::Result<Option<Checkpoint>> {
    let head = audit::head::Entity::find_by_id(1).one(db).await?.context("the audit head is missing")?;
    if head.seq == 0 || last.as_ref().is_some_and(|l| l.seq == head.seq && l.mac == head.hash) {
        return Ok(last);
    }
    if let Some(l) = &last {
        let named = audit::Entity::find_by_id(l.seq).one(db).await?;
        if head.seq < l.seq || named.is_none_or(|m| m.hash != l.mac) {
            anyhow::bail!("the audit chain no longer extends its checkpoint of entry {} ({})", l.seq, l.at);
        }
    }
    let newest = audit::Entity::find_by_id(head.seq).one(db).await?;
    if newest.is_none_or(|m| m.hash != head.hash || chain::entry_mac(key, &m) != m.hash) {
        anyhow::bail!("the audit chain's head does not verify; nothing signed");
    }
    let cp = Checkpoint::sign(key, head.seq, &head.hash, clock.now());
    store.put(key.service(), serde_json::to_vec(&cp)?.into()).await.context("storing the checkpoint")?;
    Ok(Some(cp))
}

/// Installs the service's audit key on its database (see [`audit::install`]).
pub async fn install(db: &Db, key: &AuditKey, clock: &Clock) -> anyhow::Result<()> {
    audit::install(db, key, clock.now()).await.with_context(|| format!("installing the {} audit key", key.service()))
}

/// Seals the audit intake into the chain every [`audit::SEAL_EVERY`], and at shutdown.
pub fn spawn_sealer(db: Db, mut shutdown: Shutdown) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut stopping = false;
        loop {
            if let Err(e) = audit::seal_all(&db).await {
                tracing::warn!(error = %e, "sealing the audit intake failed; will retry");
            }
            if stopping {
                break;
            }
            tokio::select! {
                _ = tokio::time::sleep(audit::SEAL_EVERY) => {}
                _ = shutdown.wait() => stopping = true,
            }
        }
    })
}

/// Checkpoints the chain every `every` while it moves, and at shutdown.
pub fn spawn_checkpoints(
    db: Db,
    bus: Bus,
    key: AuditKey,
    clock: Clock,
    every: Duration,
    mut shutdown: Shutdown,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let service = key.service().to_owned();
        let mut store = None;
        let mut last: Option<Checkpoint> = None;
        let mut stopping = false;
        loop {
            if store.is_none() {
                match bucket(&bus).await {
                    Ok(s) => {
                        last = match s.get(&service).await {
                            Ok(Some(v)) => serde_json::from_slice(&v).ok(),
                            _ => None,
                        };
                        store = Some(s);
                    }
                    Err(e) => tracing::warn!(service, error = %e, "the checkpoint bucket is unavailable; will retry"),
                }
            }
            if let Err(e) = audit::seal_all(&db).await {
                tracing::warn!(service, error = %e, "sealing the audit intake failed; will retry");
            }
            if let Some(s) = &store {
                match checkpoint(&db, s, &key, &clock, last.clone()).await {
                    Ok(cp) => last = cp,
                    Err(e) => tracing::error!(service, error = format!("{e:#}"), "audit checkpoint refused"),
                }
            }
            if stopping {
                break;
            }
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = shutdown.wait() => stopping = true,
            }
        }
    })
}
