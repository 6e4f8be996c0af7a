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
        chain_api::workflow::TaskEvent, chain_api::workflow::TaskChange, chain_api::workflow::NoticeState, chain_api::workflow::ObjectionState,
        chain_api::workflow::Notice, chain_api::workflow::Objection, chain_api::workflow::OpenNotice,
        chain_api::workflow::LodgeObjection, chain_api::workflow::ResolveObjection, chain_api::workflow::Cadence,
        chain_api::workflow::NewSchedule, chain_api::workflow::Schedule, chain_api::workflow::AuditEntry,
        chain_api::workflow::AccountabilityRecord,
        chain_api::quotas::VillageQuota, chain_api::quotas::SetCountyQuota,
        chain_api::quotas::SetVillageQuotas, chain_api::queries::HouseholdPage, chain_api::queries::HouseholdSummary,
        chain_api::queries::DivisionCounts, chain_api::queries::StatusCounts, chain_api::queries::GroupBy,
        chain_api::queries::BoardNotice, chain_api::queries::BoardHousehold, chain_api::queries::BoardState,
        chain_api::schema::ProvinceCode,
    )),
    servers((url = "http://127.0.0.1:8080", description = "`chain up` on its default address")),
    modifiers(&BearerAuth),
    tags(
        (name = "identification", description = "Registering poor households"),
        (name = "planning", description = "Household assistance plans"),
        (name = "teams", description = "Village work teams (驻村工作队), first secretaries (第一书记) and their presence"),
        (name = "funding", description = "Fund channels, allocations by hand or by factor-based plans, disbursements, two-phase transfers, their trace and the ledger"),
        (name = "projects", description = "The county project library (项目库): proposal, review, disclosure, approval, implementation, acceptance, evaluation and payments"),
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

/// The document with the given paths, the schemas they use and the server's limits on them
/// ([`crate::limits`]).
pub fn with_paths(paths: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(paths);
    describe(&mut doc);
    mark_replays(&mut doc);
    rate_limited(&mut doc);
    let unbound = crate::limits::apply(&mut doc);
    if !unbound.is_empty() {
        tracing::error!(?unbound, "limits name schemas or parameters the document does not have");
    }
    doc
}

/// Gives every operation its handler's (or custom method's) documentation as the description and
/// the first clause of it as the summary.
fn describe(doc: &mut utoipa::openapi::OpenApi) {
    for item in doc.paths.paths.values_mut() {
        for op in
            [&mut item.get, &mut item.post, &mut item.put, &mut item.patch, &mut item.delete].into_iter().flatten()
        {
            if op.description.as_deref().is_none_or(str::is_empty)
                && let Some(doc) = op.summary.take()
            {
                op.summary = Some(headline(&doc));
                op.description = Some(doc);
            }
        }
    }
}

/// Documents `Idempotent-Replayed` on the success answers of every operation taking an
/// `Idempotency-Key` ([`crate::idempotency`] sets it on a replayed answer), and the `Retry-After`
/// of its 409 `idempotency-in-flight`.
fn mark_replays(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::header::HeaderBuilder;
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    use utoipa::openapi::{RefOr, path::Parameter};

    let keyed = |params: &Option<Vec<RefOr<Parameter>>>| {
        params.iter().flatten().any(|p| matches!(p, RefOr::T(p) if p.name == "Idempotency-Key"))
    };
    for item in doc.paths.paths.values_mut() {
        for op in [&mut item.post, &mut item.put, &mut item.patch].into_iter().flatten() {
            if !keyed(&op.parameters) {
                continue;
            }
            for (status, response) in op.responses.responses.iter_mut() {
                if let (true, RefOr::T(response)) = (status.starts_with('2'), response) {
                    let header = HeaderBuilder::new()
                        .schema(Some(ObjectBuilder::new().schema_type(Type::String).enum_values(Some(["true"]))))
                        .description(Some("`true` on the stored answer to an earlier request with the same key"))
                        .build();
                    response.headers.insert("Idempotent-Replayed".to_owned(), RefOr::T(header));
                }
            }
            if let Some(RefOr::T(conflict)) = op.responses.responses.get_mut("409") {
                let header = HeaderBuilder::new()
                    .schema(Some(ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1))))
                    .description(Some(
                        "On `idempotency-in-flight`: seconds until a retry with the same key may take over the first \
                         request's claim",
                    ))
                    .build();
                conflict.headers.insert("Retry-After".to_owned(), RefOr::T(header));
            }
        }
    }
}

