//! The token verification keys: a JWKS document given inline, read from a file, fetched from a URL
//! or found by OIDC discovery from the issuer; cached, refreshed periodically and when a token
//! names a `kid` the cache does not hold (no more often than a floor), so keys rotate without a
//! restart. Each key is pinned to one algorithm (RS256, ES256 or EdDSA) from its `alg`, `kty` and
//! `crv`; symmetric (`oct`) and encryption keys are never used.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use anyhow::Context;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Deserialize;

/// The HTTP(S) client the documents are fetched with.
type Http = hyper_util::client::legacy::Client<
    hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
    http_body_util::Empty<bytes::Bytes>,
>;

/// The largest discovery or JWKS document read.
const MAX_DOCUMENT: usize = 1 << 20;
/// How long one fetch may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the keys come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// A JWKS document held in memory (`chain up`'s development key).
    Document(String),
    /// A JWKS file, read again at every refresh.
    File(PathBuf),
    /// A JWKS URL.
    Url(String),
    /// The `jwks_uri` of the issuer's `/.well-known/openid-configuration`.
    Discovery,
}

/// How often the keys are fetched again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refresh {
    /// Period of the regular refresh.
    pub every: Duration,
    /// The shortest time between two fetches, however many unknown `kid`s arrive.
    pub floor: Duration,
}

impl Default for Refresh {
    fn default() -> Self {
        Refresh { every: Duration::from_secs(300), floor: Duration::from_secs(10) }
    }
}

/// A verification key and the one algorithm it verifies.
#[derive(Clone)]
pub struct Key {
    /// The algorithm pinned to the key.
    pub alg: Algorithm,
    /// The public key.
    pub key: DecodingKey,
}

/// The keys of one JWKS document.
#[derive(Clone, Default)]
pub struct KeySet {
    by_kid: HashMap<String, Key>,
    without_kid: Vec<Key>,
}

impl KeySet {
    /// The usable keys of a JWKS document; keys of other kinds are skipped.
    pub fn parse(doc: &str) -> anyhow::Result<KeySet> {
        #[derive(Deserialize)]
        struct Doc {
            keys: Vec<serde_json::Value>,
        }
        let doc: Doc = serde_json::from_str(doc).context("reading the JWKS")?;
        let mut set = KeySet::default();
        for value in doc.keys {
            let Ok(jwk) = serde_json::from_value::<Jwk>(value) else { continue };
            let Some(key) = pinned(&jwk) else {
                tracing::debug!(kid = ?jwk.common.key_id, "skipping a JWKS key of an algorithm not accepted");
                continue;
            };
            match jwk.common.key_id {
                Some(kid) => {
                    set.by_kid.insert(kid, key);
                }
                None => set.without_kid.push(key),
            }
        }
        Ok(set)
    }

    /// How many keys the set holds.
    pub fn len(&self) -> usize {
        self.by_kid.len() + self.without_kid.len()
    }

    /// Whether the set holds no key.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The key with this `kid`, or, for a token without one, every key of the algorithm.
    pub fn find(&self, kid: Option<&str>, alg: Algorithm) -> Vec<Key> {
        match kid {
            Some(kid) => self.by_kid.get(kid).cloned().into_iter().collect(),
            None => self.by_kid.values().chain(&self.without_kid).filter(|k| k.alg == alg).cloned().collect(),
        }
    }
}

/// The key and its algorithm, for the key types accepted; `None` for any other.
fn pinned(jwk: &Jwk) -> Option<Key> {
    if matches!(jwk.common.public_key_use, Some(PublicKeyUse::Encryption | PublicKeyUse::Other(_))) {
        return None;
    }
    let declared = jwk.common.key_algorithm;
    let alg = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) if matches!(declared, None | Some(KeyAlgorithm::RS256)) => Algorithm::RS256,
        AlgorithmParameters::EllipticCurve(p)
            if p.curve == EllipticCurve::P256 && matches!(declared, None | Some(KeyAlgorithm::ES256)) =>
        {
            Algorithm::ES256
        }
        AlgorithmParameters::OctetKeyPair(p)
            if p.curve == EllipticCurve::Ed25519 && matches!(declared, None | Some(KeyAlgorithm::EdDSA)) =>
        {
            Algorithm::EdDSA
        }
        _ => return None,
    };
    DecodingKey::from_jwk(jwk).ok().map(|key| Key { alg, key })
}

