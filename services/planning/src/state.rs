//! What the planning service's handlers and reactions work with: the kit's core (database, bus,
//! outbox, engine) and the policy tables plans are judged by.

use chain_domain::PovertyLines;

use crate::domain::rules::Rules;

/// Shared state of the handlers.
pub type State = chain_kit::Core<Planning>;

/// What the planning service keeps besides the core.
#[derive(Debug)]
pub struct Planning {
    /// Poverty lines by year and province: a plan's projected income is compared with them.
    pub lines: PovertyLines,
    /// Which measure kinds answer which cause, and the batches of the kinds.
    pub rules: &'static Rules,
}

impl Default for Planning {
    fn default() -> Self {
        Planning { lines: PovertyLines::default_table(), rules: Rules::embedded() }
    }
}
