//! The identification service: registers poor households (file cards with members and causes),
//! takes them through township review and county approval, and announces them as identified.
//! Resident ID numbers are stored encrypted, with a keyed blind index that enforces "one ID, one
//! active household" nationwide.
//!
//! `handlers` is the verb table. The verbs' functions live with their concept: `identification`
//! (the procedure's steps), `registration`, `duplicates`, `members`, `card`, `adjustment`,
//! `queries`, `personal`, `monitoring/`, `imports/` and `quotas`, all built on the household's kit
//! (`household`, with `active_ids` for the nationwide ID claim and `tasks` for the procedures'
//! tasks). `domain/` holds the pure rules, `store/` the tables, `migrations/` their schema,
//! `error` the boundary's conversions, `procedure` the notice hook and `reactions` the consumers.

mod active_ids;
mod adjustment;
mod card;
mod domain;
mod duplicates;
mod error;
mod handlers;
mod household;
mod identification;
mod imports;
mod members;
mod migrations;
mod monitoring;
mod personal;
mod procedure;
mod queries;
mod quotas;
mod reactions;
mod registration;
mod state;
mod store;
mod tasks;

use chain_api::events;
use chain_bus::{Bus, Shutdown};
use chain_kit::Kit;
use std::sync::Arc;

pub use chain_store::pii::PiiKey;

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
    let policies = domain::procedure::Policies::embedded();
    let kit = Kit::connect::<migrations::Migrator>(SERVICE, &config.database_url, config.workflow, bus, shutdown)
        .await?
        .hook(Arc::new(procedure::NoticesOfTheProcedure { policies }));
    let state = kit.core_with(state::Identification {
        pii: config.pii_key,
        policies,
        helpers: domain::helper::Policies::embedded(),
    });
    let watch = imports::watch::spawn_watch(state.clone(), kit.sweep_every(), kit.shutdown());
    kit.consume("identification-on-household-exited", events::HOUSEHOLD_EXITED, reactions::OnHouseholdExited)
        .await?
        .spawn(watch)
        .serve(handlers::endpoints(state))
        .await
}
