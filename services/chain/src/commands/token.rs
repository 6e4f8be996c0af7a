//! `chain token`: a development token signed with the key `chain up` keeps in the data directory.

use std::path::Path;

use anyhow::Context;
use chain::keys;
use chain_api::Role;
use chain_domain::{Jurisdiction, registry};

use crate::cli::TokenArgs;

/// Prints the token on stdout and, on stderr, which key signed it. Refuses an unknown role or
/// division, and a data directory without a signing key (a new key would sign tokens that the
/// running gateway does not accept).
pub fn run(data: &Path, args: TokenArgs) -> anyhow::Result<i32> {
    let roles = args
        .roles
        .iter()
        .map(|r| {
            serde_json::from_value::<Role>(serde_json::Value::String(r.trim().to_owned()))
                .with_context(|| format!("unknown role {r}"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    known_jurisdiction(&args.jurisdiction)?;
    let ttl = args.ttl_seconds.unwrap_or(args.ttl_hours * 3600);
    anyhow::ensure!(ttl > 0, "the lifetime must be positive");
    let path = keys::signing_key_path(data);
    let Some(key) = keys::existing_signing_key(data)? else {
        anyhow::bail!(
            "no signing key at {}: `chain up` creates it there on its first start. Run this from the \
             directory that holds the data directory of the running system, or point --data-dir \
             (CHAIN_DATA_DIR) at it.",
            path.display()
        );
    };
    eprintln!("signed with {}", path.display());
    #[expect(clippy::disallowed_methods, reason = "token expiry is measured by the wall clock")]
    let now = chrono::Utc::now().timestamp();
    println!(
        "{}",
        key.sign(&chain_gateway::Claims {
            sub: args.sub,
            iss: args.tokens.token_issuer,
            aud: args.tokens.token_audience,
            exp: now + ttl,
            iat: Some(now),
            name: None,
            roles,
            jurisdiction: args.jurisdiction,
        })
    );
    Ok(0)
}

/// `CN`, or the code of a division that exists in the national division tree.
fn known_jurisdiction(text: &str) -> anyhow::Result<()> {
    match Jurisdiction::parse(text).map_err(|e| anyhow::anyhow!("--jurisdiction {text}: {e}"))? {
        Jurisdiction::National => Ok(()),
        Jurisdiction::Division(d) if registry().exists(&d) => Ok(()),
        Jurisdiction::Division(d) => {
            anyhow::bail!("--jurisdiction {d}: no such division in the national division tree")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_existing_divisions_are_jurisdictions() {
        assert!(known_jurisdiction("CN").is_ok());
        assert!(known_jurisdiction("520624").is_ok());
        assert!(known_jurisdiction("520624101201").is_ok());
        let unknown = known_jurisdiction("520699").unwrap_err().to_string();
        assert_eq!(unknown, "--jurisdiction 520699: no such division in the national division tree");
        assert!(known_jurisdiction("52x").is_err());
    }

    #[test]
    fn a_data_directory_without_a_key_gets_none_made() {
        let dir = std::env::temp_dir().join(format!("chain-token-{}-missing", std::process::id()));
        let args = TokenArgs {
            sub: "s".into(),
            roles: vec!["operator".into()],
            jurisdiction: "520624".into(),
            ttl_hours: 1,
            ttl_seconds: None,
            tokens: crate::cli::TokenSettings {
                token_issuer: chain::DEFAULT_ISSUER.into(),
                token_audience: chain::DEFAULT_AUDIENCE.into(),
            },
        };
        let err = run(&dir, args).unwrap_err().to_string();
        assert!(err.starts_with(&format!("no signing key at {}", dir.join("signing.key").display())), "{err}");
        assert!(!dir.exists(), "nothing is created");
    }
}
