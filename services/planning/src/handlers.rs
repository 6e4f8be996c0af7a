//! The planning service's verb table: which function answers each of its NATS verbs.

use chain_api::verbs::planning::{PLAN_APPROVE, PLAN_CREATE, PLAN_GET, SERVICE};
use chain_api::verbs::planning::{
    TEAM_ASSIGN_MEMBER, TEAM_CREATE, TEAM_END_MEMBER, TEAM_FLAGS, TEAM_GET, TEAM_PRESENCE, TEAM_RECORD_PRESENCE,
    TEAM_UNCOVERED,
};
use chain_bus::Endpoints;

use crate::team::{coverage, members, presence};
use crate::{State, plan};

/// The endpoints, by verb.
pub fn endpoints(state: State) -> Endpoints<State> {
    Endpoints::new(SERVICE, state)
        .handle(PLAN_CREATE, plan::create)
        .handle(PLAN_GET, plan::get)
        .handle(PLAN_APPROVE, plan::approve)
        .handle(TEAM_CREATE, members::create)
        .handle(TEAM_GET, members::get)
        .handle(TEAM_ASSIGN_MEMBER, members::assign)
        .handle(TEAM_END_MEMBER, members::end)
        .handle(TEAM_RECORD_PRESENCE, presence::record)
        .handle(TEAM_PRESENCE, presence::read)
        .handle(TEAM_UNCOVERED, coverage::uncovered)
        .handle(TEAM_FLAGS, presence::flags)
}
