//! The funding service's verb table: which function answers each of its NATS verbs.

use chain_api::verbs::funding::*;
use chain_bus::Endpoints;

use crate::projects::{self, payments, steps};
use crate::{State, account, allocation, disbursement, plans, queries, transfers};

/// The endpoints, by verb.
pub fn endpoints(state: State) -> Endpoints<State> {
    Endpoints::new(SERVICE, state)
        .handle(ALLOCATION_CREATE, allocation::create)
        .handle(ALLOCATION_LIST, queries::allocations)
        .handle(ALLOCATION_PLAN_CREATE, plans::create)
        .handle(ALLOCATION_PLAN_GET, plans::get)
        .handle(ALLOCATION_PLAN_APPROVE, plans::approve)
        .handle(ALLOCATION_PLAN_LIST, queries::plans)
        .handle(DISBURSEMENT_CREATE, disbursement::create)
        .handle(DISBURSEMENT_GET, disbursement::get)
        .handle(DISBURSEMENT_LIST, queries::disbursements)
        .handle(TRANSFER_GET, transfers::get)
        .handle(TRANSFER_LIST, queries::transfers)
        .handle(TRANSFER_POST, transfers::post)
        .handle(TRANSFER_VOID, transfers::void)
        .handle(TRANSFER_TRACE, transfers::trace)
        .handle(PROJECT_PROPOSE, projects::propose)
        .handle(PROJECT_GET, projects::get)
        .handle(PROJECT_LIST, projects::list)
        .handle(PROJECT_ADMIT, steps::admit)
        .handle(PROJECT_REJECT, steps::reject)
        .handle(PROJECT_DISCLOSE, steps::disclose)
        .handle(PROJECT_APPROVE, steps::approve)
        .handle(PROJECT_START, steps::start)
        .handle(PROJECT_ACCEPT, steps::accept)
        .handle(PROJECT_CLOSE, steps::close)
        .handle(PROJECT_PAY, payments::pay)
        .handle(ACCOUNT_GET, account::get)
        .handle(LEDGER_CHECK, account::check_ledger)
        .handle(LEDGER_ENTRIES, queries::entries)
}
