//! What the planning service's handlers and reactions work with: the kit's core (database, bus,
//! outbox, engine) and nothing besides.

/// Shared state of the handlers.
pub type State = chain_kit::Core;
