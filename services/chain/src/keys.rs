//! Development key material kept in the data directory: the token signing key and the PII key.

use std::path::Path;

use anyhow::Context;
use chain_gateway::SigningKey;
use chain_identification::PiiKey;

fn read_or_create(path: &Path, make: impl FnOnce() -> anyhow::Result<String>) -> anyhow::Result<String> {
    if let Ok(text) = std::fs::read_to_string(path) {
        return Ok(text.trim().to_owned());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let value = make()?;
    std::fs::write(path, &value).with_context(|| format!("writing {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
    Ok(value)
}

/// The development token signing key in `<data>/signing.key`, created on first use.
pub fn signing_key(data: &Path) -> anyhow::Result<SigningKey> {
    let hex = read_or_create(&data.join("signing.key"), || Ok(SigningKey::generate()?.to_hex()))?;
    SigningKey::from_hex(&hex)
}

/// The PII master key: `$CHAIN_PII_KEY`, else `<data>/pii.key`, created on first use.
pub fn pii_key(data: &Path) -> anyhow::Result<PiiKey> {
    if let Ok(hex) = std::env::var("CHAIN_PII_KEY") {
        return PiiKey::from_hex(&hex);
    }
    let hex = read_or_create(&data.join("pii.key"), || {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
        Ok(hex::encode(key))
    })?;
    PiiKey::from_hex(&hex)
}
