//! The OpenAPI 3.1 document of the whole system.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes::{
    audit, boards, directives, divisions, exits, funding, health, households, imports, monitoring, notices, plans,
    queries, quotas, schedules, tasks,
};

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(title = "chain", description = "Workflow orchestration for the central → province → city → county → township → village responsibility chain of targeted poverty alleviation. Every error is an RFC 9457 problem; every POST accepts an Idempotency-Key; state changes are custom methods (`POST /v1/households/{id}:approve`) guarded by If-Match."),
    paths(
        households::register, households::get, households::appraise, households::match_data, households::verify,
        households::review, households::approve, households::reject, households::assign_helper,
        households::adjudicate, households::propose_removal, households::review_removal,
        households::approve_removal, households::withdraw_removal, households::add_member,
        queries::list, queries::counts, quotas::get, quotas::set, quotas::allot, boards::board,
        imports::upload, imports::get, imports::errors,
        plans::create, plans::get, plans::approve,
        funding::allocate, funding::disburse, funding::account, funding::check,
        exits::propose, exits::get, exits::acknowledge, exits::approve,
        monitoring::open, monitoring::list, monitoring::get, monitoring::visit, monitoring::consent,
        monitoring::match_data, monitoring::appraise, monitoring::post_notice, monitoring::review, monitoring::decide,
        monitoring::add_measure, monitoring::remove_risk, monitoring::reinstate,
        directives::issue,
        tasks::list, tasks::get_task, tasks::start, tasks::submit, tasks::sign_off, tasks::send_back, tasks::cancel,
        tasks::decompose, tasks::tree, tasks::events,
        tasks::open_notice, notices::get_notice, notices::lodge_objection, notices::resolve_objection,
        schedules::create_schedule, schedules::list_schedules,
        audit::list_audit, audit::list_accountability,
        divisions::provinces, divisions::get, divisions::children,
        health::healthz, health::readyz,
    ),
    components(schemas(
        chain_api::Problem, chain_api::FieldError, chain_api::Role,
        chain_api::tasks::Service, chain_api::tasks::Task, chain_api::tasks::TaskState, chain_api::tasks::DeadlineStage,
        chain_api::tasks::TargetLevel, chain_api::tasks::Targets, chain_api::tasks::Quota,
        chain_api::tasks::IssueDirective, chain_api::tasks::Decompose, chain_api::tasks::Issued,
        chain_api::tasks::LevelCount, chain_api::tasks::StepNote, chain_api::tasks::Rollup,
        chain_api::tasks::LevelRollup, chain_api::tasks::TreeNode, chain_api::tasks::TaskTree,
        chain_api::tasks::TaskEvent, chain_api::tasks::NoticeState, chain_api::tasks::ObjectionState,
        chain_api::tasks::Notice, chain_api::tasks::Objection, chain_api::tasks::OpenNotice,
        chain_api::tasks::LodgeObjection, chain_api::tasks::ResolveObjection, chain_api::tasks::Cadence,
        chain_api::tasks::NewSchedule, chain_api::tasks::Schedule, chain_api::tasks::AuditEntry,
        chain_api::tasks::AccountabilityRecord,
        chain_api::quotas::Quota, chain_api::quotas::VillageQuota, chain_api::quotas::SetCountyQuota,
        chain_api::quotas::SetVillageQuotas, chain_api::queries::HouseholdPage, chain_api::queries::HouseholdSummary,
        chain_api::queries::DivisionCounts, chain_api::queries::StatusCounts, chain_api::queries::GroupBy,
        chain_api::queries::BoardNotice, chain_api::queries::BoardHousehold, chain_api::queries::BoardState,
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "identification", description = "Registering poor households"),
        (name = "planning", description = "Household assistance plans"),
        (name = "funding", description = "Allocations, disbursements and the ledger"),
        (name = "exit", description = "Household exit"),
        (name = "monitoring", description = "Return-to-poverty monitoring (防返贫动态监测)"),
        (name = "tasks", description = "The responsibility chain: directives, tasks, sign-offs, deadlines and tracking"),
        (name = "notices", description = "Public-notice windows and objections"),
        (name = "schedules", description = "Recurring reports"),
        (name = "audit", description = "The audit trail and accountability records (auditors)"),
        (name = "divisions", description = "The national division tree"),
        (name = "operations", description = "Health"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT (EdDSA)").build(),
            ),
        );
    }
}

/// The document as served at `/openapi.json`.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The document as committed under `openapi/`: pretty JSON with a trailing newline.
pub fn document_json() -> String {
    let mut s = document().to_pretty_json().unwrap_or_default();
    s.push('\n');
    s
}
