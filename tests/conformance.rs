//! Every JSON answer the suite receives is checked against the OpenAPI document the gateway
//! serves: the operation must document the answer's status and media type, and the body must
//! validate against that response's schema (JSON Schema 2020-12, as OpenAPI 3.1 defines it).
//! Answers to paths or methods the document does not have (the router's own 404/405) are not
//! checked here; the gateway tests check those.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use reqwest::{Method, StatusCode};
use serde_json::Value;

fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| serde_json::to_value(chain_gateway::openapi::document()).expect("the document is JSON"))
}

/// How well a path template matches a request path: `None` if not at all, else the number of
/// segments matched literally (so `/v1/households/counts` wins over `/v1/households/{id}`).
fn fit(template: &str, path: &str) -> Option<usize> {
    let (t, p): (Vec<_>, Vec<_>) = (template.split('/').collect(), path.split('/').collect());
    if t.len() != p.len() {
        return None;
    }
    let mut literal = 0;
    for (t, p) in t.iter().zip(&p) {
        match t.strip_prefix('{').and_then(|rest| rest.split_once('}')) {
            // `{id}` or `{id}:approve`: any non-empty value, then the literal suffix.
            Some((_, suffix)) => {
                let value = p.strip_suffix(suffix)?;
                if value.is_empty() || (suffix.is_empty() && value.contains(':')) {
                    return None;
                }
            }
            None if t == p => literal += 1,
            None => return None,
        }
    }
    Some(literal)
}

/// The document's operation for a request, with its path template.
fn operation(method: &Method, path: &str) -> Option<(&'static str, &'static Value)> {
    let path = path.split('?').next().unwrap_or_default();
    let paths = document()["paths"].as_object()?;
    let (template, item) = paths
        .iter()
        .filter_map(|(t, item)| Some((fit(t, path)?, t, item)))
        .max_by_key(|(n, _, _)| *n)
        .map(|(_, t, i)| (t, i))?;
    let op = item.get(method.as_str().to_lowercase())?;
    Some((template.as_str(), op))
}

type Validators = Mutex<HashMap<String, Arc<jsonschema::Validator>>>;

/// The validator for one response schema; the document's components come along so that its
/// `#/components/schemas/…` references resolve.
fn validator(key: String, schema: &Value) -> Arc<jsonschema::Validator> {
    static CACHE: OnceLock<Validators> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(v) = cache.lock().unwrap().get(&key) {
        return v.clone();
    }
    let mut root = schema.clone();
    if let Value::Object(o) = &mut root {
        o.insert("components".into(), document()["components"].clone());
    }
    let v = Arc::new(jsonschema::draft202012::new(&root).unwrap_or_else(|e| panic!("{key}: not a valid schema: {e}")));
    cache.lock().unwrap().insert(key, v.clone());
    v
}

/// Panics unless `value` validates against `schema`, a schema of the document (its
/// `#/components/schemas/…` references resolve).
pub fn validate(schema: &Value, value: &Value) {
    let v = validator(format!("validate {schema}"), schema);
    let errors: Vec<String> = v.iter_errors(value).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "not valid against its documented schema:\n  {}\nvalue: {value}", errors.join("\n  "));
}

/// Panics unless the answer is one the document describes for the request.
pub fn check(method: &Method, path: &str, status: StatusCode, content_type: &str, body: &Value) {
    let Some((template, op)) = operation(method, path) else { return };
    let what = format!("{method} {template}");
    let mut response = op["responses"]
        .get(status.as_str())
        .unwrap_or_else(|| panic!("{what} answered {status}, which the document does not list: {body}"));
    let doc = document();
    if let Some(shared) = response["$ref"].as_str() {
        let name = shared.strip_prefix("#/components/responses/").unwrap_or(shared);
        response = doc["components"]["responses"]
            .get(name)
            .unwrap_or_else(|| panic!("{what} {status} refers to {shared}, which the document does not have"));
    }
    if body.is_null() {
        return;
    }
    let media = content_type.split(';').next().unwrap_or_default().trim();
    let content = response["content"]
        .get(media)
        .unwrap_or_else(|| panic!("{what} answered {status} as {media}, which the document does not list: {body}"));
    let Some(schema) = content.get("schema") else { return };
    let v = validator(format!("{what} {status} {media}"), schema);
    let errors: Vec<String> = v.iter_errors(body).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(
        errors.is_empty(),
        "{what} answered {status} against its documented schema:\n  {}\nbody: {body}",
        errors.join("\n  ")
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_find_their_operations() {
        assert!(
            fit("/v1/households/{id}", "/v1/households/counts") < fit("/v1/households/counts", "/v1/households/counts")
        );
        assert!(fit("/v1/households/{id}:appraise", "/v1/households/0190:appraise").is_some());
        assert_eq!(fit("/v1/households/{id}", "/v1/households/0190:appraise"), None);
        assert_eq!(fit("/v1/households/{id}:appraise", "/v1/households/0190:verify"), None);
        let (t, _) = operation(&Method::GET, "/v1/households/counts?division=52").unwrap();
        assert_eq!(t, "/v1/households/counts");
        let (t, _) = operation(&Method::POST, "/v1/tasks/0190:sign-off").unwrap();
        assert_eq!(t, "/v1/tasks/{id}:sign-off");
        assert!(operation(&Method::DELETE, "/v1/tasks/0190").is_none());
    }
}
