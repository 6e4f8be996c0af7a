//! What exit's verbs answer with when they do not answer with their result
//! ([`chain_bus::Error`]), and how exit's refusals become it: a refused step of the exit procedure
//! is an invalid transition; a proposal that misses the exit criteria is a validation problem
//! pointing at its fields (converted by `chain_bus`).

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
    use chain_api::exit::{Acknowledge, ExitStatus};

    use super::*;
    use crate::domain::validate_acknowledgement;

    #[test]
    fn every_refused_step_is_an_invalid_transition_saying_why() {
        let status = ExitStatus::Approved;
        for refusal in [
            Refusal::NotAcknowledged,
            Refusal::NoticeNotPassed,
            Refusal::NotProposed { status },
            Refusal::NoNotice { status },
            Refusal::NotApprovable { status },
        ] {
            let p = Problem::from(Error::from(refusal));
            assert!(p.is(ProblemKind::InvalidTransition), "{refusal}");
            assert_eq!(p.detail, Some(refusal.to_string()));
        }
    }

    #[test]
    fn an_unacceptable_acknowledgement_is_a_validation_problem_on_its_field() {
        let bad = validate_acknowledgement(&Acknowledge { acknowledged_by: " ".into() }).unwrap_err();
        let p = Problem::from(Error::from(bad));
        assert!(p.is(ProblemKind::Validation));
        assert_eq!(p.errors[0].field, "acknowledged_by");
    }
}
