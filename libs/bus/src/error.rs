//! The error of a service's endpoint: a refusal answered as its problem says, or a failure the
//! caller cannot act on, logged with its cause chain and answered as a generic internal problem.
//! The conversion to the wire's [`Problem`] happens once, where the endpoint answers.

use chain_api::{FieldError, Problem};

/// Why an endpoint did not answer with its result.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A rule, a permission, a precondition or the caller's input said no; answered as is.
    #[error("{0}")]
    Refused(Problem),
    /// The database failed.
    #[error("database failure")]
    Database(#[from] sea_orm::DbErr),
    /// Anything else that should not happen; its context says what was being done.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// A service's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<Problem> for Error {
    fn from(problem: Problem) -> Error {
        Error::Refused(problem)
    }
}

impl From<chain_domain::Invalid> for Error {
    fn from(invalid: chain_domain::Invalid) -> Error {
        let fields = invalid.0.into_iter().map(|v| FieldError { field: v.field, message: v.message }).collect();
        Error::Refused(Problem::validation(fields))
    }
}

impl From<Error> for Problem {
    fn from(err: Error) -> Problem {
        match err {
            Error::Refused(problem) => problem,
            Error::Database(e) => {
                tracing::error!(error = format!("{:#}", anyhow::Error::from(e)), "database failure");
                Problem::internal()
            }
            Error::Unexpected(e) => {
                tracing::error!(error = format!("{e:#}"), "unexpected failure");
                Problem::internal()
            }
        }
    }
}

impl Error {
    /// An unexpected failure with what was being done.
    pub fn unexpected(what: impl std::fmt::Display) -> Error {
        Error::Unexpected(anyhow::anyhow!("{what}"))
    }
}
