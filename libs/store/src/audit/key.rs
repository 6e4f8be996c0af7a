//! The keys that protect a service's audit chain. They never live in the service database: the
//! process is given a master key (`CHAIN_AUDIT_KEY`, or `audit.key` in `chain up`'s data
//! directory) and derives, per service, the HMAC key entries are chained with and the Ed25519 key
//! the chain's checkpoints are signed with.

use ed25519_dalek::{Signer, Verifier};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The master key a process is given, 32 bytes.
#[derive(Clone)]
pub struct MasterKey([u8; 32]);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(…)")
    }
}

impl MasterKey {
    /// A master key from its 32 bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> MasterKey {
        MasterKey(bytes)
    }

    /// A master key from 64 hex digits.
    pub fn from_hex(hex: &str) -> anyhow::Result<MasterKey> {
        let bytes = hex::decode(hex.trim()).map_err(|_| anyhow::anyhow!("the audit key must be 64 hex digits"))?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| anyhow::anyhow!("the audit key must be 64 hex digits"))?;
        Ok(MasterKey(bytes))
    }

    /// A fresh random master key.
    pub fn generate() -> anyhow::Result<MasterKey> {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
        Ok(MasterKey(key))
    }

    /// The key as 64 hex digits (to keep it in a file).
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// The keys of `service`'s chain.
    pub fn for_service(&self, service: &str) -> AuditKey {
        let derive = |purpose: &str| -> [u8; 32] {
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes any key length");
            mac.update(format!("chain audit {purpose} v1\0{service}").as_bytes());
            mac.finalize().into_bytes().into()
        };
        AuditKey {
            service: service.to_owned(),
            mac: derive("chain"),
            signing: ed25519_dalek::SigningKey::from_bytes(&derive("checkpoint")),
        }
    }
}

/// One service's audit keys: the entries' HMAC key and the checkpoints' signing key.
#[derive(Clone)]
pub struct AuditKey {
    service: String,
    mac: [u8; 32],
    signing: ed25519_dalek::SigningKey,
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditKey").field("service", &self.service).finish_non_exhaustive()
    }
}

impl AuditKey {
    /// The service whose chain these keys protect.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// HMAC-SHA256 over `parts`, each length-prefixed.
    pub(crate) fn mac(&self, parts: &[&str]) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.mac).expect("HMAC takes any key length");
        for part in parts {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        hex::encode(mac.finalize().into_bytes())
    }

    /// Signs `message` with the checkpoint key; hex.
    pub(crate) fn sign(&self, message: &[u8]) -> String {
        hex::encode(self.signing.sign(message).to_bytes())
    }

    /// Whether `signature` (hex) is the checkpoint key's over `message`.
    pub(crate) fn signed(&self, message: &[u8], signature: &str) -> bool {
        let Ok(bytes) = hex::decode(signature) else { return false };
        let Ok(sig) = ed25519_dalek::Signature::from_slice(&bytes) else { return false };
        self.signing.verifying_key().verify(message, &sig).is_ok()
    }

    /// The checkpoint key's public half, hex (what a verifier without the master key needs).
    pub fn verifying_key_hex(&self) -> String {
        hex::encode(self.signing.verifying_key().to_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_service_gets_its_own_keys() {
        let master = MasterKey::from_bytes([7; 32]);
        let (a, b) = (master.for_service("planning"), master.for_service("exit"));
        assert_ne!(a.mac(&["x"]), b.mac(&["x"]));
        assert_ne!(a.verifying_key_hex(), b.verifying_key_hex());
        assert_eq!(a.mac(&["x"]), master.for_service("planning").mac(&["x"]));
        assert_ne!(a.mac(&["ab", "c"]), a.mac(&["a", "bc"]), "parts are length-prefixed");
        let sig = a.sign(b"checkpoint");
        assert!(a.signed(b"checkpoint", &sig));
        assert!(!b.signed(b"checkpoint", &sig));
        assert!(!a.signed(b"checkpoinT", &sig));
        assert_eq!(MasterKey::from_hex(&master.to_hex()).unwrap().for_service("exit").mac(&["x"]), b.mac(&["x"]));
        assert!(MasterKey::from_hex("abcd").is_err());
        assert_eq!(format!("{master:?}"), "MasterKey(…)");
    }
}
