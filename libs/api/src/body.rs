//! Reading a JSON request body into its type. A body that is not JSON at all is a 400
//! `malformed-json`; JSON that does not fit the type is a 422 `validation` problem naming the field
//! (`amount_fen`, `members/1/name`) and what it must be, in words rather than the decoder's.

use serde::de::DeserializeOwned;

use crate::{FieldError, Problem, ProblemKind};

/// Decodes `bytes` as a `T`, or says which field is wrong and how.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| rejection(e, String::new()))?;
    from_value(value)
}

/// Decodes an already parsed JSON value as a `T`, or says which field is wrong and how.
pub fn from_value<T: DeserializeOwned>(mut value: serde_json::Value) -> Result<T, Problem> {
    whole_numbers(&mut value);
    serde_path_to_error::deserialize(value).map_err(|e| {
        let field = pointer(e.path());
        rejection(e.into_inner(), field)
    })
}

/// The largest magnitude below which every integer is exactly a JSON (IEEE 754 double) number.
const EXACT: f64 = 9_007_199_254_740_992.0;

/// Numbers written with a fraction of zero (`2016.0`) as the whole numbers they are: JSON has one
/// number type, and the document's `integer` admits them, so a field of whole numbers takes them.
/// A real fraction (`1.5`) stays a fraction and is refused by the field.
fn whole_numbers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|f| n.is_f64() && f.fract() == 0.0 && f.abs() < EXACT) {
                *n = serde_json::Number::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers),
        Value::Object(fields) => fields.values_mut().for_each(whole_numbers),
        _ => {}
    }
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
    } else if raw.starts_with("UUID parsing failed") {
        "must be a UUID".to_owned()
    } else if CHRONO.contains(&raw) {
        // chrono's parse errors, for a date (`2026-12-01`) or a time (`2026-12-01T08:00:00Z`).
        "must be a date (YYYY-MM-DD) or a time (RFC 3339) as the document says".to_owned()
    } else {
        // A type's own check (a newtype's parse) already speaks the API's language.
        raw.to_owned()
    };
    (if field.is_empty() { "body".to_owned() } else { field }, message)
}

/// What chrono says of text that is not a date or a time.
const CHRONO: [&str; 6] = [
    "premature end of input",
    "input contains invalid characters",
    "input is out of range",
    "trailing input",
    "input is not enough for unique date and time",
    "no possible date and time matching input",
];

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
    fn a_whole_number_written_with_a_zero_fraction_is_that_number() {
        let a: Allocation = decode(br#"{"to":"52","amount_fen":100.0,"members":[{"age":3.0}]}"#).unwrap();
        assert_eq!((a.amount_fen, a.members[0].age), (100, 3));
        // Beyond what a JSON number holds exactly, it stays a fraction and is refused.
        assert_eq!(field_error(r#"{"to":"52","amount_fen":1e300,"members":[]}"#).field, "amount_fen");
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Dated {
        id: uuid::Uuid,
        on: chrono::NaiveDate,
    }

    #[test]
    fn an_empty_uuid_or_date_says_what_it_must_be() {
        let p = decode::<Dated>(br#"{"id":"","on":"2026-12-01"}"#).unwrap_err();
        assert_eq!((p.errors[0].field.as_str(), p.errors[0].message.as_str()), ("id", "must be a UUID"));
        let p = decode::<Dated>(br#"{"id":"01a2321b-bfe6-704b-b635-dc130e3f1ec9","on":""}"#).unwrap_err();
        assert_eq!(p.errors[0].field, "on");
        assert!(p.errors[0].message.starts_with("must be a date"), "{:?}", p.errors[0]);
    }

    #[test]
    fn a_body_that_is_not_json_is_malformed() {
        let p = decode::<Allocation>(b"{\"to\":").unwrap_err();
        assert_eq!((p.status, p.kind.as_str()), (400, "/problems/malformed-json"));
        let p = decode::<Allocation>(br#"{"to":"52","amount_fen":1,"members":[]} x"#).unwrap_err();
        assert_eq!(p.status, 400);
    }
}
