//! The service's errors at its boundary. Every verb answers [`Result`]: `?` turns a database
//! error, an unexpected failure (with its `context`), a refusal ([`Problem`]) or a pure rule's
//! refusal ([`Refusal`], [`chain_domain::Invalid`]) into an [`Error`], which the endpoint answers
//! once, as its problem. Below, the refusals several features share.

pub use chain_bus::{Error, Result};

use chain_api::{FieldError, Problem, ProblemKind};

use crate::domain::Refusal;

impl From<Refusal> for Error {
    fn from(refusal: Refusal) -> Error {
        match refusal {
            Refusal::Transition(why) => Error::Refused(Problem::transition(why)),
            Refusal::Invalid(invalid) => Error::from(invalid),
        }
    }
}

/// A record changed between reading it and saving the change (409 `stale-version`).
pub fn stale(record: &str) -> Problem {
    Problem::new(ProblemKind::StaleVersion, format!("the {record} changed concurrently; read it again"))
}

/// Refuses a stale `If-Match` on a record at `version` (412).
pub fn check_version(record: &str, version: i64, expected: Option<i64>) -> Result<(), Problem> {
    match expected {
        Some(v) if v != version => {
            Err(Problem::new(ProblemKind::PreconditionFailed, format!("the {record} is at version {version}, not {v}")))
        }
        _ => Ok(()),
    }
}

/// A resident ID number that already belongs to an active household (409
/// `duplicate-resident-id`), `message` on the field that names it.
pub fn duplicate_id(detail: &str, field: impl Into<String>, message: impl Into<String>) -> Problem {
    Problem {
        errors: vec![FieldError { field: field.into(), message: message.into() }],
        ..Problem::new(ProblemKind::DuplicateResidentId, detail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_s_refusal_is_answered_as_a_transition_or_a_validation_problem() {
        let p: Problem = Error::from(Refusal::transition("not now")).into();
        assert_eq!((p.status, p.detail.as_deref()), (409, Some("not now")));
        let p: Problem = Error::from(Refusal::from(chain_domain::Invalid::field("year", "too early"))).into();
        assert_eq!((p.status, p.errors[0].field.as_str()), (422, "year"));
    }
}
