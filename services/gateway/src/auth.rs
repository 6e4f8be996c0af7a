//! Bearer-token authentication: JWTs signed with Ed25519 (`alg` pinned to `EdDSA`), with required
//! `exp`, `iss`, `aud` and `sub`, verified against keys from a JWKS document. Development tokens
//! are minted by [`SigningKey`] (used by `chain token`).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use chain_api::{Principal, Problem, ProblemKind, Role};
use chain_domain::Jurisdiction;
use ed25519_dalek::{Signature, Signer, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};

use crate::AppState;

/// The claims of a chain token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// Subject: the official's stable id.
    pub sub: String,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// Issued at.
    #[serde(default)]
    pub iat: Option<i64>,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Roles held.
    pub roles: Vec<Role>,
    /// Jurisdiction: `CN` or a division code.
    pub jurisdiction: String,
}

/// Verifies tokens.
#[derive(Clone)]
pub struct TokenVerifier {
    keys: Vec<(Option<String>, VerifyingKey)>,
    issuer: String,
    audience: String,
}

impl std::fmt::Debug for TokenVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenVerifier").field("keys", &self.keys.len()).field("issuer", &self.issuer).finish()
    }
}

#[derive(Deserialize)]
struct Jwks {
    keys: Vec<Jwk>,
}

#[derive(Deserialize)]
struct Jwk {
    kty: String,
    #[serde(default)]
    crv: Option<String>,
    #[serde(default)]
    x: Option<String>,
    #[serde(default)]
    kid: Option<String>,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
}

impl TokenVerifier {
    /// A verifier for the Ed25519 keys of a JWKS document (other key types are ignored).
    pub fn from_jwks(jwks: &str, issuer: &str, audience: &str) -> anyhow::Result<Self> {
        let doc: Jwks = serde_json::from_str(jwks).map_err(|e| anyhow::anyhow!("reading the JWKS: {e}"))?;
        let mut keys = Vec::new();
        for k in doc.keys {
            if k.kty != "OKP" || k.crv.as_deref() != Some("Ed25519") {
                continue;
            }
            let x = B64.decode(k.x.unwrap_or_default())?;
            let bytes: [u8; 32] = x.try_into().map_err(|_| anyhow::anyhow!("an Ed25519 key must be 32 bytes"))?;
            keys.push((k.kid, VerifyingKey::from_bytes(&bytes)?));
        }
        anyhow::ensure!(!keys.is_empty(), "the JWKS holds no Ed25519 key");
        Ok(TokenVerifier { keys, issuer: issuer.to_owned(), audience: audience.to_owned() })
    }

    /// Verifies a compact JWS and returns its principal.
    pub fn verify(&self, token: &str, now: i64) -> Result<Principal, &'static str> {
        let mut parts = token.split('.');
        let (Some(h), Some(c), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err("the token is not a compact JWS");
        };
        let header: Header =
            serde_json::from_slice(&B64.decode(h).map_err(|_| "bad token header")?).map_err(|_| "bad token header")?;
        if header.alg != "EdDSA" {
            return Err("the token's algorithm is not accepted");
        }
        let sig = Signature::from_slice(&B64.decode(s).map_err(|_| "bad token signature")?)
            .map_err(|_| "bad token signature")?;
        let signed = &token[..h.len() + 1 + c.len()];
        let ok = self
            .keys
            .iter()
            .filter(|(kid, _)| header.kid.is_none() || kid.is_none() || *kid == header.kid)
            .any(|(_, key)| key.verify(signed.as_bytes(), &sig).is_ok());
        if !ok {
            return Err("the token's signature is not valid");
        }
        let claims: Claims = serde_json::from_slice(&B64.decode(c).map_err(|_| "bad token claims")?)
            .map_err(|_| "the token lacks required claims")?;
        if claims.exp <= now {
            return Err("the token has expired");
        }
        if claims.iss != self.issuer {
            return Err("the token's issuer is not accepted");
        }
        if claims.aud != self.audience {
            return Err("the token is not meant for this API");
        }
        if claims.sub.is_empty() {
            return Err("the token has no subject");
        }
        let jurisdiction =
            Jurisdiction::parse(&claims.jurisdiction).map_err(|_| "the token's jurisdiction is not valid")?;
        Ok(Principal { subject: claims.sub, roles: claims.roles, jurisdiction })
    }
}