/// The cached keys of one source.
pub struct Keys {
    source: KeySource,
    issuer: String,
    refresh: Refresh,
    http: Option<Http>,
    set: RwLock<Arc<KeySet>>,
    last_fetch: tokio::sync::Mutex<Option<Instant>>,
}

/// The HTTPS (or plain HTTP) connector to the identity provider.
fn connector(
    ca_file: Option<&Path>,
) -> anyhow::Result<hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>> {
    let provider = rustls::crypto::ring::default_provider();
    let builder = hyper_rustls::HttpsConnectorBuilder::new();
    let builder = match ca_file {
        None => builder.with_provider_and_native_roots(provider).context("loading the system's root certificates")?,
        Some(path) => {
            use rustls::pki_types::CertificateDer;
            use rustls::pki_types::pem::PemObject;
            let mut roots = rustls::RootCertStore::empty();
            let certs = CertificateDer::pem_file_iter(path)
                .with_context(|| format!("reading the identity provider's CA file {}", path.display()))?;
            for cert in certs {
                let cert = cert.with_context(|| format!("a certificate in {}", path.display()))?;
                roots.add(cert).with_context(|| format!("a certificate in {}", path.display()))?;
            }
            anyhow::ensure!(!roots.is_empty(), "{} holds no certificate", path.display());
            let config = rustls::ClientConfig::builder_with_provider(Arc::new(provider))
                .with_safe_default_protocol_versions()
                .context("TLS versions")?
                .with_root_certificates(roots)
                .with_no_client_auth();
            builder.with_tls_config(config)
        }
    };
    Ok(builder.https_or_http().enable_http1().build())
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys").field("source", &self.source).field("keys", &self.current().len()).finish()
    }
}

impl Keys {
    /// Keys from a source; a remote source is fetched by [`Keys::load`], over HTTPS trusting the
    /// certificates of `ca_file` when given, else the system's roots.
    pub fn new(source: KeySource, issuer: &str, refresh: Refresh, ca_file: Option<&Path>) -> anyhow::Result<Keys> {
        let http = match source {
            KeySource::Url(_) | KeySource::Discovery => {
                let https = connector(ca_file)?;
                Some(hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build(https))
            }
            KeySource::Document(_) | KeySource::File(_) => None,
        };
        Ok(Keys {
            source,
            issuer: issuer.trim_end_matches('/').to_owned(),
            refresh,
            http,
            set: RwLock::new(Arc::new(KeySet::default())),
            last_fetch: tokio::sync::Mutex::new(None),
        })
    }

    /// The keys held now.
    pub fn current(&self) -> Arc<KeySet> {
        self.set.read().map(|s| s.clone()).unwrap_or_default()
    }

    /// Whether the keys can change after the start (a file or the identity provider).
    pub fn refreshes(&self) -> bool {
        !matches!(self.source, KeySource::Document(_))
    }

    /// The refresh settings.
    pub fn refresh(&self) -> Refresh {
        self.refresh
    }

    /// Reads the document from the source and replaces the keys.
    pub async fn load(&self) -> anyhow::Result<usize> {
        let doc = match &self.source {
            KeySource::Document(doc) => doc.clone(),
            KeySource::File(path) => {
                tokio::fs::read_to_string(path).await.with_context(|| format!("reading {}", path.display()))?
            }
            KeySource::Url(url) => self.get(url).await?,
            KeySource::Discovery => {
                let jwks_uri = self.discover().await?;
                self.get(&jwks_uri).await?
            }
        };
        let set = KeySet::parse(&doc)?;
        anyhow::ensure!(!set.is_empty(), "the JWKS holds no RS256, ES256 or EdDSA signing key");
        let n = set.len();
        if let Ok(mut slot) = self.set.write() {
            *slot = Arc::new(set);
        }
        Ok(n)
    }

    /// Fetches again unless the last fetch is more recent than `within`; answers whether it did.
    pub async fn reload_unless_fetched_within(&self, within: Duration) -> bool {
        let mut last = self.last_fetch.lock().await;
        if last.is_some_and(|t| t.elapsed() < within) {
            return false;
        }
        *last = Some(Instant::now());
        match self.load().await {
            Ok(n) => {
                tracing::debug!(keys = n, "token keys refreshed");
                true
            }
            Err(e) => {
                tracing::warn!(error = format!("{e:#}"), "refreshing the token keys failed; keeping the keys held");
                false
            }
        }
    }

