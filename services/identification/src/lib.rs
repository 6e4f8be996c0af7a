//! The identification service: registers poor households (file cards with members and causes),
//! takes them through township review and county approval, and announces them as identified.
//! Resident ID numbers are stored encrypted, with a keyed blind index that enforces "one ID, one
//! active household" nationwide.

pub mod adjustment;
pub mod card;
pub mod domain;
pub mod duplicates;
pub mod handlers;
pub mod import_store;
pub mod imports;
pub mod members;
pub mod migrations;
pub mod monitoring;
pub mod monitoring_domain;
pub mod monitoring_flow;
pub mod monitoring_store;
pub mod personal;
pub mod pii;
pub mod procedure;
pub mod queries;
pub mod quotas;
pub mod reactions;
pub mod registration;
pub mod store;

use std::sync::Arc;

use anyhow::Context;
use chain_bus::{Bus, OutboxSignal, Shutdown};
use chain_store::Db;
use sea_orm_migration::MigratorTrait;

pub use pii::PiiKey;

/// The service's name on the bus.
pub const SERVICE: &str = "identification";

/// Configuration of the identification service.
#[derive(Debug, Clone)]
pub struct Config {
    /// Database URL (SQLite or PostgreSQL).
    pub database_url: String,
    /// The workflow engine's clock and timer sweep.
    pub workflow: chain_workflow::Settings,
    /// Key protecting resident ID numbers at rest.
    pub pii_key: PiiKey,
}

/// Shared state of the handlers.
#[derive(Clone)]
pub struct State {
    /// The service database.
    pub db: Db,
    /// The bus (for the subject root of events).
    pub bus: Bus,
    /// Wakes the outbox relay.
    pub outbox: OutboxSignal,
    /// The responsibility-chain engine over this service's tasks.
    pub engine: chain_workflow::Engine,
    /// PII protection.
    pub pii: Arc<PiiKey>,
    /// The procedure's per-province parameters.
    pub policies: &'static domain::Policies,
}

/// Connects, migrates, and starts the relay, consumers and endpoints. Returns once the service
/// answers requests; the returned handles run until `shutdown` fires.
pub async fn start(config: Config, bus: Bus, shutdown: Shutdown) -> anyhow::Result<Vec<tokio::task::JoinHandle<()>>> {
    let db = chain_store::connect(&config.database_url).await?;
    migrations::Migrator::up(&db, None).await.context("migrating the identification database")?;
    let outbox = OutboxSignal::new();
    let policies = domain::Policies::embedded();
    let engine = chain_workflow::Engine::new(db.clone(), SERVICE, config.workflow.clock.clone(), bus.root())
        .with_hook(Arc::new(procedure::NoticesOfTheProcedure { policies }));
    let wake = outbox.clone();
    let state = State {
        db: db.clone(),
        bus: bus.clone(),
        outbox: outbox.clone(),
        engine: engine.clone(),
        pii: Arc::new(config.pii_key),
        policies,
    };
    let mut tasks = vec![chain_bus::spawn_relay(db.clone(), bus.clone(), outbox.clone(), shutdown.clone())];
    tasks.push(
        chain_bus::spawn_consumer(
            bus.clone(),
            db.clone(),
            "identification-on-household-exited",
            "exit.household-exited.>",
            Arc::new(reactions::OnHouseholdExited),
            outbox,
            shutdown.clone(),
        )
        .await?,
    );
    tasks.push(chain_workflow::spawn_timers(
        engine.clone(),
        config.workflow.sweep_every,
        move || wake.wake(),
        shutdown.clone(),
    ));
    tasks.push(imports::spawn_watch(state.clone(), config.workflow.sweep_every, shutdown.clone()));
    tasks.push(chain_workflow::serve::register(handlers::endpoints(state), &engine).start(bus, shutdown).await?);
    Ok(tasks)
}

/// Runs the service until shutdown.
pub async fn run(config: Config, bus: Bus, shutdown: Shutdown) -> anyhow::Result<()> {
    for t in start(config, bus, shutdown).await? {
        let _ = t.await;
    }
    Ok(())
}
