//! Bad input: each gets a clear problem+json and nothing is written.

use chain_system_tests::{application, eventually, rid, spawn};
use serde_json::json;

use crate::story::{approved_plan, identified_household};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_households_are_refused_field_by_field_and_nothing_is_written() {
    let t = spawn().await;
    let good = rid("52062419800101002");
    let mut wrong_check = good.clone();
    let last = if wrong_check.ends_with('1') { '2' } else { '1' };
    wrong_check.pop();
    wrong_check.push(last);

    let p = t.post("VILLAGE", "/v1/households", application(&[good.clone(), wrong_check.clone()])).await;
    p.problem(422, "validation");
    assert_eq!(p.body["errors"][0]["field"], "members/1/resident_id");
    assert!(!p.body.to_string().contains(&wrong_check), "an error never echoes an ID number");

    let impossible_date = rid("52062419800230002");
    let p = t.post("VILLAGE", "/v1/households", application(&[impossible_date])).await;
    p.problem(422, "validation");
    assert!(p.body["errors"][0]["message"].as_str().unwrap().contains("birth date"), "{}", p.body);

    let mut unknown = application(std::slice::from_ref(&good));
    unknown["village"] = json!("520624999999");
    let p = t.post("VILLAGE", "/v1/households", unknown).await;
    p.problem(422, "validation");
    assert_eq!(p.body["errors"][0]["field"], "village");

    let mut negative = application(std::slice::from_ref(&good));
    negative["per_capita_income_fen"] = json!(-1);
    t.post("VILLAGE", "/v1/households", negative).await.problem(422, "validation");

    // None of the above was stored: the valid ID is still free to register exactly once.
    t.post("VILLAGE", "/v1/households", application(std::slice::from_ref(&good))).await.ok(201);
    // A second application naming the same person is kept for adjudication, not registered.
    let dup = t.post("VILLAGE", "/v1/households", application(&[rid("52062419800101010"), good.clone()])).await;
    assert_eq!(dup.status.as_u16(), 202, "{}", dup.body);
    assert_eq!(dup.body["status"], "suspected_duplicate");
    assert_eq!(dup.body["adjudication"]["members"], json!([1]));
    // ... and the suspect claims none of its members' IDs until it is decided.
    t.post("VILLAGE", "/v1/households", application(&[rid("52062419800101010")])).await.ok(201);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn negative_money_and_over_spending_are_refused_and_the_ledger_stays_balanced() {
    let t = spawn().await;
    t.allocate("CENTRAL", "52", -5).await.problem(422, "validation");
    t.allocate("CENTRAL", "52", 1_000).await.ok(201);
    // Guizhou received 1,000 fen and cannot pass on more.
    t.allocate("GUIZHOU", "520624", 1_001).await.problem(422, "insufficient-funds");
    t.allocate("GUIZHOU", "520624", 600).await.ok(201);

    let hid = identified_household(&t, &[rid("52062419850505007")]).await;
    let plan = approved_plan(&t, &hid).await;
    let plan_id = plan["id"].as_str().unwrap().to_owned();
    let over = eventually("funding to learn of the plan", || async {
        let d = t
            .post("SINAN", "/v1/disbursements", json!({ "plan_id": plan_id, "amount_fen": 601, "purpose": "too much" }))
            .await;
        (d.status != 404).then_some(d)
    })
    .await;
    over.problem(422, "insufficient-funds");
    t.post("SINAN", "/v1/disbursements", json!({ "plan_id": plan_id, "amount_fen": 0, "purpose": "nothing" }))
        .await
        .problem(422, "validation");

    let sinan = t.get("SINAN", "/v1/accounts/520624").await.ok(200).clone();
    assert_eq!(
        (sinan["received_fen"].as_i64(), sinan["disbursed_fen"].as_i64(), sinan["balance_fen"].as_i64()),
        (Some(600), Some(0), Some(600))
    );
    let check = t.get("CENTRAL", "/v1/ledger/check").await.ok(200).clone();
    assert_eq!(check["balanced"], true);
    assert_eq!(check["entries"], 4);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_get_problems_from_the_gateway() {
    let t = spawn().await;
    let token = t.token("VILLAGE");
    let client = reqwest::Client::new();
    let raw = client
        .post(format!("{}/v1/households", t.base))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{ not json")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 400);
    assert_eq!(raw.headers()["content-type"], "application/problem+json");
    let body: serde_json::Value = raw.json().await.unwrap();
    assert_eq!(body["type"], "/problems/malformed-json");

    let wrong_type =
        client.post(format!("{}/v1/households", t.base)).bearer_auth(&token).body("{}").send().await.unwrap();
    assert_eq!(wrong_type.status(), 415);

    let missing_field = t.post("VILLAGE", "/v1/households", json!({ "village": "520624101201" })).await;
    missing_field.problem(422, "validation");

    t.get("VILLAGE", "/v1/no-such-thing").await.problem(404, "not-found");
    t.send(reqwest::Method::DELETE, "/v1/households", &token, None, &[]).await.problem(405, "method-not-allowed");
    t.get("VILLAGE", "/v1/households/not-a-uuid").await.problem(404, "not-found");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_method_a_path_does_not_serve_is_refused_with_405_and_the_methods_it_does() {
    let t = spawn().await;
    let token = t.token("SINAN");
    let hid = t.post("VILLAGE", "/v1/households", application(&[rid("52062419800101071")])).await.ok(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let record = format!("/v1/households/{hid}");
    let step = format!("/v1/households/{hid}:approve");
    let cases: [(reqwest::Method, &str, &str); 5] = [
        // A record's own path: its steps are custom methods, never a plain POST.
        (reqwest::Method::POST, &record, "GET, HEAD"),
        (reqwest::Method::PUT, &record, "GET, HEAD"),
        // A collection, a custom method, an upload.
        (reqwest::Method::DELETE, "/v1/households", "GET, HEAD, POST"),
        (reqwest::Method::GET, &step, "POST"),
        (reqwest::Method::GET, "/v1/imports", "POST"),
    ];
    for (method, path, allow) in cases {
        let a = t.send(method.clone(), path, &token, Some(json!({})), &[]).await;
        let p = a.problem(405, "method-not-allowed");
        assert_eq!(a.headers["allow"], allow, "{method} {path}");
        assert_eq!(p["instance"], path, "{method} {path}: {p}");
        assert!(p["detail"].as_str().unwrap().starts_with(path), "{p}");
    }
    // A plain POST with a body of the wrong type is still a wrong method, not a wrong body.
    let client = reqwest::Client::new();
    let sent = client.post(format!("{}{record}", t.base)).bearer_auth(&token).body("x").send().await.unwrap();
    assert_eq!(sent.status(), 405);
    assert_eq!(sent.headers()["allow"], "GET, HEAD");
    // The path is named as it was requested, escapes and all.
    let escaped = "/v1/households/%E7%94%B2%20x";
    let a = t.send(reqwest::Method::DELETE, escaped, &token, None, &[]).await;
    assert_eq!(a.problem(405, "method-not-allowed")["instance"], escaped);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_of_the_wrong_media_type_is_refused_with_415_naming_json() {
    let t = spawn().await;
    let client = reqwest::Client::new();
    let hid = t.post("VILLAGE", "/v1/households", application(&[rid("52062419800101072")])).await.ok(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for path in ["/v1/allocations".to_owned(), "/v1/households".to_owned(), format!("/v1/households/{hid}:appraise")] {
        let sent = client
            .post(format!("{}{path}", t.base))
            .bearer_auth(t.token("VILLAGEHEAD"))
            .header("content-type", "text/plain")
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(sent.status(), 415, "{path}");
        assert_eq!(sent.headers()["content-type"], "application/problem+json");
        let p: serde_json::Value = sent.json().await.unwrap();
        assert_eq!(p["type"], "/problems/unsupported-media-type");
        assert!(p["detail"].as_str().unwrap().contains("application/json"), "{p}");
    }
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_field_that_does_not_fit_is_named_with_what_it_must_be() {
    let t = spawn().await;
    let before = t.get("CENTRAL", "/v1/accounts/52?year=2016").await.body.clone();
    for amount in [json!(1.5), json!("100")] {
        let body = json!({ "to": "52", "year": 2016, "amount_fen": amount, "fund": "central-special", "reason": "hand-set for the test" });
        let a = t.post("CENTRAL", "/v1/allocations", body).await;
        let p = a.problem(422, "validation");
        assert_eq!(p["errors"][0]["field"], "amount_fen", "{p}");
        assert_eq!(p["errors"][0]["message"], "must be a whole number of fen", "{p}");
        assert!(!p["detail"].as_str().unwrap().contains("invalid type"), "no decoder text: {p}");
    }
    let missing = json!({ "to": "52", "year": 2016, "fund": "central-special", "reason": "hand-set for the test" });
    let p = t.post("CENTRAL", "/v1/allocations", missing).await.problem(422, "validation").clone();
    assert_eq!(
        (p["errors"][0]["field"].as_str(), p["errors"][0]["message"].as_str()),
        (Some("amount_fen"), Some("is required"))
    );
    assert_eq!(t.get("CENTRAL", "/v1/accounts/52?year=2016").await.body, before, "nothing was allocated");

    // A custom method's body, and a request on the bus that bypasses the gateway's reading.
    let hid = t.post("VILLAGE", "/v1/households", application(&[rid("52062419800101073")])).await.ok(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let appraisal = json!({ "votes_for": 2.5, "votes_against": 0 });
    let p = t
        .post("VILLAGEHEAD", &format!("/v1/households/{hid}:appraise"), appraisal)
        .await
        .problem(422, "validation")
        .clone();
    assert_eq!(
        (p["errors"][0]["field"].as_str(), p["errors"][0]["message"].as_str()),
        (Some("votes_for"), Some("must be a whole number"))
    );
    let bus = t.gateway_bus().await;
    let central = chain::demo::official("CENTRAL").principal();
    let body = json!({ "to": "52", "year": 2016, "amount_fen": 0.5, "fund": "central-special", "reason": "hand-set for the test" });
    let refused = bus
        .request::<_, serde_json::Value>("funding", chain_api::verbs::funding::ALLOCATION_CREATE, &central, &body)
        .await
        .unwrap_err();
    assert_eq!(refused.status, 422);
    assert_eq!(refused.errors[0].field, "amount_fen");
    assert_eq!(refused.errors[0].message, "must be a whole number of fen");
    t.stop().await;
}