/// An Ed25519 key that signs development tokens.
pub struct SigningKey(ed25519_dalek::SigningKey);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(***)")
    }
}

impl SigningKey {
    /// A fresh random key.
    pub fn generate() -> anyhow::Result<Self> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
        Ok(SigningKey(ed25519_dalek::SigningKey::from_bytes(&seed)))
    }

    /// The key from its 32-byte seed in hex.
    pub fn from_hex(seed: &str) -> anyhow::Result<Self> {
        let bytes: [u8; 32] =
            hex::decode(seed.trim())?.try_into().map_err(|_| anyhow::anyhow!("a signing key is 32 bytes"))?;
        Ok(SigningKey(ed25519_dalek::SigningKey::from_bytes(&bytes)))
    }

    /// The seed in hex, for storing.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0.to_bytes())
    }

    /// The public key as a JWKS document.
    pub fn jwks(&self) -> String {
        serde_json::json!({ "keys": [{
            "kty": "OKP", "crv": "Ed25519", "use": "sig", "alg": "EdDSA", "kid": "chain-dev",
            "x": B64.encode(self.0.verifying_key().to_bytes()),
        }]})
        .to_string()
    }

    /// Signs claims into a compact JWS.
    pub fn sign(&self, claims: &Claims) -> String {
        let header = B64.encode(br#"{"alg":"EdDSA","typ":"JWT","kid":"chain-dev"}"#);
        let body = B64.encode(serde_json::to_vec(claims).unwrap_or_default());
        let signed = format!("{header}.{body}");
        let sig = self.0.sign(signed.as_bytes());
        format!("{signed}.{}", B64.encode(sig.to_bytes()))
    }
}

/// The authenticated caller, extracted from `Authorization: Bearer …`.
#[derive(Debug, Clone)]
pub struct Auth(pub Principal);

impl FromRequestParts<AppState> for Auth {
    type Rejection = crate::problem::ApiProblem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| Problem::new(ProblemKind::Unauthenticated, "send Authorization: Bearer <token>"))?;
        let token = header.strip_prefix("Bearer ").ok_or_else(|| {
            Problem::new(ProblemKind::Unauthenticated, "the Authorization header must use the Bearer scheme")
        })?;
        #[expect(clippy::disallowed_methods, reason = "token expiry is measured by the wall clock")]
        let now = chrono::Utc::now().timestamp();
        let principal =
            state.verifier.verify(token.trim(), now).map_err(|why| Problem::new(ProblemKind::Unauthenticated, why))?;
        tracing::Span::current().record("actor", principal.subject.as_str());
        Ok(Auth(principal))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> Claims {
        Claims {
            sub: "sinan-approver".into(),
            iss: "chain".into(),
            aud: "chain-api".into(),
            exp,
            iat: None,
            name: None,
            roles: vec![Role::Approver],
            jurisdiction: "520624".into(),
        }
    }

    #[test]
    fn a_minted_token_verifies_to_its_principal() {
        let key = SigningKey::generate().unwrap();
        let v = TokenVerifier::from_jwks(&key.jwks(), "chain", "chain-api").unwrap();
        let p = v.verify(&key.sign(&claims(2_000_000_000)), 1_000).unwrap();
        assert_eq!(p.subject, "sinan-approver");
        assert_eq!(p.jurisdiction.to_string(), "520624");
    }

    #[test]
    fn expired_foreign_and_unsigned_tokens_are_refused() {
        let key = SigningKey::generate().unwrap();
        let other = SigningKey::generate().unwrap();
        let v = TokenVerifier::from_jwks(&key.jwks(), "chain", "chain-api").unwrap();
        assert!(v.verify(&key.sign(&claims(10)), 1_000).is_err());
        assert!(v.verify(&other.sign(&claims(2_000_000_000)), 1_000).is_err());
        let token = key.sign(&claims(2_000_000_000));
        let mut parts: Vec<&str> = token.split('.').collect();
        let none = B64.encode(br#"{"alg":"none"}"#);
        parts[0] = &none;
        assert_eq!(v.verify(&parts.join("."), 1_000).unwrap_err(), "the token's algorithm is not accepted");
    }

    #[test]
    fn a_token_for_another_audience_is_refused() {
        let key = SigningKey::generate().unwrap();
        let v = TokenVerifier::from_jwks(&key.jwks(), "chain", "other-api").unwrap();
        assert!(v.verify(&key.sign(&claims(2_000_000_000)), 1_000).is_err());
    }
}
