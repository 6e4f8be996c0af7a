//! Bearer-token authentication (RFC 6750) of JWTs from an identity provider or `chain token`:
//! signed with RS256, ES256 or EdDSA under a key of the JWKS ([`jwks`]) whose algorithm the
//! token's `alg` must match (never `none`, never HMAC); `exp`, `iss`, `aud` (a string or an array)
//! and `sub` required, `nbf` honoured, a `crit` header refused (no extension is understood). The
//! roles and the jurisdiction are read from configurable claim paths ([`claims`]). A refusal
//! answers 401 with a `WWW-Authenticate: Bearer` challenge.

pub mod claims;
pub mod dev;
pub mod jwks;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use chain_api::{Principal, Problem, ProblemKind};
use chain_bus::Shutdown;
use jsonwebtoken::Validation;
use jsonwebtoken::errors::ErrorKind;

pub use claims::ClaimPaths;
pub use dev::{Claims, SigningKey};
pub use jwks::{KeySource, Keys, Refresh};

use crate::AppState;

/// The algorithms a token may be signed with (each key is pinned to one of them).
const ACCEPTED: [&str; 3] = ["RS256", "ES256", "EdDSA"];

/// How tokens are read beyond where their keys come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Where the roles and the jurisdiction are.
    pub claims: ClaimPaths,
    /// How often the keys are fetched again.
    pub refresh: Refresh,
    /// Clock skew tolerated on `exp` and `nbf`.
    pub leeway: Duration,
    /// PEM certificates trusted, instead of the system's roots, when reaching the identity
    /// provider over HTTPS (an agency's own certificate authority).
    pub ca_file: Option<std::path::PathBuf>,
}

impl Default for Identity {
    fn default() -> Self {
        Identity {
            claims: ClaimPaths::default(),
            refresh: Refresh::default(),
            leeway: Duration::from_secs(10),
            ca_file: None,
        }
    }
}

/// Why a token was refused: the `error_description` of the challenge and the problem's detail.
pub type Refusal = std::borrow::Cow<'static, str>;

/// Verifies tokens.
#[derive(Debug)]
pub struct TokenVerifier {
    keys: Keys,
    issuer: String,
    audience: String,
    identity: Identity,
}

impl TokenVerifier {
    /// A verifier for the keys of `source`, read once here: a document or file that holds no
    /// usable key is an error; an identity provider that cannot be reached yet is retried by the
    /// refreshes (tokens are refused until then).
    pub async fn new(source: KeySource, issuer: &str, audience: &str, identity: Identity) -> anyhow::Result<Self> {
        let remote = matches!(source, KeySource::Url(_) | KeySource::Discovery);
        let keys = Keys::new(source, issuer, identity.refresh, identity.ca_file.as_deref())?;
        if remote {
            // The first fetch counts against the floor, so an unknown kid right after the start
            // does not fetch again at once.
            keys.reload_unless_fetched_within(Duration::ZERO).await;
            if keys.current().is_empty() {
                tracing::warn!(?keys, "no token keys yet: every token is refused until a refresh finds some");
            }
        } else {
            keys.load().await?;
        }
        Ok(TokenVerifier { keys, issuer: issuer.to_owned(), audience: audience.to_owned(), identity })
    }

    /// A verifier for an inline JWKS document with the default claim layout.
    pub async fn from_jwks(jwks: &str, issuer: &str, audience: &str) -> anyhow::Result<Self> {
        Self::new(KeySource::Document(jwks.to_owned()), issuer, audience, Identity::default()).await
    }

    /// Fetches the keys every refresh period until shutdown (sources that can change only).
    pub fn spawn_refresh(self: &Arc<Self>, mut shutdown: Shutdown) -> Option<tokio::task::JoinHandle<()>> {
        if !self.keys.refreshes() {
            return None;
        }
        let me = self.clone();
        Some(tokio::spawn(async move {
            let every = me.keys.refresh().every;
            loop {
                tokio::select! {
                    _ = shutdown.wait() => return,
                    _ = tokio::time::sleep(every) => {}
                }
                me.keys.reload_unless_fetched_within(Duration::ZERO).await;
            }
        }))
    }

