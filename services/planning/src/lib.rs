//! The planning service: keeps a projection of identified households, gives each household's
//! township the task of planning its assistance, takes plans (the household's wishes, measures
//! answering every recorded cause under the cause → measure rules, milestones, a helper) through
//! the household's acknowledgement, the township's submission and the county's approval, follows
//! their milestones to completion, and announces every change of status; keeps every poor village's work team and first
//! secretary, and their presence (`team`).

pub mod domain;
pub mod error;
pub mod handlers;
pub mod migrations;
pub mod plan;
pub mod queries;
pub mod reactions;
pub mod state;
pub mod store;
pub mod team;

use chain_api::events;
use chain_bus::{Bus, Shutdown};
use chain_kit::Kit;

pub use state::State;

/// The service's name on the bus.
pub const SERVICE: &str = chain_api::verbs::planning::SERVICE;

/// Configuration of the service.
#[derive(Debug, Clone)]
pub struct Config {
    /// Database URL (SQLite or PostgreSQL).
    pub database_url: String,
    /// The key protecting personal data (work-team members' phones); planning's own.
    pub pii_key: chain_store::pii::PiiKey,
    /// The workflow engine's clock and timer sweep.
    pub workflow: chain_workflow::Settings,
}

/// Connects, migrates, and starts the relay, consumers, timers and endpoints. Returns once the
/// service answers requests; the returned handles run until `shutdown` fires.
pub async fn start(config: Config, bus: Bus, shutdown: Shutdown) -> anyhow::Result<Vec<tokio::task::JoinHandle<()>>> {
    let kit =
        Kit::connect::<migrations::Migrator>(SERVICE, &config.database_url, config.workflow, bus, shutdown).await?;
    let state = kit.core_with(state::Planning::new(config.pii_key));
    team::members::seal_phones(&state).await?;
    let engine = state.engine.clone();
    let teams = team::sweep::spawn(state.clone(), kit.sweep_every(), kit.shutdown());
    kit.consume(
        "planning-on-household-identified",
        events::HOUSEHOLD_IDENTIFIED,
        reactions::OnHouseholdIdentified { engine: engine.clone() },
    )
    .await?
    .consume("planning-on-household-removed", events::HOUSEHOLD_REMOVED, reactions::OnHouseholdRemoved { engine })
    .await?
    .consume("planning-on-helper-changed", events::HELPER_CHANGED, reactions::OnHelperChanged)
    .await?
    .spawn(teams)
    .serve(handlers::endpoints(state))
    .await
}
