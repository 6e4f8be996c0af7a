//! What a rule says when it refuses a request's fields: each field that breaks a rule, by its
//! path in the request (`members/1/resident_id`), with the reason. Services answer it as a
//! validation problem pointing at those fields.

/// One field that breaks a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Path of the field in the request, JSON-pointer-like: `members/1/resident_id`.
    pub field: String,
    /// Why, as a sentence a clerk can act on.
    pub message: String,
}

/// The fields of a request that break the rules, in the order they were checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.0.iter().map(|v| format!("{}: {}", v.field, v.message)).collect::<Vec<_>>().join("; "))]
pub struct Invalid(pub Vec<Violation>);

impl Invalid {
    /// No violation yet.
    pub fn new() -> Invalid {
        Invalid(Vec::new())
    }

    /// One field's violation.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Invalid {
        Invalid(vec![Violation { field: field.into(), message: message.into() }])
    }

    /// Records that `field` breaks a rule.
    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(Violation { field: field.into(), message: message.into() });
    }

    /// Whether every field kept the rules.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `value` when every field kept the rules, else the violations.
    pub fn or<T>(self, value: T) -> Result<T, Invalid> {
        if self.0.is_empty() { Ok(value) } else { Err(self) }
    }
}
