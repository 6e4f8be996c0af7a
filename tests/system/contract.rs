//! The document and the system agree at the edges: the bounds the document states are the ones the
//! services enforce, a record's path without a custom method is refused as such whatever the body,
//! and the task feed's events have the shape the document gives them.

use chain_system_tests::{conformance, spawn};
use reqwest::Method;
use serde_json::{Value, json};

async fn document(base: &str) -> Value {
    reqwest::get(format!("{base}/openapi.json")).await.unwrap().json().await.unwrap()
}

fn directive(extra: Value) -> Value {
    let mut body = json!({
        "service": "planning",
        "kind": "supervision.rectification",
        "title": "Rectify what the inspection found",
        "targets": { "divisions": ["520624101201"] },
        "due_date": "2099-01-01",
    });
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_on_a_record_without_a_custom_method_is_405_whatever_its_body() {
    let t = spawn().await;
    let token = t.token("CENTRAL");
    let id = uuid::Uuid::now_v7();
    for path in [
        format!("/v1/households/{id}"),
        format!("/v1/exits/{id}"),
        format!("/v1/monitoring/{id}"),
        format!("/v1/plans/{id}"),
        format!("/v1/tasks/{id}"),
    ] {
        // No body and no Content-Type: which method is meant is decided before the body is read.
        t.send(Method::POST, &path, &token, None, &[]).await.problem(405, "method-not-allowed");
        t.send(Method::POST, &path, &token, Some(json!({})), &[]).await.problem(405, "method-not-allowed");
        t.send(Method::POST, &format!("{path}:no-such-method"), &token, None, &[]).await.problem(404, "not-found");
    }
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_directive_is_refused_exactly_outside_the_bounds_the_document_states() {
    let t = spawn().await;
    let doc = document(&t.base).await;
    let schema = &doc["components"]["schemas"]["IssueDirective"]["properties"];
    assert_eq!(
        (schema["required_approvals"]["minimum"].as_i64(), schema["required_approvals"]["maximum"].as_i64()),
        (Some(1), Some(5))
    );
    assert_eq!((schema["title"]["minLength"].as_u64(), schema["title"]["maxLength"].as_u64()), (Some(1), Some(200)));
    assert_eq!((schema["kind"]["minLength"].as_u64(), schema["kind"]["maxLength"].as_u64()), (Some(1), Some(64)));
    assert_eq!(schema["kind"]["pattern"], "^[a-z][a-z0-9.-]*$");

    for (extra, field) in [
        (json!({ "required_approvals": 0 }), "required_approvals"),
        (json!({ "required_approvals": 6 }), "required_approvals"),
        (json!({ "title": "t".repeat(201) }), "title"),
        (json!({ "kind": format!("k{}", "x".repeat(64)) }), "kind"),
        (json!({ "kind": "Supervision" }), "kind"),
    ] {
        let refused = t.post("CENTRAL", "/v1/directives", directive(extra)).await;
        assert_eq!(refused.problem(422, "validation")["errors"][0]["field"], field);
    }
    let edge = json!({ "required_approvals": 5, "title": "t".repeat(200), "kind": format!("k{}", "x".repeat(63)) });
    t.post("CENTRAL", "/v1/directives", directive(edge)).await.ok(201);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idempotency_key_is_refused_exactly_outside_the_bounds_the_document_states() {
    let t = spawn().await;
    let doc = document(&t.base).await;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for p in op["parameters"].as_array().into_iter().flatten().filter(|p| p["name"] == "Idempotency-Key") {
                let bounds = (p["schema"]["minLength"].as_u64(), p["schema"]["maxLength"].as_u64());
                assert_eq!(bounds, (Some(1), Some(200)), "{method} {path}");
            }
        }
    }
    let token = t.token("CENTRAL");
    let long = "k".repeat(201);
    let refused =
        t.send(Method::POST, "/v1/directives", &token, Some(directive(json!({}))), &[("Idempotency-Key", &long)]).await;
    assert_eq!(refused.problem(422, "validation")["errors"][0]["field"], "Idempotency-Key");
    let longest = "k".repeat(200);
    t.send(Method::POST, "/v1/directives", &token, Some(directive(json!({}))), &[("Idempotency-Key", &longest)])
        .await
        .ok(201);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_event_of_the_task_feed_has_the_shape_the_document_gives_it() {
    let t = spawn().await;
    let doc = document(&t.base).await;
    let issued = t.post("CENTRAL", "/v1/directives", directive(json!({}))).await.ok(201).clone();
    let root = issued["task"]["id"].as_str().unwrap().to_owned();
    let mut stream =
        t.stream("CENTRAL", &format!("/v1/tasks/{root}/events"), None).await.unwrap_or_else(|a| panic!("{a:?}"));
    let event = stream.next_event().await.expect("the root's opening");

    // The stream's schema describes one event by its fields, `data` holding a TaskEvent as JSON.
    let media = &doc["paths"]["/v1/tasks/{id}/events"]["get"]["responses"]["200"]["content"]["text/event-stream"];
    let name = media["schema"]["$ref"].as_str().unwrap().rsplit('/').next().unwrap();
    let framing = &doc["components"]["schemas"][name];
    assert_eq!(framing["properties"]["data"]["contentMediaType"], "application/json");
    assert_eq!(framing["properties"]["data"]["contentSchema"]["$ref"], "#/components/schemas/TaskEvent");
    let as_framed = json!({ "id": event.id, "event": event.event, "data": event.data.to_string() });
    conformance::validate(framing, &as_framed);
    conformance::validate(&doc["components"]["schemas"]["TaskEvent"], &event.data);
    assert_eq!(event.id.as_deref(), Some(event.data["seq"].to_string().as_str()));
    assert_eq!(event.event, event.data["change"]);
    // A Last-Event-ID outside the documented form is refused, also when it is not ASCII.
    for id in ["\u{84}", "five"] {
        match t.stream("CENTRAL", &format!("/v1/tasks/{root}/events"), Some(id)).await {
            Err(refused) => {
                refused.problem(400, "bad-request");
            }
            Ok(_) => panic!("Last-Event-ID {id:?} must be refused"),
        }
    }
    t.stop().await;
}