    /// Verifies a compact JWS (by the wall clock) and returns its principal.
    pub async fn verify(&self, token: &str) -> Result<Principal, Refusal> {
        let header = header_of(token)?;
        let alg = header.alg;
        let candidates = self.keys.find(header.kid.as_deref(), alg).await;
        if candidates.is_empty() {
            return Err("the token's key is not among the identity provider's keys".into());
        }
        let mut validation = Validation::new(alg);
        validation.leeway = self.identity.leeway.as_secs();
        validation.validate_nbf = true;
        validation.set_audience(&[&self.audience]);
        validation.set_issuer(&[&self.issuer]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let mut refusal: Refusal = "the token's algorithm does not match its key".into();
        for key in candidates.iter().filter(|k| k.alg == alg) {
            match jsonwebtoken::decode::<serde_json::Value>(token, &key.key, &validation) {
                Ok(data) => return self.principal(&data.claims),
                Err(e) => refusal = why(e.kind()),
            }
        }
        Err(refusal)
    }

    fn principal(&self, claims: &serde_json::Value) -> Result<Principal, Refusal> {
        let subject = claims["sub"].as_str().unwrap_or_default();
        if subject.is_empty() {
            return Err("the token has no subject".into());
        }
        let roles = self.identity.claims.roles(claims)?;
        let jurisdiction = self.identity.claims.jurisdiction(claims)?;
        Ok(Principal { subject: subject.to_owned(), roles, jurisdiction })
    }
}

/// The protected header, refused before any key is looked at when its algorithm is not accepted
/// or it names critical extensions (RFC 7515 §4.1.11: none is understood here).
fn header_of(token: &str) -> Result<jsonwebtoken::Header, Refusal> {
    let first = token.split('.').next().unwrap_or_default();
    let raw: serde_json::Value = B64
        .decode(first)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or("the token is not a compact JWS")?;
    if !raw["alg"].as_str().is_some_and(|alg| ACCEPTED.contains(&alg)) {
        return Err("the token's algorithm is not accepted".into());
    }
    if raw.get("crit").is_some() {
        return Err("the token names critical header extensions this API does not understand".into());
    }
    jsonwebtoken::decode_header(token).map_err(|_| "the token's header is not valid".into())
}

fn why(kind: &ErrorKind) -> Refusal {
    match kind {
        ErrorKind::ExpiredSignature => "the token has expired".into(),
        ErrorKind::ImmatureSignature => "the token is not valid yet (nbf)".into(),
        ErrorKind::InvalidAudience => "the token is not meant for this API".into(),
        ErrorKind::InvalidIssuer => "the token's issuer is not accepted".into(),
        ErrorKind::InvalidSignature => "the token's signature is not valid".into(),
        ErrorKind::InvalidAlgorithm => "the token's algorithm does not match its key".into(),
        ErrorKind::MissingRequiredClaim(c) => format!("the token lacks the claim {c}").into(),
        _ => "the token is not valid".into(),
    }
}

/// A 401 answer: the problem and the RFC 6750 challenge (with `error="invalid_token"` when a
/// token was sent and refused).
#[derive(Debug)]
pub struct Unauthenticated {
    problem: Problem,
    invalid_token: bool,
}

impl Unauthenticated {
    /// No usable credentials were sent.
    pub fn missing(detail: &'static str) -> Self {
        Unauthenticated { problem: Problem::new(ProblemKind::Unauthenticated, detail), invalid_token: false }
    }

    /// A token was sent and refused.
    pub fn invalid(why: Refusal) -> Self {
        Unauthenticated { problem: Problem::new(ProblemKind::Unauthenticated, why.into_owned()), invalid_token: true }
    }
}

impl IntoResponse for Unauthenticated {
    fn into_response(self) -> Response {
        let challenge = if self.invalid_token {
            // RFC 6750 §3: printable ASCII without `"` and `\`.
            let detail = self.problem.detail.as_deref().unwrap_or_default();
            let description: String =
                detail.chars().filter(|c| matches!(c, ' '..='~') && !matches!(c, '"' | '\\')).collect();
            format!(r#"Bearer error="invalid_token", error_description="{description}""#)
        } else {
            "Bearer".to_owned()
        };
        let mut resp = crate::problem::ApiProblem(self.problem).into_response();
        if let Ok(v) = HeaderValue::from_str(&challenge) {
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
        }
        resp
    }
}

/// The bearer token of a request, if it sends one.
pub fn bearer(parts: &axum::http::HeaderMap) -> Result<&str, Unauthenticated> {
    let value = parts
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| Unauthenticated::missing("send Authorization: Bearer <token>"))?;
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(Unauthenticated::missing("the Authorization header must use the Bearer scheme"));
    }
    Ok(token.trim())
}

/// The outcome of verifying a request's bearer token, left in its extensions by the layer that
/// verified it ([`crate::throttle`]) so the token is verified once per request.
#[derive(Debug, Clone)]
pub struct Verified(pub Result<Principal, Refusal>);

/// The authenticated caller, extracted from `Authorization: Bearer …`.
#[derive(Debug, Clone)]
pub struct Auth(pub Principal);

impl FromRequestParts<AppState> for Auth {
    type Rejection = Unauthenticated;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers)?;
        let verified = match parts.extensions.get::<Verified>() {
            Some(Verified(verified)) => verified.clone(),
            None => state.verifier.verify(token).await,
        };
        let principal = verified.map_err(Unauthenticated::invalid)?;
        tracing::Span::current().record("actor", principal.subject.as_str());
        Ok(Auth(principal))
    }
}

#[cfg(test)]
mod tests;
