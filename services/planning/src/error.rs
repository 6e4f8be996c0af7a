//! What planning's verbs answer with when they do not answer with their result
//! ([`chain_bus::Error`]), and how planning's refusals become it: a refused step of a plan's
//! procedure is an invalid transition; an invalid plan is a validation problem pointing at its
//! fields (converted by `chain_bus`).

use chain_api::Problem;

use crate::domain::Refusal;

pub use chain_bus::{Error, Result};

impl From<Refusal> for Error {
    fn from(refusal: Refusal) -> Error {
        Error::Refused(Problem::transition(refusal.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use chain_api::ProblemKind;
    use chain_api::planning::PlanStatus;
    use chain_domain::Invalid;

    use super::*;
    use crate::domain::{Step, next};

    #[test]
    fn a_refused_step_is_answered_as_an_invalid_transition() {
        let p = Problem::from(Error::from(next(PlanStatus::Approved, Step::Approve).unwrap_err()));
        assert!(p.is(ProblemKind::InvalidTransition));
        assert_eq!(p.detail.as_deref(), Some("only a draft plan can be approved; this one is approved"));
    }

    #[test]
    fn an_invalid_plan_is_answered_as_a_validation_problem_on_its_fields() {
        let p = Problem::from(Error::from(Invalid::field("measures", "a plan lists 1 to 20 measures")));
        assert!(p.is(ProblemKind::Validation));
        assert_eq!(p.errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["measures"]);
    }
}
