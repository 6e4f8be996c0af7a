//! RFC 9457 problem details: the one error shape of the whole system. Services answer NATS
//! requests with a `Problem`; the gateway turns it into `application/problem+json` unchanged.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Declares every problem kind once: its stable `type` slug, HTTP status and title. The gateway's
/// OpenAPI responses and the runtime both read this table, so they cannot drift apart.
macro_rules! problem_kinds {
    ($($variant:ident => ($slug:literal, $status:literal, $title:literal)),+ $(,)?) => {
        /// A kind of failure with a stable `type` URI.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum ProblemKind { $($variant),+ }

        impl ProblemKind {
            /// Every kind, for documentation.
            pub const ALL: &'static [ProblemKind] = &[$(ProblemKind::$variant),+];

            /// The stable slug in the `type` URI.
            pub fn slug(self) -> &'static str { match self { $(ProblemKind::$variant => $slug),+ } }

            /// The HTTP status this kind maps to.
            pub fn status(self) -> u16 { match self { $(ProblemKind::$variant => $status),+ } }

            /// A short, human-readable summary that never changes between occurrences.
            pub fn title(self) -> &'static str { match self { $(ProblemKind::$variant => $title),+ } }
        }
    };
}

problem_kinds! {
    MalformedJson => ("malformed-json", 400, "The request body is not valid JSON for this operation"),
    BadRequest => ("bad-request", 400, "The request is malformed"),
    Unauthenticated => ("unauthenticated", 401, "A valid bearer token is required"),
    Forbidden => ("forbidden", 403, "Your role or jurisdiction does not allow this"),
    NotFound => ("not-found", 404, "No such resource"),
    MethodNotAllowed => ("method-not-allowed", 405, "Method not allowed on this resource"),
    Conflict => ("conflict", 409, "The request conflicts with the current state"),
    DuplicateResidentId => ("duplicate-resident-id", 409, "A resident ID number is already in an active household"),
    StaleVersion => ("stale-version", 409, "The resource changed since you read it"),
    IdempotencyInFlight => ("idempotency-in-flight", 409, "A request with this Idempotency-Key is still being processed"),
    PreconditionFailed => ("precondition-failed", 412, "If-Match does not match the current version"),
    PayloadTooLarge => ("payload-too-large", 413, "The request body is larger than this operation accepts"),
    UnsupportedMediaType => ("unsupported-media-type", 415, "Send application/json"),
    Validation => ("validation", 422, "The request failed validation"),
    InsufficientFunds => ("insufficient-funds", 422, "The division would spend more than it received"),
    InvalidTransition => ("invalid-transition", 409, "This step is not allowed in the current state"),
    QuotaExceeded => ("quota-exceeded", 409, "The village's identification quota for the year is used up"),
    IdempotencyKeyReused => ("idempotency-key-reused", 422, "This Idempotency-Key was used with a different request"),
    RateLimited => ("rate-limited", 429, "Too many requests; retry after the seconds in Retry-After"),
    Unavailable => ("unavailable", 503, "A service needed for this request is unavailable"),
    Internal => ("internal", 500, "Internal error"),
}

/// Prefix of every problem `type`: a relative URI reference resolved against the gateway.
pub const TYPE_PREFIX: &str = "/problems/";

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    /// JSON pointer-like path of the field, e.g. `members/1/resident_id`.
    pub field: String,
    /// What is wrong with it. Never echoes personal data.
    pub message: String,
}

/// The `type` of a problem: `/problems/<slug>` for one of [`ProblemKind::ALL`].
#[derive(Debug, Clone, Copy)]
pub struct ProblemType;

impl utoipa::PartialSchema for ProblemType {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("The kind of problem (RFC 9457 `type`), a URI reference relative to the server."))
            .enum_values(Some(ProblemKind::ALL.iter().map(|k| format!("{TYPE_PREFIX}{}", k.slug()))))
            .into()
    }
}

