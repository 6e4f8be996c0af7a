//! The exit service: a county official proposes that an identified household exits poverty, the
//! proposal is checked against the exit criteria (income strictly above the poverty line, "two
//! no-worries, three guarantees" plus safe drinking water), the household acknowledges the result,
//! and the county approves it — announcing that the household has exited.

pub mod domain;
pub mod handlers;
pub mod migrations;
pub mod procedure;
pub mod reactions;
pub mod store;

use std::sync::Arc;

use anyhow::Context;
use chain_bus::{Bus, OutboxSignal, Shutdown};
use chain_domain::PovertyLines;
use chain_store::Db;
use sea_orm_migration::MigratorTrait;

/// The service's name on the bus.
pub const SERVICE: &str = "exit";

/// Configuration of the exit service.
#[derive(Debug, Clone)]
pub struct Config {
    /// Database URL (SQLite or PostgreSQL).
    pub database_url: String,
    /// The workflow engine's clock and timer sweep.
    pub workflow: chain_workflow::Settings,
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
    /// Poverty lines by year and province.
    pub lines: Arc<PovertyLines>,
}

/// Connects, migrates, and starts the relay, consumers and endpoints. Returns once the service
/// answers requests; the returned handles run until `shutdown` fires.
pub async fn start(config: Config, bus: Bus, shutdown: Shutdown) -> anyhow::Result<Vec<tokio::task::JoinHandle<()>>> {
    let db = chain_store::connect(&config.database_url).await?;
    migrations::Migrator::up(&db, None).await.context("migrating the exit database")?;
    let outbox = OutboxSignal::new();
    let engine = chain_workflow::Engine::new(db.clone(), SERVICE, config.workflow.clock.clone(), bus.root())
        .with_hook(std::sync::Arc::new(procedure::NoticeOfTheExit));
    let wake = outbox.clone();
    let state = State {
        engine: engine.clone(),
        db: db.clone(),
        bus: bus.clone(),
        outbox: outbox.clone(),
        lines: Arc::new(PovertyLines::default_table()),
    };
    let mut tasks = vec![chain_bus::spawn_relay(db.clone(), bus.clone(), outbox.clone(), shutdown.clone())];
    tasks.push(
        chain_bus::spawn_consumer(
            bus.clone(),
            db.clone(),
            "exit-on-household-identified",
            "identification.household-identified.>",
            Arc::new(reactions::OnHouseholdIdentified),
            outbox.clone(),
            shutdown.clone(),
        )
        .await?,
    );
    tasks.push(
        chain_bus::spawn_consumer(
            bus.clone(),
            db.clone(),
            "exit-on-household-removed",
            "identification.household-removed.>",
            Arc::new(reactions::OnHouseholdRemoved),
            outbox.clone(),
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
