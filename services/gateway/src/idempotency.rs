//! `Idempotency-Key` on POST: the first request with a key runs and its answer is stored; the same
//! key with the same body replays that answer (status, body and the headers a client needs); with
//! a different body it is refused (422); while the first is still running, a second gets 409 with
//! `Retry-After`. Keys are scoped to the caller's token subject and kept for the policy's TTL
//! ([`IdempotencyPolicy`]), after which a key is new again.
//!
//! A claimed key never sticks in flight. The forwarded request runs in a task of its own, so its
//! answer is stored even when the client gives up. Should the gateway die before storing it, the
//! claim's lease runs out and a retry takes the claim over. The request goes to the services with
//! the record's request id ([`chain_bus::with_request_id`]), and a service answers an id it already
//! answered with that answer ([`chain_bus::Endpoints::remembering`]): a retry learns the outcome
//! of a command that committed before the crash, and runs one that never arrived.

use std::time::Duration;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chain_api::limits::IDEMPOTENCY_KEY_CHARS;
use chain_api::{Problem, ProblemKind};
use chain_bus::Shutdown;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::{OnConflict, Query};
use sea_orm::{Condition, ConnectionTrait};
use sha2::{Digest, Sha256};
use tracing::Instrument;

use crate::AppState;
use crate::problem::ApiProblem;

/// Largest request body the gateway accepts (outside uploads).
pub const MAX_BODY: usize = chain_api::limits::REQUEST_BYTES;

/// The headers of an answer, besides `Content-Type` and `ETag`, that a replay gives back.
const REPLAYED_HEADERS: [HeaderName; 3] = [header::LOCATION, header::CONTENT_LOCATION, header::CONTENT_DISPOSITION];

/// How long keyed answers are kept, and how long a claim on a key holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdempotencyPolicy {
    /// How long a key's record lasts; an older one is treated as absent (and pruned), so the key
    /// is new again. The services remember their answers by request id for as long.
    pub ttl: Duration,
    /// How long a request that has not answered yet holds its key: a retry within it is refused
    /// with 409 and `Retry-After`, a retry after it takes the claim over and asks the services
    /// again. Longer than a request can take ([`crate::REQUEST_TIMEOUT`]).
    pub lease: Duration,
}

impl Default for IdempotencyPolicy {
    /// A day's TTL; a lease of twice the request timeout.
    fn default() -> Self {
        IdempotencyPolicy { ttl: chain_bus::DEFAULT_IDEMPOTENCY_TTL, lease: 2 * crate::REQUEST_TIMEOUT }
    }
}

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
    /// The id the request goes to the services with, the same for every attempt under the key.
    pub request_id: Option<String>,
    /// The attempt that holds the key while no answer is stored; `None` once released (a 5xx
    /// answer), when the next attempt claims it.
    pub claim: Option<String>,
    /// The gateway process that made the claim.
    pub claimed_by: Option<String>,
    /// When the claim was made; its lease runs from then.
    pub claimed_at: Option<DateTimeUtc>,
    /// The replayed headers of the stored answer, a JSON list of `[name, value]`.
    pub headers: Option<String>,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The verified caller's subject: from the outcome the throttle layer left, else verified here.
