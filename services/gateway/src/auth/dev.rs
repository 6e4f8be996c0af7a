//! Development tokens: an Ed25519 key that `chain up` keeps in its data directory, publishes as a
//! one-key JWKS document and signs `chain token`'s tokens with.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use chain_api::Role;
use ed25519_dalek::Signer;
use serde::{Deserialize, Serialize};

/// The `kid` of the development key.
pub const DEV_KID: &str = "chain-dev";

/// The claims of a development token, in the layout the gateway reads by default
/// (`roles`, `jurisdiction`).
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Roles held.
    pub roles: Vec<Role>,
    /// Jurisdiction: `CN` or a division code.
    pub jurisdiction: String,
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
            "kty": "OKP", "crv": "Ed25519", "use": "sig", "alg": "EdDSA", "kid": DEV_KID,
            "x": B64.encode(self.0.verifying_key().to_bytes()),
        }]})
        .to_string()
    }

    /// Signs claims into a compact JWS.
    pub fn sign(&self, claims: &Claims) -> String {
        self.sign_json(&serde_json::json!({ "alg": "EdDSA", "typ": "JWT", "kid": DEV_KID }), claims)
    }

    /// Signs any header and claims into a compact JWS (tests use it to build refused tokens).
    pub fn sign_json(&self, header: &impl Serialize, claims: &impl Serialize) -> String {
        let header = B64.encode(serde_json::to_vec(header).unwrap_or_default());
        let body = B64.encode(serde_json::to_vec(claims).unwrap_or_default());
        let signed = format!("{header}.{body}");
        let sig = self.0.sign(signed.as_bytes());
        format!("{signed}.{}", B64.encode(sig.to_bytes()))
    }
}
