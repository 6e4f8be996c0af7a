//! Who may take which step on a task: pure checks over the principal and the task's owner and
//! signer divisions.

use chain_api::{Principal, Problem, Role};

/// The division string of the caller's layer: `CN` or a code.
pub fn layer_of(p: &Principal) -> String {
    p.jurisdiction.to_string()
}

/// Whether a task or record of `division` (`CN` or a code) lies inside the caller's jurisdiction.
pub fn covers(p: &Principal, division: &str) -> bool {
    match p.jurisdiction.division() {
        None => true,
        Some(d) => division.starts_with(d.as_str()),
    }
}

/// The caller's jurisdiction as a code prefix (empty for the centre).
pub fn prefix_of(p: &Principal) -> String {
    p.jurisdiction.division().map(|d| d.as_str().to_owned()).unwrap_or_default()
}

/// The owning layer acts on its own task: exactly that layer, with one of `roles`.
pub fn owner_acts(p: &Principal, owner: &str, roles: &[Role]) -> Result<(), Problem> {
    if !covers(p, owner) {
        return Err(Problem::not_found("task"));
    }
    if !roles.iter().any(|r| p.has(*r)) {
        return Err(Problem::forbidden(format!("this step needs the role {}", names(roles))));
    }
    if layer_of(p) != owner {
        return Err(Problem::forbidden(format!(
            "only the owning layer ({owner}) takes this step; a layer acts only on its own tasks"
        )));
    }
    Ok(())
}

/// An approver or administrator issues work from their layer (a directive, a schedule of reports);
/// `doing` names the step in the refusal, e.g. `issuing a directive`.
pub fn issuer_acts(p: &Principal, doing: &str) -> Result<(), Problem> {
    if p.has(Role::Approver) || p.has(Role::Admin) {
        Ok(())
    } else {
        Err(Problem::forbidden(format!("{doing} needs the role approver or admin")))
    }
}

/// The signing layer (the one above, or the issuer for a root) acts on a task of `owner`.
pub fn signer_acts(p: &Principal, owner: &str, signer: &str, roles: &[Role]) -> Result<(), Problem> {
    if !covers(p, owner) {
        return Err(Problem::not_found("task"));
    }
    if !roles.iter().any(|r| p.has(*r)) {
        return Err(Problem::forbidden(format!("this step needs the role {}", names(roles))));
    }
    if layer_of(p) != signer {
        return Err(Problem::forbidden(format!("only the signing layer ({signer}) takes this step")));
    }
    Ok(())
}

fn names(roles: &[Role]) -> String {
    roles.iter().map(chain_store::text::enum_str).collect::<Vec<_>>().join(" or ")
}

/// Checks a kind name: 1–64 of lowercase letters, digits, `.` and `-`, starting with a letter.
pub fn valid_kind(kind: &str) -> bool {
    (1..=chain_api::limits::KIND_CHARS).contains(&kind.len())
        && kind.starts_with(|c: char| c.is_ascii_lowercase())
        && kind.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use chain_domain::Jurisdiction;

    fn official(j: &str, roles: &[Role]) -> Principal {
        Principal { subject: "o".into(), roles: roles.to_vec(), jurisdiction: Jurisdiction::parse(j).unwrap() }
    }

    #[test]
    fn only_the_owning_layer_acts_on_its_task() {
        let county = official("520624", &[Role::Operator]);
        assert!(owner_acts(&county, "520624", &[Role::Operator]).is_ok());
        let township_task = owner_acts(&county, "520624101", &[Role::Operator]).unwrap_err();
        assert_eq!(township_task.status, 403);
        let other = owner_acts(&county, "520623", &[Role::Operator]).unwrap_err();
        assert_eq!(other.status, 404);
        let centre = official("CN", &[Role::Approver]);
        assert!(owner_acts(&centre, "CN", &[Role::Approver]).is_ok());
        assert_eq!(owner_acts(&official("52", &[Role::Approver]), "CN", &[Role::Approver]).unwrap_err().status, 404);
    }

    #[test]
    fn the_layer_above_signs() {
        let city = official("5206", &[Role::Approver]);
        assert!(signer_acts(&city, "520624", "5206", &[Role::Approver]).is_ok());
        assert_eq!(signer_acts(&city, "520624", "520624", &[Role::Approver]).unwrap_err().status, 403);
        let operator = official("5206", &[Role::Operator]);
        assert_eq!(signer_acts(&operator, "520624", "5206", &[Role::Approver]).unwrap_err().status, 403);
    }

    #[test]
    fn kinds_are_plain_names() {
        assert!(valid_kind("supervision.monthly"));
        assert!(valid_kind("plan.household"));
        assert!(!valid_kind(""));
        assert!(!valid_kind("Supervision"));
        assert!(!valid_kind("a b"));
        assert!(!valid_kind(&"a".repeat(65)));
    }
}
