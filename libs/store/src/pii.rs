//! Protection of personal data at rest — resident ID numbers, bank accounts, phones: ChaCha20-Poly1305
//! encryption for the stored value and an HMAC-SHA256 blind index for lookups and uniqueness
//! checks. Each service that keeps personal data holds its own master key.

use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use chain_domain::ResidentId;
use chrono::NaiveDate;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The master key for personal data; two sub-keys are derived from it.
#[derive(Clone)]
pub struct PiiKey {
    encryption: [u8; 32],
    index: [u8; 32],
}

impl std::fmt::Debug for PiiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PiiKey(***)")
    }
}

fn derive(master: &[u8; 32], label: &str) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(master).expect("any key length is accepted");
    mac.update(label.as_bytes());
    mac.finalize().into_bytes().into()
}

impl PiiKey {
    /// Derives the sub-keys from a 32-byte master key.
    pub fn from_master(master: [u8; 32]) -> Self {
        PiiKey { encryption: derive(&master, "chain/pii/encryption/v1"), index: derive(&master, "chain/pii/index/v1") }
    }

    /// Reads a master key given as 64 hex characters.
    pub fn from_hex(hex_key: &str) -> anyhow::Result<Self> {
        let bytes =
            hex::decode(hex_key.trim()).map_err(|_| anyhow::anyhow!("the PII key must be 64 hex characters"))?;
        let master: [u8; 32] =
            bytes.try_into().map_err(|_| anyhow::anyhow!("the PII key must be 32 bytes (64 hex characters)"))?;
        Ok(Self::from_master(master))
    }

    /// The keyed blind index of an ID: equal IDs give equal indexes; the index reveals nothing
    /// without the key.
    pub fn blind_index(&self, id: &ResidentId) -> String {
        self.blind_index_text(id.as_str())
    }

    /// The keyed blind index of any personal datum (a helper's phone), like an ID's.
    pub fn blind_index_text(&self, plain: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.index).expect("32-byte key");
        mac.update(plain.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// Encrypts an ID with a random nonce; the result is `base64(nonce ‖ ciphertext)`.
    pub fn encrypt(&self, id: &ResidentId) -> anyhow::Result<String> {
        self.encrypt_text(id.as_str())
    }

    /// Decrypts a value made by [`PiiKey::encrypt`].
    pub fn decrypt(&self, stored: &str) -> anyhow::Result<ResidentId> {
        let text = self.decrypt_text(stored)?;
        // Its birth date was checked against the day it was entered.
        ResidentId::parse(&text, NaiveDate::MAX).map_err(|e| anyhow::anyhow!("stored ID is invalid: {e}"))
    }

    /// Encrypts any personal datum (a bank account number) the same way as an ID.
    pub fn encrypt_text(&self, plain: &str) -> anyhow::Result<String> {
        let cipher = ChaCha20Poly1305::new(Key::from_slice(&self.encryption));
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
        let ct = cipher
            .encrypt(Nonce::from_slice(&nonce), plain.as_bytes())
            .map_err(|_| anyhow::anyhow!("encryption failed"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        Ok(base64::engine::general_purpose::STANDARD.encode(out))
    }

    /// Decrypts a value made by [`PiiKey::encrypt_text`].
    pub fn decrypt_text(&self, stored: &str) -> anyhow::Result<String> {
        let raw = base64::engine::general_purpose::STANDARD.decode(stored)?;
        anyhow::ensure!(raw.len() > 12, "stored value too short");
        let cipher = ChaCha20Poly1305::new(Key::from_slice(&self.encryption));
        let plain = cipher
            .decrypt(Nonce::from_slice(&raw[..12]), &raw[12..])
            .map_err(|_| anyhow::anyhow!("stored value does not decrypt with this key"))?;
        Ok(String::from_utf8(plain)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id() -> ResidentId {
        ResidentId::parse(&chain_domain::with_check_digit("52062419800101002"), NaiveDate::MAX).unwrap()
    }

    #[test]
    fn an_encrypted_id_decrypts_and_never_contains_the_plain_number() {
        let key = PiiKey::from_master([7; 32]);
        let stored = key.encrypt(&id()).unwrap();
        assert!(!stored.contains(id().as_str()));
        assert_eq!(key.decrypt(&stored).unwrap(), id());
    }

    #[test]
    fn the_blind_index_is_stable_and_keyed() {
        let a = PiiKey::from_master([1; 32]);
        let b = PiiKey::from_master([2; 32]);
        assert_eq!(a.blind_index(&id()), a.blind_index(&id()));
        assert_ne!(a.blind_index(&id()), b.blind_index(&id()));
    }
}
