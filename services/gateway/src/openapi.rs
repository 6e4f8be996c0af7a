//! The OpenAPI 3.1 document of the whole system: its info, tags, security and components here; its
//! paths from [`crate::routes::api`], where every operation is mounted.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The document without its paths.
#[derive(OpenApi)]
#[openapi(
    info(title = "chain", contact(name = "The chain project"), description = "Workflow orchestration for the central → province → city → county → township → village responsibility chain of targeted poverty alleviation. Every error is an RFC 9457 problem; every POST accepts an Idempotency-Key; state changes are custom methods (`POST /v1/households/{id}:approve`) guarded by If-Match."),
    components(schemas(
        chain_api::Problem, chain_api::FieldError, chain_api::Role,
        chain_api::workflow::Service, chain_api::workflow::Task, chain_api::workflow::TaskState, chain_api::workflow::DeadlineStage,
        chain_api::workflow::TargetLevel, chain_api::workflow::Targets,
        chain_api::workflow::IssueDirective, chain_api::workflow::Decompose, chain_api::workflow::Issued,
        chain_api::workflow::LevelCount, chain_api::workflow::StepNote, chain_api::workflow::Rollup,
        chain_api::workflow::LevelRollup, chain_api::workflow::TreeNode, chain_api::workflow::TaskTree,
        chain_api::workflow::TaskEvent, chain_api::workflow::NoticeState, chain_api::workflow::ObjectionState,
        chain_api::workflow::Notice, chain_api::workflow::Objection, chain_api::workflow::OpenNotice,
        chain_api::workflow::LodgeObjection, chain_api::workflow::ResolveObjection, chain_api::workflow::Cadence,
        chain_api::workflow::NewSchedule, chain_api::workflow::Schedule, chain_api::workflow::AuditEntry,
        chain_api::workflow::AccountabilityRecord,
        chain_api::quotas::VillageQuota, chain_api::quotas::SetCountyQuota,
        chain_api::quotas::SetVillageQuotas, chain_api::queries::HouseholdPage, chain_api::queries::HouseholdSummary,
        chain_api::queries::DivisionCounts, chain_api::queries::StatusCounts, chain_api::queries::GroupBy,
        chain_api::queries::BoardNotice, chain_api::queries::BoardHousehold, chain_api::queries::BoardState,
    )),
    servers((url = "http://127.0.0.1:8080", description = "`chain up` on its default address")),
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

/// The document with the given paths and the schemas they use.
pub fn with_paths(paths: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(paths);
    doc
}

/// The document as served at `/openapi.json`.
pub fn document() -> utoipa::openapi::OpenApi {
    with_paths(crate::routes::api().1)
}

/// The document as committed under `openapi/`: pretty JSON with a trailing newline.
pub fn document_json() -> String {
    let mut s = document().to_pretty_json().unwrap_or_default();
    s.push('\n');
    s
}
