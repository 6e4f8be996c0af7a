//! The funding service: fund channels (data), money allocated down the chain (centre → province
//! → city/county) by hand or by factor-based allocation plans approved by a second official,
//! the county project library and its payments, county disbursements to approved household
//! plans (at once or in two phases), and the double-entry ledger (integer fen, accounts per
//! division × fund × year, one movement per transfer id, spent first in first out by lots) that
//! proves every yuan is accounted for and traces it back to its source. Allocations run on the
//! responsibility-chain engine: onward-allocation deadlines and public disclosures are tasks.

pub mod account;
pub mod allocation;
pub mod disbursement;
pub mod domain;
pub mod error;
pub mod handlers;
pub mod ledger;
pub mod migrations;
pub mod movement;
pub mod plans;
pub mod projects;
pub mod queries;
pub mod reactions;
pub mod state;
pub mod store;
pub mod tasks;
pub mod transfers;

use chain_api::events;
use chain_bus::{Bus, Shutdown};
use chain_kit::Kit;

pub use state::State;

/// The service's name on the bus.
pub const SERVICE: &str = chain_api::verbs::funding::SERVICE;

/// Configuration of the service.
pub use chain_kit::Config;

/// Connects, migrates, and starts the relay, consumers, timers and endpoints. Returns once the
/// service answers requests; the returned handles run until `shutdown` fires.
pub async fn start(config: Config, bus: Bus, shutdown: Shutdown) -> anyhow::Result<Vec<tokio::task::JoinHandle<()>>> {
    let kit = Kit::connect::<migrations::Migrator>(SERVICE, &config.database_url, config.workflow, bus, shutdown)
        .await?
        .hook(std::sync::Arc::new(projects::notice::NoticeOfTheProject));
    let state = kit.core();
    kit.consume("funding-on-plan-approved", events::PLAN_APPROVED, reactions::OnPlanApproved)
        .await?
        .serve(handlers::endpoints(state))
        .await
}
