//! Who is calling: the subject, roles and jurisdiction taken from a verified token. The gateway
//! forwards it to the services in the `Chain-Principal` header with its signature over the
//! principal and the request in `Chain-Principal-Proof` (`chain_bus::signed`); services verify the
//! signature, then enforce the principal again.

use chain_domain::{Division, Jurisdiction, Layer};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::Problem;

/// NATS header carrying the JSON-encoded principal of a request.
pub const PRINCIPAL_HEADER: &str = "Chain-Principal";

/// NATS header carrying the gateway's signature over the principal, the subject and the body of
/// a request: `<id>.<issued at, Unix ms>.<Ed25519 signature, base64url>`.
pub const PRINCIPAL_PROOF_HEADER: &str = "Chain-Principal-Proof";

/// A role an official holds within their jurisdiction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Enters and prepares records (applications, plans, proposals).
    Operator,
    /// Reviews, approves and signs off for their layer; allocates and disburses funds.
    Approver,
    /// Reads everything in the jurisdiction, including the audit trail; changes nothing.
    Auditor,
    /// A third-party assessor scoped to assigned counties.
    Assessor,
    /// Administers the jurisdiction (parameters, quotas).
    Admin,
    /// May read personal data (resident ID numbers) unmasked; every such read is audited.
    PiiReader,
}

/// The authenticated caller of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Principal {
    /// Stable identifier of the official (the token's `sub`).
    pub subject: String,
    /// Roles held.
    pub roles: Vec<Role>,
    /// The division prefix the official may act on (`CN` for the central layer).
    #[schema(value_type = String, example = "520624")]
    pub jurisdiction: Jurisdiction,
}

impl Principal {
    /// The system itself, acting on its own timers and notice windows (submitting a layer's task
    /// when its notice passes, reacting to another service's fact): no role, whole country.
    pub fn system() -> Principal {
        Principal { subject: "system".into(), roles: vec![], jurisdiction: Jurisdiction::National }
    }

    /// Whether the principal holds the role.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// The layer the official belongs to.
    pub fn layer(&self) -> Layer {
        self.jurisdiction.layer()
    }

    /// Whether the division lies inside the jurisdiction.
    pub fn covers(&self, division: &Division) -> bool {
        self.jurisdiction.covers(division)
    }

    /// Requires one of the roles, acting at exactly the given layer, over the division.
    /// Out-of-jurisdiction callers get the caller-supplied `hidden` problem (usually a 404), so that
    /// records of other divisions cannot be probed.
    pub fn require(&self, roles: &[Role], layer: Layer, division: &Division, hidden: Problem) -> Result<(), Problem> {
        if !self.covers(division) {
            return Err(hidden);
        }
        if !roles.iter().any(|r| self.has(*r)) {
            return Err(Problem::forbidden(format!("this step needs the role {}", role_list(roles))));
        }
        if self.layer() != layer {
            return Err(Problem::forbidden(format!("this step is taken by an official of the {layer} layer")));
        }
        Ok(())
    }

    /// Requires one of the roles, at any layer whose jurisdiction covers the division.
    pub fn require_within(&self, roles: &[Role], division: &Division, hidden: Problem) -> Result<(), Problem> {
        if !self.covers(division) {
            return Err(hidden);
        }
        if !roles.iter().any(|r| self.has(*r)) {
            return Err(Problem::forbidden(format!("this step needs the role {}", role_list(roles))));
        }
        Ok(())
    }

    /// The roles as recorded in the audit trail: snake_case names joined by commas.
    pub fn role_names(&self) -> String {
        role_list(&self.roles).replace(" or ", ",")
    }

    /// The principal as the JSON carried in [`PRINCIPAL_HEADER`].
    pub fn to_header(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a principal from a [`PRINCIPAL_HEADER`] value.
    pub fn from_header(value: &str) -> Option<Principal> {
        serde_json::from_str(value).ok()
    }
}

fn role_list(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| serde_json::to_value(r).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default())
        .collect::<Vec<_>>()
        .join(" or ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sinan_approver() -> Principal {
        Principal {
            subject: "sinan".into(),
            roles: vec![Role::Approver],
            jurisdiction: Jurisdiction::parse("520624").unwrap(),
        }
    }

    #[test]
    fn an_official_of_another_county_sees_not_found() {
        let other = Division::parse("520623").unwrap();
        let err = sinan_approver()
            .require(&[Role::Approver], Layer::County, &other, Problem::not_found("household"))
            .unwrap_err();
        assert_eq!(err.status, 404);
    }

    #[test]
    fn a_county_official_cannot_act_for_the_township() {
        let township = Division::parse("520624101").unwrap();
        let err = sinan_approver()
            .require(&[Role::Approver], Layer::Township, &township, Problem::not_found("household"))
            .unwrap_err();
        assert_eq!(err.status, 403);
    }

    #[test]
    fn the_principal_round_trips_through_its_header() {
        let p = sinan_approver();
        assert_eq!(Principal::from_header(&p.to_header()), Some(p));
    }
}