    /// The key(s) for a token's `kid`, fetching once more (at most every `floor`) when it is unknown.
    pub async fn find(&self, kid: Option<&str>, alg: Algorithm) -> Vec<Key> {
        let found = self.current().find(kid, alg);
        if !found.is_empty() || !self.refreshes() {
            return found;
        }
        if self.reload_unless_fetched_within(self.refresh.floor).await {
            return self.current().find(kid, alg);
        }
        found
    }

    async fn get(&self, url: &str) -> anyhow::Result<String> {
        use http_body_util::BodyExt;
        let uri: axum::http::Uri = url.parse().with_context(|| format!("{url} is not a URL"))?;
        let fetch = async {
            let http = self.http.as_ref().context("no HTTP client for a local key source")?;
            let resp = http.get(uri).await.with_context(|| format!("fetching {url}"))?;
            anyhow::ensure!(resp.status().is_success(), "fetching {url}: {}", resp.status());
            let body = http_body_util::Limited::new(resp.into_body(), MAX_DOCUMENT).collect().await;
            let bytes = body.map_err(|e| anyhow::anyhow!("reading {url}: {e}"))?.to_bytes();
            String::from_utf8(bytes.to_vec()).with_context(|| format!("reading {url}"))
        };
        tokio::time::timeout(FETCH_TIMEOUT, fetch).await.map_err(|_| anyhow::anyhow!("fetching {url}: timed out"))?
    }

    /// The `jwks_uri` of the issuer's discovery document, whose `issuer` must be the configured one.
    async fn discover(&self) -> anyhow::Result<String> {
        #[derive(Deserialize)]
        struct Discovery {
            issuer: String,
            jwks_uri: String,
        }
        let url = format!("{}/.well-known/openid-configuration", self.issuer);
        let doc: Discovery = serde_json::from_str(&self.get(&url).await?).with_context(|| format!("reading {url}"))?;
        anyhow::ensure!(
            doc.issuer.trim_end_matches('/') == self.issuer,
            "{url} names the issuer {}, not {}",
            doc.issuer,
            self.issuer
        );
        Ok(doc.jwks_uri)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::SigningKey;

    fn jwks_of(keys: &[(&str, &SigningKey)]) -> String {
        let keys: Vec<serde_json::Value> = keys
            .iter()
            .map(|(kid, key)| {
                let mut doc: serde_json::Value = serde_json::from_str(&key.jwks()).unwrap();
                doc["keys"][0]["kid"] = (*kid).into();
                doc["keys"][0].clone()
            })
            .collect();
        serde_json::json!({ "keys": keys }).to_string()
    }

    #[tokio::test]
    async fn a_new_kid_in_the_file_is_found_once_the_floor_has_passed() {
        let path = std::env::temp_dir().join(format!("chain-jwks-{}.json", uuid::Uuid::now_v7().simple()));
        let (old, new) = (SigningKey::generate().unwrap(), SigningKey::generate().unwrap());
        std::fs::write(&path, jwks_of(&[("old", &old)])).unwrap();
        let floor = Duration::from_millis(300);
        let keys =
            Keys::new(KeySource::File(path.clone()), "chain", Refresh { every: Duration::from_secs(60), floor }, None)
                .unwrap();
        assert!(keys.reload_unless_fetched_within(Duration::ZERO).await);
        assert_eq!(keys.find(Some("old"), Algorithm::EdDSA).await.len(), 1);
        std::fs::write(&path, jwks_of(&[("old", &old), ("new", &new)])).unwrap();
        assert!(keys.find(Some("new"), Algorithm::EdDSA).await.is_empty(), "no fetch within the floor");
        assert!(keys.find(Some("flood"), Algorithm::EdDSA).await.is_empty());
        tokio::time::sleep(floor).await;
        assert_eq!(keys.find(Some("new"), Algorithm::EdDSA).await.len(), 1, "fetched again after the floor");
        std::fs::write(&path, "not json").unwrap();
        tokio::time::sleep(floor).await;
        assert!(!keys.reload_unless_fetched_within(Duration::ZERO).await);
        assert_eq!(keys.current().len(), 2, "a failed refresh keeps the keys held");
        let _ = std::fs::remove_file(&path);
    }
}
