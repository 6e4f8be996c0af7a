//! The gateway's own surface: OpenAPI drift, every documented operation mounted, the public
//! operations the document names, the offline docs page, health, idempotency, If-Match. (Every
//! answer the suite receives is also checked against the document: `chain_system_tests::conformance`.)

use chain_system_tests::{Answer, application, rid, spawn};
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_served_openapi_document_equals_the_committed_one() {
    let t = spawn().await;
    let served = reqwest::get(format!("{}/openapi.json", t.base)).await.unwrap().text().await.unwrap();
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/openapi.json")).expect(
        "openapi/openapi.json is committed; regenerate it with `cargo run -p chain -- openapi > openapi/openapi.json`",
    );
    let served: serde_json::Value = serde_json::from_str(&served).unwrap();
    let committed: serde_json::Value = serde_json::from_str(&committed).unwrap();
    assert_eq!(
        served, committed,
        "the API changed: regenerate openapi/openapi.json with `cargo run -p chain -- openapi > openapi/openapi.json`"
    );
    assert_eq!(served["openapi"], "3.1.0");
    t.stop().await;
}

/// Whether the router itself answered: no route for the path, or none for the method.
fn answered_by_the_router(a: &Answer) -> bool {
    let detail = a.body["detail"].as_str().unwrap_or_default();
    (a.status == 404 && detail.starts_with("no route for "))
        || (a.status == 405 && detail.ends_with(" does not accept this method"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_operation_reaches_its_handler_and_no_other_method_is_routed() {
    let t = spawn().await;
    let doc: serde_json::Value = reqwest::get(format!("{}/openapi.json", t.base)).await.unwrap().json().await.unwrap();
    let token = t.token("SINAN");
    let methods = [Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE];
    let mut routed = std::collections::BTreeMap::<String, Vec<Method>>::new();
    // A record that exists nowhere, in a division that does: every handler refuses without
    // changing anything.
    let nowhere = uuid::Uuid::now_v7().to_string();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let url = concrete(path, &nowhere);
        let (mount, custom) = match url.split_once(':') {
            Some((base, _)) => (base.to_owned(), true),
            None => (url.clone(), false),
        };
        for method in methods.iter().filter(|m| item.get(m.as_str().to_lowercase()).is_some()) {
            let body = (method != Method::GET).then(|| json!({}));
            let a = t.send(method.clone(), &url, &token, body, &[]).await;
            assert!(!answered_by_the_router(&a), "{method} {path} is documented but not mounted: {}", a.body);
            if custom {
                assert_ne!(a.body["detail"], "operation not found", "{method} {path} is documented but not dispatched");
            }
            routed.entry(mount.clone()).or_default().push(method.clone());
        }
    }
    for (mount, documented) in routed {
        for method in methods.iter().filter(|m| !documented.contains(m)) {
            let body = (method != Method::GET).then(|| json!({}));
            let a = t.send(method.clone(), &mount, &token, body, &[]).await;
            assert!(answered_by_the_router(&a), "{method} {mount} is answered but not documented: {}", a.body);
        }
    }
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operations_documented_as_public_answer_without_a_token_and_no_other_does() {
    let t = spawn().await;
    let doc: serde_json::Value = reqwest::get(format!("{}/openapi.json", t.base)).await.unwrap().json().await.unwrap();
    let nowhere = uuid::Uuid::now_v7().to_string();
    let mut public = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let url = concrete(path, &nowhere);
        for (method, op) in item.as_object().unwrap() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let security = op["security"].as_array().unwrap_or_else(|| panic!("{method} {path} states no security"));
            let body = (method != Method::GET).then(|| json!({}));
            let a = t.send(method.clone(), &url, "", body, &[]).await;
            if security.is_empty() {
                assert!(a.status.is_success(), "{method} {path} is documented as public: {} {}", a.status, a.body);
                public.push(path.clone());
            } else {
                assert_eq!(a.status, 401, "{method} {path} is documented as needing a token: {}", a.body);
                a.problem(401, "unauthenticated");
            }
        }
    }
    public.sort();
    assert_eq!(
        public,
        ["/healthz", "/readyz", "/v1/divisions", "/v1/divisions/{code}", "/v1/divisions/{code}/children"]
    );
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_docs_page_and_all_its_assets_are_served_by_the_gateway_itself() {
    let t = spawn().await;
    let page = reqwest::get(format!("{}/docs/", t.base)).await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(!html.contains("https://"), "the page must not load anything from the internet");
    // Every script and stylesheet the page references comes from the gateway.
    for asset in html.split(['"', '\'']).filter(|s| s.ends_with(".js") || s.ends_with(".css")) {
        let url = format!("{}/docs/{}", t.base, asset.trim_start_matches("./"));
        let resp = reqwest::get(&url).await.unwrap();
        assert_eq!(resp.status(), 200, "{url}");
    }
    let init = reqwest::get(format!("{}/docs/swagger-initializer.js", t.base)).await.unwrap().text().await.unwrap();
    assert!(init.contains("/openapi.json"));
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_readiness_answer() {
    let t = spawn().await;
    assert_eq!(reqwest::get(format!("{}/healthz", t.base)).await.unwrap().status(), 200);
    let ready = reqwest::get(format!("{}/readyz", t.base)).await.unwrap();
    assert_eq!(ready.status(), 200);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["nats"], true);
    assert_eq!(body["database"], true);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idempotency_key_replays_the_first_answer_and_refuses_a_different_body() {
    let t = spawn().await;
    let token = t.token("VILLAGE");
    let body = application(&[rid("52062419770707001")]);
    let key = [("Idempotency-Key", "register-1")];
    let first = t.send(reqwest::Method::POST, "/v1/households", &token, Some(body.clone()), &key).await;
    let again = t.send(reqwest::Method::POST, "/v1/households", &token, Some(body.clone()), &key).await;
    assert_eq!(first.ok(201)["id"], again.ok(201)["id"], "the retry returns the same household");
    assert_eq!(again.headers["idempotent-replayed"], "true");
    let other = application(&[rid("52062419770707028")]);
    t.send(reqwest::Method::POST, "/v1/households", &token, Some(other), &key)
        .await
        .problem(422, "idempotency-key-reused");
    // Without a token, a malformed key is not looked at: authentication comes first.
    let empty = [("Idempotency-Key", "")];
    let anonymous = t.send(reqwest::Method::POST, "/v1/households", "", Some(body.clone()), &empty).await;
    assert_eq!(anonymous.status.as_u16(), 401, "{}", anonymous.body);
    t.send(reqwest::Method::POST, "/v1/households", &token, Some(body.clone()), &empty)
        .await
        .problem(422, "validation");

    // Concurrent appraisals on one version: exactly one wins.
    let id = first.body["id"].as_str().unwrap().to_owned();
    let head = t.token("VILLAGEHEAD");
    let path = format!("/v1/households/{id}:appraise");
    let votes = json!({ "votes_for": 12, "votes_against": 3 });
    let (a, b) = tokio::join!(
        t.send(reqwest::Method::POST, &path, &head, Some(votes.clone()), &[("If-Match", "\"1\"")]),
        t.send(reqwest::Method::POST, &path, &head, Some(votes.clone()), &[("If-Match", "\"1\"")]),
    );
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses[0], 200);
    assert!(statuses[1] == 412 || statuses[1] == 409 || statuses[1] == 422, "{statuses:?}");
    // A stale If-Match is refused.
    t.send(
        reqwest::Method::POST,
        &format!("/v1/households/{id}:verify"),
        &head,
        Some(json!({})),
        &[("If-Match", "\"1\"")],
    )
    .await
    .problem(412, "precondition-failed");
    t.stop().await;
}

/// A documented path with its parameters filled in: `id` by `id`, divisions by Sinan county, the
/// year by 2016.
fn concrete(path: &str, id: &str) -> String {
    path.replace("{id}", id)
        .replace("{code}", "520624")
        .replace("{county}", "520624")
        .replace("{division}", "520624")
        .replace("{year}", "2016")
}
