//! Development key material kept in the data directory: the token signing key, the gateway's bus
//! signing key, the PII key and the audit master key.

use std::path::{Path, PathBuf};

use anyhow::Context;
use chain_bus::{PrincipalKey, PrincipalSigner};
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

/// Where the development token signing key of a data directory is kept.
pub fn signing_key_path(data: &Path) -> PathBuf {
    data.join("signing.key")
}

/// The development token signing key in `<data>/signing.key`, created on first use.
pub fn signing_key(data: &Path) -> anyhow::Result<SigningKey> {
    let hex = read_or_create(&signing_key_path(data), || Ok(SigningKey::generate()?.to_hex()))?;
    SigningKey::from_hex(&hex)
}

/// The development token signing key in `<data>/signing.key` if there is one; never creates it.
pub fn existing_signing_key(data: &Path) -> anyhow::Result<Option<SigningKey>> {
    let path = signing_key_path(data);
    match std::fs::read_to_string(&path) {
        Ok(hex) => SigningKey::from_hex(hex.trim()).with_context(|| format!("reading {}", path.display())).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(anyhow::Error::from(e).context(format!("reading {}", path.display()))),
    }
}

/// A service's PII master key in `<data>/<file>` (`pii.key` for identification,
/// `planning-pii.key` for planning), created on first use (development; production sets
/// `CHAIN_PII_KEY` for each service that keeps personal data, each its own).
pub fn pii_key(data: &Path, file: &str) -> anyhow::Result<PiiKey> {
    let hex = read_or_create(&data.join(file), || {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
        Ok(hex::encode(key))
    })?;
    PiiKey::from_hex(&hex)
}

/// Where the gateway's bus signing key of a data directory is kept.
pub fn bus_key_path(data: &Path) -> PathBuf {
    data.join("bus.key")
}

/// The gateway's key for signing the principals it forwards, in `<data>/bus.key` (the seed in
/// hex), created on first use.
pub fn bus_key(data: &Path) -> anyhow::Result<PrincipalSigner> {
    let path = bus_key_path(data);
    let hex = read_or_create(&path, || Ok(PrincipalSigner::generate()?.to_hex()))?;
    PrincipalSigner::from_hex(&hex).with_context(|| format!("reading {}", path.display()))
}

/// The bus signing key in `path` (the seed in hex).
pub fn read_bus_key(path: &Path) -> anyhow::Result<PrincipalSigner> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    PrincipalSigner::from_hex(&text).with_context(|| format!("reading {}", path.display()))
}

/// The gateway's bus public key in `path` (32 bytes in hex).
pub fn read_bus_public_key(path: &Path) -> anyhow::Result<PrincipalKey> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    PrincipalKey::from_hex(&text).with_context(|| format!("reading {}", path.display()))
}

/// Where the audit master key of a data directory is kept.
pub fn audit_key_path(data: &Path) -> PathBuf {
    data.join("audit.key")
}

/// The audit master key in `<data>/audit.key`, created on first use (development; production
/// sets `CHAIN_AUDIT_KEY`).
pub fn audit_key(data: &Path) -> anyhow::Result<chain_store::audit::MasterKey> {
    let hex = read_or_create(&audit_key_path(data), || Ok(chain_store::audit::MasterKey::generate()?.to_hex()))?;
    chain_store::audit::MasterKey::from_hex(&hex)
}
