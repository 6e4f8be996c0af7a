//! The planning service: keeps a projection of identified households, gives each household's
//! county the task of planning its assistance, takes plans (measures answering the recorded
//! poverty causes, a responsible helper) through county approval, and announces approved plans.

pub mod domain;
pub mod handlers;
pub mod migrations;
pub mod reactions;
pub mod store;

use std::sync::Arc;

use anyhow::Context;
use chain_bus::{Bus, OutboxSignal, Shutdown};
use chain_store::Db;
use sea_orm_migration::MigratorTrait;

/// The service's name on the bus.
pub const SERVICE: &str = "planning";

/// Configuration of the planning service.
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
}

/// Connects, migrates, and starts the relay, consumers and endpoints. Returns once the service
/// answers requests; the returned handles run until `shutdown` fires.
pub async fn start(config: Config, bus: Bus, shutdown: Shutdown) -> anyhow::Result<Vec<tokio::task::JoinHandle<()>>> {
    let db = chain_store::connect(&config.database_url).await?;
    migrations::Migrator::up(&db, None).await.context("migrating the planning database")?;
    let outbox = OutboxSignal::new();
    let engine = chain_workflow::Engine::new(db.clone(), SERVICE, config.workflow.clock.clone(), bus.root());
    let wake = outbox.clone();
    let state = State { db: db.clone(), bus: bus.clone(), outbox: outbox.clone(), engine: engine.clone() };
    let mut tasks = vec![chain_bus::spawn_relay(db.clone(), bus.clone(), outbox.clone(), shutdown.clone())];
    tasks.push(
        chain_bus::spawn_consumer(
            bus.clone(),
            db.clone(),
            "planning-on-household-identified",
            "identification.household-identified.>",
            Arc::new(reactions::OnHouseholdIdentified { engine: engine.clone() }),
            outbox.clone(),
            shutdown.clone(),
        )
        .await?,
    );
    tasks.push(
        chain_bus::spawn_consumer(
            bus.clone(),
            db.clone(),
            "planning-on-household-removed",
            "identification.household-removed.>",
            Arc::new(reactions::OnHouseholdRemoved { engine: engine.clone() }),
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
