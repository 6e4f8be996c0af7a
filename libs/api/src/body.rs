//! Reading a JSON request body into its type. A body that is not JSON at all is a 400
//! `malformed-json`; JSON that does not fit the type is a 422 `validation` problem naming the field
//! (`amount_fen`, `members/1/name`) and what it must be, in words rather than the decoder's.

use serde::de::DeserializeOwned;

use crate::{FieldError, Problem, ProblemKind};

/// Decodes `bytes` as a `T`, or says which field is wrong and how.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let field = pointer(e.path());
        rejection(e.into_inner(), field)
    })?;
    de.end().map_err(|e| rejection(e, String::new()))?;
    Ok(value)
}

/// Decodes an already parsed JSON value as a `T`, or says which field is wrong and how.
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, Problem> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let field = pointer(e.path());
        rejection(e.into_inner(), field)
    })
}

/// The path as the `field` of a [`FieldError`]: segments joined by `/`, list positions as numbers.
fn pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    path.iter()
        .filter_map(|s| match s {
            Segment::Seq { index } => Some(index.to_string()),
            Segment::Map { key } => Some(key.clone()),
            Segment::Enum { variant } => Some(variant.clone()),
            Segment::Unknown => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn rejection(e: serde_json::Error, field: String) -> Problem {
    use serde_json::error::Category;
    match e.classify() {
        Category::Data => {
            let (field, message) = explain(&e.to_string(), field);
            Problem::validation(vec![FieldError { field, message }])
        }
        Category::Syntax | Category::Eof | Category::Io => Problem::new(
            ProblemKind::MalformedJson,
            format!("the body is not valid JSON (line {}, column {})", e.line(), e.column()),
        ),
    }
}

/// What a decoding error says about the field at `field`, in the API's words. A missing field is
/// reported at its own path, not at its parent's.
fn explain(raw: &str, field: String) -> (String, String) {
    // serde_json appends " at line L column C"; the position says nothing a client needs.
    let raw = raw.rsplit_once(" at line ").map_or(raw, |(m, _)| m);
    let join = |parent: &str, name: &str| if parent.is_empty() { name.to_owned() } else { format!("{parent}/{name}") };
    if let Some(name) = between(raw, "missing field `", "`") {
        return (join(&field, name), "is required".to_owned());
    }
    if let Some(name) = between(raw, "unknown field `", "`") {
        return (join(&field, name), "is not a field of this request".to_owned());
    }
    if let Some(name) = between(raw, "duplicate field `", "`") {
        return (join(&field, name), "is given twice".to_owned());
    }
    let expected = raw.split_once(", expected ").map(|(_, e)| e.trim());
    let message = if field.rsplit('/').next().is_some_and(|last| last.ends_with("_fen"))
        && (raw.starts_with("invalid type") || raw.starts_with("invalid value"))
    {
        "must be a whole number of fen".to_owned()
    } else if raw.starts_with("unknown variant") {
        match expected {
            Some(list) => format!("must be {}", list.replace('`', "")),
            None => "is not one of the accepted values".to_owned(),
        }
    } else if let Some(expected) = expected {
        format!("must be {}", in_words(expected))
    } else {
        // A type's own check (a newtype's parse) already speaks the API's language.
        raw.to_owned()
    };
    (if field.is_empty() { "body".to_owned() } else { field }, message)
}

/// The text between `start` and the next `end`.
fn between<'a>(raw: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let rest = &raw[raw.find(start)? + start.len()..];
    rest.split_once(end).map(|(name, _)| name)
}

/// Rust type names as a client reads them.
fn in_words(expected: &str) -> String {
    let integer = ["i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "usize", "isize"];
    match expected {
        e if integer.contains(&e) => "a whole number".to_owned(),
        "f32" | "f64" => "a number".to_owned(),
        "a boolean" | "bool" => "true or false".to_owned(),
        "UUID parsing failed" => "a UUID".to_owned(),
        e if e.starts_with("struct ") => "an object".to_owned(),
        e if e.starts_with("a sequence") => "a list".to_owned(),
        e => e.trim_start_matches("a formatted ").to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Allocation {
        to: String,
        amount_fen: i64,
        members: Vec<Member>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Member {
        age: u32,
    }

    fn field_error(body: &str) -> FieldError {
        let p = decode::<Allocation>(body.as_bytes()).unwrap_err();
        assert_eq!(p.status, 422, "{p:?}");
        p.errors.into_iter().next().unwrap()
    }

    #[test]
    fn a_fractional_or_string_amount_is_named_and_explained() {
        for body in [r#"{"to":"52","amount_fen":1.5,"members":[]}"#, r#"{"to":"52","amount_fen":"100","members":[]}"#] {
            let e = field_error(body);
            assert_eq!((e.field.as_str(), e.message.as_str()), ("amount_fen", "must be a whole number of fen"));
        }
    }

    #[test]
    fn a_missing_field_is_reported_at_its_own_path() {
        let e = field_error(r#"{"to":"52","members":[]}"#);
        assert_eq!((e.field.as_str(), e.message.as_str()), ("amount_fen", "is required"));
        let e = field_error(r#"{"to":"52","amount_fen":1,"members":[{"age":3},{}]}"#);
        assert_eq!((e.field.as_str(), e.message.as_str()), ("members/1/age", "is required"));
    }

    #[test]
    fn a_wrong_type_says_what_the_field_must_be() {
        let e = field_error(r#"{"to":7,"amount_fen":1,"members":[]}"#);
        assert_eq!((e.field.as_str(), e.message.as_str()), ("to", "must be a string"));
        let e = field_error(r#"{"to":"52","amount_fen":1,"members":[{"age":-1}]}"#);
        assert_eq!(e.field, "members/0/age");
    }

    #[test]
    fn a_parsed_value_is_held_to_the_same_rules() {
        let p =
            from_value::<Allocation>(serde_json::json!({"to": "52", "amount_fen": 2.5, "members": []})).unwrap_err();
        assert_eq!(p.errors[0].field, "amount_fen");
        assert_eq!(p.errors[0].message, "must be a whole number of fen");
    }

    #[test]
    fn a_body_that_is_not_json_is_malformed() {
        let p = decode::<Allocation>(b"{\"to\":").unwrap_err();
        assert_eq!((p.status, p.kind.as_str()), (400, "/problems/malformed-json"));
        let p = decode::<Allocation>(br#"{"to":"52","amount_fen":1,"members":[]} x"#).unwrap_err();
        assert_eq!(p.status, 400);
    }
}
