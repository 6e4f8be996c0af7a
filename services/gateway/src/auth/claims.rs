//! Where a token carries the official's roles and jurisdiction: claim paths such as `roles`
//! (development tokens), Keycloak's `realm_access.roles` or `resource_access.<client>.roles`, and
//! an attribute such as `chain_jurisdiction`.

use chain_api::Role;
use chain_domain::Jurisdiction;
use serde_json::Value;

/// The claim paths the principal is read from; a path is claim names joined by dots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimPaths {
    /// Paths to role lists (an array of strings, or one space-separated string); roles from all of
    /// them are held, names the system does not know are ignored.
    pub roles: Vec<String>,
    /// Path to the jurisdiction (`CN` or a division code; a one-element array is accepted).
    pub jurisdiction: String,
}

impl Default for ClaimPaths {
    /// The layout of development tokens: top-level `roles` and `jurisdiction`.
    fn default() -> Self {
        ClaimPaths { roles: vec!["roles".into()], jurisdiction: "jurisdiction".into() }
    }
}

/// The value at a dotted path.
fn at<'a>(claims: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(claims, |v, name| v.get(name))
}

impl ClaimPaths {
    /// The known roles the token holds, in a stable order; refused when it holds none.
    pub fn roles(&self, claims: &Value) -> Result<Vec<Role>, &'static str> {
        let mut roles = Vec::new();
        for path in &self.roles {
            let names: Vec<&str> = match at(claims, path) {
                Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
                Some(Value::String(s)) => s.split_whitespace().collect(),
                _ => continue,
            };
            for name in names {
                if let Ok(role) = serde_json::from_value::<Role>(Value::String(name.to_owned()))
                    && !roles.contains(&role)
                {
                    roles.push(role);
                }
            }
        }
        if roles.is_empty() {
            return Err("the token carries none of this API's roles");
        }
        Ok(roles)
    }

    /// The jurisdiction the token names.
    pub fn jurisdiction(&self, claims: &Value) -> Result<Jurisdiction, &'static str> {
        let text = match at(claims, &self.jurisdiction) {
            Some(Value::String(s)) => s.as_str(),
            Some(Value::Array(items)) if items.len() == 1 => items[0].as_str().unwrap_or_default(),
            None => return Err("the token names no jurisdiction"),
            Some(_) => "",
        };
        Jurisdiction::parse(text).map_err(|_| "the token's jurisdiction is not valid")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keycloak_layouts_are_read_and_unknown_roles_ignored() {
        let paths = ClaimPaths {
            roles: vec!["realm_access.roles".into(), "resource_access.chain-api.roles".into()],
            jurisdiction: "chain_jurisdiction".into(),
        };
        let claims = json!({
            "realm_access": { "roles": ["offline_access", "uma_authorization", "operator"] },
            "resource_access": { "chain-api": { "roles": ["approver", "operator"] }, "account": { "roles": ["admin"] } },
            "chain_jurisdiction": ["520624"],
        });
        assert_eq!(paths.roles(&claims).unwrap(), vec![Role::Operator, Role::Approver]);
        assert_eq!(paths.jurisdiction(&claims).unwrap().to_string(), "520624");
    }

    #[test]
    fn a_token_without_a_known_role_or_jurisdiction_is_refused() {
        let paths = ClaimPaths::default();
        assert!(paths.roles(&json!({ "roles": ["offline_access"] })).is_err());
        assert!(paths.roles(&json!({})).is_err());
        assert_eq!(paths.roles(&json!({ "roles": "auditor approver" })).unwrap(), vec![Role::Auditor, Role::Approver]);
        assert!(paths.jurisdiction(&json!({ "jurisdiction": "52x" })).is_err());
        assert!(paths.jurisdiction(&json!({ "jurisdiction": 52 })).is_err());
        assert!(paths.jurisdiction(&json!({})).is_err());
    }
}
