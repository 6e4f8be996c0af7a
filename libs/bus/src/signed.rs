//! The principal a request carries, signed by the gateway. A service believes a `Chain-Principal`
//! header only with a `Chain-Principal-Proof` beside it: the gateway's Ed25519 signature over the
//! principal, the request's subject, a SHA-256 digest of its body, a fresh id and the time it was
//! issued. A proof is refused when it is missing, does not verify with the gateway's public key,
//! is older (or further ahead) than its lifetime, or its id was already seen by this process
//! within that lifetime. The ids seen are kept in memory, bounded; replicas of a service keep
//! their own, so a proof replayed to another replica is caught only by its lifetime, the subject
//! it is bound to and the bus permissions that keep it from being observed.

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chain_api::{Principal, Problem, ProblemKind};
use ed25519_dalek::{Signature, Signer, Verifier};
use sha2::{Digest, Sha256};

/// What the signature covers, before the request's own parts.
const CONTEXT: &str = "chain-principal/1";

/// The gateway's signing key for principals.
pub struct PrincipalSigner(ed25519_dalek::SigningKey);

impl std::fmt::Debug for PrincipalSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("PrincipalSigner").field(&self.public_key().to_hex()).finish()
    }
}

impl PrincipalSigner {
    /// A fresh random key.
    pub fn generate() -> anyhow::Result<Self> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
        Ok(PrincipalSigner(ed25519_dalek::SigningKey::from_bytes(&seed)))
    }

    /// The key from its 32-byte seed in hex.
    pub fn from_hex(seed: &str) -> anyhow::Result<Self> {
        let bytes: [u8; 32] = hex::decode(seed.trim())?
            .try_into()
            .map_err(|_| anyhow::anyhow!("a bus signing key is 32 bytes (64 hex digits)"))?;
        Ok(PrincipalSigner(ed25519_dalek::SigningKey::from_bytes(&bytes)))
    }

    /// The seed in hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0.to_bytes())
    }

    /// The public key services verify with.
    pub fn public_key(&self) -> PrincipalKey {
        PrincipalKey(self.0.verifying_key())
    }

    /// The proof for a request on `subject` with `body`, on behalf of the principal whose header
    /// value is `principal`, issued now.
    pub fn sign(&self, subject: &str, principal: &str, body: &[u8]) -> String {
        self.sign_at(subject, principal, body, &uuid::Uuid::now_v7().simple().to_string(), unix_ms(SystemTime::now()))
    }

    /// The proof with a given id and issue time (Unix milliseconds).
    pub fn sign_at(&self, subject: &str, principal: &str, body: &[u8], id: &str, issued_at_ms: i64) -> String {
        let signature = self.0.sign(&message(subject, principal, body, id, issued_at_ms));
        format!("{id}.{issued_at_ms}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
    }
}

/// The gateway's public key, with which services verify principals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrincipalKey(ed25519_dalek::VerifyingKey);

impl PrincipalKey {
    /// The key from its 32 bytes in hex.
    pub fn from_hex(text: &str) -> anyhow::Result<Self> {
        let bytes: [u8; 32] = hex::decode(text.trim())?
            .try_into()
            .map_err(|_| anyhow::anyhow!("a bus public key is 32 bytes (64 hex digits)"))?;
        Ok(PrincipalKey(ed25519_dalek::VerifyingKey::from_bytes(&bytes)?))
    }

    /// The key in hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0.to_bytes())
    }
}

/// How services check proofs.
#[derive(Debug, Clone, Copy)]
pub struct ProofSettings {
    /// How long a proof is valid after it was issued (and how far ahead of this process's clock
    /// its issue time may be).
    pub ttl: Duration,
    /// How many proof ids a process remembers at most; beyond that (more requests within one
    /// lifetime) requests are refused as unavailable rather than left unchecked for replay.
    pub replay_capacity: usize,
}

impl Default for ProofSettings {
    fn default() -> Self {
        ProofSettings { ttl: Duration::from_secs(30), replay_capacity: 200_000 }
    }
}

/// Checks the principals of the requests a service receives.
#[derive(Debug)]
pub struct PrincipalVerifier {
    key: PrincipalKey,
    settings: ProofSettings,
    seen: Mutex<Seen>,
}

impl PrincipalVerifier {
    /// A verifier trusting `key`.
    pub fn new(key: PrincipalKey, settings: ProofSettings) -> Self {
        PrincipalVerifier { key, settings, seen: Mutex::new(Seen::default()) }
    }

    /// The principal of a request on `subject`, from its principal and proof headers and its
    /// body, or the 401 problem saying why it is not believed.
    pub fn verify(
        &self,
        subject: &str,
        principal: Option<&str>,
        proof: Option<&str>,
        body: &[u8],
    ) -> Result<Principal, Problem> {
        let refuse = |why: &str| Problem::new(ProblemKind::Unauthenticated, why.to_owned());
        let principal_text = principal.ok_or_else(|| refuse("no principal on the request"))?;
        let proof = proof.ok_or_else(|| refuse("the principal carries no gateway signature"))?;
        let mut parts = proof.splitn(3, '.');
        let (Some(id), Some(issued), Some(signature)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(refuse("the principal's signature is malformed"));
        };
        let issued_at_ms: i64 = issued.parse().map_err(|_| refuse("the principal's signature is malformed"))?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .ok()
            .and_then(|b| Signature::from_slice(&b).ok())
            .ok_or_else(|| refuse("the principal's signature is malformed"))?;
        if id.is_empty() || id.len() > 64 {
            return Err(refuse("the principal's signature is malformed"));
        }
        self.key
            .0
            .verify(&message(subject, principal_text, body, id, issued_at_ms), &signature)
            .map_err(|_| refuse("the principal's signature does not verify"))?;
        let now = unix_ms(SystemTime::now());
        let ttl = i64::try_from(self.settings.ttl.as_millis()).unwrap_or(i64::MAX);
        if now.saturating_sub(issued_at_ms) > ttl {
            return Err(refuse("the principal's signature has expired"));
        }
        if issued_at_ms.saturating_sub(now) > ttl {
            return Err(refuse("the principal's signature is issued in the future"));
        }
        let principal = Principal::from_header(principal_text).ok_or_else(|| refuse("the principal is unreadable"))?;
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        match seen.claim(id, issued_at_ms.saturating_add(ttl), now, self.settings.replay_capacity) {
            Claim::New => Ok(principal),
            Claim::Replayed => Err(refuse("the principal's signature was already used")),
            Claim::Full => Err(Problem::new(ProblemKind::Unavailable, "too many requests to check for replay")),
        }
    }
}

