//! The exit service's verb table: which function answers each of its NATS verbs.

use chain_api::verbs::exit::{CASE_ACKNOWLEDGE, CASE_APPROVE, CASE_GET, CASE_PROPOSE, SERVICE};
use chain_bus::Endpoints;

use crate::{State, case, procedure};

/// The endpoints, by verb.
pub fn endpoints(state: State) -> Endpoints<State> {
    Endpoints::new(SERVICE, state)
        .handle(CASE_PROPOSE, procedure::propose)
        .handle(CASE_GET, case::get)
        .handle(CASE_ACKNOWLEDGE, procedure::acknowledge)
        .handle(CASE_APPROVE, procedure::approve)
}
