//! What the engine's system tests share: issuing a directive, finding and reading tasks, and
//! reading steps and tree counts out of answers.

use chain_system_tests::{Answer, TestSystem};
use chrono::Duration;
use serde_json::{Value, json};

/// The Beijing date `days` after the system's "now", as a directive's `due_date`.
pub(super) fn due_in(t: &TestSystem, days: i64) -> String {
    (chain_domain::calendar::beijing_date(t.clock.now()) + Duration::days(days)).to_string()
}

/// Issues a directive of the planning service as `who`; returns what it opened.
pub(super) async fn issue(
    t: &TestSystem,
    who: &str,
    kind: &str,
    targets: Value,
    due_date: &str,
    extra: Value,
) -> Value {
    let mut body = json!({
        "service": "planning",
        "kind": kind,
        "title": "整改落实情况督查",
        "body": { "instructions": "逐项核查整改台账" },
        "targets": targets,
        "due_date": due_date,
    });
    if let (Some(b), Some(more)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(more.clone());
    }
    let issued = t.post(who, "/v1/directives", body).await;
    let root = issued.ok(201)["task"]["id"].as_str().unwrap().to_owned();
    assert_eq!(issued.headers["location"], format!("/v1/tasks/{root}").as_str());
    assert_eq!(issued.headers["etag"], "\"1\"");
    issued.body.clone()
}

/// The task of `kind` owned by exactly `division`, as `who` lists it.
pub(super) async fn task_at(t: &TestSystem, who: &str, kind: &str, division: &str) -> Value {
    let found = t.get(who, &format!("/v1/tasks?kind={kind}&division={division}&limit=500")).await;
    let mut exact: Vec<Value> =
        found.ok(200).as_array().unwrap().iter().filter(|task| task["division"] == division).cloned().collect();
    assert_eq!(exact.len(), 1, "one {kind} task at {division}: {}", found.body);
    exact.remove(0)
}

/// A task as `who` reads it now.
pub(super) async fn read(t: &TestSystem, who: &str, id: &str) -> Value {
    t.get(who, &format!("/v1/tasks/{id}")).await.ok(200).clone()
}

/// The id of a task (or notice) in an answer.
pub(super) fn id_of(task: &Value) -> String {
    task["id"].as_str().unwrap().to_owned()
}

/// The version of a task in an answer: what `If-Match` carries.
pub(super) fn version_of(task: &Value) -> i64 {
    task["version"].as_i64().unwrap()
}

/// Asserts a successful step and its `ETag`; returns the task after it.
#[track_caller]
pub(super) fn stepped(answer: &Answer, state: &str) -> Value {
    let task = answer.ok(200).clone();
    assert_eq!(task["state"], state, "{task}");
    assert_eq!(answer.headers["etag"], format!("\"{}\"", version_of(&task)).as_str());
    task
}

/// The counts of one level in a tree answer.
pub(super) fn level<'a>(tree: &'a Value, name: &str) -> &'a Value {
    tree["levels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["level"] == name)
        .map(|l| &l["counts"])
        .unwrap_or_else(|| panic!("no {name} level in {}", tree["levels"]))
}

/// The divisions of `kind`'s tasks `who` lists with `query`, sorted.
pub(super) async fn listed(t: &TestSystem, who: &str, kind: &str, query: &str) -> Vec<String> {
    let answer = t.get(who, &format!("/v1/tasks?kind={kind}&limit=500{query}")).await;
    let mut divisions: Vec<String> =
        answer.ok(200).as_array().unwrap().iter().map(|task| task["division"].as_str().unwrap().to_owned()).collect();
    divisions.sort();
    divisions
}
