//! What the exit service's handlers work with: the kit's core (database, bus, outbox, engine) and
//! the poverty lines exits are judged against.

use chain_domain::PovertyLines;

/// Shared state of the handlers.
pub type State = chain_kit::Core<Exit>;

/// What the exit service keeps besides the core.
#[derive(Debug)]
pub struct Exit {
    /// Poverty lines by year and province.
    pub lines: PovertyLines,
}
