//! `chain nats authorization`: the `authorization` block a NATS server needs to admit the bus's
//! identities, each with only its own subjects.

use std::path::Path;

use super::run::ROOT;
use chain::nats::BusCredentials;

/// The block for the seeds in `dir` (creating the missing ones), in the server's configuration
/// syntax, ending with a newline.
pub fn authorization(dir: &Path) -> anyhow::Result<String> {
    let credentials = BusCredentials::read_or_create(dir)?;
    Ok(format!("authorization: {:#}\n", credentials.authorization(ROOT)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_development_overlay_admits_its_own_seeds_with_todays_permissions() {
        let dev = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/k8s/overlays/dev/dev-keys");
        let committed = std::fs::read_to_string(dev.join("nats-authorization.conf")).unwrap();
        assert_eq!(
            authorization(&dev.join("nats")).unwrap(),
            committed,
            "regenerate it: chain nats authorization --credentials deploy/k8s/overlays/dev/dev-keys/nats \\
             > deploy/k8s/overlays/dev/dev-keys/nats-authorization.conf"
        );
    }

    #[test]
    fn a_new_directory_gets_a_seed_per_identity_and_each_public_key_in_the_block() {
        let dir = std::env::temp_dir().join(format!("chain-nats-{}", uuid::Uuid::now_v7().simple()));
        let block = authorization(&dir).unwrap();
        let json: serde_json::Value = serde_json::from_str(block.strip_prefix("authorization: ").unwrap()).unwrap();
        let keys: Vec<&str> = json["users"].as_array().unwrap().iter().map(|u| u["nkey"].as_str().unwrap()).collect();
        for id in chain::nats::IDENTITIES {
            let seed = std::fs::read_to_string(dir.join(format!("{id}.nk"))).unwrap();
            let public = nkeys::KeyPair::from_seed(seed.trim()).unwrap().public_key();
            assert!(keys.contains(&public.as_str()), "{id} is not admitted");
        }
        assert_eq!(authorization(&dir).unwrap(), block, "a second run keeps the seeds");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
