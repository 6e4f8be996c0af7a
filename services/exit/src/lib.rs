//! The exit service: a county official proposes that an identified household exits poverty, the
//! proposal is checked against the exit criteria (income strictly above the poverty line, "two
//! no-worries, three guarantees" plus safe drinking water), the household acknowledges the result,
//! and the county approves it — announcing that the household has exited. Each case shows the
//! household's plan that planning announced completed, the evidence that it was assisted.

pub mod case;
pub mod domain;
pub mod error;
pub mod handlers;
pub mod migrations;
pub mod procedure;
pub mod reactions;
pub mod state;
pub mod store;

use std::sync::Arc;

use chain_api::events;
use chain_bus::{Bus, Shutdown};
use chain_domain::PovertyLines;
use chain_kit::Kit;

pub use state::State;

/// The service's name on the bus.
pub const SERVICE: &str = chain_api::verbs::exit::SERVICE;

/// Configuration of the service.
pub use chain_kit::Config;

/// Connects, migrates, and starts the relay, consumers, timers and endpoints. Returns once the
/// service answers requests; the returned handles run until `shutdown` fires.
pub async fn start(config: Config, bus: Bus, shutdown: Shutdown) -> anyhow::Result<Vec<tokio::task::JoinHandle<()>>> {
    let kit = Kit::connect::<migrations::Migrator>(SERVICE, &config.database_url, config.workflow, bus, shutdown)
        .await?
        .hook(Arc::new(procedure::NoticeOfTheExit));
    let state = kit.core_with(state::Exit { lines: PovertyLines::default_table() });
    kit.consume("exit-on-household-identified", events::HOUSEHOLD_IDENTIFIED, reactions::OnHouseholdIdentified)
        .await?
        .consume("exit-on-household-removed", events::HOUSEHOLD_REMOVED, reactions::OnHouseholdRemoved)
        .await?
        .consume("exit-on-plan-completed", events::PLAN_COMPLETED, reactions::OnPlanCompleted)
        .await?
        .serve(handlers::endpoints(state))
        .await
}
