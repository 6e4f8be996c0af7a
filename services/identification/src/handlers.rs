//! The identification service's verb table: each verb and the function that answers it.

use chain_api::verbs::identification::*;
use chain_bus::Endpoints;

use crate::monitoring::{signal, steps};
use crate::{State, adjustment, card, duplicates, identification, imports, members, queries, quotas, registration};

/// The endpoints, by verb.
pub fn endpoints(state: State) -> Endpoints<State> {
    Endpoints::new(SERVICE, state)
        .handle(HOUSEHOLD_REGISTER, registration::register)
        .handle(HOUSEHOLD_GET, queries::get)
        .handle(HOUSEHOLD_APPRAISE, identification::appraise)
        .handle(HOUSEHOLD_MATCH, identification::match_data)
        .handle(HOUSEHOLD_VERIFY, identification::verify)
        .handle(HOUSEHOLD_REVIEW, identification::review)
        .handle(HOUSEHOLD_APPROVE, identification::approve)
        .handle(HOUSEHOLD_REJECT, identification::reject)
        .handle(HOUSEHOLD_ASSIGN_HELPER, card::assign_helper)
        .handle(HOUSEHOLD_ADJUDICATE, duplicates::adjudicate)
        .handle(HOUSEHOLD_ADD_MEMBER, members::add_member)
        .handle(HOUSEHOLD_PROPOSE_REMOVAL, adjustment::propose_removal)
        .handle(HOUSEHOLD_REVIEW_REMOVAL, adjustment::review_removal)
        .handle(HOUSEHOLD_APPROVE_REMOVAL, adjustment::approve_removal)
        .handle(HOUSEHOLD_WITHDRAW_REMOVAL, adjustment::withdraw_removal)
        .handle(HOUSEHOLD_LIST, queries::list)
        .handle(HOUSEHOLD_COUNTS, queries::counts)
        .handle(BOARD_LIST, queries::board)
        .handle(QUOTA_GET, quotas::get)
        .handle(QUOTA_SET, quotas::set)
        .handle(QUOTA_ALLOT, quotas::allot)
        .handle(HOUSEHOLD_IMPORT_BATCH, imports::batch::batch)
        .handle(IMPORT_START, imports::upload::start)
        .handle(IMPORT_FINISH, imports::upload::finish)
        .handle(IMPORT_GET, imports::upload::get)
        .handle(IMPORT_ERRORS, imports::upload::errors)
        .handle(MONITORING_OPEN, signal::open)
        .handle(MONITORING_GET, signal::get)
        .handle(MONITORING_LIST, signal::list)
        .handle(MONITORING_VISIT, steps::visit)
        .handle(MONITORING_CONSENT, steps::consent)
        .handle(MONITORING_MATCH, steps::match_data)
        .handle(MONITORING_APPRAISE, steps::appraise)
        .handle(MONITORING_POST_NOTICE, steps::post_notice)
        .handle(MONITORING_REVIEW, steps::review)
        .handle(MONITORING_DECIDE, steps::decide)
        .handle(MONITORING_ADD_MEASURE, steps::add_measure)
        .handle(MONITORING_REMOVE_RISK, steps::remove_risk)
        .handle(MONITORING_REINSTATE, steps::reinstate)
}
