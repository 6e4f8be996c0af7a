//! The OpenAPI 3.1 document of the whole system.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes::{divisions, exits, funding, health, households, plans, tasks};

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(title = "chain", description = "Workflow orchestration for the central → province → city → county → township → village responsibility chain of targeted poverty alleviation. Every error is an RFC 9457 problem; every POST accepts an Idempotency-Key; state changes are custom methods (`POST /v1/households/{id}:approve`) guarded by If-Match."),
    paths(
        households::register, households::get, households::review, households::approve,
        plans::create, plans::get, plans::approve,
        funding::allocate, funding::disburse, funding::account, funding::check,
        exits::propose, exits::get, exits::acknowledge, exits::approve,
        tasks::list,
        divisions::provinces, divisions::get, divisions::children,
        health::healthz, health::readyz,
    ),
    components(schemas(chain_api::Problem, chain_api::FieldError, chain_api::Role)),
    modifiers(&BearerAuth),
    tags(
        (name = "identification", description = "Registering poor households"),
        (name = "planning", description = "Household assistance plans"),
        (name = "funding", description = "Allocations, disbursements and the ledger"),
        (name = "exit", description = "Household exit"),
        (name = "tasks", description = "Tasks of the responsibility chain"),
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
