//! Signed checkpoints: the service's Ed25519 signature over its chain's head (sequence and MAC)
//! at a moment, kept outside the service database (the kit writes them to a JetStream key-value
//! bucket). Whoever rewrites the database cannot move them, so a chain shorter than a checkpoint,
//! or whose entry at a checkpoint's sequence is not the one signed, has been truncated or
//! rewritten.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::AuditKey;

/// One signed checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The service whose chain it is.
    pub service: String,
    /// The head's sequence number (the number of entries).
    pub seq: i64,
    /// The MAC of the entry at `seq`.
    pub mac: String,
    /// When it was signed (the service's clock).
    pub at: DateTime<Utc>,
    /// Ed25519 over the fields above, hex.
    pub signature: String,
}

fn message(service: &str, seq: i64, mac: &str, at: DateTime<Utc>) -> Vec<u8> {
    let mut out = Vec::new();
    for part in [
        "chain audit checkpoint v1",
        service,
        &seq.to_string(),
        mac,
        &at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
    ] {
        out.extend_from_slice(&(part.len() as u64).to_be_bytes());
        out.extend_from_slice(part.as_bytes());
    }
    out
}

impl Checkpoint {
    /// A checkpoint of the head (`seq`, `mac`) at `at`, signed with `key`.
    pub fn sign(key: &AuditKey, seq: i64, mac: &str, at: DateTime<Utc>) -> Checkpoint {
        let at = DateTime::from_timestamp_micros(at.timestamp_micros()).unwrap_or(at);
        let signature = key.sign(&message(key.service(), seq, mac, at));
        Checkpoint { service: key.service().to_owned(), seq, mac: mac.to_owned(), at, signature }
    }

    /// Whether the checkpoint is signed by `key` (and so names `key`'s service).
    pub fn is_signed_by(&self, key: &AuditKey) -> bool {
        self.service == key.service()
            && key.signed(&message(&self.service, self.seq, &self.mac, self.at), &self.signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::MasterKey;

    #[test]
    fn a_checkpoint_verifies_only_as_signed() {
        let key = MasterKey::from_bytes([3; 32]).for_service("funding");
        let cp = Checkpoint::sign(&key, 12, "ab", Utc::now());
        assert!(cp.is_signed_by(&key));
        let back: Checkpoint = serde_json::from_str(&serde_json::to_string(&cp).unwrap()).unwrap();
        assert!(back.is_signed_by(&key));
        assert!(!Checkpoint { seq: 11, ..cp.clone() }.is_signed_by(&key));
        assert!(!Checkpoint { mac: "ac".into(), ..cp.clone() }.is_signed_by(&key));
        assert!(!cp.is_signed_by(&MasterKey::from_bytes([3; 32]).for_service("exit")));
        assert!(!cp.is_signed_by(&MasterKey::from_bytes([4; 32]).for_service("funding")));
    }
}