/// (The request is read before anything is awaited: it is not `Sync`.)
fn subject_of(req: &Request, state: &AppState) -> impl Future<Output = Option<String>> + Send + use<> {
    let token = crate::auth::bearer(req.headers()).ok().map(str::to_owned);
    let left = req.extensions().get::<crate::auth::Verified>().map(|v| v.0.clone());
    let verifier = state.verifier.clone();
    async move {
        let verified = match left {
            Some(verified) => verified,
            None => verifier.verify(&token?).await,
        };
        verified.ok().map(|p| p.subject)
    }
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
    let Some(subject) = subject_of(&req, &state).await else {
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
    let bytes = match crate::problem::read_body(body).await {
        Ok(bytes) => bytes,
        Err(refused) => return refused.into_response(),
    };
    let mut h = Sha256::new();
    h.update(parts.method.as_str());
    h.update([0]);
    h.update(parts.uri.path());
    h.update([0]);
    h.update(&bytes);
    let hash = hex::encode(h.finalize());
    let scope_key = format!("{subject} {key}");
    let attempt = match claim(&state, &scope_key, &hash).await {
        Ok(Claim::Run(attempt)) => attempt,
        Ok(Claim::Replay(m)) => return replay(*m),
        Ok(Claim::Mismatch) => {
            return ApiProblem(Problem::new(
                ProblemKind::IdempotencyKeyReused,
                "this Idempotency-Key was already used with a different request",
            ))
            .into_response();
        }
        Ok(Claim::InFlight(wait)) => {
            let mut resp =
                ApiProblem(Problem::new(ProblemKind::IdempotencyInFlight, "retry once the first request has finished"))
                    .into_response();
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
            return resp;
        }
        Err(e) => {
            tracing::error!(error = %e, "idempotency store failed");
            return ApiProblem(Problem::internal()).into_response();
        }
    };
    // The request runs to its end, and its answer is stored, even if the client goes away and
    // this future is dropped.
    let req = Request::from_parts(parts, Body::from(bytes));
    let request_id = attempt.request_id.clone();
    let work = chain_bus::with_request_id(request_id, run(state, next, req, scope_key, attempt));
    // The task keeps the request's cause (task-locals stay with the task that set them).
    let work = chain_bus::flow::caused_by(chain_bus::flow::current(), work);
    match tokio::spawn(work.instrument(tracing::Span::current())).await {
        Ok(resp) => resp,
        Err(e) => {
            tracing::error!(error = %e, "a keyed request failed");
            ApiProblem(Problem::internal()).into_response()
        }
    }
}

/// Runs the request and stores its answer under the claim; a 5xx answer releases the key instead,
/// so a retry runs the request again (under the same request id).
async fn run(state: AppState, next: Next, req: Request, scope_key: String, attempt: Attempt) -> Response {
    let resp = next.run(req).await;
    let status = resp.status();
    let mine =
        Condition::all().add(Column::ScopeKey.eq(scope_key.as_str())).add(Column::Claim.eq(attempt.claim.as_str()));
    if status.is_server_error() {
        let released = Entity::update_many()
            .col_expr(Column::Claim, Expr::value(Option::<String>::None))
            .col_expr(Column::ClaimedBy, Expr::value(Option::<String>::None))
            .filter(mine)
            .exec(&state.db)
            .await;
        if let Err(e) = released {
            tracing::error!(error = %e, "could not release an idempotency key");
        }
        return resp;
    }
    let (parts, body) = resp.into_parts();
    // The answer is the gateway's own and already in memory; only requests are bounded.
    let bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
    let text = |name: &HeaderName| parts.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let replayed: Vec<(&str, String)> =
        REPLAYED_HEADERS.iter().filter_map(|name| Some((name.as_str(), text(name)?))).collect();
    let stored = Entity::update_many()
        .col_expr(Column::Status, Expr::value(i32::from(status.as_u16())))
        .col_expr(Column::ContentType, Expr::value(text(&header::CONTENT_TYPE)))
        .col_expr(Column::Etag, Expr::value(text(&header::ETAG)))
        .col_expr(Column::Headers, Expr::value(serde_json::to_string(&replayed).ok()))
        .col_expr(Column::Body, Expr::value(String::from_utf8_lossy(&bytes).into_owned()))
        .filter(mine)
        .exec(&state.db)
        .await;
    match stored {
        Ok(r) if r.rows_affected == 0 => {
            // A retry took the claim over after its lease ran out; it stores the same outcome.
            tracing::info!("a keyed answer came after its claim was taken over");
        }
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "could not store an idempotent answer"),
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// An attempt that holds a key.
struct Attempt {
    /// Sent with the request to the services.
    request_id: String,
    /// Names the attempt in the record.
    claim: String,
}

enum Claim {
    Run(Attempt),
    Replay(Box<Model>),
    Mismatch,
    /// Held by another attempt for this much longer.
    InFlight(Duration),
}

/// Claims `scope_key` for a request hashing to `hash`: a new key, an expired record, a released
/// key and an in-flight one whose lease ran out are claimed (each by a conditional write, so of
/// two racing attempts one wins); a stored answer is replayed.
async fn claim(state: &AppState, scope_key: &str, hash: &str) -> Result<Claim, DbErr> {
    let db = &state.db;
    let policy = state.idempotency;
    let now = stored_at();
    let attempt = uuid::Uuid::now_v7().to_string();
    let fresh_id = uuid::Uuid::now_v7().simple().to_string();
    let run = |request_id: String| Claim::Run(Attempt { request_id, claim: attempt.clone() });
    // A conflicting write by another attempt between reading and writing: look again.
    for _ in 0..3 {
        let insert = Query::insert()
            .into_table(Entity)
            .columns([
                Column::ScopeKey,
                Column::RequestHash,
                Column::CreatedAt,
                Column::RequestId,
                Column::Claim,
                Column::ClaimedBy,
                Column::ClaimedAt,
            ])
            .values_panic([
                scope_key.into(),
                hash.into(),
                now.into(),
                fresh_id.as_str().into(),
                attempt.as_str().into(),
                state.instance.as_ref().into(),
                now.into(),
            ])
            .on_conflict(OnConflict::column(Column::ScopeKey).do_nothing().to_owned())
            .to_owned();
        if db.execute(&insert).await?.rows_affected() == 1 {
            return Ok(run(fresh_id));
        }
        let Some(m) = Entity::find_by_id(scope_key.to_owned()).one(db).await? else { continue };
        let claim_it = Entity::update_many()
            .col_expr(Column::Claim, Expr::value(attempt.as_str()))
            .col_expr(Column::ClaimedBy, Expr::value(state.instance.as_ref()))
            .col_expr(Column::ClaimedAt, Expr::value(now))
            .filter(Column::ScopeKey.eq(scope_key));
        let expired_before = before(now, policy.ttl);
        if m.created_at < expired_before {
            // Expired: the key is new again, with a new request id.
            let renewed = claim_it
                .col_expr(Column::RequestHash, Expr::value(hash))
                .col_expr(Column::RequestId, Expr::value(fresh_id.as_str()))
                .col_expr(Column::CreatedAt, Expr::value(now))
                .col_expr(Column::Status, Expr::value(Option::<i32>::None))
                .col_expr(Column::ContentType, Expr::value(Option::<String>::None))
                .col_expr(Column::Etag, Expr::value(Option::<String>::None))
                .col_expr(Column::Body, Expr::value(Option::<String>::None))
                .col_expr(Column::Headers, Expr::value(Option::<String>::None))
                .filter(Column::CreatedAt.lt(expired_before))
                .exec(db)
                .await?;
            if renewed.rows_affected == 1 {
                return Ok(run(fresh_id));
            }
            continue;
        }
        if m.status.is_some() {
            return Ok(if m.request_hash == hash { Claim::Replay(Box::new(m)) } else { Claim::Mismatch });
        }
        let Some(held) = m.claim.clone() else {
            // Released after a 5xx: the next attempt runs it, with the same request id if it is the
            // same request.
            let request_id = match &m.request_id {
                Some(id) if m.request_hash == hash => id.clone(),
                _ => fresh_id.clone(),
            };
            let claimed = claim_it
                .col_expr(Column::RequestHash, Expr::value(hash))
                .col_expr(Column::RequestId, Expr::value(request_id.as_str()))
                .filter(Column::Claim.is_null())
                .filter(Column::Status.is_null())
                .exec(db)
                .await?;
            if claimed.rows_affected == 1 {
                return Ok(run(request_id));
            }
            continue;
        };
        if m.request_hash != hash {
            return Ok(Claim::Mismatch);
        }
        let claimed_at = m.claimed_at.unwrap_or(m.created_at);
        let expires = chrono::Duration::from_std(policy.lease)
            .ok()
            .and_then(|lease| claimed_at.checked_add_signed(lease))
            .unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC);
        if expires > now {
            return Ok(Claim::InFlight((expires - now).to_std().unwrap_or_default()));
        }
        // The lease ran out: the attempt that held it died or lost track of it. Ask the services
        // again under the same request id; they answer with what they did, if anything.
        let request_id = m.request_id.clone().unwrap_or_else(|| fresh_id.clone());
        tracing::warn!(claimed_by = m.claimed_by.as_deref(), "taking over an idempotency key whose lease ran out");
        let taken = claim_it
            .col_expr(Column::RequestId, Expr::value(request_id.as_str()))
            .filter(Column::Claim.eq(held))
            .filter(Column::Status.is_null())
            .exec(db)
            .await?;
        if taken.rows_affected == 1 {
            return Ok(run(request_id));
        }
    }
    Ok(Claim::InFlight(Duration::from_secs(1)))
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
    restore_headers(headers, m.headers.as_deref());
    headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    resp
}

/// Puts back the replayed headers stored as a JSON list of `[name, value]`.
fn restore_headers(headers: &mut HeaderMap, stored: Option<&str>) {
    let pairs: Vec<(String, String)> = stored.and_then(|s| serde_json::from_str(s).ok()).unwrap_or_default();
    for (name, value) in pairs {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            headers.insert(name, value);
        }
    }
}

/// Forgets, now and then until shutdown, the records older than the policy's TTL (as often as
/// the shorter of the TTL and the lease).
pub fn spawn_pruning(
    db: chain_store::Db,
    policy: IdempotencyPolicy,
    mut shutdown: Shutdown,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let every = policy.ttl.min(policy.lease);
        loop {
            let pruned =
                Entity::delete_many().filter(Column::CreatedAt.lt(before(stored_at(), policy.ttl))).exec(&db).await;
            match pruned {
                Ok(r) if r.rows_affected > 0 => {
                    tracing::debug!(records = r.rows_affected, "forgot expired idempotency keys")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "pruning idempotency keys failed; will retry"),
            }
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = shutdown.wait() => break,
            }
        }
    })
}

/// The instant `span` before `now` (the beginning of time if that is further back).
fn before(now: chrono::DateTime<chrono::Utc>, span: Duration) -> chrono::DateTime<chrono::Utc> {
    chrono::Duration::from_std(span)
        .ok()
        .and_then(|span| now.checked_sub_signed(span))
        .unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC)
}

/// When an answer is kept from: idempotency windows are measured by the wall clock.
#[expect(clippy::disallowed_methods, reason = "idempotency windows are measured by the wall clock")]
fn stored_at() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}
