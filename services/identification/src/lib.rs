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
pub mod state;
pub mod store;

use chain_api::events;
use chain_bus::{Bus, Shutdown};
use chain_kit::Kit;
use std::sync::Arc;

pub use pii::PiiKey;

pub use state::State;

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

/// Connects, migrates, and starts the relay, consumers, timers and endpoints. Returns once the
/// service answers requests; the returned handles run until `shutdown` fires.
pub async fn start(config: Config, bus: Bus, shutdown: Shutdown) -> anyhow::Result<Vec<tokio::task::JoinHandle<()>>> {
    let policies = domain::Policies::embedded();
    let kit = Kit::connect::<migrations::Migrator>(SERVICE, &config.database_url, config.workflow, bus, shutdown)
        .await?
        .hook(Arc::new(procedure::NoticesOfTheProcedure { policies }));
    let state = kit.core_with(state::Identification { pii: config.pii_key, policies });
    let watch = imports::spawn_watch(state.clone(), kit.sweep_every(), kit.shutdown());
    kit.consume("identification-on-household-exited", events::HOUSEHOLD_EXITED, reactions::OnHouseholdExited)
        .await?
        .spawn(watch)
        .serve(handlers::endpoints(state))
        .await
}
