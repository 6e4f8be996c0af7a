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

    use super::*;

    #[test]
    fn approving_a_plan_twice_is_an_invalid_transition() {
        let refusal = Refusal::Status { status: PlanStatus::Approved, step: crate::domain::Step::Approve };
        let p = Problem::from(Error::from(refusal));
        assert!(p.is(ProblemKind::InvalidTransition));
        assert_eq!(p.detail.as_deref(), Some("a plan that is approved cannot be approved"));
    }

    #[test]
    fn a_plan_missing_the_main_cause_is_a_validation_problem_on_measures() {
        let bad = chain_domain::Invalid::field("measures", "no measure addresses the main poverty cause illness");
        let p = Problem::from(Error::from(bad));
        assert_eq!((p.is(ProblemKind::Validation), p.errors[0].field.as_str()), (true, "measures"));
    }
}
