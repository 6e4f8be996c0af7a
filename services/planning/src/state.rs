//! What the planning service's handlers and reactions work with: the kit's core (database, bus,
//! outbox, engine), the policy tables plans are judged by, and the key protecting personal data.

use chain_domain::PovertyLines;
use chain_store::pii::PiiKey;

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
    /// Protects work-team members' phones at rest.
    pub pii: PiiKey,
}

impl Planning {
    /// The state with the shipped policy tables and the service's key.
    pub fn new(pii: PiiKey) -> Self {
        Planning { lines: PovertyLines::default_table(), rules: Rules::embedded(), pii }
    }
}