/// The proof ids seen and when each stops mattering (its proof has expired by then).
#[derive(Debug, Default)]
struct Seen {
    ids: HashSet<String>,
    order: VecDeque<(i64, String)>,
}

enum Claim {
    New,
    Replayed,
    Full,
}

impl Seen {
    fn claim(&mut self, id: &str, until_ms: i64, now_ms: i64, capacity: usize) -> Claim {
        while let Some((until, _)) = self.order.front()
            && *until < now_ms
        {
            if let Some((_, old)) = self.order.pop_front() {
                self.ids.remove(&old);
            }
        }
        if self.ids.contains(id) {
            return Claim::Replayed;
        }
        if self.ids.len() >= capacity {
            return Claim::Full;
        }
        self.ids.insert(id.to_owned());
        self.order.push_back((until_ms, id.to_owned()));
        Claim::New
    }
}

fn message(subject: &str, principal: &str, body: &[u8], id: &str, issued_at_ms: i64) -> Vec<u8> {
    let digest = hex::encode(Sha256::digest(body));
    format!("{CONTEXT}\n{subject}\n{id}\n{issued_at_ms}\n{digest}\n{principal}").into_bytes()
}

fn unix_ms(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH).map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUBJECT: &str = "chain.identification.household.get";

    fn principal() -> String {
        Principal::system().to_header()
    }

    fn verifier(signer: &PrincipalSigner, capacity: usize) -> PrincipalVerifier {
        PrincipalVerifier::new(
            signer.public_key(),
            ProofSettings { ttl: Duration::from_secs(30), replay_capacity: capacity },
        )
    }

    #[test]
    fn a_signed_principal_verifies_once() {
        let signer = PrincipalSigner::generate().unwrap();
        let v = verifier(&signer, 10);
        let proof = signer.sign(SUBJECT, &principal(), b"{}");
        assert_eq!(v.verify(SUBJECT, Some(&principal()), Some(&proof), b"{}").unwrap(), Principal::system());
        let again = v.verify(SUBJECT, Some(&principal()), Some(&proof), b"{}").unwrap_err();
        assert_eq!((again.status, again.detail.as_deref()), (401, Some("the principal's signature was already used")));
    }

    #[test]
    fn a_proof_is_bound_to_its_subject_body_and_principal_and_to_the_key() {
        let signer = PrincipalSigner::generate().unwrap();
        let v = verifier(&signer, 10);
        let proof = signer.sign(SUBJECT, &principal(), b"{}");
        let other = Principal { subject: "x".into(), ..Principal::system() }.to_header();
        for (subject, p, body) in [
            ("chain.identification.household.register", principal(), &b"{}"[..]),
            (SUBJECT, principal(), &b"{\"id\":1}"[..]),
            (SUBJECT, other, &b"{}"[..]),
        ] {
            assert_eq!(v.verify(subject, Some(&p), Some(&proof), body).unwrap_err().status, 401);
        }
        let forged = PrincipalSigner::generate().unwrap().sign(SUBJECT, &principal(), b"{}");
        assert_eq!(v.verify(SUBJECT, Some(&principal()), Some(&forged), b"{}").unwrap_err().status, 401);
        assert_eq!(v.verify(SUBJECT, Some(&principal()), None, b"{}").unwrap_err().status, 401);
        assert_eq!(v.verify(SUBJECT, None, Some(&proof), b"{}").unwrap_err().status, 401);
    }

    #[test]
    fn an_old_or_future_proof_is_refused() {
        let signer = PrincipalSigner::generate().unwrap();
        let v = verifier(&signer, 10);
        let now = unix_ms(SystemTime::now());
        for at in [now - 31_000, now + 31_000] {
            let proof = signer.sign_at(SUBJECT, &principal(), b"{}", "a", at);
            assert_eq!(v.verify(SUBJECT, Some(&principal()), Some(&proof), b"{}").unwrap_err().status, 401);
        }
    }

    #[test]
    fn a_full_replay_set_refuses_rather_than_forgets() {
        let signer = PrincipalSigner::generate().unwrap();
        let v = verifier(&signer, 1);
        let first = signer.sign(SUBJECT, &principal(), b"{}");
        let second = signer.sign(SUBJECT, &principal(), b"{}");
        v.verify(SUBJECT, Some(&principal()), Some(&first), b"{}").unwrap();
        assert_eq!(v.verify(SUBJECT, Some(&principal()), Some(&second), b"{}").unwrap_err().status, 503);
    }

    #[test]
    fn keys_round_trip_through_hex() {
        let signer = PrincipalSigner::generate().unwrap();
        let again = PrincipalSigner::from_hex(&signer.to_hex()).unwrap();
        assert_eq!(again.public_key(), signer.public_key());
        assert_eq!(PrincipalKey::from_hex(&signer.public_key().to_hex()).unwrap(), signer.public_key());
    }
}
