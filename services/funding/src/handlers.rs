//! The funding service's verb table: which function answers each of its NATS verbs.

use chain_api::verbs::funding::{ACCOUNT_GET, ALLOCATION_CREATE, DISBURSEMENT_CREATE, LEDGER_CHECK, SERVICE};
use chain_bus::Endpoints;

use crate::{State, account, allocation, disbursement};

/// The endpoints, by verb.
pub fn endpoints(state: State) -> Endpoints<State> {
    Endpoints::new(SERVICE, state)
        .handle(ALLOCATION_CREATE, allocation::create)
        .handle(DISBURSEMENT_CREATE, disbursement::create)
        .handle(ACCOUNT_GET, account::get)
        .handle(LEDGER_CHECK, account::check_ledger)
}
