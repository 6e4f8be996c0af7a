//! The gateway: the only public surface. It authenticates bearer tokens, forwards each request to
//! the owning service over NATS with the caller's principal, answers every failure as
//! problem+json, makes POSTs idempotent, and serves the OpenAPI document and an offline docs UI.

pub mod auth;
pub mod correlation;
pub mod custom;
pub mod feed;
pub mod idempotency;
pub mod imports;
pub mod limits;
pub mod migrations;
pub mod openapi;
pub mod owners;
pub mod problem;
pub mod rest;
pub mod routes;
pub mod throttle;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::{self, Next};
use axum::response::Response;
use chain_bus::{Bus, Shutdown};
use chain_store::Db;
use sea_orm_migration::MigratorTrait;
use tracing::Instrument;

pub use auth::{ClaimPaths, Claims, Identity, KeySource, Refresh, SigningKey, TokenVerifier};
pub use idempotency::IdempotencyPolicy;
pub use migrations::Migrator;
use owners::Owners;
use throttle::Throttle;
pub use throttle::{Budget, RateLimits};

/// Configuration of the gateway.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on (port 0 picks one).
    pub listen: SocketAddr,
    /// The gateway's own database (idempotency records).
    pub database_url: String,
    /// Where the token verification keys come from.
    pub keys: KeySource,
    /// Required `iss` (for discovery, the issuer's base URL).
    pub issuer: String,
    /// Required `aud` (one of the token's audiences).
    pub audience: String,
    /// Claim paths, key refresh and clock leeway.
    pub identity: Identity,
    /// Request budgets per client address, per token subject and for failed authentication.
    pub rate_limits: RateLimits,
    /// How long `Idempotency-Key` records last and how long a claim on one holds.
    pub idempotency: IdempotencyPolicy,
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
    pub owners: Arc<Owners>,
    /// Fires when the gateway stops; open event streams end then.
    pub shutdown: Shutdown,
    /// The rate limiters.
    pub throttle: Arc<Throttle>,
    /// How long idempotency records last and claims hold.
    pub idempotency: IdempotencyPolicy,
    /// This gateway process, as idempotency claims name it.
    pub instance: Arc<str>,
}

/// How long a request may take before the gateway answers 504 (event streams are exempt).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The full router: every operation of [`routes::api`], the document and its docs UI.
pub fn router(state: AppState) -> Router {
    let (routes, paths) = routes::api();
    let allowed = problem::Allowed::of(&paths);
    let docs = utoipa_swagger_ui::SwaggerUi::new("/docs").url("/openapi.json", openapi::with_paths(paths));
    let v1 = routes
        .bounded
        .layer(middleware::from_fn_with_state(state.clone(), idempotency::layer))
        .with_state(state.clone());
    let bounded = Router::new().merge(v1).merge(docs).layer(tower_http::timeout::TimeoutLayer::with_status_code(
        axum::http::StatusCode::GATEWAY_TIMEOUT,
        REQUEST_TIMEOUT,
    ));
    // Event streams stay open for as long as the client listens, so they sit outside the timeout.
    let streams = routes
        .streams
        .layer(middleware::from_fn_with_state(state.clone(), idempotency::layer))
        .with_state(state.clone());
    // Uploads take as long as the file takes to arrive, and are streamed to disk, not buffered.
    let uploads = routes.uploads.with_state(state.clone());
    Router::new()
        .merge(bounded)
        .merge(streams)
        .merge(uploads)
        .fallback(problem::not_found)
        .layer(middleware::from_fn_with_state(state, throttle::layer))
        .layer(middleware::from_fn_with_state(allowed, problem::method_not_allowed))
        .layer(middleware::from_fn(correlation::layer))
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
    let verifier = Arc::new(TokenVerifier::new(config.keys, &config.issuer, &config.audience, config.identity).await?);
    let refresh = verifier.spawn_refresh(shutdown.clone());
    let throttle = Arc::new(Throttle::new(config.rate_limits));
    let sweeper = throttle.spawn_sweeper(shutdown.clone());
    let pruning = idempotency::spawn_pruning(db.clone(), config.idempotency, shutdown.clone());
    let state = AppState {
        bus,
        db,
        verifier,
        owners: Arc::new(Owners::default()),
        shutdown: shutdown.clone(),
        throttle,
        idempotency: config.idempotency,
        instance: uuid::Uuid::now_v7().to_string().into(),
    };
    let listener =
        tokio::net::TcpListener::bind(config.listen).await.with_context(|| format!("binding {}", config.listen))?;
    let addr = listener.local_addr()?;
    let app = router(state);
    let handle = tokio::spawn(async move {
        // The peer address is each request's `ConnectInfo`, which the address budgets key on.
        let app = app.into_make_service_with_connect_info::<SocketAddr>();
        let served = axum::serve(listener, app).with_graceful_shutdown(async move { shutdown.wait().await }).await;
        if let Err(e) = served {
            tracing::error!(error = %e, "the gateway stopped");
        }
        if let Some(refresh) = refresh {
            let _ = refresh.await;
        }
        let _ = sweeper.await;
        let _ = pruning.await;
    });
    tracing::info!(%addr, "gateway listening");
    Ok((addr, handle))
}
