//! The planning service's verb table: which function answers each of its NATS verbs.

use chain_api::verbs::planning::{PLAN_APPROVE, PLAN_CREATE, PLAN_GET, SERVICE};
use chain_bus::Endpoints;

use crate::{State, plan};

/// The endpoints, by verb.
pub fn endpoints(state: State) -> Endpoints<State> {
    Endpoints::new(SERVICE, state)
        .handle(PLAN_CREATE, plan::create)
        .handle(PLAN_GET, plan::get)
        .handle(PLAN_APPROVE, plan::approve)
}