/// Documents the 429 answer of the rate limits ([`crate::throttle`]), with its `Retry-After`, on
/// every operation (any request may meet one, whatever its route), as one shared response.
fn rate_limited(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::header::HeaderBuilder;
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};

    let kind = chain_api::ProblemKind::RateLimited;
    let retry_after = HeaderBuilder::new()
        .schema(Some(ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1))))
        .description(Some("Seconds to wait before the next request is served"))
        .build();
    let response = ResponseBuilder::new()
        .description(format!(
            "Problem (RFC 9457) of type `{}{}`: a rate limit is spent",
            chain_api::problem::TYPE_PREFIX,
            kind.slug()
        ))
        .header("Retry-After", retry_after)
        .content(
            "application/problem+json",
            ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build(),
        )
        .build();
    doc.components.get_or_insert_with(Default::default).responses.insert(RATE_LIMITED.to_owned(), RefOr::T(response));
    let status = kind.status().to_string();
    for item in doc.paths.paths.values_mut() {
        for op in
            [&mut item.get, &mut item.post, &mut item.put, &mut item.patch, &mut item.delete].into_iter().flatten()
        {
            op.responses
                .responses
                .insert(status.clone(), RefOr::Ref(Ref::new(format!("#/components/responses/{RATE_LIMITED}"))));
        }
    }
}

/// The name of the shared 429 response among the components.
const RATE_LIMITED: &str = "RateLimited";

/// The first clause of a description: up to the first parenthesis, colon, semicolon, comma or
/// sentence end, e.g. `Sign a submitted task off` for `Sign a submitted task off (an approver …`.
fn headline(doc: &str) -> String {
    let end = [" (", ": ", "; ", ". ", ", ", " — "].iter().filter_map(|sep| doc.find(sep)).min().unwrap_or(doc.len());
    doc[..end].trim_end_matches('.').trim().to_owned()
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn a_summary_is_the_first_clause_of_the_description() {
        assert_eq!(headline("Sign a submitted task off (an approver); with several"), "Sign a submitted task off");
        assert_eq!(headline("Read a task."), "Read a task");
        assert_eq!(headline("The village's board: the notices up now"), "The village's board");
        assert_eq!(headline("List tasks, oldest first"), "List tasks");
    }

    #[test]
    fn every_limit_names_a_property_or_parameter_of_the_document() {
        let mut doc = ApiDoc::openapi();
        doc.merge(crate::routes::api().1);
        assert_eq!(crate::limits::apply(&mut doc), Vec::<String>::new());
    }

    #[test]
    fn operation_ids_are_unique_and_resource_verb() {
        let doc = document();
        let mut seen = BTreeSet::new();
        for (path, item) in &doc.paths.paths {
            for (method, op) in [
                ("get", &item.get),
                ("post", &item.post),
                ("put", &item.put),
                ("patch", &item.patch),
                ("delete", &item.delete),
            ] {
                let Some(op) = op else { continue };
                let id = op.operation_id.clone().unwrap_or_default();
                assert!(
                    id.contains('_') && id.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                    "{method} {path}: {id}"
                );
                assert!(seen.insert(id.clone()), "{id} twice");
                assert!(op.description.as_deref().is_some_and(|d| !d.is_empty()), "{id} has no description");
            }
        }
    }

    #[test]
    fn a_keyed_operation_documents_the_retry_after_of_its_409() {
        let doc = document();
        let mut keyed = 0;
        for (path, item) in &doc.paths.paths {
            for op in [&item.post, &item.put, &item.patch].into_iter().flatten() {
                let key = op
                    .parameters
                    .iter()
                    .flatten()
                    .any(|p| matches!(p, utoipa::openapi::RefOr::T(p) if p.name == "Idempotency-Key"));
                if !key {
                    continue;
                }
                keyed += 1;
                let Some(utoipa::openapi::RefOr::T(conflict)) = op.responses.responses.get("409") else {
                    panic!("{path} takes a key but documents no 409")
                };
                assert!(conflict.headers.contains_key("Retry-After"), "{path}");
            }
        }
        assert!(keyed > 0);
    }

    #[test]
    fn every_operation_documents_429_with_retry_after() {
        let doc = document();
        let components = doc.components.as_ref().unwrap();
        let Some(utoipa::openapi::RefOr::T(shared)) = components.responses.get(RATE_LIMITED) else {
            panic!("no shared 429 response")
        };
        assert!(shared.headers.contains_key("Retry-After"));
        assert!(shared.content.contains_key("application/problem+json"));
        for (path, item) in &doc.paths.paths {
            for op in [&item.get, &item.post, &item.put, &item.patch, &item.delete].into_iter().flatten() {
                let Some(utoipa::openapi::RefOr::Ref(r)) = op.responses.responses.get("429") else {
                    panic!("{path} has no 429 response")
                };
                assert_eq!(r.ref_location, format!("#/components/responses/{RATE_LIMITED}"), "{path}");
            }
        }
    }

    #[test]
    fn only_health_and_the_division_tree_are_public() {
        let doc = document();
        for (path, item) in &doc.paths.paths {
            for op in [&item.get, &item.post, &item.put, &item.patch, &item.delete].into_iter().flatten() {
                let public = matches!(path.as_str(), "/healthz" | "/readyz") || path.starts_with("/v1/divisions");
                let security = op.security.as_ref().expect("every operation states its security");
                assert_eq!(security.is_empty(), public, "{path}");
            }
        }
    }
}
