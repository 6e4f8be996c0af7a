//! The gateway: the only public surface. It authenticates bearer tokens, forwards each request to
//! the owning service over NATS with the caller's principal, answers every failure as
//! problem+json, makes POSTs idempotent, and serves the OpenAPI document and an offline docs UI.

pub mod auth;
pub mod idempotency;
pub mod imports;
pub mod openapi;
pub mod problem;
pub mod routes;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post, put};
use chain_bus::{Bus, Shutdown};
use chain_store::Db;
use sea_orm_migration::prelude::*;
use tracing::Instrument;

pub use auth::{Claims, SigningKey, TokenVerifier};

/// Configuration of the gateway.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on (port 0 picks one).
    pub listen: SocketAddr,
    /// The gateway's own database (idempotency records).
    pub database_url: String,
    /// JWKS document with the token verification keys.
    pub jwks: String,
    /// Required `iss`.
    pub issuer: String,
    /// Required `aud`.
    pub audience: String,
}

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    /// The bus to the services.
    pub bus: Bus,
    /// The gateway database.
    pub db: Db,
    /// Token verification.
    pub verifier: Arc<TokenVerifier>,
    /// Which service owns each task, notice and objection id seen so far.
    pub owners: Arc<routes::tasks::Owners>,
    /// Fires when the gateway stops; open event streams end then.
    pub shutdown: Shutdown,
}

/// The gateway's migrations.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(IdempotencyTable)]
    }
}

#[derive(Debug)]
struct IdempotencyTable;

impl MigrationName for IdempotencyTable {
    fn name(&self) -> &str {
        "m0001_idempotency"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for IdempotencyTable {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use sea_orm_migration::schema::*;
        m.create_table(
            Table::create()
                .table("idempotency")
                .if_not_exists()
                .col(string("scope_key").primary_key())
                .col(string("request_hash"))
                .col(integer_null("status"))
                .col(string_null("content_type"))
                .col(string_null("etag"))
                .col(text_null("body"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await
    }
}

/// How long a request may take before the gateway answers 504 (event streams are exempt).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The full router, documented routes and docs UI included.
pub fn router(state: AppState) -> Router {
    use routes::*;
    let v1 = Router::new()
        .route("/v1/divisions", get(divisions::provinces))
        .route("/v1/divisions/{code}", get(divisions::get))
        .route("/v1/divisions/{code}/children", get(divisions::children))
        .route("/v1/households", post(households::register).get(queries::list))
        .route("/v1/households/counts", get(queries::counts))
        .route("/v1/quotas/{county}/{year}", get(quotas::get).put(quotas::set))
        .route("/v1/quotas/{county}/{year}/villages", put(quotas::allot))
        .route("/v1/notices", get(boards::board))
        .route("/v1/households/{id}", get(households::get).post(households::custom))
        .route("/v1/imports/{id}", get(imports::get))
        .route("/v1/imports/{id}/errors", get(imports::errors))
        .route("/v1/plans", post(plans::create))
        .route("/v1/plans/{id}", get(plans::get).post(plans::custom))
        .route("/v1/allocations", post(funding::allocate))
        .route("/v1/disbursements", post(funding::disburse))
        .route("/v1/accounts/{division}", get(funding::account))
        .route("/v1/ledger/check", get(funding::check))
        .route("/v1/monitoring", get(monitoring::list).post(monitoring::open))
        .route("/v1/monitoring/{id}", get(monitoring::get).post(monitoring::custom))
        .route("/v1/exits", post(exits::propose))
        .route("/v1/exits/{id}", get(exits::get).post(exits::custom))
        .route("/v1/directives", post(directives::issue))
        .route("/v1/tasks", get(tasks::list))
        .route("/v1/tasks/{id}", get(tasks::get_task).post(tasks::custom))
        .route("/v1/tasks/{id}/tree", get(tasks::tree))
        .route("/v1/notices/{id}", get(notices::get_notice))
        .route("/v1/notices/{id}/objections", post(notices::lodge_objection))
        .route("/v1/objections/{id}", post(notices::custom))
        .route("/v1/schedules", get(schedules::list_schedules).post(schedules::create_schedule))
        .route("/v1/audit", get(audit::list_audit))
        .route("/v1/accountability", get(audit::list_accountability))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .layer(middleware::from_fn_with_state(state.clone(), idempotency::layer))
        .with_state(state.clone());
    let docs = utoipa_swagger_ui::SwaggerUi::new("/docs").url("/openapi.json", openapi::document());
    let bounded = Router::new().merge(v1).merge(docs).layer(tower_http::timeout::TimeoutLayer::with_status_code(
        axum::http::StatusCode::GATEWAY_TIMEOUT,
        REQUEST_TIMEOUT,
    ));
    // Event streams stay open for as long as the client listens, so they sit outside the timeout.
    let streams = Router::new()
        .route("/v1/tasks/{id}/events", get(tasks::events))
        .layer(middleware::from_fn_with_state(state.clone(), idempotency::layer))
        .with_state(state.clone());
    // Uploads take as long as the file takes to arrive, and are streamed to disk, not buffered.
    let uploads = Router::new().route("/v1/imports", post(imports::upload)).with_state(state);
    Router::new()
        .merge(bounded)
        .merge(streams)
        .merge(uploads)
        .fallback(problem::not_found)
        .layer(middleware::from_fn(problem::method_not_allowed))
        .layer(middleware::from_fn(trace))
}

/// One span per request; the answer carries the request's `traceparent` so a client can find
/// the whole trace (gateway, service and event consumers).
async fn trace(req: Request, next: Next) -> Response {
    // The spans that carry the trace across process boundaries are created at ERROR level so a
    // quiet RUST_LOG (say `warn`) never disables them and breaks propagation; events inside them
    // are still filtered by their own level.
    let span = tracing::error_span!("http", method = %req.method(), path = %req.uri().path(), status = tracing::field::Empty, actor = tracing::field::Empty);
    chain_telemetry::set_parent(&span, req.headers().get("traceparent").and_then(|v| v.to_str().ok()));
    async move {
        let traceparent = chain_telemetry::current_traceparent();
        let mut resp = next.run(req).await;
        tracing::Span::current().record("status", resp.status().as_u16());
        if let Some(tp) = traceparent.and_then(|t| HeaderValue::from_str(&t).ok()) {
            resp.headers_mut().insert("traceparent", tp);
        }
        resp
    }
    .instrument(span)
    .await
}

/// Connects, migrates and starts serving. Returns the bound address once listening.
pub async fn start(
    config: Config,
    bus: Bus,
    mut shutdown: Shutdown,
) -> anyhow::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let db = chain_store::connect(&config.database_url).await?;
    Migrator::up(&db, None).await.context("migrating the gateway database")?;
    let verifier = TokenVerifier::from_jwks(&config.jwks, &config.issuer, &config.audience)?;
    let state = AppState {
        bus,
        db,
        verifier: Arc::new(verifier),
        owners: Arc::new(routes::tasks::Owners::default()),
        shutdown: shutdown.clone(),
    };
    let listener =
        tokio::net::TcpListener::bind(config.listen).await.with_context(|| format!("binding {}", config.listen))?;
    let addr = listener.local_addr()?;
    let app = router(state);
    let handle = tokio::spawn(async move {
        let served = axum::serve(listener, app).with_graceful_shutdown(async move { shutdown.wait().await }).await;
        if let Err(e) = served {
            tracing::error!(error = %e, "the gateway stopped");
        }
    });
    tracing::info!(%addr, "gateway listening");
    Ok((addr, handle))
}
