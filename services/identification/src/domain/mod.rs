//! Pure rules of identification: validating what officials enter and the steps of the
//! procedures. No I/O and no wire answers: a rule refuses with [`chain_domain::Invalid`] (the
//! fields that break it) or a [`Refusal`], and `crate::error` answers either.

pub mod card;
pub mod helper;
pub mod household;
pub mod monitoring;
pub mod procedure;
pub mod quota;
pub mod remarks;

use chain_domain::Invalid;

/// Why a rule refuses a step.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The record's state does not allow the step now (answered 409 `invalid-transition`).
    #[error("{0}")]
    Transition(String),
    /// Fields of the request break the rule (answered 422, each field pointed at).
    #[error(transparent)]
    Invalid(#[from] Invalid),
}

impl Refusal {
    /// A step the record's state does not allow.
    pub fn transition(why: impl Into<String>) -> Refusal {
        Refusal::Transition(why.into())
    }
}
