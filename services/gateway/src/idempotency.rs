//! `Idempotency-Key` on POST: the first request with a key runs and its answer is stored; the same
//! key with the same body replays that answer; with a different body it is refused (422); while the
//! first is still running, a second gets 409. Keys are scoped to the caller's token subject.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chain_api::limits::IDEMPOTENCY_KEY_CHARS;
use chain_api::{Problem, ProblemKind};
use sea_orm::ConnectionTrait;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::{OnConflict, Query};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::problem::ApiProblem;

/// Largest request body the gateway accepts.
pub const MAX_BODY: usize = 4 * 1024 * 1024;

/// The stored outcome of a keyed request.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency")]
pub struct Model {
    /// `<subject> <key>`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub scope_key: String,
    /// SHA-256 of method, path and body.
    pub request_hash: String,
    /// Status of the stored answer; `None` while the first request runs.
    pub status: Option<i32>,
    /// Content type of the stored answer.
    pub content_type: Option<String>,
    /// ETag of the stored answer.
    pub etag: Option<String>,
    /// Body of the stored answer.
    pub body: Option<String>,
    /// When the key was first seen.
    pub created_at: DateTimeUtc,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

async fn subject_of(headers: &axum::http::HeaderMap, state: &AppState) -> Option<String> {
    let token = crate::auth::bearer(headers).ok()?;
    state.verifier.verify(token).await.ok().map(|p| p.subject)
}

/// The middleware.
pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let Some(key) = req.headers().get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_owned) else {
        return next.run(req).await;
    };
    // Authentication comes first: an unauthenticated request is answered 401 by the handler,
    // whatever its key, and nothing is remembered for it.
    let Some(subject) = subject_of(req.headers(), &state).await else {
        return next.run(req).await;
    };
    if key.is_empty() || key.len() > IDEMPOTENCY_KEY_CHARS {
        return ApiProblem(Problem::invalid(
            "Idempotency-Key",
            format!("must be 1 to {IDEMPOTENCY_KEY_CHARS} characters"),
        ))
        .into_response();
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BODY).await else {
        return ApiProblem(Problem::new(ProblemKind::BadRequest, "the body is too large or unreadable"))
            .into_response();
    };
    let mut h = Sha256::new();
    h.update(parts.method.as_str());
    h.update([0]);
    h.update(parts.uri.path());
    h.update([0]);
    h.update(&bytes);
    let hash = hex::encode(h.finalize());
    let scope_key = format!("{subject} {key}");
    match claim(&state.db, &scope_key, &hash).await {
        Ok(Claim::First) => {}
        Ok(Claim::Replay(m)) => return replay(m),
        Ok(Claim::Mismatch) => {
            return ApiProblem(Problem::new(
                ProblemKind::IdempotencyKeyReused,
                "this Idempotency-Key was already used with a different request",
            ))
            .into_response();
        }
        Ok(Claim::InFlight) => {
            return ApiProblem(Problem::new(
                ProblemKind::IdempotencyInFlight,
                "retry once the first request has finished",
            ))
            .into_response();
        }
        Err(e) => {
            tracing::error!(error = %e, "idempotency store failed");
            return ApiProblem(Problem::internal()).into_response();
        }
    }
    let resp = next.run(Request::from_parts(parts, Body::from(bytes))).await;
    let status = resp.status();
    if status.is_server_error() {
        // Let the client retry with the same key.
        let _ = Entity::delete_by_id(scope_key).exec(&state.db).await;
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let bytes = to_bytes(body, MAX_BODY).await.unwrap_or_default();
    let content_type = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let etag = parts.headers.get(header::ETAG).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let stored = Entity::update_many()
        .col_expr(Column::Status, Expr::value(i32::from(status.as_u16())))
        .col_expr(Column::ContentType, Expr::value(content_type))
        .col_expr(Column::Etag, Expr::value(etag))
        .col_expr(Column::Body, Expr::value(String::from_utf8_lossy(&bytes).into_owned()))
        .filter(Column::ScopeKey.eq(scope_key))
        .exec(&state.db)
        .await;
    if let Err(e) = stored {
        tracing::error!(error = %e, "could not store an idempotent answer");
    }
    Response::from_parts(parts, Body::from(bytes))
}

enum Claim {
    First,
    Replay(Model),
    Mismatch,
    InFlight,
}

async fn claim(db: &chain_store::Db, scope_key: &str, hash: &str) -> Result<Claim, DbErr> {
    let insert = Query::insert()
        .into_table(Entity)
        .columns([Column::ScopeKey, Column::RequestHash, Column::CreatedAt])
        .values_panic([scope_key.into(), hash.into(), stored_at().into()])
        .on_conflict(OnConflict::column(Column::ScopeKey).do_nothing().to_owned())
        .to_owned();
    if db.execute(&insert).await?.rows_affected() == 1 {
        return Ok(Claim::First);
    }
    let existing = Entity::find_by_id(scope_key.to_owned()).one(db).await?;
    Ok(match existing {
        None => Claim::InFlight,
        Some(m) if m.request_hash != hash => Claim::Mismatch,
        Some(m) if m.status.is_none() => Claim::InFlight,
        Some(m) => Claim::Replay(m),
    })
}

fn replay(m: Model) -> Response {
    let status = StatusCode::from_u16(m.status.unwrap_or(200) as u16).unwrap_or(StatusCode::OK);
    let mut resp = (status, m.body.unwrap_or_default()).into_response();
    let headers = resp.headers_mut();
    if let Some(ct) = m.content_type.and_then(|v| HeaderValue::from_str(&v).ok()) {
        headers.insert(header::CONTENT_TYPE, ct);
    }
    if let Some(etag) = m.etag.and_then(|v| HeaderValue::from_str(&v).ok()) {
        headers.insert(header::ETAG, etag);
    }
    headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    resp
}

/// When an answer is kept from: idempotency windows are measured by the wall clock.
#[expect(clippy::disallowed_methods, reason = "idempotency windows are measured by the wall clock")]
fn stored_at() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}
