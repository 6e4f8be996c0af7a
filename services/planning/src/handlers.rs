//! The planning service's verb table: which function answers each of its NATS verbs.

use chain_api::verbs::planning::{
    PLAN_ACKNOWLEDGE, PLAN_APPROVE, PLAN_COVERAGE, PLAN_CREATE, PLAN_GET, PLAN_LIST, PLAN_REPORT_MILESTONE,
    PLAN_RETURN, PLAN_REVISE, PLAN_REVISION, PLAN_RULES, PLAN_SUBMIT, SERVICE,
};
use chain_bus::Endpoints;

use crate::{State, plan, queries};

/// The endpoints, by verb.
pub fn endpoints(state: State) -> Endpoints<State> {
    Endpoints::new(SERVICE, state)
        .handle(PLAN_CREATE, plan::create)
        .handle(PLAN_GET, plan::get)
        .handle(PLAN_LIST, queries::list)
        .handle(PLAN_COVERAGE, queries::coverage)
        .handle(PLAN_REVISION, plan::revision)
        .handle(PLAN_RULES, plan::rules)
        .handle(PLAN_ACKNOWLEDGE, plan::acknowledge)
        .handle(PLAN_REVISE, plan::revise)
        .handle(PLAN_SUBMIT, plan::submit)
        .handle(PLAN_APPROVE, plan::approve)
        .handle(PLAN_RETURN, plan::return_plan)
        .handle(PLAN_REPORT_MILESTONE, plan::report_milestone)
}
