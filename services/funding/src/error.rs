//! What funding's verbs answer with when they do not answer with their result
//! ([`chain_bus::Error`]), and how funding's refusals become it: an allocation outside the
//! allocator's jurisdiction is forbidden, one to the wrong level points at `to`; a movement the
//! ledger refuses is short of funds or would overflow a total; an invalid request is a validation
//! problem pointing at its fields (converted by `chain_bus`).

use chain_api::{Problem, ProblemKind};

use anyhow::Context;

use crate::domain::Refusal;
use crate::ledger::{LedgerError, Replay};

pub use chain_bus::{Error, Result};

/// What a transfer id already used answers: the first answer to the same request, a conflict
/// for another one.
pub fn replayed<T: serde::de::DeserializeOwned>(replay: Replay) -> Result<T> {
    match replay {
        Replay::Same(answer) => Ok(serde_json::from_str(&answer).context("reading a transfer's first answer")?),
        Replay::Conflict => Err(Error::Refused(Problem::new(
            ProblemKind::Conflict,
            "this transfer_id was already used for a different movement",
        ))),
        Replay::New => Err(anyhow::anyhow!("a new transfer id has no answer to replay").into()),
    }
}

impl From<Refusal> for Error {
    fn from(refusal: Refusal) -> Error {
        Error::Refused(match refusal {
            Refusal::OutsideJurisdiction => Problem::forbidden(refusal.to_string()),
            Refusal::CentreToProvincesOnly | Refusal::NotCityOrCounty => Problem::invalid("to", refusal.to_string()),
        })
    }
}

impl From<LedgerError> for Error {
    fn from(e: LedgerError) -> Error {
        match e {
            LedgerError::Insufficient { .. } => {
                Error::Refused(Problem::new(ProblemKind::InsufficientFunds, e.to_string()))
            }
            LedgerError::Overflow(_) => Error::Refused(Problem::new(ProblemKind::Conflict, e.to_string())),
            LedgerError::NotPending(_) => Error::Refused(Problem::new(ProblemKind::InvalidTransition, e.to_string())),
            LedgerError::Untraced(_) => Error::Unexpected(anyhow::Error::new(e)),
            LedgerError::Db(e) => Error::Database(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use chain_domain::Money;

    use super::*;

    fn answer(refusal: Refusal) -> Problem {
        Problem::from(Error::from(refusal))
    }

    #[test]
    fn an_allocation_outside_the_jurisdiction_is_forbidden() {
        let p = answer(Refusal::OutsideJurisdiction);
        assert_eq!((p.status, p.detail.as_deref()), (403, Some("the receiving division is outside your jurisdiction")));
    }

    #[test]
    fn an_allocation_to_the_wrong_level_points_at_its_target() {
        for refusal in [Refusal::CentreToProvincesOnly, Refusal::NotCityOrCounty] {
            let p = answer(refusal);
            assert_eq!((p.status, p.errors[0].field.as_str()), (422, "to"), "{refusal}");
            assert_eq!(p.errors[0].message, refusal.to_string());
        }
    }

    #[test]
    fn an_overspend_is_answered_as_insufficient_funds_naming_the_account_and_amounts() {
        let short = LedgerError::Insufficient {
            account: "520624".into(),
            available: Money::from_fen(100_000),
            needed: Money::from_fen(500_000),
        };
        let p = Problem::from(Error::from(short));
        assert!(p.is(ProblemKind::InsufficientFunds));
        assert_eq!(p.status, 422);
        assert_eq!(p.detail.as_deref(), Some("520624 has 1000.00 available; this needs 5000.00"));
    }
}
