//! What the identification service's handlers and reactions work with: the kit's core (database,
//! bus, outbox, engine), the key protecting personal data and the procedure's policies.

use crate::domain::procedure::Policies;
use chain_store::pii::PiiKey;

/// Shared state of the handlers.
pub type State = chain_kit::Core<Identification>;

/// What the identification service keeps besides the core.
pub struct Identification {
    /// Protects resident ID numbers and bank accounts at rest.
    pub pii: PiiKey,
    /// The procedure's per-province parameters.
    pub policies: &'static Policies,
    /// Helpers' parameters by year and province.
    pub helpers: &'static crate::domain::helper::Policies,
}
