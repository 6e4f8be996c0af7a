//! The planning service's verb table: which function answers each of its NATS verbs.

use chain_api::verbs::planning::{
    PLAN_ACKNOWLEDGE, PLAN_APPROVE, PLAN_COVERAGE, PLAN_CREATE, PLAN_GET, PLAN_LIST, PLAN_REPORT_MILESTONE,
    PLAN_RETURN, PLAN_REVISE, PLAN_REVISION, PLAN_RULES, PLAN_SUBMIT, SERVICE, TEAM_ASSIGN_MEMBER, TEAM_CREATE,
    TEAM_END_MEMBER, TEAM_FLAGS, TEAM_GET, TEAM_PRESENCE, TEAM_RECORD_PRESENCE, TEAM_UNCOVERED,
};
use chain_bus::Endpoints;

use crate::team::{coverage, members, presence};
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
        .handle(TEAM_CREATE, members::create)
        .handle(TEAM_GET, members::get)
        .handle(TEAM_ASSIGN_MEMBER, members::assign)
        .handle(TEAM_END_MEMBER, members::end)
        .handle(TEAM_RECORD_PRESENCE, presence::record)
        .handle(TEAM_PRESENCE, presence::read)
        .handle(TEAM_UNCOVERED, coverage::uncovered)
        .handle(TEAM_FLAGS, presence::flags)
}