impl ToSchema for ProblemType {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("ProblemType")
    }
}

/// An RFC 9457 problem details object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// Stable URI reference identifying the kind of problem, e.g. `/problems/validation`.
    #[serde(rename = "type")]
    #[schema(value_type = ProblemType)]
    pub kind: String,
    /// Short summary of the kind.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// Explanation specific to this occurrence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The request path this occurrence concerns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// Field-level validation errors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl Problem {
    /// A problem of the given kind with an occurrence-specific detail.
    pub fn new(kind: ProblemKind, detail: impl Into<String>) -> Self {
        Problem {
            kind: format!("{TYPE_PREFIX}{}", kind.slug()),
            title: kind.title().to_owned(),
            status: kind.status(),
            detail: Some(detail.into()),
            instance: None,
            errors: Vec::new(),
        }
    }

    /// A validation problem listing each invalid field, the first
    /// [`FIELD_ERRORS`](crate::limits::FIELD_ERRORS) of them: a refusal never outgrows the request.
    pub fn validation(mut errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [one] => format!("{}: {}", one.field, one.message),
            many if many.len() > crate::limits::FIELD_ERRORS => {
                format!("{} fields are invalid; the first {} are listed", many.len(), crate::limits::FIELD_ERRORS)
            }
            many => format!("{} fields are invalid", many.len()),
        };
        errors.truncate(crate::limits::FIELD_ERRORS);
        Problem { errors, ..Problem::new(ProblemKind::Validation, detail) }
    }

    /// A single-field validation problem.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Problem::validation(vec![FieldError { field: field.into(), message: message.into() }])
    }

    /// The record does not exist, or lies outside the caller's jurisdiction (indistinguishable).
    pub fn not_found(what: &str) -> Self {
        Problem::new(ProblemKind::NotFound, format!("{what} not found"))
    }

    /// The caller's role or jurisdiction does not allow the action.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Problem::new(ProblemKind::Forbidden, detail)
    }

    /// A step not allowed from the current state.
    pub fn transition(detail: impl Into<String>) -> Self {
        Problem::new(ProblemKind::InvalidTransition, detail)
    }

    /// An internal failure; the detail is deliberately generic.
    pub fn internal() -> Self {
        Problem::new(ProblemKind::Internal, "the request could not be completed; it has been logged")
    }

    /// Whether this problem is of the given kind.
    pub fn is(&self, kind: ProblemKind) -> bool {
        self.kind.strip_prefix(TYPE_PREFIX) == Some(kind.slug())
    }

    /// Sets the `instance` member.
    pub fn at(mut self, instance: impl Into<String>) -> Self {
        self.instance = Some(instance.into());
        self
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.title, self.status)?;
        if let Some(d) = &self.detail {
            write!(f, ": {d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problem {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_unique_slug_and_an_error_status() {
        let mut slugs: Vec<_> = ProblemKind::ALL.iter().map(|k| k.slug()).collect();
        slugs.sort();
        slugs.dedup();
        assert_eq!(slugs.len(), ProblemKind::ALL.len());
        assert!(ProblemKind::ALL.iter().all(|k| k.status() >= 400));
    }

    #[test]
    fn a_problem_knows_its_kind() {
        let p = Problem::invalid("amount_fen", "must be positive");
        assert!(p.is(ProblemKind::Validation));
        assert_eq!(p.status, 422);
        assert_eq!(p.kind, "/problems/validation");
    }

    #[test]
    fn a_validation_problem_lists_a_bounded_number_of_fields() {
        let many = (0..=crate::limits::FIELD_ERRORS)
            .map(|i| FieldError { field: format!("members/{i}/name"), message: "empty".into() })
            .collect();
        let p = Problem::validation(many);
        assert_eq!(p.errors.len(), crate::limits::FIELD_ERRORS);
        assert!(p.detail.unwrap().starts_with(&format!("{} fields are invalid", crate::limits::FIELD_ERRORS + 1)));
    }
}
